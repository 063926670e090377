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

    /// <summary>A hot loop that rewrites an instruction of its own body every 64th iteration
    /// (the same word, alternating two immediates): after each loss of its compiled code the
    /// page needs twice as many arrivals, so once that exceeds 64 it stays in the interpreter
    /// instead of being recompiled 300 times.</summary>
    [Fact]
    public void CodeThatKeepsOverwritingItselfBacksOffToTheInterpreter()
    {
        var image = Assemble("""
            .entry _start
            _start:
                li   r1, 20000
                la   r5, patched
                ldw  r6, [r5]          ; addi r2, r2, 1
                addi r7, r6, 1         ; addi r2, r2, 2
            loop:
            patched:
                addi r2, r2, 1
                andi r9, r1, 63
                bne  r9, zero, next
                stw  r7, [r5]
                xor  r8, r6, r7        ; swap r6 and r7
                xor  r6, r6, r8
                xor  r7, r7, r8
            next:
                addi r1, r1, -1
                bne  r1, zero, loop
                hlt
            """);
        int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [5000, 1_000_000], "self-modifying loop", jitCompileThreshold: Cpu.DefaultJitCompileThreshold);
        Assert.InRange(regions, 1, 4);
    }
}
