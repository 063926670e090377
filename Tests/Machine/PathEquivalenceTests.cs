// The interpreter's paths must agree: the same random machine run in one Run, with a trace
// sink attached (a boundary before every instruction), and one instruction per Run call
// ends in the same state — registers, control registers, time, cycles, traps, TLB counters
// and RAM.
using System.Security.Cryptography;
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class PathEquivalenceTests
{
    private const ulong Budget = 1_500;

    private static R4Machine Prepare(int seed)
    {
        var m = MachineHarness.Create(FuzzTests.RamBytes);
        FuzzTests.Randomize(m, new Random(seed));
        return m;
    }

    private static string Snapshot(R4Machine m, RunResult result)
    {
        var cpu = m.Cpu;
        var parts = new List<string> { $"{result.Reason} {result.ExitStatus} {result.Pc:x} {result.Diagnostic}" };
        for (int r = 0; r < Registers.Count; r++) parts.Add($"r{r}={cpu.GetRegister(r):x}");
        for (int c = 0; c < ControlRegisters.Count; c++) parts.Add($"cr{c}={cpu.GetControl((ControlRegister)c):x}");
        parts.Add($"pc={cpu.Pc:x} instret={cpu.Instret} cycles={cpu.Cycles} halted={cpu.Halted}");
        parts.Add($"misses={cpu.Mmu.Misses} flushes={cpu.Mmu.Flushes} traps={string.Join(",", m.Statistics.TrapsByVector)}");
        var ram = new byte[m.Memory.SizeBytes];
        m.Memory.Read(0, ram);
        parts.Add(Convert.ToHexString(SHA256.HashData(ram)));
        return string.Join(" ", parts);
    }

    [Fact]
    public void OneRunTracedRunAndSingleStepsEndInTheSameState()
    {
        for (int seed = 0; seed < 150; seed++)
        {
            using var whole = Prepare(seed);
            string expected = Snapshot(whole, whole.Run(Budget));

            using var traced = Prepare(seed);
            var sink = new TrapTests.RecordingTraceSink();
            traced.Trace = sink;
            Assert.Equal(expected, Snapshot(traced, traced.Run(Budget)));
            Assert.Equal(whole.Statistics.TrapsByVector.Sum(), sink.Traps.Count);

            using var stepped = Prepare(seed);
            RunResult result = new(StopReason.InstructionLimit, 0, 0, null);
            for (ulong i = 0; i < Budget && result.Reason == StopReason.InstructionLimit && stepped.Cpu.Instret < Budget; i++)
                result = stepped.Run(Math.Min(1, Budget - stepped.Cpu.Instret));
            if (result.Reason == StopReason.InstructionLimit && stepped.Cpu.Instret < Budget)
                result = stepped.Run(Budget - stepped.Cpu.Instret);
            Assert.Equal(expected, Snapshot(stepped, result));
        }
    }
}
