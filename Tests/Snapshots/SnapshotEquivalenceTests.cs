// Spec §11.3's oracle for snapshots: a guest saved at an instruction boundary and restored in
// a fresh machine continues exactly as the uninterrupted run — console output (save run +
// resumed run = whole run), stop and exit status, instret, pc, registers, virtual CPL and IE —
// for the teaching kernel at several points under native, ring012 and ring3 on both engines,
// across engines and layouts, and for every bundled guest with an .expected file at random
// points (seeded, a few each, to keep the suite fast).
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Snapshots;

public class SnapshotEquivalenceTests
{
    private static readonly Lazy<ProgramImage> Kernel = new(() => GuestRunner.Assemble("Guests/kernels/teach/kernel.asm"));

    public static TheoryData<string, ExecutionEngine> LayoutsAndEngines()
    {
        var data = new TheoryData<string, ExecutionEngine>();
        foreach (var layout in new[] { "native", "ring012", "ring3" })
            foreach (var engine in new[] { ExecutionEngine.Jit, ExecutionEngine.Interpreter })
                data.Add(layout, engine);
        return data;
    }

    [Theory]
    [MemberData(nameof(LayoutsAndEngines))]
    public void Teaching_kernel_saved_at_several_points_continues_as_the_uninterrupted_run(string layoutName, ExecutionEngine engine)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, layout, engine);
        Assert.Equal(StopReason.PowerOff, whole.Result.Reason);
        Assert.Equal(GuestRunner.Expected("Guests/kernels/teach/kernel.expected"), whole.Output);
        // the first instruction, inside boot, mid-run (processes and timer interrupts in flight), near the end
        foreach (ulong point in new ulong[] { 0, 1, 4_001, 123_457, 700_001, whole.State.Instret - 3 })
            SnapshotHarness.AssertSaveAndResumeEqual(whole, Kernel.Value, layout, point, engine, engine);
    }

    [Fact]
    public void A_snapshot_does_not_depend_on_the_engine_that_saved_it()
    {
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, Layouts.Native, ExecutionEngine.Jit);
        SnapshotHarness.AssertSaveAndResumeEqual(whole, Kernel.Value, Layouts.Native, 500_003, ExecutionEngine.Jit, ExecutionEngine.Interpreter);
        SnapshotHarness.AssertSaveAndResumeEqual(whole, Kernel.Value, Layouts.Ring3, 500_003, ExecutionEngine.Interpreter, ExecutionEngine.Jit);
    }

    [Theory]
    [InlineData("native", "ring3")]
    [InlineData("ring3", "native")]
    [InlineData("ring012", "ring013")]
    public void A_snapshot_keeps_the_guests_view_so_it_continues_under_another_layout(string saved, string resumed)
    {
        Assert.True(Layouts.TryParse(saved, out var layout));
        var whole = SnapshotHarness.RunUninterrupted(Kernel.Value, Layouts.Native, ExecutionEngine.Jit);
        SnapshotHarness.AssertSaveAndResumeEqual(whole, Kernel.Value, layout, 654_321, ExecutionEngine.Jit, ExecutionEngine.Jit, resumeLayout: resumed);
    }

    public static IEnumerable<object[]> CompleteGuests() =>
        Directory.EnumerateFiles(RepositoryPaths.Combine("Guests"), "*.expected", SearchOption.AllDirectories)
            .Select(expected => Path.ChangeExtension(expected, ".asm"))
            .Where(File.Exists)
            .Select(path => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(path => new object[] { path });

    [Theory]
    [MemberData(nameof(CompleteGuests))]
    public void Every_complete_guest_saved_at_random_points_continues_as_the_uninterrupted_run(string guest)
    {
        var image = GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = 40 });
        var random = new Random(guest.Length * 7919 + guest[^5]);
        var layouts = new[] { Layouts.Native, Layouts.Ring012, Layouts.Ring013, Layouts.Ring3 };
        var engines = new[] { ExecutionEngine.Jit, ExecutionEngine.Interpreter };
        for (int k = 0; k < 3; k++)
        {
            var layout = layouts[random.Next(layouts.Length)];
            var engine = engines[k % 2];
            var whole = SnapshotHarness.RunUninterrupted(image, layout, engine);
            if (whole.State.Instret == 0) continue;
            ulong point = (ulong)random.NextInt64(0, (long)whole.State.Instret);
            SnapshotHarness.AssertSaveAndResumeEqual(whole, image, layout, point, engine, engines[(k + 1) % 2]);
        }
    }

    [Fact]
    public void Console_input_not_yet_read_travels_in_the_snapshot()
    {
        // an echo guest: reads until end of input and prints each byte back
        var echo = R4.Assembler.R4Assembler.AssembleText(
            "    .org 0\nloop:\n    in r1, 0x00\n    addi r2, r0, -1\n    beq r1, r2, done\n    out 0x00, r1\n    jmp loop\ndone:\n    out 0xF0, r0\n",
            "echo.asm");
        Assert.True(echo.Succeeded, string.Join("\n", echo.Errors.Select(e => e.Format())));
        byte[] input = "typed ahead, read after the restore\n"u8.ToArray();
        var whole = SnapshotHarness.RunUninterrupted(echo.Image!, Layouts.Native, ExecutionEngine.Jit, input);
        Assert.Equal(input, whole.Output);
        foreach (ulong point in new ulong[] { 3, 17, 40 })
            SnapshotHarness.AssertSaveAndResumeEqual(whole, echo.Image!, Layouts.Ring012, point, ExecutionEngine.Jit, ExecutionEngine.Interpreter, input);
    }
}
