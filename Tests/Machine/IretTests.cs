// iret (spec §5.2): the frame's pc, status and sp; #GP at ring 3, for a return to a more
// privileged ring and for an IE change at CPL > 0; faults on the frame change nothing;
// the ring map's forward and reverse halves (spec §5.3).
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class IretTests
{
    private const uint UserStack = 0x1F000;

    [Fact]
    public void IretReturnsToTheFramesPcStatusAndSp()
    {
        // Ring 0 builds a frame for ring 3 with IE = 1, and ring 3 traps back with int 40.
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack, statusExtra: StatusBits.InterruptEnable)
            .Label("user").Emit(Opcode.Add, 1, 14, 0).Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(UserStack, m.Reg(1));
        Assert.Equal(3u | StatusBits.InterruptEnable, m.Reg(9));   // ring 3 ran with IE = 1
    }

    [Fact]
    public void IretIgnoresStatusBitsOtherThanCplAndIe()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack, statusExtra: 0xFFFFFFF8).Label("user").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, _) = TrapCatcher.Run(p);
        Assert.Equal(3u, m.Reg(9));
    }

    [Fact]
    public void IretAtRing3RaisesGp()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Label("iret").Emit(Opcode.Iret).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.GeneralProtection, p.AddressOf("iret"));
        Assert.Equal(UserStack, m.Reg(8));
    }

    [Fact]
    public void IretToAMorePrivilegedRingRaisesGp()
    {
        // Ring 1 builds a frame claiming ring 0.
        var p = new ProgramBuilder().EnterRing(1, "ring1", UserStack).Label("ring1")
            .EnterRing(0, "never", UserStack - 0x100).Label("never").PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((uint)Vectors.GeneralProtection, m.Reg(10));
        Assert.Equal(1u, m.Reg(9));
        Assert.Equal(UserStack - 16, m.Reg(8));   // sp still points at the frame: iret changed nothing
    }

    [Theory]
    [InlineData(StatusBits.InterruptEnable, true)]
    [InlineData(0u, false)]
    public void IretAtRing1ThatWouldChangeIeRaisesGp(uint ie, bool faults)
    {
        var p = new ProgramBuilder().EnterRing(1, "ring1", UserStack).Label("ring1")
            .EnterRing(2, "ring2", UserStack - 0x100, statusExtra: ie).Label("ring2").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(faults ? (uint)Vectors.GeneralProtection : 40u, m.Reg(10));
        Assert.Equal(faults ? 1u : 2u, m.Reg(9));
    }

    /// <summary>Spec §11.5, on both engines: the flawed machine lets the same iret through with IE
    /// left as it was (no #GP), and counts it.</summary>
    [Theory]
    [InlineData(ExecutionEngine.Interpreter)]
    [InlineData(ExecutionEngine.Jit)]
    public void OnTheFlawedMachineAnIretAtRing1ThatWouldChangeIeLeavesIeAlone(ExecutionEngine engine)
    {
        var p = new ProgramBuilder().EnterRing(1, "ring1", UserStack).Label("ring1")
            .EnterRing(2, "ring2", UserStack - 0x100, statusExtra: StatusBits.InterruptEnable).Label("ring2").Emit(Opcode.Int, imm: 40).PowerOff();
        var seen = new List<(uint Pc, int Cpl)>();
        var (m, result) = TrapCatcher.Run(p, setup: machine =>
        {
            machine.Cpu.Engine = engine;
            machine.Cpu.IretIgnoresIeChangeAboveRing0 = true;
            machine.Cpu.IretIgnoredIeChange += (pc, cpl) => seen.Add((pc, cpl));
        });
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(40u, m.Reg(10));   // ring 2 was entered: no #GP
        Assert.Equal(2u, m.Reg(9));     // ... with IE still 0
        Assert.Equal(1ul, m.Cpu.IretIeChangesIgnored);
        Assert.Equal(1, seen.Single().Cpl);
    }

    [Fact]
    public void IretAtRing0MayChangeIe()
    {
        var p = new ProgramBuilder().EnterRing(0, "same", UserStack, statusExtra: StatusBits.InterruptEnable)
            .Label("same").Emit(Opcode.Mfcr, 1, imm: (int)ControlRegister.Status).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        var result = m.Run(1000);
        Assert.Equal(StopReason.Deadlock, result.Reason);   // hlt with IE = 1 and no device
        Assert.Equal(StatusBits.InterruptEnable, m.Reg(1));
    }

    [Fact]
    public void IretWithItsFrameOutsideRamRaisesMachineCheckAndChangesNothing()
    {
        var p = new ProgramBuilder().Li(14, MachineHarness.SmallMemoryBytes - 8).Label("iret").Emit(Opcode.Iret).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        m.Cpu.SetRegister(14, MachineHarness.SmallMemoryBytes - 8);
        var result = m.Run(1000);
        // The #MC frame is pushed below the same sp (ring 0 → ring 0).
        TrapCatcher.AssertTrap(m, result, Vectors.MachineCheck, p.AddressOf("iret"));
        Assert.Equal(MachineHarness.SmallMemoryBytes - 8, m.Reg(8));
    }

    [Fact]
    public void RingMapForwardMapsTheRingIretEnters()
    {
        // forward[3] = 2: an iret to "ring 3" enters ring 2; reverse[2] = 3: its trap frame says 3.
        uint rmap = (0u | 1u << 2 | 2u << 4 | 2u << 6) | (0u | 1u << 2 | 3u << 4 | 3u << 6) << 8;
        var p = new ProgramBuilder().Li(1, rmap).Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Rmap)
            .EnterRing(3, "user", UserStack).Label("user").Emit(Opcode.Iret).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        MachineHarness.AssertPoweredOff(result);
        // The user's iret runs in ring 2, which reverse[2] presents as ring 3: #GP, as at ring 3.
        Assert.Equal((uint)Vectors.GeneralProtection, m.Reg(10));
        Assert.Equal(3u, m.Reg(9));   // saved status: real ring 2, reported as 3
        Assert.Equal(rmap, m.Cr(ControlRegister.Rmap));
    }

    [Fact]
    public void ResetLeavesRingMapIdentity()
    {
        var p = new ProgramBuilder().Emit(Opcode.Mfcr, 1, imm: (int)ControlRegister.Rmap).PowerOff();
        var (m, _) = MachineHarness.Run(p);
        Assert.Equal(RingMap.Identity, m.Reg(1));
    }
}
