// The monitor seam: host code that owns ring 0. When installed on a Cpu, every trap whose
// gate would enter ring 0 is handed to the host instead of being delivered. Beside it, the
// binary-translation seam: the host that translated code calls for its sensitive instructions.
namespace R4.Machine;

/// <summary>The binary-translation seam (spec §11.6): the host that emulates the sensitive
/// instructions of translated code (<see cref="Cpu.TranslatedRingMask"/>) when they are called.</summary>
public interface ITranslationHost
{
    /// <summary>The sensitive instruction at <paramref name="pc"/>, fetched in a translated ring, as a
    /// call: nothing has been checked or retired; the host emulates it (retiring it with
    /// <see cref="Cpu.RetireEmulatedInstruction"/>, or raising the guest's fault) and leaves the CPU
    /// where the guest continues.</summary>
    void OnTranslatedInstruction(Cpu cpu, in R4.Isa.DecodedInstruction instruction, uint pc);
}

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
