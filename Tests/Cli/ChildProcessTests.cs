// What only the real process shows (issue 16): the built `r4` run as a child with its
// standard output redirected by the OS, not a TextWriter. Its stdout appended to a file keeps
// what the file held (r4 writes with write(2) on descriptor 1, which has no position of its
// own), and a reader that closes the pipe early ends every verb with exit 74 and no message.
using System.Diagnostics;

namespace R4.Tests.Cli;

public sealed class ChildProcessTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    private const string Hello = """
        .org 0x1000
            li r1, 'h'
            out 0x00, r1
            li r1, 'i'
            out 0x00, r1
            li r1, 10
            out 0x00, r1
            li r1, 0
            out 0xF0, r1
        """;

    [Fact]
    public void RunWithStdoutAppendedToAFileKeepsWhatTheFileHeld()
    {
        string guest = cli.Write("hello.asm", Hello);
        string log = cli.Write("log.txt", "earlier line\n");
        // `>>` opens the file with O_APPEND, as a shell script's log does.
        var shell = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"exec {string.Join(' ', CliHarness.R4Command.Select(Quote))} run {Quote(guest)} >> {Quote(log)}" },
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(shell)!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal((0, ""), (process.ExitCode, stderr));
        Assert.Equal("earlier line\nhi\n", File.ReadAllText(log));
    }

    [Theory]
    [InlineData("disasm")]
    [InlineData("asm")]
    public void AVerbWhoseReaderClosesThePipeExits74Quietly(string verb)
    {
        // Far more output than a pipe holds (a flat binary of 256 Ki instruction words, ~9 MB of
        // listing), so the writer is still writing when the reader goes away. (Not zero words:
        // disasm shows a zero run as one .space line, 233 bytes in all, and the verb could then
        // finish before the reader closed the pipe and exit 0 — more often once start-up got faster.)
        string flat = cli.Write("words.bin", Enumerable.Repeat(new byte[] { 0x05, 0x00, 0x10, 0x20 }, 1 << 18).SelectMany(w => w).ToArray());
        string source = cli.Write("big.asm", ".org 0x1000\n" + string.Concat(Enumerable.Repeat("    nop\n", 20_000)));
        string[] arguments = verb == "disasm" ? ["disasm", "--base", "0x1000", flat] : ["asm", source, "-o", cli.PathOf("big.elf"), "--listing", "-"];
        var start = CliHarness.R4Process(arguments);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var first = new char[100];
        int got = 0;
        for (int n = 1; got < first.Length && n > 0; got += n)
            n = process.StandardOutput.Read(first, got, first.Length - got);
        Assert.Equal(first.Length, got);   // (an early end: the command failed, see its exit code)
        process.StandardOutput.Close();   // like `| head -c 100`
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal((74, ""), (process.ExitCode, stderr.Result));
    }
}
