// Start-up work `r4` defers (docs/performance.md, issue 14 "startup"): standard error is made
// on its first write (LazyWriter), and what a guest writes there still arrives, in order.
using System.Diagnostics;
using R4.Cli;

namespace R4.Tests.Cli;

public sealed class StartupTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void LazyWriterMakesItsTargetOnTheFirstWriteOnly()
    {
        int made = 0;
        var target = new StringWriter();
        var writer = new LazyWriter(() => { made++; return target; });
        writer.Flush();
        Assert.Equal(0, made);   // a flush with nothing written makes nothing
        writer.Write('a');
        writer.Write("bc");
        writer.Write(['d', 'e', 'f'], 1, 2);
        writer.Write("gh".AsSpan());
        writer.WriteLine();
        writer.WriteLine("line");
        writer.WriteLine("span".AsSpan());
        writer.WriteLine($"{1 + 1} interpolated");
        writer.Write(42);
        writer.WriteLine(true);
        writer.Flush();
        Assert.Equal(1, made);
        Assert.Same(target, writer.Target);
        Assert.Equal($"abcefgh{Environment.NewLine}line{Environment.NewLine}span{Environment.NewLine}2 interpolated{Environment.NewLine}42True{Environment.NewLine}",
            target.ToString());
    }

    [Fact]
    public void TheProcessStandardErrorCountsAsATerminalCandidate()
    {
        // Terminal.IsTerminal must recognise the writer Main hands the verbs (compare's progress bar).
        Assert.Equal(!Console.IsErrorRedirected, Terminal.IsTerminal(Program.StandardError));
    }

    [Theory]
    [InlineData(new[] { "run", "GUEST", "--stats" }, 0)]                    // the quick path, stats on stderr
    [InlineData(new[] { "run", "GUEST", "--max-instructions", "3" }, 124)]  // CommandLineParser's path, a stop message
    [InlineData(new[] { "run", "GUEST", "--frob" }, 64)]                   // a usage error
    public void TheRealProcessWritesStandardErrorAsBefore(string[] arguments, int exitCode)
    {
        string guest = cli.Write("hi.asm", "    li r1, 'h'\n    out 0x00, r1\n    li r1, 0\n    out 0xF0, r1\n");
        var start = CliHarness.R4Process(arguments.Select(argument => argument == "GUEST" ? guest : argument));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        // The same text Program.Run gives a test's writers, now through the real descriptor 2
        // (--stats: its first line; the rest holds host times).
        var expected = cli.Run(arguments.Select(a => a == "GUEST" ? guest : a).ToArray());
        Assert.Equal((exitCode, exitCode), (expected.ExitCode, process.ExitCode));
        Assert.NotEqual("", stderr);
        if (arguments.Contains("--stats")) Assert.Equal(FirstLine(expected.Stderr), FirstLine(stderr));
        else Assert.Equal(expected.Stderr, stderr);
        Assert.Equal(exitCode == 64 ? "" : "h", stdout.Result);
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
