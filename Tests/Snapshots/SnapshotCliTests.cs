// The checked commands, exactly: `r4 run GUEST --save-at N --save FILE` prints what the guest
// printed up to N and stops; `r4 resume FILE [--engine E] [--stats-json F]` prints the rest and
// counts instructions from reset; a snapshot with one flipped byte, cut short, or of another
// format version is refused with exit 65 and one line, no stack trace; a failed save leaves
// the previous snapshot of that name whole.
using System.Text.Json;
using R4.Snapshots;
using R4.Tests.Cli;

namespace R4.Tests.Snapshots;

public class SnapshotCliTests
{
    private const string Kernel = "Guests/kernels/teach/kernel.asm";
    private static string KernelPath => RepositoryPaths.Combine(Kernel.Split('/'));

    private static ulong Instructions(string statsJson) =>
        JsonDocument.Parse(File.ReadAllText(statsJson)).RootElement.GetProperty("instructions").GetUInt64();

    [Theory]
    [InlineData("native", "jit", "interp", 250_000)]
    [InlineData("ring012", "interp", "jit", 900_001)]
    [InlineData("ring3", "jit", "jit", 31_337)]
    [InlineData("hw", "jit", "interp", 50_001)]   // under hw the guest's own state goes back onto the CPU in guest mode
    public void Run_save_at_then_resume_prints_the_whole_run_and_counts_from_reset(string layout, string saveEngine, string resumeEngine, int saveAt)
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", layout, "--stats-json", cli.PathOf("whole.json"));
        Assert.Equal(0, whole.ExitCode);

        string snapshot = cli.PathOf("kernel.r4snap");
        var save = cli.Run("run", KernelPath, "--layout", layout, "--engine", saveEngine, "--save-at", saveAt.ToString(), "--save", snapshot);
        Assert.Equal(0, save.ExitCode);
        Assert.Equal($"r4: saved snapshot {snapshot} at instruction {saveAt} ({new FileInfo(snapshot).Length} bytes)\n", save.Stderr);

        var resume = cli.Run("resume", snapshot, "--engine", resumeEngine, "--stats-json", cli.PathOf("resume.json"));
        Assert.Equal(0, resume.ExitCode);
        Assert.Equal(whole.Console, save.Console + resume.Console);
        Assert.Equal(Instructions(cli.PathOf("whole.json")), Instructions(cli.PathOf("resume.json")));
        Assert.True(whole.Console.Length > save.Console.Length && save.Console.Length > 0 || saveAt < 100_000);
    }

    [Fact]
    public void Resume_max_instructions_counts_from_reset_and_a_resumed_run_can_be_saved_again()
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath);
        string first = cli.PathOf("a.r4snap"), second = cli.PathOf("b.r4snap");
        Assert.Equal(0, cli.Run("run", KernelPath, "--save-at", "100000", "--save", first).ExitCode);
        var limited = cli.Run("resume", first, "--max-instructions", "200000", "--stats-json", cli.PathOf("l.json"));
        Assert.Equal(124, limited.ExitCode);
        Assert.Equal(200_000UL, Instructions(cli.PathOf("l.json")));

        var a = cli.Run("run", KernelPath, "--save-at", "100000", "--save", first);
        var b = cli.Run("resume", first, "--save-at", "600000", "--save", second);
        Assert.Equal(0, b.ExitCode);
        var c = cli.Run("resume", second, "--engine", "interp");
        Assert.Equal(0, c.ExitCode);
        Assert.Equal(whole.Console, a.Console + b.Console + c.Console);
    }

    [Fact]
    public void Save_at_past_the_end_writes_nothing_and_exits_with_the_guests_status()
    {
        using var cli = new CliHarness();
        var run = cli.Run("run", RepositoryPaths.Combine("Guests", "examples", "syscalls.asm"), "--save-at", "99999999", "--save", cli.PathOf("s.r4snap"));
        Assert.Equal(42, run.ExitCode);
        Assert.Contains("before --save-at 99999999: no snapshot written", run.Stderr);
        Assert.False(File.Exists(cli.PathOf("s.r4snap")));
    }

    [Fact]
    public void Save_at_without_save_is_a_usage_error()
    {
        using var cli = new CliHarness();
        var run = cli.Run("run", KernelPath, "--save-at", "10");
        Assert.Equal(64, run.ExitCode);
        Assert.Equal(R4.Tests.Cli.CliHarness.Usage("run", "--save-at 10: give the snapshot file with --save FILE"), run.Stderr);
    }

    public static TheoryData<string> Damages => new() { "flipped byte", "cut short", "other version", "not a snapshot", "empty" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_truncated_or_other_version_snapshot_is_refused_with_exit_65_and_one_line(string damage)
    {
        using var cli = new CliHarness();
        string snapshot = cli.PathOf("k.r4snap");
        Assert.Equal(0, cli.Run("run", KernelPath, "--save-at", "300000", "--save", snapshot).ExitCode);
        var bytes = File.ReadAllBytes(snapshot);
        switch (damage)
        {
            case "flipped byte": bytes[bytes.Length / 2] ^= 0x01; break;
            case "cut short": bytes = bytes[..(bytes.Length * 2 / 3)]; break;
            case "other version": bytes[10] = 99; break;
            case "not a snapshot": bytes = "R4 is not this\n"u8.ToArray(); break;
            case "empty": bytes = []; break;
        }
        File.WriteAllBytes(snapshot, bytes);

        var resume = cli.Run("resume", snapshot);
        Assert.Equal(65, resume.ExitCode);
        Assert.Equal("", resume.Console);
        string line = Assert.Single(resume.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"r4: {snapshot}: ", line);
        Assert.DoesNotContain("   at ", resume.Stderr);
    }

    [Fact]
    public void Every_single_flipped_byte_in_a_small_snapshot_is_caught()
    {
        var image = Guests.GuestRunner.Assemble("Guests/examples/hello.asm");
        var (file, _, _) = SnapshotHarness.Save(image, R4.Monitor.Layouts.Native, R4.Machine.ExecutionEngine.Interpreter, 20);
        for (int i = 0; i < file.Length; i += 7)
        {
            var damaged = (byte[])file.Clone();
            damaged[i] ^= 0x40;
            Assert.Throws<SnapshotFormatException>(() => GuestSnapshot.Read(damaged, "x"));
        }
    }

    [Fact]
    public void A_save_that_fails_half_way_leaves_the_previous_snapshot_whole_and_no_file_that_looks_valid()
    {
        using var cli = new CliHarness();
        string snapshot = cli.PathOf("k.r4snap");
        Assert.Equal(0, cli.Run("run", KernelPath, "--save-at", "300000", "--save", snapshot).ExitCode);
        var before = File.ReadAllBytes(snapshot);

        // A save killed half-way is a temporary file cut short beside the target: the target is
        // untouched and a cut-short file is refused.
        var killed = before[..(before.Length / 2)];
        string temporary = Path.Combine(cli.Folder, ".k.r4snap.tmp-killed");
        File.WriteAllBytes(temporary, killed);
        Assert.Throws<SnapshotFormatException>(() => GuestSnapshot.Read(killed, temporary));
        Assert.Equal(before, File.ReadAllBytes(snapshot));

        // A save into a folder that cannot take the file (here: the name is a folder) fails
        // with one line and exit 73, leaving no temporary file behind.
        Directory.CreateDirectory(cli.PathOf("dir.r4snap"));
        var failed = cli.Run("run", KernelPath, "--save-at", "1000", "--save", cli.PathOf("dir.r4snap"));
        Assert.Equal(73, failed.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(snapshot));
        Assert.DoesNotContain(Directory.GetFiles(cli.Folder), f => Path.GetFileName(f).StartsWith(".dir.r4snap.tmp", StringComparison.Ordinal));

        // An interrupted write (an I/O error mid-way) through the atomic writer itself.
        Assert.ThrowsAny<Exception>(() => SnapshotContainer.WriteAtomically(Path.Combine(cli.Folder, "no-such-folder", "x.r4snap"), before));
        Assert.Equal(before, File.ReadAllBytes(snapshot));
    }

    [Fact]
    public void Resume_help_and_a_missing_snapshot()
    {
        using var cli = new CliHarness();
        var help = cli.Run("resume", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("r4 resume kernel.r4snap", help.Stdout);
        var missing = cli.Run("resume", cli.PathOf("none.r4snap"));
        Assert.Equal(66, missing.ExitCode);
        Assert.Equal($"r4: cannot read snapshot '{cli.PathOf("none.r4snap")}': no such file\n", missing.Stderr);
    }
}
