// Traps through gates (spec §5.2): exact frame contents, stack switches from ksp<t>, DPL
// for int, interrupt vs trap gates, faults while delivering (#DF), shutdown, statistics.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class TrapTests
{
    private const uint UserStack = 0x1F000;

    private static uint Flags(int target, int dpl = 3, bool interruptGate = false) => Gate.MakeFlags(target, dpl, interruptGate);

    [Fact]
    public void IntFromRing3SwitchesToKsp0AndPushesTheExactFrame()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Emit(Opcode.Int, imm: 40).Label("next").PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, 40, p.AddressOf("next"));
        Assert.Equal(3u, m.Reg(9));                       // saved status: CPL 3, IE 0
        Assert.Equal(UserStack, m.Reg(8));                // saved sp
        Assert.Equal(TrapCatcher.Ksp0 - 16, m.Reg(7));    // the handler's sp
        Assert.Equal(0u, m.Reg(6));                       // CPL 0 in the handler
        Assert.Equal(1, m.Statistics.TrapsByVector[40]);
        Assert.Equal(1, m.Statistics.TrapsByVector.Sum());
    }

    [Fact]
    public void TrapInTheSameRingPushesOnTheCurrentStack()
    {
        var p = new ProgramBuilder().Emit(Opcode.Int, imm: 40).Label("next").PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, 40, p.AddressOf("next"));
        Assert.Equal(TrapCatcher.StackTop, m.Reg(8));
        Assert.Equal(TrapCatcher.StackTop - 16, m.Reg(7));
        Assert.Equal(0u, m.Word(TrapCatcher.StackTop - 16));                        // error code
        Assert.Equal(p.AddressOf("next"), m.Word(TrapCatcher.StackTop - 12));      // saved pc
        Assert.Equal(0u, m.Word(TrapCatcher.StackTop - 8));                         // saved status
        Assert.Equal(TrapCatcher.StackTop, m.Word(TrapCatcher.StackTop - 4));       // old sp
    }

    [Fact]
    public void TrapIntoRing1LoadsKsp1()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Emit(Opcode.Int, imm: 40).Label("next").PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == 40 ? Flags(1) : Flags(0));
        TrapCatcher.AssertTrap(m, result, 40, p.AddressOf("next"));
        Assert.Equal(TrapCatcher.Ksp1 - 16, m.Reg(7));
        Assert.Equal(UserStack, m.Reg(8));
        Assert.Equal(3u, m.Reg(9));
    }

    [Fact]
    public void IntToAGateWithDplAboveCplRaisesGpAtTheInt()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Label("int").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == 40 ? Flags(0, dpl: 2) : Flags(0));
        TrapCatcher.AssertTrap(m, result, Vectors.GeneralProtection, p.AddressOf("int"));
        Assert.Equal(0ul + 0, (ulong)m.Statistics.TrapsByVector[40]);
    }

    [Theory]
    [InlineData(false, 4u)]
    [InlineData(true, 0u)]
    public void InterruptGateClearsIeAndTrapGateKeepsIt(bool interruptGate, uint statusInHandler)
    {
        var p = new ProgramBuilder().Emit(Opcode.Sti).Emit(Opcode.Int, imm: 40).Label("next").PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => Flags(0, 3, interruptGate));
        TrapCatcher.AssertTrap(m, result, 40, p.AddressOf("next"));
        Assert.Equal(statusInHandler, m.Reg(6));
        Assert.Equal(StatusBits.InterruptEnable, m.Reg(9));
    }

    [Fact]
    public void IntThroughANotPresentGateRaisesGpAtTheInt()
    {
        var p = new ProgramBuilder().Label("int").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == 40 ? 0 : Flags(0));
        TrapCatcher.AssertTrap(m, result, Vectors.GeneralProtection, p.AddressOf("int"));
    }

    [Fact]
    public void IntToAGateTargetingALessPrivilegedRingRaisesGp()
    {
        var p = new ProgramBuilder().EnterRing(1, "ring1", UserStack).Label("ring1").Label("int").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == 40 ? Flags(2) : Flags(0));
        TrapCatcher.AssertTrap(m, result, Vectors.GeneralProtection, p.AddressOf("int"));
        Assert.Equal(1u, m.Reg(9));
    }

    [Fact]
    public void FaultThroughANotPresentGateBecomesDoubleFault()
    {
        var p = new ProgramBuilder().Label("bad").Word(0).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == Vectors.UndefinedInstruction ? 0 : Flags(0));
        TrapCatcher.AssertTrap(m, result, Vectors.DoubleFault, p.AddressOf("bad"));
    }

    [Fact]
    public void FaultWhileDeliveringDoubleFaultShutsDownWithADiagnostic()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Label("bad").Word(0).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v is Vectors.UndefinedInstruction or Vectors.DoubleFault ? 0 : Flags(0));
        Assert.Equal(StopReason.Shutdown, result.Reason);
        Assert.Equal(p.AddressOf("bad"), result.Pc);
        Assert.Equal("triple fault: #UD: gate 4 not present; then #DF: gate 8 not present", result.Diagnostic);
        Assert.Equal(TrapCatcher.NoTrap, m.Reg(10));
        Assert.Equal(1ul, m.Statistics.Instructions);
        Assert.Equal(StopReason.Shutdown, m.Run().Reason);   // stays shut down
    }

    [Fact]
    public void FaultWhilePushingTheFrameBecomesDoubleFault()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Label("bad").Word(0).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == Vectors.UndefinedInstruction ? Flags(1) : Flags(0),
            setup: m => m.Cpu.SetControl(ControlRegister.Ksp1, 0xF0000000));
        TrapCatcher.AssertTrap(m, result, Vectors.DoubleFault, p.AddressOf("bad"));
        Assert.Equal(TrapCatcher.Ksp0 - 16, m.Reg(7));
    }

    [Fact]
    public void MisalignedKernelStackIsAnAlignmentFaultWhileDeliveringSoDoubleFault()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Label("bad").Word(0).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == Vectors.UndefinedInstruction ? Flags(1) : Flags(0),
            setup: m => m.Cpu.SetControl(ControlRegister.Ksp1, 0x3002));
        TrapCatcher.AssertTrap(m, result, Vectors.DoubleFault, p.AddressOf("bad"));
        Assert.Equal(0x3002u - 16, m.Cr(ControlRegister.Fault));
    }

    [Fact]
    public void IntWhoseFramePushFaultsDeliversThatFaultAtTheInt()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Label("int").Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => v == 40 ? Flags(1) : Flags(0),
            setup: m => m.Cpu.SetControl(ControlRegister.Ksp1, 0xF0000000));
        TrapCatcher.AssertTrap(m, result, Vectors.MachineCheck, p.AddressOf("int"));
        Assert.Equal(0, m.Statistics.TrapsByVector[40]);
    }

    [Fact]
    public void BrkRaisesBreakpointWithTheNextPcSaved()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Emit(Opcode.Brk).Label("next").PowerOff();
        var (m, result) = TrapCatcher.Run(p, flagsOf: v => Flags(0, dpl: 0));   // DPL does not apply to brk
        TrapCatcher.AssertTrap(m, result, Vectors.Breakpoint, p.AddressOf("next"));
    }

    [Fact]
    public void AFaultInsideAHandlerIsAnOrdinaryFault()
    {
        var p = new ProgramBuilder().Emit(Opcode.Int, imm: 40).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        m.Cpu.SetGate(40, new Gate(0x7000, Flags(0)));   // zeroed memory: #UD at the handler
        var result = m.Run(1000);
        TrapCatcher.AssertTrap(m, result, Vectors.UndefinedInstruction, 0x7000);
    }

    [Fact]
    public void TraceSinkSeesEveryInstructionAndTrap()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Int, imm: 40).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        var sink = new RecordingTraceSink();
        m.Trace = sink;
        var result = m.Run(1000);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((int)m.Statistics.Instructions, sink.Instructions.Count);
        Assert.Equal((0ul, 0, 0x1000u), sink.Instructions[0]);
        Assert.Equal((1ul, 0, 0x1004u), sink.Instructions[1]);
        Assert.Equal((2ul, 0, TrapCatcher.HandlerOf(40)), sink.Instructions[2]);
        Assert.Equal([(1ul, 40, 0u, 0x1008u, 0, 0)], sink.Traps);
    }

    public sealed class RecordingTraceSink : ITraceSink
    {
        public List<(ulong Instret, int Ring, uint Pc)> Instructions { get; } = [];
        public List<(ulong Instret, int Vector, uint Error, uint SavedPc, int From, int To)> Traps { get; } = [];
        public void Instruction(ulong instret, int ring, uint pc, uint word) => Instructions.Add((instret, ring, pc));
        public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing) =>
            Traps.Add((instret, vector, errorCode, savedPc, fromRing, toRing));
    }

    [Fact]
    public void HandlerThatFaultsForeverShutsDownInsteadOfHanging()
    {
        // The #UD handler is the undefined word itself: every trap pushes a frame and faults
        // again without retiring anything; with 16 MiB of stack below sp that would take a
        // million traps before the stack left RAM. Instret never moves, so no instruction
        // limit could stop it either.
        var m = MachineHarness.Create(16 << 20);
        m.Load(new ProgramBuilder().Word(0).Image());
        m.Cpu.SetGate(Vectors.UndefinedInstruction, new Gate(0x1000, Gate.MakeFlags(0, 3, false)));
        m.Cpu.SetRegister(Registers.StackPointer, 16 << 20);
        var result = m.Run(1000);
        Assert.Equal(StopReason.Shutdown, result.Reason);
        Assert.Equal("trap loop: 100,000 traps without retiring an instruction (last #UD at pc 0x00001000)", result.Diagnostic);
        Assert.Equal(0ul, m.Statistics.Instructions);
        Assert.Equal(100_000, m.Statistics.TrapsByVector[Vectors.UndefinedInstruction]);
    }
}
