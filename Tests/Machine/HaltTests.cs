// hlt, external interrupts, the instruction limit and power-off (spec §5.2, §7).
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class HaltTests
{
    [Fact]
    public void HltWithInterruptsDisabledPowersOffWithStatusZero()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Hlt).Label("after").Emit(Opcode.Nop);
        var (m, result) = MachineHarness.Run(p);
        Assert.Equal(new RunResult(StopReason.PowerOff, 0, p.AddressOf("after"), null), result);
        Assert.Equal(2ul, m.Statistics.Instructions);
        Assert.Equal(result, m.Run());   // powered off for good
    }

    [Fact]
    public void HltWithInterruptsEnabledAndNoInterruptSourceDeadlocks()
    {
        var p = new ProgramBuilder().Emit(Opcode.Sti).Emit(Opcode.Hlt).Label("after").Emit(Opcode.Nop);
        var (m, result) = MachineHarness.Run(p);
        Assert.Equal(StopReason.Deadlock, result.Reason);
        Assert.Equal(p.AddressOf("after"), result.Pc);
        Assert.True(m.Cpu.Halted);
    }

    [Fact]
    public void LoadResetsTheDevicesSoATimerFromAnEarlierRunIsStopped()
    {
        // First run: start the timer (period 100), then power off with IE = 0.
        var starter = new ProgramBuilder().Li(1, 100).Emit(Opcode.Out, rs: 1, imm: Ports.TimerPeriod).PowerOff();
        var m = MachineHarness.Load(starter);
        Assert.Equal(StopReason.PowerOff, m.Run(1000).Reason);
        // Second image on the same machine: sti; hlt. Spec §6a: the timer is stopped at reset,
        // so nothing can interrupt and the machine deadlocks instead of taking IRQ 16.
        var waiter = new ProgramBuilder().Emit(Opcode.Sti).Emit(Opcode.Hlt).Emit(Opcode.Nop);
        m.Load(waiter.Image());
        var result = m.Run(1000);
        Assert.Equal(StopReason.Deadlock, result.Reason);
        Assert.Equal(0, m.Statistics.TrapsByVector[Vectors.Timer]);
        Assert.Equal(0ul, m.Interrupts.PendingMask);
    }

    [Fact]
    public void PendingInterruptIsTakenAfterStiLowestVectorFirst()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Sti).Label("next").Emit(Opcode.Nop).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        m.Interrupts.Raise(Vectors.Disk);
        m.Interrupts.Raise(Vectors.Timer);
        var result = m.Run(1000);
        // The timer (lowest vector) is taken first; its trap gate leaves IE = 1, so the disk
        // interrupt is taken at the next boundary, before the timer handler's first instruction.
        TrapCatcher.AssertTrap(m, result, Vectors.Disk, TrapCatcher.HandlerOf(Vectors.Timer));
        Assert.Equal(StatusBits.InterruptEnable, m.Reg(9));
        Assert.Equal(TrapCatcher.StackTop - 16, m.Reg(8));   // below the timer's frame
        Assert.Equal(p.AddressOf("next"), m.Word(TrapCatcher.StackTop - 12));
        Assert.Equal(1, m.Statistics.TrapsByVector[Vectors.Timer]);
    }

    [Fact]
    public void InterruptGateHoldsOffTheNextInterrupt()
    {
        var p = new ProgramBuilder().Emit(Opcode.Sti).Label("next").Emit(Opcode.Nop).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m, _ => Gate.MakeFlags(0, 3, interruptGate: true));
        m.Interrupts.Raise(Vectors.Disk);
        m.Interrupts.Raise(Vectors.Timer);
        var result = m.Run(1000);
        TrapCatcher.AssertTrap(m, result, Vectors.Timer, p.AddressOf("next"));
        Assert.Equal(0, m.Statistics.TrapsByVector[Vectors.Disk]);
        Assert.Equal(1ul << Vectors.Disk, m.Interrupts.PendingMask);   // still latched
    }

    [Fact]
    public void HltWakesForAPendingInterrupt()
    {
        var p = new ProgramBuilder().Emit(Opcode.Sti).Emit(Opcode.Hlt).Label("after").PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        Assert.Equal(StopReason.Deadlock, m.Run(1000).Reason);
        m.Interrupts.Raise(Vectors.ConsoleInput);
        var result = m.Run(1000);
        TrapCatcher.AssertTrap(m, result, Vectors.ConsoleInput, p.AddressOf("after"));
        Assert.False(m.Cpu.Halted);
    }

    [Fact]
    public void InterruptsWaitWhileIeIsZero()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Nop).PowerOff();
        var m = MachineHarness.Load(p);
        TrapCatcher.Install(m);
        m.Interrupts.Raise(Vectors.Timer);
        MachineHarness.AssertPoweredOff(m.Run(1000));
        Assert.Equal(TrapCatcher.NoTrap, m.Reg(10));
    }

    [Fact]
    public void InstructionLimitStopsExactlyAndRunContinues()
    {
        var p = new ProgramBuilder().Label("loop").Emit(Opcode.Addi, 1, 1, imm: 1).Jump(Opcode.Jmp, "loop");
        var m = MachineHarness.Load(p);
        var result = m.Run(1001);
        Assert.Equal(new RunResult(StopReason.InstructionLimit, 0, 0x1004, null), result);
        Assert.Equal(501u, m.Reg(1));
        Assert.Equal(1001ul, m.Statistics.Instructions);
        result = m.Run(999);
        Assert.Equal(StopReason.InstructionLimit, result.Reason);
        Assert.Equal(2000ul, m.Statistics.Instructions);
        Assert.Equal(1000u, m.Reg(1));
        Assert.Equal(StopReason.InstructionLimit, m.Run(0).Reason);
        Assert.Equal(2000ul, m.Statistics.Instructions);
    }

    [Fact]
    public void HaltedTimeJumpsToTheNextTimerTickExactly()
    {
        const uint Log = 0x6000;
        var p = new ProgramBuilder().Li(2, Log).Li(1, 50).Emit(Opcode.Out, rs: 1, imm: Ports.TimerPeriod).Emit(Opcode.Sti)
            .Label("idle").Emit(Opcode.Hlt).Jump(Opcode.Jmp, "idle")
            .Label("tick").Emit(Opcode.Rdtick, 3).Emit(Opcode.Stw, rs: 2, rt: 3).Emit(Opcode.Addi, 2, 2, imm: 4).Emit(Opcode.Iret);
        var m = MachineHarness.Load(p);
        m.Cpu.SetGate(Vectors.Timer, new Gate(p.AddressOf("tick"), Gate.MakeFlags(0, 0, interruptGate: true)));
        m.Cpu.SetRegister(Registers.StackPointer, 0x20000);
        var result = m.Run(2000);
        Assert.Equal(StopReason.InstructionLimit, result.Reason);
        Assert.Equal(2000ul, m.Statistics.Instructions);   // the last idle span stops at the limit
        var ticks = Enumerable.Range(0, (int)(m.Reg(2) - Log) / 4).Select(i => m.Word(Log + (uint)(4 * i))).ToArray();
        // The out retires as instruction 4, so the first tick is at 4 + 1 + 50; then every 50.
        Assert.Equal(Enumerable.Range(0, 39).Select(k => 55u + 50u * (uint)k), ticks);
        Assert.Equal(39, m.Statistics.TrapsByVector[Vectors.Timer]);
    }
}
