// Every output goes through OutputFile (issue 16, point 1): a regular file is replaced
// atomically, a symlink's target is written and the link stays, a FIFO is written through
// (not replaced by a regular file), `-` is standard output. Only temp folders are used.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using R4.Cli;

namespace R4.Tests.Cli;

public sealed class OutputFileTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private const string PowerOff = """
        .org 0x1000
            li r1, 3
            out 0xF0, r1
        """;

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private static string FileType(string path)
    {
        var start = new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string type = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return type;
    }

    [Fact]
    public void StatsJsonIntoASymlinkWritesItsTargetAndKeepsTheLink()
    {
        string guest = cli.Write("guest.asm", PowerOff);
        Directory.CreateDirectory(cli.PathOf("real"));
        string target = cli.Write("real/stats.json", "old");
        string link = cli.PathOf("stats-link.json");
        File.CreateSymbolicLink(link, "real/stats.json");   // relative to the link's folder
        var run = cli.Run("run", guest, "--stats-json", link);
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("real/stats.json", new FileInfo(link).LinkTarget);
        Assert.Contains("\"exitStatus\": 3", File.ReadAllText(target));
        Assert.Empty(Directory.GetFiles(cli.Folder, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void AChainOfSymlinksAndADanglingOneWriteTheFinalTarget()
    {
        string guest = cli.Write("guest.asm", PowerOff);
        File.CreateSymbolicLink(cli.PathOf("b.elf"), cli.PathOf("new.elf"));   // dangling: new.elf is made
        File.CreateSymbolicLink(cli.PathOf("a.elf"), "b.elf");
        Assert.Equal(0, cli.Run("asm", guest, "-o", cli.PathOf("a.elf")).ExitCode);
        Assert.True(File.Exists(cli.PathOf("new.elf")));
        Assert.NotNull(new FileInfo(cli.PathOf("a.elf")).LinkTarget);
        Assert.NotNull(new FileInfo(cli.PathOf("b.elf")).LinkTarget);
    }

    [Fact]
    public void StatsJsonIntoAFifoWritesThroughTheFifo()
    {
        if (!OperatingSystem.IsLinux()) return;
        string guest = cli.Write("guest.asm", PowerOff);
        string fifo = cli.PathOf("stats.fifo");
        Assert.Equal(0, MakeFifo(fifo, Convert.ToUInt32("600", 8)));
        var reader = Task.Run(() => File.ReadAllText(fifo));   // opening blocks until the writer opens
        var run = cli.Run("run", guest, "--stats-json", fifo);
        Assert.Equal(3, run.ExitCode);
        Assert.True(reader.Wait(TimeSpan.FromSeconds(20)), "the reader never saw the end of the FIFO");
        Assert.Contains("\"stopReason\": \"PowerOff\"", reader.Result);
        Assert.Equal("fifo", FileType(fifo));
    }

    [Fact]
    public void DashIsStandardOutput()
    {
        string guest = cli.Write("guest.asm", PowerOff);
        var run = cli.Run("run", guest, "--stats-json", "-");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("\"exitCode\": 3", run.Stdout);
        var doc = cli.Run("isa-doc", "-o", "-");
        Assert.Equal(0, doc.ExitCode);
        Assert.StartsWith("#", doc.Stdout);
        Assert.Empty(Directory.GetFiles(cli.Folder, "-"));
    }

    [Fact]
    public void ReplacingARegularFileKeepsItsPermissions()
    {
        if (OperatingSystem.IsWindows()) return;
        string guest = cli.Write("guest.asm", PowerOff);
        string output = cli.Write("out.elf", "old");
        File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Equal(0, cli.Run("asm", guest, "-o", output).ExitCode);
        Assert.NotEqual("old", File.ReadAllText(output));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(output));
    }

    [Fact]
    public void AnUncommittedOutputLeavesThePathAsItWas()
    {
        string path = cli.Write("keep.txt", "old");
        using (var file = OutputFile.Open(path))
        {
            Assert.Equal(OutputFile.Kind.Atomic, file.How);
            file.Stream.Write(Encoding.UTF8.GetBytes("half"));
        }
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(cli.Folder));
    }

    [Fact]
    public void TraceFileIntoASymlinkWritesTheTarget()
    {
        string guest = cli.Write("guest.asm", PowerOff);
        string target = cli.Write("trace.txt", "");
        File.CreateSymbolicLink(cli.PathOf("trace-link"), target);
        Assert.Equal(3, cli.Run("run", guest, "--trace-file", cli.PathOf("trace-link")).ExitCode);
        Assert.Contains("out 0xf0", File.ReadAllText(target), StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(new FileInfo(cli.PathOf("trace-link")).LinkTarget);
    }
}
