// The monitor seam: host code that owns ring 0. When installed on a Cpu, every trap whose
// gate would enter ring 0 is handed to the host instead of being delivered.
namespace R4.Machine;

public interface IRing0Host
{
    /// <summary>A trap that would have entered ring 0. On entry the CPU's Pc is
    /// <paramref name="savedPc"/> (the faulting instruction, or the next one for int, brk
    /// and interrupts), `fault` is already set for #PF/#AC, and the trapping instruction has
    /// not retired unless the vector says so (int/brk retire; faults do not: call
    /// <see cref="Cpu.RetireEmulatedInstruction"/> after emulating one). Whatever state the
    /// host leaves (registers, pc, status, control registers) is where the CPU resumes.</summary>
    void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc);
}
