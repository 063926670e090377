// The experiment knobs and the paravirtual monitor state across snapshots and migration
// (docs/hosted.md "The file format", docs/monitor.md "Knobs"): a guest saved or migrated under
// --page-protection user-supervisor, or sharing its IE with the monitor, continues exactly as the
// uninterrupted run on both engines; the monitor's knobs travel with it; a version-2 file still
// reads (under the layout's defaults); a resume or receiver whose own knobs conflict is refused.
// And every verb that takes a layout treats the knobs alike (one table of usage errors).
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using R4.Cli;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;
using R4.Tests.Cli;
using R4.Tests.Guests;
using R4.Tests.Monitor;

namespace R4.Tests.Snapshots;

public sealed class KnobSnapshotTests : IDisposable
{
    private readonly CliHarness cli = new();
    public void Dispose() => cli.Dispose();

    private static readonly Lazy<ProgramImage> TeachPv = new(() => GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"));

    /// <summary>User code in ring 1 (which only ring3 hosts under a monitor) reads a ring-0 page 300
    /// times: each read is a #PF under the ring rule (the kernel prints a T line and skips it) and
    /// succeeds under user/supervisor; the guest prints how many succeeded and exits with it.</summary>
    private static readonly Lazy<ProgramImage> RingOneReader = new(() => new TestKernel { UserStatus = 1, UserMain = RingOneReaderSource }.Build());

    private static Layout UserSupervisor(Layout layout) => layout with { PageProtection = PageProtection.UserSupervisor };

    public static TheoryData<ExecutionEngine> Engines => new() { ExecutionEngine.Jit, ExecutionEngine.Interpreter };

    [Fact]
    public void The_ring_one_reader_tells_the_two_rules_apart()
    {
        var rings = SnapshotHarness.RunUninterrupted(RingOneReader.Value, Layouts.Ring3, ExecutionEngine.Jit);
        var userSupervisor = SnapshotHarness.RunUninterrupted(RingOneReader.Value, UserSupervisor(Layouts.Ring3), ExecutionEngine.Jit);
        var native = SnapshotHarness.RunUninterrupted(RingOneReader.Value, UserSupervisor(Layouts.Native), ExecutionEngine.Jit);
        Assert.Equal((StopReason.PowerOff, 0u), (rings.Result.Reason, rings.Result.ExitStatus));
        Assert.Equal((StopReason.PowerOff, 300u), (userSupervisor.Result.Reason, userSupervisor.Result.ExitStatus));
        Assert.EndsWith(" 00000000\n", System.Text.Encoding.ASCII.GetString(rings.Output));
        Assert.Equal(" 0000012c\n", System.Text.Encoding.ASCII.GetString(userSupervisor.Output));
        Assert.Equal(native.Output, userSupervisor.Output);
        Assert.Equal(native.State, userSupervisor.State);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_user_supervisor_guest_under_ring3_saved_and_resumed_continues_as_the_uninterrupted_run(ExecutionEngine engine)
    {
        var layout = UserSupervisor(Layouts.Ring3);
        var whole = SnapshotHarness.RunUninterrupted(RingOneReader.Value, layout, engine);
        Assert.Equal(300u, whole.Result.ExitStatus);
        var other = engine == ExecutionEngine.Jit ? ExecutionEngine.Interpreter : ExecutionEngine.Jit;
        foreach (ulong point in new ulong[] { 1, whole.State.Instret / 3, whole.State.Instret / 2 + 1, whole.State.Instret - 5 })
        {
            SnapshotHarness.AssertSaveAndResumeEqual(whole, RingOneReader.Value, layout, point, engine, engine);
            SnapshotHarness.AssertSaveAndResumeEqual(whole, RingOneReader.Value, layout, point, engine, other);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_user_supervisor_guest_under_ring3_migrated_continues_as_the_uninterrupted_run(ExecutionEngine engine)
    {
        var layout = UserSupervisor(Layouts.Ring3);
        var whole = SnapshotHarness.RunUninterrupted(RingOneReader.Value, layout, engine);
        foreach (ulong at in new ulong[] { 1, whole.State.Instret / 2 + 1 })
        {
            var (after, before, report) = MigrationTests.Migrate(layout, at, engine, engine, new MigrationSettings { InstructionsPerRound = 500 },
                RingOneReader.Value, (_, received) => Assert.Equal(PageProtection.UserSupervisor, received.Layout.PageProtection));
            AssertContinues(whole, before, after, $"migrated at {at} on {engine}");
            Assert.True(report.Completed);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void The_paravirtual_teaching_kernel_saved_and_resumed_under_ring012_continues_as_the_uninterrupted_run(ExecutionEngine engine)
    {
        var whole = SnapshotHarness.RunUninterrupted(TeachPv.Value, Layouts.Ring012, engine);
        Assert.Equal(GuestRunner.Expected("Guests/kernels/teach/kernel.expected"), whole.Output);
        var other = engine == ExecutionEngine.Jit ? ExecutionEngine.Interpreter : ExecutionEngine.Jit;
        int shared = 0;
        foreach (ulong point in new ulong[] { 4_001, 123_457, 300_001, 700_001, whole.State.Instret - 3 })
        {
            using (var source = GuestMachine.Create(new MachineOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null, Engine = engine }, Layouts.Ring012))
            {
                source.Load(TeachPv.Value);
                source.Run(point);
                var read = GuestSnapshot.Read(GuestSnapshot.Capture(source, new SnapshotMetadata()), "pv.r4snap");
                if (read.Sections.ContainsKey("PVIR")) shared++;
                using var restored = read.Restore(new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null, Engine = other });
                Assert.Equal(source.Monitor!.Paravirt, restored.Guest.Monitor!.Paravirt);
            }
            SnapshotHarness.AssertSaveAndResumeEqual(whole, TeachPv.Value, Layouts.Ring012, point, engine, engine);
            SnapshotHarness.AssertSaveAndResumeEqual(whole, TeachPv.Value, Layouts.Ring012, point, engine, other);
        }
        Assert.True(shared >= 4, $"the kernel shared its IE at {shared} of 5 points only");
    }

    [Fact]
    public void A_restored_monitor_holds_the_saved_paravirtual_state()
    {
        using var output = new MemoryStream();
        using var source = GuestMachine.Create(new MachineOptions { ConsoleOutput = output, Diagnostics = TextWriter.Null }, Layouts.Ring012);
        source.Load(TeachPv.Value);
        source.Run(300_001);
        var saved = source.Monitor!.Paravirt;
        Assert.NotEqual(0u, saved.SharedIeAddress);
        Assert.True(saved.TimerOneShot);
        var snapshot = GuestSnapshot.Capture(source, new SnapshotMetadata());
        using var restored = GuestSnapshot.Read(snapshot, "pv.r4snap").Restore(new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null });
        Assert.Equal(saved, restored.Guest.Monitor!.Paravirt);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void The_paravirtual_teaching_kernel_migrated_under_ring012_continues_as_the_uninterrupted_run(ExecutionEngine engine)
    {
        var whole = SnapshotHarness.RunUninterrupted(TeachPv.Value, Layouts.Ring012, engine);
        var other = engine == ExecutionEngine.Jit ? ExecutionEngine.Interpreter : ExecutionEngine.Jit;
        foreach (ulong at in new ulong[] { 123_457, 700_001 })
        {
            var (after, before, _) = MigrationTests.Migrate(Layouts.Ring012, at, engine, other, image: TeachPv.Value,
                atReceipt: (source, received) => Assert.Equal(source.Monitor!.Paravirt, received.Monitor!.Paravirt));
            AssertContinues(whole, before, after, $"migrated at {at} from {engine} to {other}");
        }
    }

    private static void AssertContinues(GuestOutcome whole, byte[] before, GuestOutcome after, string where)
    {
        Assert.True(whole.Output.AsSpan().SequenceEqual([.. before, .. after.Output]), $"{where}: console output differs");
        Assert.Equal((whole.Result.Reason, whole.Result.ExitStatus), (after.Result.Reason, after.Result.ExitStatus));
        Assert.Equal(whole.State, after.State);
    }

    private static readonly Layout Knobbed = Layouts.Ring012 with
    {
        ShadowCacheSpaces = 1, ShadowSync = ShadowSync.Invlpg, PtbrTargets = false, DirectSystemCalls = false,
    };

    [Fact]
    public void The_monitor_knobs_travel_with_the_snapshot_and_the_migration()
    {
        var (snapshot, _, _) = SnapshotHarness.Save(TeachPv.Value, Knobbed, ExecutionEngine.Jit, 200_001);
        var read = GuestSnapshot.Read(snapshot, "k.r4snap");
        Assert.Equal(new LayoutKnobs(1, "invlpg", false, false, "rings"), read.Metadata.Knobs);
        using (var restored = read.Restore(new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null }))
            Assert.Equal(Knobbed, restored.Guest.Layout);
        // another layout: its own defaults, the guest's page protection kept
        var saved = SnapshotHarness.Save(RingOneReader.Value, UserSupervisor(Layouts.Ring3), ExecutionEngine.Jit, 1_000).Snapshot;
        using (var restored = GuestSnapshot.Read(saved, "us.r4snap").Restore(new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null, Layout = "native" }))
            Assert.Equal(UserSupervisor(Layouts.Native), restored.Guest.Layout);
        MigrationTests.Migrate(Knobbed, 200_001, ExecutionEngine.Jit, ExecutionEngine.Jit, image: TeachPv.Value,
            atReceipt: (_, received) => Assert.Equal(Knobbed, received.Layout));
    }

    [Fact]
    public void The_knobs_given_to_a_resume_override_the_monitors_saved_ones()
    {
        var (snapshot, _, _) = SnapshotHarness.Save(TeachPv.Value, Knobbed, ExecutionEngine.Jit, 200_001);
        var knobs = new MonitorKnobs(null, "write-protect", null, "on");
        using var restored = GuestSnapshot.Read(snapshot, "k.r4snap").Restore(new RestoreOptions
        {
            ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null, Knobs = knobs.ApplyToRestored,
        });
        // write-protect with the saved cache of 1 space and no ptbr targets, direct system calls back on
        Assert.Equal(Knobbed with { ShadowSync = ShadowSync.WriteProtect, DirectSystemCalls = true }, restored.Guest.Layout);
    }

    /// <summary>A version-2 file (no knobs in META, no PVIR): what r4 wrote before version 3.</summary>
    private static byte[] AsVersion2(byte[] snapshot)
    {
        var sections = SnapshotContainer.Unpack(snapshot, "v3");
        sections.Remove("PVIR");
        var meta = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(sections["META"])!;
        meta.Remove("Knobs");
        sections["META"] = JsonSerializer.SerializeToUtf8Bytes(meta);
        var file = SnapshotContainer.Pack(sections.Select(s => (s.Key, s.Value)).ToList());
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(10), 2);
        SHA256.HashData(file.AsSpan(0, file.Length - 32), file.AsSpan(file.Length - 32));
        return file;
    }

    [Fact]
    public void A_version_2_snapshot_still_resumes_under_its_layouts_defaults()
    {
        var kernel = GuestRunner.Assemble("Guests/kernels/teach/kernel.asm");
        var whole = SnapshotHarness.RunUninterrupted(kernel, Layouts.Ring012, ExecutionEngine.Jit);
        var (snapshot, before, _) = SnapshotHarness.Save(kernel, Layouts.Ring012, ExecutionEngine.Jit, 400_001);
        var old = AsVersion2(snapshot);
        Assert.Null(GuestSnapshot.Read(old, "old.r4snap").Metadata.Knobs);
        var after = SnapshotHarness.Resume(old, ExecutionEngine.Jit);
        AssertContinues(whole, before, after, "a version-2 snapshot");
        using var restored = GuestSnapshot.Read(old, "old.r4snap").Restore(new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null });
        Assert.Equal(Layouts.Ring012, restored.Guest.Layout);
    }

    [Fact]
    public void A_snapshot_of_a_newer_format_is_refused_naming_the_file_and_the_versions()
    {
        string snapshot = cli.PathOf("new.r4snap");
        var file = SnapshotHarness.Save(RingOneReader.Value, Layouts.Native, ExecutionEngine.Jit, 100).Snapshot;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(10), 4);
        File.WriteAllBytes(snapshot, file);
        var resume = cli.Run("resume", snapshot);
        Assert.Equal((65, $"r4: {snapshot}: snapshot format version 4; this r4 reads versions 2 to 3\n"), (resume.ExitCode, resume.Stderr));
    }

    [Fact]
    public void Resume_keeps_the_saved_knobs_and_refuses_a_conflicting_page_protection()
    {
        string guest = cli.Write("reader.asm", new TestKernel { UserStatus = 1, UserMain = RingOneReaderSource }.Source());
        string snapshot = cli.PathOf("us.r4snap");
        var save = cli.Run("run", guest, "--layout", "ring3", "--page-protection", "user-supervisor", "--save-at", "2000", "--save", snapshot);
        Assert.Equal(0, save.ExitCode);

        var resumed = cli.Run("resume", snapshot);
        Assert.Equal(300 & 0xFF, resumed.ExitCode);
        Assert.EndsWith(" 0000012c\n", resumed.Console);

        var conflicting = cli.Run("resume", snapshot, "--page-protection", "rings");
        Assert.Equal((64, CliHarness.Usage("resume", "--page-protection rings: the guest ran under user-supervisor protection, which it sees (its page faults) and keeps; drop the option or give user-supervisor")),
            (conflicting.ExitCode, conflicting.Stderr));
        var same = cli.Run("resume", snapshot, "--page-protection", "user-supervisor", "--shadow-sync", "invlpg");
        Assert.Equal(300 & 0xFF, same.ExitCode);

        // under a layout whose guest kernel could reach the monitor, the saved rule needs the permission again
        var unsafeLayout = cli.Run("resume", snapshot, "--layout", "ring013");
        Assert.Equal(64, unsafeLayout.ExitCode);
        Assert.StartsWith("r4 resume: --page-protection user-supervisor with layout ring013: the guest kernel runs in real ring 1", unsafeLayout.Stderr);
    }

    private const string RingOneReaderSource = """
        user_main:
            li   r7, 0
            li   r8, 300
        .again:
            li   r6, 0
            li   r5, 0x1000
            ldw  r6, [r5]
            beqz r6, .missed
            addi r7, r7, 1
        .missed:
            addi r8, r8, -1
            bnez r8, .again
            li   r1, 9
            mov  r2, r7
            int  32
            li   r1, 1
            mov  r2, r7
            int  32
        """;

    // ---- every verb that takes a layout treats the knobs alike --------------------------------

    /// <summary>Each verb's command line up to the knobs, with a layout the knob applies to.</summary>
    private static string[] VerbLine(string verb, string guest) => verb switch
    {
        "run" => ["run", guest, "--layout", "ring012"],
        "compare" => ["compare", guest, "--layouts", "native,ring012"],
        "host" => ["host", guest, "--layout", "ring012"],
        "debug" => ["debug", guest, "--layout", "ring012"],
        "migrate" => ["migrate", guest, "--to", "tcp:127.0.0.1:9", "--layout", "ring012"],
        "migrate --receive" => ["migrate", "--receive", "tcp:127.0.0.1:0", "--layout", "ring012"],
        "resume" => ["resume", "no-such.r4snap", "--layout", "ring012"],
        _ => throw new ArgumentException(verb),
    };

    public static TheoryData<string, string, string, string> VerbsTimesKnobs()
    {
        var data = new TheoryData<string, string, string, string>();
        var knobs = new (string Option, string Value, string Message)[]
        {
            ("--shadow-cache", "0", $"--shadow-cache 0: give 1 to {MonitorMemoryMap.MaximumAddressSpaces} address spaces"),
            ("--shadow-sync", "eager", "--shadow-sync eager: give invlpg or write-protect"),
            ("--ptbr-targets", "maybe", "--ptbr-targets maybe: give on or off"),
            ("--direct-syscalls", "sometimes", "--direct-syscalls sometimes: give on or off"),
            ("--page-protection", "segments", "--page-protection segments: give rings|user-supervisor"),
        };
        foreach (string verb in new[] { "run", "compare", "host", "debug", "migrate", "migrate --receive", "resume" })
            foreach (var (option, value, message) in knobs)
                data.Add(verb, option, value, message);
        return data;
    }

    [Theory]
    [MemberData(nameof(VerbsTimesKnobs))]
    public void Every_verb_that_takes_a_layout_refuses_a_bad_knob_value_alike(string verb, string option, string value, string message)
    {
        var run = cli.Run([.. VerbLine(verb, RepositoryPaths.Combine("Guests", "examples", "hello.asm")), option, value]);
        Assert.Equal((64, CliHarness.Usage(verb.Split(' ')[0], message), ""), (run.ExitCode, run.Stderr, run.Console));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("compare")]
    [InlineData("host")]
    [InlineData("debug")]
    [InlineData("migrate")]
    public void Every_verb_that_starts_a_guest_refuses_an_unsafe_protection_alike(string verb)
    {
        var run = cli.Run([.. VerbLine(verb, RepositoryPaths.Combine("Guests", "examples", "hello.asm")), "--page-protection", "user-supervisor"]);
        Assert.Equal((64, CliHarness.Usage(verb,
            "--page-protection user-supervisor with layout ring012: the guest kernel runs in real ring 1, which user/supervisor protection " +
            "lets touch every supervisor page, the monitor's own (its shadow page tables) included — why Xen on x86-64 runs guest kernels in ring 3; " +
            "give ring3 or hw, or --allow-unsafe-protection to run it anyway")), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void Debug_runs_the_guest_under_the_page_protection_given()
    {
        string commands = cli.Write("cmds.txt", "continue\n");
        string hostile = RepositoryPaths.Combine("Guests", "hostile", "monitor-window.asm");
        var escaped = cli.Run("debug", hostile, "--layout", "ring012", "--page-protection", "user-supervisor", "--allow-unsafe-protection", "--commands", commands);
        Assert.Equal(0, escaped.ExitCode);
        Assert.Contains("hostile: escaped: my page maps memory outside my partition, by my own hand\nMachine powered off, exit status 3,", escaped.Stdout);
        var stopped = cli.Run("debug", hostile, "--layout", "ring012", "--commands", commands);
        Assert.Contains("Machine powered off, exit status 1,", stopped.Stdout);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("compare")]
    [InlineData("host")]
    [InlineData("debug")]
    [InlineData("migrate")]
    [InlineData("resume")]
    public void Every_verb_that_takes_a_layout_lists_every_knob_in_its_help(string verb)
    {
        var help = cli.Run(verb, "--help");
        foreach (string option in new[] { "--shadow-cache", "--shadow-sync", "--ptbr-targets", "--direct-syscalls", "--page-protection", "--allow-unsafe-protection" })
            Assert.Contains(option, help.Stdout);
    }
}
