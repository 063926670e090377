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
