// Tiering (Jit/JitDispatcher.cs, Jit/JitEngine.cs): the JIT interprets first and compiles an
// instruction only once it has arrived there JitCompileThreshold times; a page whose
// compiled code keeps being overwritten backs off into the interpreter. Each test runs the
// same program on both engines (Differential) and checks the JIT's region count.
using R4.Machine;

namespace R4.Tests.Jit;

public class TieringTests
{
    private static R4.Isa.Image.ProgramImage Assemble(string source) => ThroughputProgramTests.Assemble(source);

    private static string CountingLoop(int iterations) => $"""
        .entry _start
        _start:
            li   r1, {iterations}
        loop:
            addi r2, r2, 3
            addi r1, r1, -1
            bne  r1, zero, loop
            hlt
        """;

    [Fact]
    public void ALoopShorterThanTheThresholdIsOnlyInterpreted()
    {
        var image = Assemble(CountingLoop(Cpu.DefaultJitCompileThreshold - 2));
        int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [1_000_000], "short loop", jitCompileThreshold: Cpu.DefaultJitCompileThreshold);
        Assert.Equal(0, regions);
    }

    [Fact]
    public void AHotLoopIsCompiledOnceAndRunsTheSameInSlices()
    {
        var image = Assemble(CountingLoop(5000));
        // Slices that end before, at and after the loop turns hot.
        int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [10, 40, 97, 1000, 1_000_000], "hot loop", jitCompileThreshold: Cpu.DefaultJitCompileThreshold);
        Assert.Equal(1, regions);
    }

    /// <summary>Calls and returns within one page go through the page's entry table (ret is jr lr);
    /// a return to a misaligned or another page's address leaves to the dispatcher.</summary>
    [Fact]
    public void RegisterJumpsWithinAPageMatchTheInterpreter()
    {
        var image = Assemble("""
            .entry _start
            _start:
                li   r1, 3000
                la   r6, twice
            loop:
                call add3
                callr r6
                addi r1, r1, -1
                bne  r1, zero, loop
                la   r7, _start + 2     ; misaligned: #AC through the dispatcher, gate absent: shutdown
                jr   r7
            add3:
                addi r2, r2, 3
                ret
            twice:
                add  r2, r2, r2
                andi r2, r2, 0xFFF
                jr   lr
            """);
        foreach (int threshold in new[] { 1, Cpu.DefaultJitCompileThreshold })
        {
            int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [5, 77, 1000, 1_000_000], $"calls, threshold {threshold}", jitCompileThreshold: threshold);
            Assert.True(regions >= 1);
        }
    }

    /// <summary>A hot loop that rewrites an instruction of its own body every 64th iteration
    /// (the same word, alternating two immediates): after each loss of its compiled code the
    /// page needs twice as many arrivals, so once that exceeds 64 it stays in the interpreter
    /// instead of being recompiled 300 times.</summary>
    [Fact]
    public void CodeThatKeepsOverwritingItselfBacksOffToTheInterpreter()
    {
        var image = Assemble(R4.Perf.ThroughputPrograms.SelfModifyingLoop(20000, "patched", storeEvery: 64));
        int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [5000, 1_000_000], "self-modifying loop", jitCompileThreshold: Cpu.DefaultJitCompileThreshold);
        Assert.InRange(regions, 1, 4);
    }
}
