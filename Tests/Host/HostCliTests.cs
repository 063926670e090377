// `r4 host` end to end, as issue 10 checks it: guests given on the command line run together;
// guest i's console goes to DIR/i.txt; the --stats-json document has "guests" (in order, with
// instructions, exitStatus, stopReason, hostSeconds) and the machine's hostSeconds; each
// guest's console and instruction count equal a solo `r4 run` of it in the same layout —
// the teaching kernel, compute, hello, nullcall and a hostile guest, mixed. Plus the usage
// errors, the refusals of a machine that does not fit, and the description file.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Host;

public class HostCliTests
{
    private static readonly string[] IssueMix =
        ["Guests/kernels/teach/kernel.asm", "Guests/examples/compute.asm", "Guests/examples/hello.asm", "Guests/bench/nullcall.asm"];

    /// <summary>Spins with interrupts off after flooding the console: stopped by its own instruction limit.</summary>
    private const string Hostile = """
        .entry start
        start:
            cli
            li   r2, 'x'
            li   r3, 5000
        flood:
            out  0x00, r2
            addi r3, r3, -1
            bnez r3, flood
        spin:
            jmp  spin
        """;

    private static string Abs(string repositoryPath) => RepositoryPaths.Combine(repositoryPath);

    [Theory]
    [InlineData("ring012")]
    [InlineData("ring3")]
    [InlineData("bt")]
    [InlineData("hw")]
    public void EachGuestSeesWhatASoloRunSees(string layout)
    {
        using var cli = new CliHarness();
        string hostile = cli.Write("hostile.asm", Hostile);
        var guests = IssueMix.Select(Abs).Append(hostile).ToArray();
        string dir = cli.PathOf("consoles"), json = cli.PathOf("host.json");
        var run = cli.Run(["host", .. guests, "--layout", layout, "--console-dir", dir, "--stats-json", json, "--max-instructions", "6000000", "-D", "N=40"]);

        Assert.Equal(124, run.ExitCode);   // the hostile guest (guest 5) ran into its limit; the first non-zero code
        Assert.Contains("r4: guest 5 (", run.Stderr);
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var list = document.RootElement.GetProperty("guests").EnumerateArray().ToList();
        Assert.Equal(guests.Length, list.Count);
        Assert.True(document.RootElement.GetProperty("hostSeconds").GetDouble() > 0);
        for (int i = 0; i < guests.Length; i++)
        {
            string soloJson = cli.PathOf($"solo{i}.json");
            var solo = cli.Run("run", guests[i], "--layout", layout, "--stats-json", soloJson, "--max-instructions", "6000000", "-D", "N=40");
            using var soloDocument = JsonDocument.Parse(File.ReadAllBytes(soloJson));
            var soloStats = soloDocument.RootElement;
            Assert.Equal(solo.Console, File.ReadAllText(Path.Combine(dir, $"{i + 1}.txt")));
            var together = list[i];
            Assert.Equal(soloStats.GetProperty("instructions").GetUInt64(), together.GetProperty("instructions").GetUInt64());
            Assert.Equal(soloStats.GetProperty("stopReason").GetString(), together.GetProperty("stopReason").GetString());
            Assert.Equal(soloStats.GetProperty("exitStatus").ToString(), together.GetProperty("exitStatus").ToString());
            Assert.True(together.GetProperty("hostSeconds").GetDouble() >= 0);
            Assert.Equal(solo.ExitCode, together.GetProperty("exitCode").GetInt32());
        }
        Assert.Equal("InstructionLimit", list[4].GetProperty("stopReason").GetString());
        Assert.Equal(5000, File.ReadAllText(Path.Combine(dir, "5.txt")).Length);
    }

    [Fact]
    public void WithoutAConsoleDirEachLineIsPrefixedWithItsGuest()
    {
        using var cli = new CliHarness();
        var run = cli.Run("host", Abs("Guests/examples/hello.asm"), Abs("Guests/examples/syscalls.asm"), "--layouts", "ring3,ring013");
        Assert.Equal(42, run.ExitCode);   // syscalls exits 42; hello 0
        var lines = run.Console.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("[1] Hello, world!", lines);
        Assert.Contains("[2] Hello from user mode!", lines);
        Assert.All(lines, line => Assert.Matches(@"^\[[12]\] ", line));
        Assert.EndsWith("[2] kernel: exit(42) from ring 3\n", run.Console);   // the last line gets its newline
    }

    [Theory]
    [InlineData(new[] { "--layout", "native" }, "--layout native: every guest of a Type 1 machine runs under the monitor")]
    [InlineData(new[] { "--layouts", "ring012" }, "--layouts ring012: give one value per guest (2 guests, 1 value)")]
    [InlineData(new[] { "--weights", "1,0" }, "--weights 1,0: '0' is not a weight")]
    [InlineData(new[] { "--slice", "0" }, "--slice 0: give at least 1 instruction")]
    [InlineData(new[] { "--sectors", "8" }, "--sectors 8: give the machine disk with --disk")]
    [InlineData(new[] { "--mem", "5000" }, "--mem 5000: give a size that is a multiple of 4 KiB")]
    [InlineData(new[] { "--shadow-sync", "maybe" }, "--shadow-sync maybe: give invlpg or write-protect")]
    [InlineData(new[] { "--shadow-sync", "invlpg", "--shadow-cache", "4" }, "--shadow-cache 4 with --shadow-sync invlpg")]
    public void UsageErrorsNameTheOptionAndPointToHelp(string[] options, string message)
    {
        using var cli = new CliHarness();
        var run = cli.Run(["host", Abs("Guests/examples/hello.asm"), Abs("Guests/examples/hello.asm"), .. options]);
        Assert.Equal(64, run.ExitCode);
        Assert.StartsWith($"r4 host: {message}", run.Stderr);
        Assert.Contains("r4 host: see 'r4 host --help'", run.Stderr);
        Assert.Equal("", run.Console);
    }

    [Fact]
    public void AMachineTooSmallIsRefusedBeforeAnythingRunsNamingTheGuestAndTheNumbers()
    {
        using var cli = new CliHarness();
        string json = cli.PathOf("s.json");
        var run = cli.Run("host", Abs("Guests/examples/hello.asm"), Abs("Guests/examples/compute.asm"),
            "--mem", "1M", "--machine-mem", "3M", "--stats-json", json, "--console-dir", cli.PathOf("c"));
        Assert.Equal(65, run.ExitCode);
        Assert.StartsWith("r4: guest 2 (", run.Stderr);
        Assert.Contains("its partition (1 MiB) and monitor area (1048 KiB) at machine-physical 0x00206000 end at 0x0040c000, past the machine's 3 MiB of RAM (all 2 guests need 4144 KiB)", run.Stderr);
        Assert.False(File.Exists(json));
        Assert.False(File.Exists(Path.Combine(cli.PathOf("c"), "1.txt")));
    }

    [Fact]
    public void DiskWindowsPastTheMachineDiskAreRefused()
    {
        using var cli = new CliHarness();
        string disk = cli.Write("disk.img", new byte[512 * 10]);
        var run = cli.Run("host", Abs("Guests/examples/hello.asm"), Abs("Guests/examples/hello.asm"), "--disk", disk, "--sectors", "6");
        Assert.Equal(65, run.ExitCode);
        Assert.Contains("guest 2 (", run.Stderr);
        Assert.Contains("sectors 6..11 lie past the end of the machine disk (10 sectors of 512 bytes)", run.Stderr);
    }

    [Fact]
    public void TheExampleMachineDescriptionRuns()
    {
        using var cli = new CliHarness();
        string dir = cli.PathOf("out"), json = cli.PathOf("s.json");
        var run = cli.Run("host", "--machine", Abs("Guests/hosts/three.json"), "--console-dir", dir, "--stats-json", json);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(File.ReadAllText(Abs("Guests/examples/hello.expected")), File.ReadAllText(Path.Combine(dir, "3.txt")));
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var layouts = document.RootElement.GetProperty("guests").EnumerateArray().Select(g => g.GetProperty("layout").GetString()).ToList();
        Assert.Equal(["ring012", "ring3", "ring013"], layouts);
    }

    [Theory]
    [InlineData("{\"guests\": []}", "guests: give a list of at least one guest")]
    [InlineData("{\"guests\": [{\"image\": \"x.asm\", \"colour\": 1}]}", "guests[0].colour: unknown key")]
    [InlineData("{\"guests\": [{\"image\": \"x.asm\", \"weight\": 0}]}", "guests[0].weight: 0: give a whole number from 1 to 1000")]
    [InlineData("{\"guests\": [{\"memory\": \"1M\"}]}", "guests[0].image: every guest needs its image")]
    [InlineData("{\"guests\": [\n  {\"image\": }]}", ":2:13: malformed JSON")]
    public void ABadDescriptionNamesTheFileAndThePlace(string text, string message)
    {
        using var cli = new CliHarness();
        string file = cli.Write("m.json", text);
        var run = cli.Run("host", "--machine", file);
        Assert.Equal(65, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.StartsWith($"r4: {file}", run.Stderr);
    }
}
