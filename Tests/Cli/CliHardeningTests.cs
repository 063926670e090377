// CLI consistency and exit codes (issue 16, points 5 and 6): extra positional arguments are
// usage errors, --host-exit-codes keeps 64..125 for the host, debug takes
// --max-instructions, an empty source is warned about, a file over 2 GiB gets our message.
namespace R4.Tests.Cli;

public sealed class CliHardeningTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private static string PowerOffWith(int status) => $"""
        .org 0x1000
            li r1, {status}
            out 0xF0, r1
        """;

    [Fact]
    public void AnExtraPositionalArgumentIsAUsageError()
    {
        string guest = cli.Write("a.asm", PowerOffWith(0));
        var run = cli.Run("run", guest, "--mem", "16M", "stray.asm");
        Assert.Equal(64, run.ExitCode);
        Assert.StartsWith("r4 run: unexpected argument 'stray.asm'", run.Stderr);
        Assert.Contains("see 'r4 run --help'", run.Stderr);
        Assert.Equal(0, cli.Run("run", guest, "--mem", "16M", "--stats").ExitCode);   // option values are not positional
    }

    [Theory]
    [InlineData(5, false, 5)]
    [InlineData(65, false, 65)]
    [InlineData(5, true, 5)]
    [InlineData(65, true, 122)]
    [InlineData(200, true, 122)]
    public void HostExitCodesKeepTheHostRangeForTheHost(int status, bool hostCodes, int expected)
    {
        string guest = cli.Write("s.asm", PowerOffWith(status));
        var run = hostCodes ? cli.Run("run", guest, "--host-exit-codes", "--stats-json", "-") : cli.Run("run", guest);
        Assert.Equal(expected, run.ExitCode);
        if (expected == 122)
        {
            Assert.Contains($"the guest powered off with status {status}", run.Stderr);
            Assert.Contains($"\"exitStatus\": {status}", run.Stdout);
            Assert.Contains("\"exitCode\": 122", run.Stdout);
        }
    }

    [Fact]
    public void DebugTakesMaxInstructions()
    {
        string guest = cli.Write("spin.asm", ".org 0x1000\nspin:\n    jmp spin\n");
        string commands = cli.Write("cmds.txt", "continue\n");
        var run = cli.Run("debug", guest, "--commands", commands, "--max-instructions", "50");
        Assert.Contains("InstructionLimit", run.Stdout);
    }

    [Fact]
    public void AnEmptySourceGetsAWarning()
    {
        string empty = cli.Write("empty.asm", "");
        var run = cli.Run("asm", empty, "-o", cli.PathOf("empty.elf"));
        Assert.Contains($"{empty}: warning: the source file is empty", run.Stderr);
    }

    [Fact]
    public void AFileOver2GiBGetsOurMessage()
    {
        string big = cli.PathOf("big.bin");
        using (var file = File.Create(big)) file.SetLength((2L << 30) + 4096);   // sparse
        var run = cli.Run("run", big);
        Assert.Equal(65, run.ExitCode);
        Assert.StartsWith($"r4: {big}: it is {(2L << 30) + 4096} bytes; r4 reads files of at most", run.Stderr);
    }

    // Every usage error, whether CommandLineParser or the verb refuses the value, is
    // "r4 VERB: ..." and the pointer to the verb's --help, exit 64 (Program.Run, one place).
    [Theory]
    [InlineData("run", "--mem 3K", "--mem 3K: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)")]
    [InlineData("run", "--base 0x1002", "--base 0x1002: give a 4-aligned address (e.g. 0x1000)")]
    [InlineData("run", "--layout ring9", "--layout ring9: give one of native|ring012|ring013|ring3|bt|hw")]
    [InlineData("run", "--engine gpu", "--engine gpu: give 'jit' or 'interp'")]
    [InlineData("run", "-D 9=1", "-D 9=1: '9' is not a symbol name")]
    [InlineData("debug", "--mem 5", "--mem 5: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)")]
    [InlineData("debug", "--layout x", "--layout x: give one of native|ring012|ring013|ring3|bt|hw")]
    [InlineData("compare", "--repeat 0", "--repeat 0: give at least 1")]
    [InlineData("compare", "--plot-metric speed", "--plot-metric speed: give cycles, host or exits")]
    [InlineData("asm", "-D N=zz", "-D N=zz: 'zz' is not a number (decimal, 0x hex or 0b binary)")]
    public void EveryUsageErrorNamesTheVerbAndPointsToItsHelp(string verb, string arguments, string message)
    {
        string guest = cli.Write("a.asm", PowerOffWith(0));
        var run = cli.Run([verb, guest, .. arguments.Split(' ')]);
        Assert.Equal((64, "", CliHarness.Usage(verb, message)), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    [InlineData("run --help")]
    [InlineData("help run")]
    [InlineData("debug --help")]
    [InlineData("help debug")]
    public void HelpAskedForGoesToStandardOutput(string arguments)
    {
        var run = cli.Run(arguments.Split(' '));
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Contains(arguments.Contains("run") ? "r4 run Guests/examples/hello.asm" : "debug ", run.Stdout);
    }

    [Fact]
    public void HelpOfAnUnknownVerbIsAUsageError()
    {
        var run = cli.Run("help", "frob");
        Assert.Equal((64, "", "r4: help frob: no such verb; 'r4 --help' lists them\n"), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Fact]
    public void NoVerbIsAUsageErrorOnStandardError()
    {
        var run = cli.Run();
        Assert.Equal((64, ""), (run.ExitCode, run.Stdout));
        Assert.Contains("run", run.Stderr);
    }
}
