// Privileged instructions: the ring checks, control registers through mfcr/mtcr, cli/sti,
// in/out through the device bus, and the ivt read-once rule.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class SystemInstructionTests
{
    private const uint UserStack = 0x1F000;

    public static IEnumerable<object[]> PrivilegedRows() =>
        from info in InstructionTable.All
        where info.Privilege != Privilege.AnyRing
        from ring in new[] { 1, 2, 3 }
        where ring > (int)info.Privilege
        select new object[] { info.Mnemonic, ring };

    [Theory]
    [MemberData(nameof(PrivilegedRows))]
    public void PrivilegedInstructionAboveItsRingRaisesGpAtItself(string mnemonic, int ring)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        int imm = info.Form is OperandForm.RdControl or OperandForm.ControlRs ? (int)ControlRegister.Scratch0 : info.Form is OperandForm.RdPort or OperandForm.PortRs ? Ports.Power : 0;
        var p = new ProgramBuilder().EnterRing(ring, "user", UserStack).Label("user").Li(1, 77).Li(2, 0x5555)
            .Label("op").Emit(info.Opcode, rd: info.Form is OperandForm.RdControl or OperandForm.RdPort ? 1 : 0, rs: 2, imm: imm).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.GeneralProtection, p.AddressOf("op"));
        Assert.Equal((uint)ring, m.Reg(9));
        Assert.Equal(77u, m.Reg(1));
        Assert.Equal(0u, m.Cr(ControlRegister.Scratch0));
    }

    [Fact]
    public void ControlRegistersRoundTripThroughMtcrAndMfcr()
    {
        var p = new ProgramBuilder();
        var registers = new[] { ControlRegister.Ksp0, ControlRegister.Ksp1, ControlRegister.Ksp2, ControlRegister.Fault, ControlRegister.Scratch0, ControlRegister.Scratch1 };
        foreach (var cr in registers)
            p.Li(1, 0xA0000000 | (uint)cr).Emit(Opcode.Mtcr, rs: 1, imm: (int)cr).Emit(Opcode.Mfcr, 2 + (int)cr, imm: (int)cr);
        p.Li(1, 0x12345678).Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Rmap).Emit(Opcode.Mfcr, 1, imm: (int)ControlRegister.Rmap);
        p.Li(2, 0xFFFFFFFF).Emit(Opcode.Mtcr, rs: 2, imm: (int)ControlRegister.Status).Emit(Opcode.Mfcr, 2, imm: (int)ControlRegister.Status);
        p.Li(3, 0x00050000).Emit(Opcode.Mtcr, rs: 3, imm: (int)ControlRegister.Ptbr).Emit(Opcode.Mfcr, 3, imm: (int)ControlRegister.Ptbr);
        p.Emit(Opcode.Cli).PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        foreach (var cr in registers)
            Assert.Equal(0xA0000000 | (uint)cr, m.Reg(2 + (int)cr));
        Assert.Equal(0x5678u, m.Reg(1));                       // rmap keeps bits 15:0
        Assert.Equal(StatusBits.InterruptEnable, m.Reg(2));    // CPL is read-only
        Assert.Equal(0x00050000u, m.Reg(3));
        Assert.Equal(1ul, m.Statistics.TlbFlushes);            // the ptbr write
    }

    [Fact]
    public void CliAndStiSetIe()
    {
        var p = new ProgramBuilder().Emit(Opcode.Sti).Emit(Opcode.Mfcr, 1, imm: 0).Emit(Opcode.Cli).Emit(Opcode.Mfcr, 2, imm: 0).PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(StatusBits.InterruptEnable, m.Reg(1));
        Assert.Equal(0u, m.Reg(2));
    }

    [Fact]
    public void IvtIsReadWhenWrittenAndLaterEditsNeedAnotherWrite()
    {
        const uint Table = 0x6000;
        var p = new ProgramBuilder()
            .Li(1, Table).Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Ivt)
            .La(2, "second").Emit(Opcode.Stw, rs: 1, rt: 2, imm: 40 * 8)       // edit gate 40 in memory
            .Emit(Opcode.Int, imm: 40).PowerOff()                               // still the old gate
            .Label("first").Emit(Opcode.Addi, 3, 3, imm: 1)
            .Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Ivt)            // now the edit takes effect
            .Li(14, 0x10000).Emit(Opcode.Int, imm: 40).PowerOff()
            .Label("second").Emit(Opcode.Addi, 4, 4, imm: 1).PowerOff();
        var m = MachineHarness.Load(p);
        m.Poke(Table + 40 * 8, p.AddressOf("first"));
        m.Poke(Table + 40 * 8 + 4, Gate.MakeFlags(0, 0, false));
        m.Cpu.SetRegister(14, 0x10000);
        MachineHarness.AssertPoweredOff(m.Run(1000));
        Assert.Equal(1u, m.Reg(3));
        Assert.Equal(1u, m.Reg(4));
        Assert.Equal(Table, m.Cr(ControlRegister.Ivt));
    }

    [Fact]
    public void IvtWriteThatCannotReadTheTableFaultsAndKeepsTheOldTable()
    {
        var p = new ProgramBuilder().Li(1, MachineHarness.SmallMemoryBytes - 256).Label("mtcr").Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Ivt).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.MachineCheck, p.AddressOf("mtcr"));
        Assert.Equal(TrapCatcher.IvtAddress, m.Cr(ControlRegister.Ivt));
    }

    [Fact]
    public void InAndOutReachTheDeviceBus()
    {
        // Unknown ports: reads give all ones, writes are ignored; the power port stops the machine.
        var p = new ProgramBuilder().Emit(Opcode.In, 1, imm: 0x1234).Emit(Opcode.Out, rs: 1, imm: 0x1234)
            .Li(2, 42).Emit(Opcode.Out, rs: 2, imm: Ports.Power).Label("after").Emit(Opcode.Nop);
        var (m, result) = MachineHarness.Run(p);
        Assert.Equal(new RunResult(StopReason.PowerOff, 42, p.AddressOf("after"), null), result);
        Assert.Equal(0xFFFFFFFFu, m.Reg(1));
    }
}
