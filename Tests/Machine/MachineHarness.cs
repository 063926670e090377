// Helpers shared by the machine tests: a small machine, loading a built program, running
// it, and reading registers, control registers and memory back.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public static class MachineHarness
{
    public const uint SmallMemoryBytes = 1 << 20;

    public static R4Machine Create(uint memoryBytes = SmallMemoryBytes, CostTable? costs = null) =>
        new(new MachineOptions { MemoryBytes = memoryBytes, Costs = costs ?? CostTable.Default });

    public static R4Machine Load(ProgramBuilder program, uint memoryBytes = SmallMemoryBytes, string? entry = null)
    {
        var machine = Create(memoryBytes);
        machine.Load(program.Image(entry));
        return machine;
    }

    public static (R4Machine Machine, RunResult Result) Run(ProgramBuilder program, ulong max = 100_000, string? entry = null)
    {
        var machine = Load(program, entry: entry);
        return (machine, machine.Run(max));
    }

    /// <summary>Ends a program: hlt with IE = 0 powers off with status 0.</summary>
    public static ProgramBuilder PowerOff(this ProgramBuilder program) => program.Emit(Opcode.Hlt);

    public static uint Reg(this R4Machine machine, int register) => machine.Cpu.GetRegister(register);
    public static uint Cr(this R4Machine machine, ControlRegister register) => machine.Cpu.GetControl(register);

    public static uint Word(this R4Machine machine, uint physicalAddress)
    {
        Assert.True(machine.Cpu.TryReadPhysical32(physicalAddress, out uint value));
        return value;
    }

    public static void Poke(this R4Machine machine, uint physicalAddress, uint value) =>
        Assert.True(machine.Cpu.TryWritePhysical32(physicalAddress, value));

    public static void AssertPoweredOff(RunResult result)
    {
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason} at 0x{result.Pc:x8}: {result.Diagnostic}");
    }
}

/// <summary>A vector table whose every gate leads to a handler that records the trap and
/// powers off: r10 = vector, r11 = error code, r12 = saved pc, r9 = saved status, r8 = the
/// frame's saved sp, r7 = sp inside the handler, r6 = status inside the handler (ring 0 handlers).</summary>
public static class TrapCatcher
{
    public const uint IvtAddress = 0x8000, HandlersAddress = 0x9000, HandlerStride = 64;
    public const uint StackTop = 0x20000, Ksp0 = 0x30000, Ksp1 = 0x38000, Ksp2 = 0x3C000;
    public const uint NoTrap = 0xDEAD;

    public static uint HandlerOf(int vector) => HandlersAddress + (uint)vector * HandlerStride;

    /// <summary>Installs the table (all gates present, target ring 0, DPL 3, trap gates unless
    /// told otherwise), the handlers, sp = StackTop and ksp0..2.</summary>
    public static void Install(R4Machine machine, Func<int, uint>? flagsOf = null)
    {
        var cpu = machine.Cpu;
        for (int v = 0; v < Vectors.Count; v++)
        {
            uint flags = flagsOf?.Invoke(v) ?? Gate.MakeFlags(0, 3, interruptGate: false);
            machine.Poke(IvtAddress + (uint)(8 * v), HandlerOf(v));
            machine.Poke(IvtAddress + (uint)(8 * v) + 4, flags);
            // Only the first trap is recorded; a later one (e.g. the #GP of mfcr in a ring > 0
            // handler) just ends the run.
            var handler = new ProgramBuilder(HandlerOf(v))
                .Emit(Opcode.Ori, 6, 0, imm: (int)NoTrap)
                .Branch(Opcode.Bne, 10, 6, "done")
                .Emit(Opcode.Addi, 10, 0, imm: v)
                .Emit(Opcode.Ldw, 11, Registers.StackPointer, imm: 0)
                .Emit(Opcode.Ldw, 12, Registers.StackPointer, imm: 4)
                .Emit(Opcode.Ldw, 9, Registers.StackPointer, imm: 8)
                .Emit(Opcode.Ldw, 8, Registers.StackPointer, imm: 12)
                .Emit(Opcode.Add, 7, Registers.StackPointer, 0)
                .Emit(Opcode.Mfcr, 6, imm: (int)ControlRegister.Status)
                .Label("done")
                .Emit(Opcode.Cli)
                .Emit(Opcode.Hlt)
                .Build();
            for (int i = 0; i < handler.Length; i++)
                machine.Poke(HandlerOf(v) + (uint)(4 * i), handler[i]);
        }
        Assert.True(cpu.TryLoadGates(IvtAddress, out _, out _, out _));
        cpu.SetRegister(Registers.StackPointer, StackTop);
        cpu.SetControl(ControlRegister.Ksp0, Ksp0);
        cpu.SetControl(ControlRegister.Ksp1, Ksp1);
        cpu.SetControl(ControlRegister.Ksp2, Ksp2);
        cpu.SetRegister(10, NoTrap);
    }

    /// <summary>Loads the program, installs the catcher, runs; returns the machine.</summary>
    public static (R4Machine Machine, RunResult Result) Run(ProgramBuilder program, Func<int, uint>? flagsOf = null,
        Action<R4Machine>? setup = null, ulong max = 100_000)
    {
        var machine = MachineHarness.Load(program);
        Install(machine, flagsOf);
        setup?.Invoke(machine);
        return (machine, machine.Run(max));
    }

    /// <summary>Asserts the run ended in the catcher's handler for <paramref name="vector"/>.</summary>
    public static void AssertTrap(R4Machine machine, RunResult result, int vector, uint savedPc, uint error = 0)
    {
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((uint)vector, machine.Reg(10));
        Assert.Equal(error, machine.Reg(11));
        Assert.Equal(savedPc, machine.Reg(12));
    }

    /// <summary>Emits code that enters <paramref name="ring"/> at <paramref name="label"/> through
    /// an iret frame built on the stack (sp for the new ring = <paramref name="stack"/>).</summary>
    public static ProgramBuilder EnterRing(this ProgramBuilder program, int ring, string label, uint stack = StackTop - 0x1000, uint statusExtra = 0) =>
        program.Li(5, stack).Emit(Opcode.Push, rs: 5)
            .Li(5, (uint)ring | statusExtra).Emit(Opcode.Push, rs: 5)
            .La(5, label).Emit(Opcode.Push, rs: 5)
            .Emit(Opcode.Push, rs: 0)
            .Emit(Opcode.Iret);
}
