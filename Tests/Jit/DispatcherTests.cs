// The JIT's dispatcher (Jit/JitDispatcher.cs) and engine (Jit/JitEngine.cs): system
// instructions and the loads and stores a block exits before run from the dispatcher itself;
// entry tables live in native memory and survive the arena filling up; the offsets the
// generated code uses are the structs' real layout. Each program runs on both engines
// (Differential) and must match after every slice.
using System.Runtime.InteropServices;
using System.Text;
using R4.Machine;
using R4.Machine.Jit;

namespace R4.Tests.Jit;

public class DispatcherTests
{
    private static R4.Isa.Image.ProgramImage Assemble(string source) => ThroughputProgramTests.Assemble(source);

    [Fact]
    public void OffsetsByPointerDifferenceAreTheMarshalledLayout()
    {
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.Registers)), CpuState.OffsetRegisters);
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.Pc)), CpuState.OffsetPc);
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.Control)), CpuState.OffsetControl);
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.Instret)), CpuState.OffsetInstret);
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.Cycles)), CpuState.OffsetCycles);
        Assert.Equal((int)Marshal.OffsetOf<CpuState>(nameof(CpuState.NextEventInstret)), CpuState.OffsetNextEventInstret);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.State)), JitContext.OffsetState);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.Tlb)), JitContext.OffsetTlb);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.Ram)), JitContext.OffsetRam);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.CodePages)), JitContext.OffsetCodePages);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.DecodedBlocks)), JitContext.OffsetDecodedBlocks);
        Assert.Equal((int)Marshal.OffsetOf<JitContext>(nameof(JitContext.VirtualBase)), JitContext.OffsetVirtualBase);
    }

    /// <summary>A hot loop of system instructions between compiled instructions, with a TLB
    /// flush before each load and store so that each of them exits its block and runs from the
    /// dispatcher's slow memory path; timer interrupts land in between.</summary>
    [Fact]
    public void SystemInstructionsAndSlowLoadsAndStoresRunFromTheDispatcherExactly()
    {
        var image = Assemble("""
            .entry _start
            _start:
                li   r1, 3000
                la   r5, data
            loop:
                cli
                mfcr r6, status
                addi r2, r2, 5
                sti
                tlbflush
                ldw  r7, [r5]
                add  r7, r7, r2
                tlbflush
                stw  r7, [r5 + 4]
                rdtick r8
                addi r1, r1, -1
                bne  r1, zero, loop
                hlt
            .align 4096
            data:
                .word 17, 0
            """);
        foreach (int threshold in new[] { 1, Cpu.DefaultJitCompileThreshold })
        {
            int regions = Differential.RunBoth(64 << 10, m => m.Load(image), [3, 50, 1001, 7000, 1_000_000], $"system loop, threshold {threshold}", jitCompileThreshold: threshold);
            Assert.True(regions >= 1);
        }
    }

    /// <summary>Hot code on 24 pages, called in turn, with an arena of 8 KiB: the arena fills up
    /// again and again, every compiled page (and its entry table) is dropped and compiling starts
    /// over, and the run still matches the interpreter.</summary>
    [Fact]
    public void AFullArenaDropsEveryPageAndCompilesAgain()
    {
        const int pages = 24;
        var source = new StringBuilder(".entry _start\n_start:\n    li r1, 40\nouter:\n");
        for (int p = 0; p < pages; p++) source.Append($"    call p{p}\n");
        source.Append("    addi r1, r1, -1\n    bne r1, zero, outer\n    hlt\n");
        for (int p = 0; p < pages; p++)
            source.Append($"""
                .align 4096
                p{p}:
                    li   r3, {5 + p}
                p{p}loop:
                    addi r2, r2, {p + 1}
                    xor  r4, r4, r2
                    shli r4, r4, 1
                    addi r3, r3, -1
                    bne  r3, zero, p{p}loop
                    ret

                """);
        var image = Assemble(source.ToString());
        var (interpreter, _) = Differential.Create(ExecutionEngine.Interpreter, 256 << 10);
        var (jit, _) = Differential.Create(ExecutionEngine.Jit, 256 << 10);
        var (roomy, _) = Differential.Create(ExecutionEngine.Jit, 256 << 10);
        jit.Cpu.JitArenaBytes = 8 << 10;
        using (interpreter)
        using (jit)
        using (roomy)
        {
            interpreter.Load(image);
            jit.Load(image);
            roomy.Load(image);
            foreach (ulong slice in new ulong[] { 777, 5000, 1_000_000 })
            {
                Differential.AssertSame(Differential.Snapshot(interpreter, interpreter.Run(slice)), Differential.Snapshot(jit, jit.Run(slice)), $"full arena, slice {slice}");
                roomy.Run(slice);
            }
            Assert.True(jit.Cpu.JitRegionsCompiled > 2 * roomy.Cpu.JitRegionsCompiled,
                $"{jit.Cpu.JitRegionsCompiled} regions in 8 KiB against {roomy.Cpu.JitRegionsCompiled} in the default arena: it never filled up");
        }
    }
}
