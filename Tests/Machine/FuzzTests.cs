// Fuzzing the CPU: thousands of random memory images run as code at every ring, with
// paging on and off, random gates, stacks, ring maps and pending interrupts, a monitor
// that does random things, and tracing. Only guest-level outcomes are allowed: every run
// ends with a StopReason, never a host exception, and the architectural invariants hold.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class FuzzTests
{
    internal const uint RamBytes = 16 << 10;
    private const ulong Budget = 2_000;

    /// <summary>A random word: half the time a valid encoding of a random table row.</summary>
    private static uint RandomWord(Random random)
    {
        if (random.Next(2) == 0) return (uint)random.NextInt64(0, 1L << 32);
        var info = InstructionTable.All[random.Next(InstructionTable.All.Count)];
        int imm = info.Form switch
        {
            OperandForm.RdRsShift => random.Next(32),
            OperandForm.Vector => random.Next(64),
            OperandForm.RdControl or OperandForm.ControlRs => random.Next(ControlRegisters.Count),
            OperandForm.RdRsUimm16 or OperandForm.RdImm16 or OperandForm.RdPort or OperandForm.PortRs => random.Next(0x10000),
            OperandForm.Jump => random.Next(-64, 64),
            OperandForm.Branch => random.Next(-64, 64),
            _ => random.Next(short.MinValue, short.MaxValue + 1),
        };
        if (info.Form is OperandForm.RdPort or OperandForm.PortRs && imm is >= 0xF0 and <= 0xF1) imm = 0x1234;   // no power-off
        return InstructionCodec.Encode(info.Opcode, random.Next(16), random.Next(16), random.Next(16), imm);
    }

    private static uint RandomAddress(Random random) =>
        random.Next(8) == 0 ? (uint)random.NextInt64(0, 1L << 32) : (uint)random.Next((int)RamBytes) & ~3u;

    internal static void Randomize(R4Machine m, Random random)
    {
        var cpu = m.Cpu;
        var bytes = new byte[RamBytes];
        for (int i = 0; i < bytes.Length; i += 4)
            BitConverter.TryWriteBytes(bytes.AsSpan(i), RandomWord(random));
        m.Load(new R4.Isa.Image.ProgramImage(RandomAddress(random), [new R4.Isa.Image.ImageSegment(0, 0, bytes, RamBytes, R4.Isa.Image.SegmentFlags.Execute)]));
        for (int r = 1; r < 16; r++) cpu.SetRegister(r, random.Next(3) == 0 ? (uint)random.NextInt64(0, 1L << 32) : RandomAddress(random));
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(RandomAddress(random), random.Next(6) == 0 ? (uint)random.Next(64) : Gate.MakeFlags(random.Next(4), random.Next(4), random.Next(2) == 0)));
        foreach (var cr in new[] { ControlRegister.Ksp0, ControlRegister.Ksp1, ControlRegister.Ksp2 })
            cpu.SetControl(cr, RandomAddress(random));
        if (random.Next(4) == 0) cpu.SetControl(ControlRegister.Rmap, (uint)random.Next(0x10000));
        if (random.Next(2) == 0)
        {
            // Paging on: a directory whose first entry points at a table of mostly-identity entries.
            uint directory = (uint)random.Next((int)(RamBytes >> 12)) << 12, table = (uint)random.Next((int)(RamBytes >> 12)) << 12;
            m.Memory.Write(directory, BitConverter.GetBytes(table | 1));
            for (uint page = 0; page < RamBytes >> 12; page++)
            {
                uint frame = random.Next(8) == 0 ? (uint)random.Next(64) << 12 : page << 12;
                m.Memory.Write(table + page * 4, BitConverter.GetBytes(frame | (uint)random.Next(32)));
            }
            cpu.SetControl(ControlRegister.Ptbr, directory | 1);
        }
        cpu.Status = (uint)random.Next(8);
        if (random.Next(4) == 0) m.Interrupts.Raise(Vectors.Timer + random.Next(3));
    }

    [Fact]
    public void RandomCodeAtEveryRingEndsOnlyInGuestLevelOutcomes()
    {
        var random = new Random(20261125);
        using var m = MachineHarness.Create(RamBytes);
        var outcomes = new Dictionary<StopReason, int>();
        var traps = new long[Vectors.Count];
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            Randomize(m, random);
            m.Trace = iteration % 50 == 0 ? new TrapTests.RecordingTraceSink() : null;
            m.Cpu.Ring0Host = iteration % 7 == 0 ? new RandomHost(random.Next()) : null;
            var result = m.Run(Budget);
            outcomes[result.Reason] = outcomes.GetValueOrDefault(result.Reason) + 1;
            Assert.Equal(0u, m.Reg(0));
            Assert.True(m.Statistics.Instructions <= Budget + 1, $"iteration {iteration}: {m.Statistics.Instructions} instructions");
            Assert.True(result.Reason != StopReason.Shutdown || result.Diagnostic is not null);
            for (int v = 0; v < Vectors.Count; v++) traps[v] += m.Statistics.TrapsByVector[v];
        }
        // The fuzz must actually exercise the machine: shutdowns, limits and many kinds of trap.
        Assert.True(outcomes.GetValueOrDefault(StopReason.Shutdown) > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(StopReason.InstructionLimit) > 10, string.Join(", ", outcomes));
        foreach (int v in new[] { Vectors.DivideError, Vectors.UndefinedInstruction, Vectors.GeneralProtection, Vectors.PageFault, Vectors.Alignment, Vectors.DoubleFault, Vectors.MachineCheck })
            Assert.True(traps[v] > 0, $"no {Vectors.Name(v)} in the fuzz run");
    }

    /// <summary>A monitor doing random things with the CPU through its public members.</summary>
    private sealed class RandomHost(int seed) : IRing0Host
    {
        private readonly Random random = new(seed);

        public void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc)
        {
            switch (random.Next(8))
            {
                case 0: cpu.RetireEmulatedInstruction(savedPc + 4); break;
                case 1: cpu.DeliverTrap(random.Next(Vectors.Count), errorCode, savedPc); break;
                case 2: cpu.Status = (uint)random.Next(8); cpu.Pc = savedPc + 4; break;
                case 3: cpu.TryRead32(cpu.GetRegister(random.Next(16)), random.Next(4), out _, out _); cpu.Pc = savedPc + 4; break;
                case 4: cpu.TryWrite32(cpu.GetRegister(random.Next(16)), random.Next(4), 0, out _); cpu.InvalidatePage(savedPc); cpu.Pc = savedPc + 4; break;
                case 5: cpu.FlushTlb(); cpu.AddCycles(10); cpu.Pc = savedPc + 4; break;
                case 6: cpu.EnterHalt(); break;
                default: cpu.RequestStop(StopReason.Deadlock, 0, "fuzz host"); break;
            }
        }
    }
}
