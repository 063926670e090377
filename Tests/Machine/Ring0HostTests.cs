// The monitor seam: with an IRing0Host installed, traps whose gate enters ring 0 go to
// the host, which emulates privileged instructions, reflects traps through DeliverTrap and
// reads guest memory as a given ring.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class Ring0HostTests
{
    private const uint GuestStack = 0x1F000, GuestKernelStack = 0x30000;

    /// <summary>A tiny monitor: counts traps, emulates mfcr (returns 42 + number), cli and
    /// hlt (stops with status 7), answers system call 32 with r1 = 99, and reflects #UD to
    /// the guest's ring-1 gate 41.</summary>
    private sealed class EmulatingHost : IRing0Host
    {
        public List<(int Vector, uint Error, uint SavedPc, int Ring)> Traps { get; } = [];
        public bool VirtualIe { get; private set; } = true;

        public void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc)
        {
            Traps.Add((vector, errorCode, savedPc, cpu.Cpl));
            Assert.Equal(savedPc, cpu.Pc);
            switch (vector)
            {
                case Vectors.GeneralProtection:
                    Assert.True(cpu.TryFetch32(savedPc, cpu.Cpl, out uint word, out _));
                    Assert.True(InstructionCodec.TryDecode(word, out var instruction));
                    switch (instruction.Opcode)
                    {
                        case Opcode.Mfcr:
                            cpu.SetRegister(instruction.Rd, 42 + (uint)instruction.Imm);
                            cpu.RetireEmulatedInstruction(savedPc + 4);
                            break;
                        case Opcode.Cli:
                            VirtualIe = false;
                            cpu.RetireEmulatedInstruction(savedPc + 4);
                            break;
                        case Opcode.Hlt:
                            cpu.RequestStop(StopReason.PowerOff, 7, "guest halted");
                            break;
                        default:
                            throw new InvalidOperationException($"unexpected {instruction.Opcode}");
                    }
                    break;
                case Vectors.SystemCall:
                    cpu.SetRegister(1, 99);
                    break;
                case Vectors.UndefinedInstruction:
                    cpu.DeliverTrap(41, 0x5A, savedPc);
                    break;
            }
        }
    }

    private static (R4Machine Machine, EmulatingHost Host, RunResult Result) RunGuest(ProgramBuilder guest)
    {
        var m = MachineHarness.Load(guest);
        var host = new EmulatingHost();
        var cpu = m.Cpu;
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(0, Gate.MakeFlags(0, 3, false)));
        cpu.SetGate(40, new Gate(guest.AddressOf("handler40"), Gate.MakeFlags(1, 3, false)));
        cpu.SetGate(41, new Gate(guest.AddressOf("handler41"), Gate.MakeFlags(1, 0, false)));
        cpu.SetControl(ControlRegister.Ksp1, GuestKernelStack);
        cpu.SetRegister(Registers.StackPointer, GuestStack);
        cpu.Status = 1;   // the guest kernel runs deprivileged in ring 1
        cpu.Ring0Host = host;
        return (m, host, m.Run(10_000));
    }

    [Fact]
    public void HostEmulatesPrivilegedInstructionsAndSeesEveryRing0Trap()
    {
        var guest = new ProgramBuilder()
            .Label("mfcr").Emit(Opcode.Mfcr, 2, imm: (int)ControlRegister.Scratch1)
            .Label("cli").Emit(Opcode.Cli)
            .Label("int32").Emit(Opcode.Int, imm: 32)
            .Emit(Opcode.Int, imm: 40)                 // a ring-1 gate: delivered in hardware
            .Label("handler40").Emit(Opcode.Ldw, 6, Registers.StackPointer, imm: 8)
            .Label("hlt").Emit(Opcode.Hlt)
            .Label("handler41").Emit(Opcode.Hlt);
        var (m, host, result) = RunGuest(guest);
        Assert.Equal(new RunResult(StopReason.PowerOff, 7, guest.AddressOf("hlt"), "guest halted"), result);
        Assert.Equal(
            [(Vectors.GeneralProtection, 0u, guest.AddressOf("mfcr"), 1), (Vectors.GeneralProtection, 0u, guest.AddressOf("cli"), 1),
             (Vectors.SystemCall, 0u, guest.AddressOf("int32") + 4, 1), (Vectors.GeneralProtection, 0u, guest.AddressOf("hlt"), 1)],
            host.Traps);
        Assert.Equal(42u + (uint)ControlRegister.Scratch1, m.Reg(2));
        Assert.Equal(99u, m.Reg(1));
        Assert.False(host.VirtualIe);
        Assert.Equal(1u, m.Reg(6));                          // the hardware frame of int 40 saved ring 1
        Assert.Equal(5ul, m.Statistics.Instructions);        // mfcr, cli (emulated), int 32, int 40, ldw
        Assert.Equal(3, m.Statistics.TrapsByVector[Vectors.GeneralProtection]);
        Assert.Equal(1, m.Statistics.TrapsByVector[40]);
        var costs = CostTable.Default.CyclesByClass;
        ulong expectedCycles = (ulong)(2 * costs[(int)CostClass.Privileged] + 2 * costs[(int)CostClass.System] + costs[(int)CostClass.Load]
                                       + CostTable.Default.TrapCycles);
        Assert.Equal(expectedCycles, m.Statistics.Cycles);
    }

    [Fact]
    public void HostReflectsATrapThroughTheGuestsGate()
    {
        var guest = new ProgramBuilder()
            .Label("bad").Word(0)
            .Label("handler40").Emit(Opcode.Hlt)
            .Label("handler41").Emit(Opcode.Ldw, 5, Registers.StackPointer, imm: 0).Emit(Opcode.Ldw, 6, Registers.StackPointer, imm: 4)
            .Label("hlt").Emit(Opcode.Hlt);
        var (m, host, result) = RunGuest(guest);
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(0x5Au, m.Reg(5));
        Assert.Equal(guest.AddressOf("bad"), m.Reg(6));
        Assert.Equal(GuestStack - 16, m.Reg(Registers.StackPointer));   // ring 1 to ring 1: no stack switch
        Assert.Equal([Vectors.UndefinedInstruction, Vectors.GeneralProtection], host.Traps.Select(t => t.Vector));
    }

    [Fact]
    public void HostMemoryAccessReportsFaultsAsARing()
    {
        var p = new ProgramBuilder().PowerOff();
        var m = MachineHarness.Load(p);
        PagingTests.MapIdentity(m);
        PagingTests.SetPte(m, 0x50000, 0x50000 | PageBits.Present | PageBits.Writable);   // ring 0 only
        PagingTests.SetPte(m, 0x51000, 0);
        var cpu = m.Cpu;
        cpu.SetControl(ControlRegister.Ptbr, PagingTests.Directory | PageBits.PtbrEnable);
        Assert.True(cpu.TryWrite32(0x50004, 0, 0xABCD, out _));
        Assert.True(cpu.TryRead32(0x50004, 0, out uint value, out _));
        Assert.Equal(0xABCDu, value);
        Assert.False(cpu.TryRead32(0x50004, 3, out _, out uint error));
        Assert.Equal(PageBits.ErrorPresent | PageBits.ErrorRing, error);
        Assert.Equal(Vectors.PageFault, cpu.LastAccessFault);
        Assert.False(cpu.TryWrite8(0x51000, 0, 1, out error));
        Assert.Equal(PageBits.ErrorWrite, error);
        Assert.False(cpu.TryRead16(0x50001, 0, out _, out _));
        Assert.Equal(Vectors.Alignment, cpu.LastAccessFault);
        Assert.True(cpu.TryRead8(0x50005, 0, out value, out _));
        Assert.Equal(0xABu, value);
        Assert.False(cpu.TryReadPhysical32(MachineHarness.SmallMemoryBytes, out _));
        Assert.Equal(0u, cpu.GetControl(ControlRegister.Fault));   // host accesses never touch `fault`
    }

    [Fact]
    public void RunawayHostRecursionShutsDownInsteadOfCrashing()
    {
        var m = MachineHarness.Load(new ProgramBuilder().Word(0));
        for (int v = 0; v < Vectors.Count; v++)
            m.Cpu.SetGate(v, new Gate(0, Gate.MakeFlags(0, 3, false)));
        m.Cpu.SetGate(41, default);   // not present: every reflection faults back into the host
        m.Cpu.Ring0Host = new ReflectingHost();
        var result = m.Run(1000);
        Assert.Equal(StopReason.Shutdown, result.Reason);
        Assert.StartsWith("monitor recursion", result.Diagnostic);
    }

    private sealed class ReflectingHost : IRing0Host
    {
        public void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc) => cpu.DeliverTrap(41, 0, savedPc);
    }
}
