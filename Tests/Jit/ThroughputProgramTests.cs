// The Perf throughput programs (linked from Perf/ThroughputPrograms.cs): each retires exactly
// the instruction count its benchmark's OperationsPerInvoke formula claims (plus the fixed
// set-up), on both engines, with the same final state; and the JIT really compiles them.
using R4.Machine;
using R4.Perf;

namespace R4.Tests.Jit;

public class ThroughputProgramTests
{
    /// <summary>Assembles assembly text, failing the test with its errors (shared by the JIT tests).</summary>
    internal static R4.Isa.Image.ProgramImage Assemble(string source)
    {
        var result = R4.Assembler.R4Assembler.AssembleText(source, "benchmark.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    private static ulong RunOn(ExecutionEngine engine, string source, out string snapshot, out int regions)
    {
        var (machine, _) = Differential.Create(engine, 1 << 20);
        using (machine)
        {
            machine.Load(Assemble(source));
            var result = machine.Run(1_000_000_000);
            Assert.Equal(StopReason.PowerOff, result.Reason);
            snapshot = Differential.Snapshot(machine, result);
            regions = machine.Cpu.JitRegionsCompiled;
            return machine.Statistics.Instructions;
        }
    }

    private static ulong Retired(string source)
    {
        ulong interpreted = RunOn(ExecutionEngine.Interpreter, source, out var a, out _);
        ulong compiled = RunOn(ExecutionEngine.Jit, source, out var b, out int regions);
        Differential.AssertSame(a, b, "throughput program");
        Assert.True(regions > 0, "the JIT compiled nothing");
        Assert.Equal(interpreted, compiled);
        return compiled;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void CodePageCounterLoopRetiresFiveInstructionsPerIteration(int iterations)
    {
        // Set-up: li and la (one and two words); the end: out.
        Assert.Equal((ulong)(3 + iterations * ThroughputPrograms.CodePageCounterInstructionsPerIteration + 1), Retired(ThroughputPrograms.CodePageCounterLoop(iterations)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void AluLoopRetiresFourInstructionsPerIteration(int iterations)
    {
        // Set-up: three li (one word each); the end: out.
        Assert.Equal((ulong)(3 + iterations * ThroughputPrograms.AluInstructionsPerIteration + 1), Retired(ThroughputPrograms.AluLoop(iterations)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void LoadStoreLoopRetiresFiveInstructionsPerWordAndFourPerPass(int passes)
    {
        ulong two = Retired(ThroughputPrograms.LoadStoreLoop(passes + 1));
        ulong one = Retired(ThroughputPrograms.LoadStoreLoop(passes));
        // One more pass costs exactly one pass's sweep and bookkeeping, plus one iret for each
        // timer tick (period 100000) that falls into the extra pass.
        Assert.Equal((ulong)(ThroughputPrograms.LoadStoreArrayWords * ThroughputPrograms.LoadStoreInstructionsPerWord + ThroughputPrograms.LoadStoreInstructionsPerPass), two - one - TimerTicksBetween(one, two));
    }

    /// <summary>The load/store loop's timer (period 100000) adds an iret per tick in the sweep.</summary>
    private static ulong TimerTicksBetween(ulong fewer, ulong more) => more / 100_000 - fewer / 100_000;

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void IrregularLoopRetiresTwoThousandInstructionsPerIteration(int iterations)
    {
        ulong more = Retired(ThroughputPrograms.IrregularLoop(iterations + 1));
        ulong fewer = Retired(ThroughputPrograms.IrregularLoop(iterations));
        Assert.Equal((ulong)(ThroughputPrograms.IrregularBodyInstructions + 2), more - fewer);
    }
}
