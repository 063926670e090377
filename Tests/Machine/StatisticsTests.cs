// Modelled cycles and counters: every retired instruction costs its class's cycles, every
// trap TrapCycles, every TLB miss and flush their own; host time is measured.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class StatisticsTests
{
    private static ulong CostOf(params Opcode[] opcodes) =>
        (ulong)opcodes.Sum(o => CostTable.Default.CyclesByClass[(int)InstructionTable.Get(o).CostClass]);

    [Fact]
    public void CyclesAreTheSumOfClassCostsTrapsMissesAndFlushes()
    {
        var p = PagingTests.EnablePaging(new ProgramBuilder())   // lui, ori, mtcr ptbr (a flush)
            .Li(2, 0x50000).Li(3, 6)                                 // 4 ALU
            .Emit(Opcode.Mul, 4, 3, 3).Emit(Opcode.Div, 4, 4, 3)
            .Emit(Opcode.Ldw, 5, 2).Emit(Opcode.Stw, rs: 2, rt: 4)   // one data page miss
            .Emit(Opcode.Push, rs: 4).Emit(Opcode.Pop, 6)            // the stack page misses
            .Branch(Opcode.Beq, 0, 3, "end").Jump(Opcode.Jmp, "end")
            .Label("end").Emit(Opcode.Brk)                            // trap to a gate whose handler is hlt
            .Label("handler").Emit(Opcode.Hlt);
        var m = MachineHarness.Load(p);
        PagingTests.MapIdentity(m);
        m.Cpu.SetGate(Vectors.Breakpoint, new Gate(p.AddressOf("handler"), Gate.MakeFlags(0, 0, false)));
        m.Cpu.SetRegister(Registers.StackPointer, 0x20000);
        MachineHarness.AssertPoweredOff(m.Run(1000));

        var costs = CostTable.Default;
        ulong instructions = CostOf(Opcode.Lui, Opcode.Ori, Opcode.Mtcr, Opcode.Lui, Opcode.Ori, Opcode.Lui, Opcode.Ori,
            Opcode.Mul, Opcode.Div, Opcode.Ldw, Opcode.Stw, Opcode.Push, Opcode.Pop, Opcode.Beq, Opcode.Jmp, Opcode.Brk, Opcode.Hlt);
        Assert.Equal(17ul, m.Statistics.Instructions);
        Assert.Equal(3ul, m.Statistics.TlbMisses);   // code page, data page, stack page
        Assert.Equal(1ul, m.Statistics.TlbFlushes);
        Assert.Equal(1, m.Statistics.TrapsByVector[Vectors.Breakpoint]);
        Assert.Equal(instructions + (ulong)costs.TrapCycles + 3ul * (ulong)costs.TlbMissCycles + (ulong)costs.TlbFlushCycles, m.Statistics.Cycles);
        Assert.True(m.Statistics.HostSeconds > 0);
        Assert.Equal(6u, m.Reg(6));
    }

    [Fact]
    public void IretCostsItsClassPlusIretCycles()
    {
        var p = new ProgramBuilder().EnterRing(0, "next", 0x10000).Label("next").PowerOff();
        var m = MachineHarness.Load(p);
        m.Cpu.SetRegister(Registers.StackPointer, 0x20000);
        MachineHarness.AssertPoweredOff(m.Run(100));
        ulong expected = CostOf(Opcode.Lui, Opcode.Ori, Opcode.Push, Opcode.Lui, Opcode.Ori, Opcode.Push, Opcode.Lui, Opcode.Ori, Opcode.Push,
            Opcode.Push, Opcode.Iret, Opcode.Hlt) + (ulong)CostTable.Default.IretCycles;
        Assert.Equal(expected, m.Statistics.Cycles);
    }

    [Fact]
    public void LoadRejectsASegmentOutsideRamNamingIt()
    {
        using var m = MachineHarness.Create();
        var image = new R4.Isa.Image.ProgramImage(0, [
            new R4.Isa.Image.ImageSegment(0, 0, [1, 2, 3, 4], 4, R4.Isa.Image.SegmentFlags.Read),
            new R4.Isa.Image.ImageSegment(0xFFFF0, 0xFFFF0, new byte[32], 32, R4.Isa.Image.SegmentFlags.Read)]);
        var e = Assert.Throws<R4.Isa.Image.ImageFormatException>(() => m.Load(image));
        Assert.Equal("segment 1 at physical 0x000ffff0 (32 bytes) lies outside RAM (0x100000 bytes)", e.Message);
    }

    [Fact]
    public void LoadResetsTheMachine()
    {
        var p = new ProgramBuilder().Li(1, 5).Emit(Opcode.Sti).PowerOff();
        var m = MachineHarness.Load(p);
        Assert.Equal(StopReason.Deadlock, m.Run(100).Reason);
        m.Memory.Write(0x9000, [9, 9, 9, 9]);
        m.Load(p.Image());
        Assert.Equal(0u, m.Reg(1));
        Assert.Equal(0u, m.Cpu.Status);
        Assert.Equal(0u, m.Word(0x9000));
        Assert.Equal(0x1000u, m.Cpu.Pc);
        Assert.Equal(0ul, m.Statistics.Instructions);
        Assert.Equal(RingMap.Identity, m.Cr(ControlRegister.Rmap));
    }
}
