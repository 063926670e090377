// The per-instruction trace comparison: equal traces compare equal; the first differing
// instruction is named by entry, instret, pc and disassembly; a trace that ends early is named.
using R4.Assembler;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class TraceComparisonTests
{
    private static InstructionTraceRecorder Record(string body, int keep = 100_000)
    {
        var image = TestKernel.Assemble(".org 0x1000\n.entry start\nstart:\n" + body);
        var recorder = new InstructionTraceRecorder(keep);
        using var machine = new R4Machine(new MachineOptions { MemoryBytes = 1 << 20, ConsoleOutput = Stream.Null });
        machine.Load(image);
        machine.Trace = recorder;
        machine.Run(1000);
        recorder.Finish();
        return recorder;
    }

    [Fact]
    public void EqualProgramsGiveEqualTraces()
    {
        var a = Record("    li r1, 1\n    li r2, 2\n    add r3, r1, r2\n    hlt\n");
        var b = Record("    li r1, 1\n    li r2, 2\n    add r3, r1, r2\n    hlt\n");
        Assert.Equal(4, a.Count);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Null(TraceComparison.FirstDivergence(a, b));
    }

    [Fact]
    public void TheFirstDifferingInstructionIsNamed()
    {
        var a = Record("    li r1, 1\n    li r2, 2\n    add r3, r1, r2\n    hlt\n");
        var b = Record("    li r1, 1\n    li r2, 2\n    sub r3, r1, r2\n    hlt\n");
        var divergence = TraceComparison.FirstDivergence(a, b);
        Assert.NotNull(divergence);
        Assert.Equal(2, divergence.Index);
        Assert.Equal(2ul, divergence.Expected!.Value.Instret);
        Assert.Equal(0x1008u, divergence.Actual!.Value.Pc);
        Assert.Equal(
            "traces diverge at entry 2: native pc 0x00001008 `add r3, r1, r2` (instret 2), ring3 pc 0x00001008 `sub r3, r1, r2` (instret 2)",
            divergence.Describe((word, pc) => R4.Assembler.Disassembler.Format(word, pc), "native", "ring3"));
    }

    [Fact]
    public void AShorterTraceEndsFirst()
    {
        var a = new InstructionTraceRecorder();
        var b = new InstructionTraceRecorder();
        foreach (var r in new[] { a, b }) r.Instruction(0, 0, 0x1000, 0x52000000);
        a.Instruction(1, 0, 0x1004, 0x60000000);
        a.Finish();
        b.Finish();
        var divergence = TraceComparison.FirstDivergence(a, b)!;
        Assert.Equal(1, divergence.Index);
        Assert.Null(divergence.Actual);
        Assert.Equal("traces diverge at entry 1: native pc 0x00001004 `hlt` (instret 1), monitored end of trace",
            divergence.Describe((w, p) => R4.Assembler.Disassembler.Format(w, p)));
    }

    [Fact]
    public void ADivergencePastTheKeptEntriesIsStillFoundByHash()
    {
        var a = Record("    li r1, 1\n    li r2, 2\n    add r3, r1, r2\n    hlt\n", keep: 1);
        var b = Record("    li r1, 1\n    li r2, 2\n    sub r3, r1, r2\n    hlt\n", keep: 1);
        var divergence = TraceComparison.FirstDivergence(a, b)!;
        Assert.Equal(1, divergence.Index);
        Assert.Null(divergence.Expected);
    }

    [Fact]
    public void RetriesOfOneInstretCollapseToTheInstructionThatRetired()
    {
        var recorder = new InstructionTraceRecorder();
        recorder.Instruction(0, 0, 0x1000, 1);
        recorder.Instruction(1, 1, 0x1004, 2);   // faults (hidden page fault) ...
        recorder.Instruction(1, 1, 0x1004, 2);   // ... and is retried
        recorder.Instruction(1, 0, 0x2000, 3);   // or a guest fault: the handler retires at 1
        recorder.Instruction(2, 0, 0x2004, 4);
        recorder.Finish();
        Assert.Equal([new TracedInstruction(0, 0x1000, 1), new(1, 0x2000, 3), new(2, 0x2004, 4)], recorder.Kept);
    }

    /// <summary>A synthetic run of <paramref name="length"/> instructions whose entry
    /// <paramref name="changedAt"/> (if any) has another word.</summary>
    private static Action<ITraceSink> Synthetic(long length, long changedAt = -1) => sink =>
    {
        for (long i = 0; i < length; i++)
            sink.Instruction((ulong)i, 3, 0x1000 + (uint)(i % 1000) * 4, i == changedAt ? 0xDEADu : (uint)i * 7);
    };

    [Theory]
    [InlineData(0)]          // in the first block
    [InlineData(999)]        // the first block's last entry
    [InlineData(1000)]       // the second block's first
    [InlineData(123_457)]    // far past what one recorder keeps
    [InlineData(299_999)]    // the last entry, in a partial block
    public void TwoPassesNameTheExactFirstDifferenceOfLongRuns(long changedAt)
    {
        var divergence = TraceComparison.FirstDivergence(Synthetic(300_000), Synthetic(300_000, changedAt), blockEntries: 1000)!;
        Assert.Equal(changedAt, divergence.Index);
        Assert.Equal(new TracedInstruction((ulong)changedAt, 0x1000 + (uint)(changedAt % 1000) * 4, (uint)changedAt * 7), divergence.Expected);
        Assert.Equal(0xDEADu, divergence.Actual!.Value.Word);
    }

    [Fact]
    public void TwoPassesNameWhereTheShorterRunEndsAndNothingForEqualRuns()
    {
        var divergence = TraceComparison.FirstDivergence(Synthetic(250_500), Synthetic(250_000), blockEntries: 1000)!;
        Assert.Equal(250_000, divergence.Index);
        Assert.Null(divergence.Actual);
        Assert.Equal(250_000ul, divergence.Expected!.Value.Instret);
        Assert.Null(TraceComparison.FirstDivergence(Synthetic(250_000), Synthetic(250_000), blockEntries: 1000));
    }

    /// <summary>The equivalence harness names the exact first differing instruction of a guest
    /// even past the entries its recorders keep: a guest whose rmap write (which ring012 cannot
    /// host) comes after 300 000 instructions.</summary>
    [Fact]
    public void TheHarnessNamesTheExactDivergenceDeepIntoALongRun()
    {
        var image = TestKernel.Assemble(TestKernel.LateRmapWriter);
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => MonitorHarness.AssertEquivalent(image, layouts: [Layouts.Ring012]));
        Assert.Equal("ring012: traces diverge at entry 300004: native pc 0x00001018 `addi r2, r0, 5` (instret 300004), ring012 end of trace", failure.Message);
    }
}
