// Spec §11.3's oracle for live migration, in one process over loopback TCP: the teaching
// kernel migrated at several points under native, ring012, ring3 (and bt, hw) on both engines
// continues at the receiver exactly as the uninterrupted run — source output + receiver output
// is the whole output, same stop and exit status, instret, registers. Under the shadow layouts
// the pre-copy rounds find the dirtied pages by write protection and the log misses none.
using System.Net;
using System.Net.Sockets;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;
using R4.Tests.Guests;

namespace R4.Tests.Snapshots;

public class MigrationTests
{
    private static readonly Lazy<ProgramImage> Kernel = new(() => GuestRunner.Assemble("Guests/kernels/teach/kernel.asm"));

    public static TheoryData<string, ExecutionEngine> LayoutsAndEngines()
    {
        var data = new TheoryData<string, ExecutionEngine>();
        foreach (var layout in new[] { "native", "ring012", "ring3", "bt", "hw" })
            foreach (var engine in new[] { ExecutionEngine.Jit, ExecutionEngine.Interpreter })
                data.Add(layout, engine);
        return data;
    }

    /// <summary>A connected pair of loopback TCP streams (source end, receiver end).</summary>
    public static (Stream Source, Stream Receiver) LoopbackPair()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        var server = listener.AcceptTcpClient();
        server.NoDelay = true;
        return (client.GetStream(), server.GetStream());
    }

    private static MachineOptions Options(Stream output, ExecutionEngine engine) => new()
    {
        ConsoleInput = new MemoryStream([], writable: false),
        ConsoleOutput = output,
        Diagnostics = TextWriter.Null,
        Engine = engine,
    };

    /// <summary>Migrates at <paramref name="at"/> from <paramref name="sourceEngine"/> to <paramref name="receiverEngine"/>
    /// (the teaching kernel, or <paramref name="image"/>; the receiver takes the layout and knobs the source sends).</summary>
    internal static (GuestOutcome Outcome, byte[] SourceOutput, MigrationReport Report) Migrate(Layout layout, ulong at,
        ExecutionEngine sourceEngine, ExecutionEngine receiverEngine, MigrationSettings? settings = null, ProgramImage? image = null,
        Action<GuestMachine, GuestMachine>? atReceipt = null)
    {
        var (sourceEnd, receiverEnd) = LoopbackPair();
        using var _s = sourceEnd;
        using var _r = receiverEnd;
        using var sourceOutput = new MemoryStream();
        using var receiverOutput = new MemoryStream();
        using var source = GuestMachine.Create(Options(sourceOutput, sourceEngine), layout);
        source.Load(image ?? Kernel.Value);
        Assert.Equal(StopReason.InstructionLimit, source.Run(at).Reason);
        var receiving = Task.Run(() => LiveMigration.Receive(receiverEnd, new RestoreOptions
        {
            ConsoleOutput = receiverOutput,
            ConsoleInput = new MemoryStream([], writable: false),
            Diagnostics = TextWriter.Null,
            Engine = receiverEngine,
        }));
        var report = LiveMigration.Send(source, sourceEnd, new SnapshotMetadata(), settings ?? new MigrationSettings { InstructionsPerRound = 20_000 });
        using var restored = receiving.GetAwaiter().GetResult();
        Assert.True(report.Completed);
        Assert.NotNull(restored);
        Assert.Equal(report.InstretAtStop, restored.Guest.Cpu.Instret);
        atReceipt?.Invoke(source, restored.Guest);
        var result = restored.Guest.Run(SnapshotHarness.Budget - restored.Guest.Cpu.Instret);
        return (new GuestOutcome(receiverOutput.ToArray(), result, restored.Guest.CaptureState()), sourceOutput.ToArray(), report);
    }

    [Theory]
    [MemberData(nameof(LayoutsAndEngines))]
    public void Teaching_kernel_migrated_at_several_points_continues_as_the_uninterrupted_run(string layoutName, ExecutionEngine engine)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, layout, engine);
        Assert.Equal(StopReason.PowerOff, whole.Result.Reason);
        var other = engine == ExecutionEngine.Jit ? ExecutionEngine.Interpreter : ExecutionEngine.Jit;
        foreach (ulong at in new ulong[] { 1, 123_457, 700_001 })
        {
            var (after, before, report) = Migrate(layout, at, engine, other);
            string where = $"migrated at {at} under {layoutName} from {engine} to {other}";
            Assert.True(whole.Output.AsSpan().SequenceEqual([.. before, .. after.Output]), $"{where}: console output differs");
            Assert.Equal(whole.Result.Reason, after.Result.Reason);
            Assert.Equal(whole.Result.ExitStatus, after.Result.ExitStatus);
            Assert.Equal(whole.State, after.State);
            Assert.True(report.Rounds.Count >= 2, where);
            Assert.Equal("stop-and-copy", report.Rounds[^1].FoundBy);
            bool logged = layoutName is not ("native" or "hw");
            Assert.Equal(logged ? "shadow write protection" : "comparison with the copy sent", report.Rounds[1].FoundBy);
            Assert.Equal(0, report.PagesMissedByLog);
        }
    }

    [Fact]
    public void A_guest_that_powers_off_during_the_rounds_is_not_migrated_and_the_receiver_gets_nothing()
    {
        Assert.True(Layouts.TryParse("ring012", out var layout));
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, layout, ExecutionEngine.Jit);
        var (sourceEnd, receiverEnd) = LoopbackPair();
        using var _s = sourceEnd;
        using var _r = receiverEnd;
        using var output = new MemoryStream();
        using var source = GuestMachine.Create(Options(output, ExecutionEngine.Jit), layout);
        source.Load(Kernel.Value);
        source.Run(whole.State.Instret - 10_000);
        var receiving = Task.Run(() => LiveMigration.Receive(receiverEnd, new RestoreOptions { ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null }));
        var report = LiveMigration.Send(source, sourceEnd, new SnapshotMetadata(), new MigrationSettings { InstructionsPerRound = 50_000 });
        Assert.False(report.Completed);
        Assert.Equal(StopReason.PowerOff, report.GuestStop?.Reason);
        Assert.Null(receiving.GetAwaiter().GetResult());
        Assert.Equal(whole.Output, output.ToArray());
        Assert.Equal(whole.State, source.CaptureState());
    }

    [Fact]
    public void A_receiver_that_closes_mid_stream_leaves_the_source_guest_to_run_on_unharmed()
    {
        Assert.True(Layouts.TryParse("ring3", out var layout));
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, layout, ExecutionEngine.Jit);
        var (sourceEnd, receiverEnd) = LoopbackPair();
        using var _s = sourceEnd;
        using var output = new MemoryStream();
        using var source = GuestMachine.Create(Options(output, ExecutionEngine.Jit), layout);
        source.Load(Kernel.Value);
        source.Run(300_000);
        var closing = Task.Run(() =>
        {
            var header = new byte[5];
            receiverEnd.ReadExactly(header);
            receiverEnd.ReadExactly(new byte[BitConverter.ToInt32(header, 1)]);
            receiverEnd.Write([(byte)'Y', 0, 0, 0, 0]);
            receiverEnd.ReadExactly(new byte[10_000]);   // part of the first round, then the receiver dies
            receiverEnd.Dispose();
        });
        Assert.Throws<MigrationException>(() => LiveMigration.Send(source, sourceEnd, new SnapshotMetadata(), new MigrationSettings()));
        closing.GetAwaiter().GetResult();
        Assert.Null(source.Monitor!.DirtyLog);
        var result = source.Run(SnapshotHarness.Budget - source.Cpu.Instret);
        Assert.Equal(whole.Result.Reason, result.Reason);
        Assert.Equal(whole.Output, output.ToArray());
        Assert.Equal(whole.State, source.CaptureState());
    }
}
