// The throughput benchmarks' guest programs (Perf/ThroughputPrograms.cs) assemble, run to
// power-off, and retire exactly the instructions per iteration that the benchmarks divide
// by (OperationsPerInvoke), so their MIPS figures are honest.
using R4.Assembler;
using R4.Machine;
using R4.Perf;

namespace R4.Tests.Perf;

public class ThroughputProgramTests
{
    private static (RunResult Result, MachineStatistics Statistics) Run(string source)
    {
        var assembly = R4Assembler.AssembleText(source, "benchmark.asm");
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        using var machine = new R4Machine(new MachineOptions
        {
            MemoryBytes = 1 << 20,
            ConsoleOutput = Stream.Null,
            Diagnostics = TextWriter.Null,
        });
        machine.Load(assembly.Image!);
        var result = machine.Run(100_000_000);
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(0u, result.ExitStatus);
        return (result, machine.Statistics);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void Alu_loop_retires_four_instructions_per_iteration(int iterations)
    {
        var (_, statistics) = Run(ThroughputPrograms.AluLoop(iterations));

        // three one-word li, the loop, the power-off out
        Assert.Equal((ulong)(3 + iterations * ThroughputPrograms.AluInstructionsPerIteration + 1), statistics.Instructions);
    }

    [Fact]
    public void Load_store_loop_retires_five_instructions_per_word_plus_the_pass_and_tick_overheads()
    {
        var one = Run(ThroughputPrograms.LoadStoreLoop(1)).Statistics;
        var three = Run(ThroughputPrograms.LoadStoreLoop(3)).Statistics;

        // Each timer tick retires one instruction of its own: the handler's iret.
        long extraTicks = three.TrapsByVector[16] - one.TrapsByVector[16];
        Assert.True(extraTicks > 0, "the timer must interrupt the sweep");
        ulong perPass = (ulong)(ThroughputPrograms.LoadStoreArrayWords * ThroughputPrograms.LoadStoreInstructionsPerWord
            + ThroughputPrograms.LoadStoreInstructionsPerPass);
        Assert.Equal(2 * perPass + (ulong)extraTicks, three.Instructions - one.Instructions);
    }

    [Fact]
    public void Irregular_loop_retires_its_body_size_per_iteration()
    {
        var one = Run(ThroughputPrograms.IrregularLoop(1)).Statistics;
        var four = Run(ThroughputPrograms.IrregularLoop(4)).Statistics;

        // the body, then addi and bne
        Assert.Equal((ulong)(3 * (ThroughputPrograms.IrregularBodyInstructions + 2)), four.Instructions - one.Instructions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Irregular_loop_in_CSharp_computes_what_the_guest_computes(int iterations)
    {
        // The benchmark's plain-C# counterpart of (c) is built from the same step list as the
        // guest program; both must end with the same registers and buffer.
        var assembly = R4Assembler.AssembleText(ThroughputPrograms.IrregularLoop(iterations), "benchmark.asm");
        Assert.True(assembly.Succeeded);
        using var machine = new R4Machine(new MachineOptions { MemoryBytes = 1 << 20, ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null });
        machine.Load(assembly.Image!);
        Assert.Equal(StopReason.PowerOff, machine.Run(100_000_000).Reason);
        uint bufferAddress = assembly.Image!.Symbols.Single(symbol => symbol.Name == "buffer").Value;
        var guestBuffer = new byte[ThroughputPrograms.IrregularBufferWords * 4];
        machine.Memory.Read(bufferAddress, guestBuffer);

        var registers = new uint[16];
        var buffer = new uint[ThroughputPrograms.IrregularBufferWords];
        ThroughputPrograms.IrregularLoopInCSharp(registers, buffer, iterations);

        for (int register = 1; register <= 9; register++)
            Assert.Equal(machine.Cpu.GetRegister(register), registers[register]);
        Assert.Equal(guestBuffer, buffer.SelectMany(BitConverter.GetBytes).ToArray());
        Assert.Contains(registers, value => value != 0);
    }
    /// <summary>The self-modifying-code benchmark's two loops (a store into its own body, or into a
    /// data word of the same page, every 16th iteration) run the same on both engines, at the
    /// default compile threshold and at 1 (compiled at once, lost at every store).</summary>
    [Theory]
    [InlineData("patched", 32)]
    [InlineData("patched", 1)]
    [InlineData("data", 32)]
    public void Self_modifying_loops_run_the_same_on_both_engines(string target, int threshold)
    {
        var assembly = R4Assembler.AssembleText(ThroughputPrograms.SelfModifyingLoop(20_000, target), "benchmark.asm");
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        int regions = R4.Tests.Jit.Differential.RunBoth(1 << 20, m => m.Load(assembly.Image!), [1000, 33_333, 1_000_000], $"self-modifying loop into {target}", jitCompileThreshold: threshold);
        if (threshold == 1) Assert.True(regions >= 1);   // at 32 the page's arrivals restart with every store: it stays interpreted
    }
}
