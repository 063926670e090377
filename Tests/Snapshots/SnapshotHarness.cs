// Runs a guest uninterrupted, and the same guest saved at an instruction count and restored
// in a fresh machine (the snapshot goes through its file bytes), and returns what the guest
// showed: console output, stop, guest-visible CPU state. The oracle of spec §11.3.
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Tests.Snapshots;

public sealed record GuestOutcome(byte[] Output, RunResult Result, GuestState State);

public static class SnapshotHarness
{
    public const ulong Budget = 100_000_000;

    private static MachineOptions Options(Stream output, ExecutionEngine engine, byte[]? input = null, string? disk = null) => new()
    {
        ConsoleInput = new MemoryStream(input ?? [], writable: false),
        ConsoleOutput = output,
        Diagnostics = TextWriter.Null,
        Engine = engine,
        DiskImagePath = disk,
    };

    public static GuestOutcome RunUninterrupted(ProgramImage image, Layout layout, ExecutionEngine engine, byte[]? input = null)
    {
        using var output = new MemoryStream();
        using var guest = GuestMachine.Create(Options(output, engine, input), layout);
        guest.Load(image);
        var result = guest.Run(Budget);
        return new GuestOutcome(output.ToArray(), result, guest.CaptureState());
    }

    /// <summary>Runs to <paramref name="saveAt"/>, captures a snapshot; returns its bytes and the output so far.</summary>
    public static (byte[] Snapshot, byte[] OutputBefore, RunResult Result) Save(ProgramImage image, Layout layout, ExecutionEngine engine,
        ulong saveAt, byte[]? input = null, string? disk = null)
    {
        using var output = new MemoryStream();
        using var guest = GuestMachine.Create(Options(output, engine, input, disk), layout);
        guest.Load(image);
        var result = guest.Run(saveAt);
        return (GuestSnapshot.Capture(guest, new SnapshotMetadata { Reason = "test" }), output.ToArray(), result);
    }

    public static GuestOutcome Resume(byte[] snapshot, ExecutionEngine engine, string? layout = null, string? diskPath = null)
    {
        using var output = new MemoryStream();
        using var restored = GuestSnapshot.Read(snapshot, "test.r4snap").Restore(new RestoreOptions
        {
            ConsoleOutput = output,
            ConsoleInput = new MemoryStream([], writable: false),
            Diagnostics = TextWriter.Null,
            Engine = engine,
            Layout = layout,
            DiskPath = diskPath,
        });
        var result = restored.Guest.Run(Budget - restored.Guest.Cpu.Instret);
        return new GuestOutcome(output.ToArray(), result, restored.Guest.CaptureState());
    }

    /// <summary>Saves at <paramref name="saveAt"/> (engine <paramref name="saveEngine"/>),
    /// resumes on <paramref name="resumeEngine"/>, and asserts the pair equals <paramref name="whole"/>.</summary>
    public static void AssertSaveAndResumeEqual(GuestOutcome whole, ProgramImage image, Layout layout, ulong saveAt,
        ExecutionEngine saveEngine, ExecutionEngine resumeEngine, byte[]? input = null, string? resumeLayout = null)
    {
        var (snapshot, before, stop) = Save(image, layout, saveEngine, saveAt, input);
        Assert.Equal(StopReason.InstructionLimit, stop.Reason);
        var after = Resume(snapshot, resumeEngine, resumeLayout);
        string where = $"saved at {saveAt} under {layout.Name} on {saveEngine}, resumed on {resumeEngine}";
        Assert.True(whole.Output.AsSpan().SequenceEqual([.. before, .. after.Output]),
            $"{where}: console output differs:\n{System.Text.Encoding.UTF8.GetString([.. before, .. after.Output])}");
        Assert.Equal(whole.Result.Reason, after.Result.Reason);
        Assert.Equal(whole.Result.ExitStatus, after.Result.ExitStatus);
        Assert.Equal(whole.State, after.State);
    }
}
