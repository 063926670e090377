// Binary translation (spec §11.6, layout bt): the guest kernel runs in real ring 1 from
// translated code, in which every sensitive instruction — the privileged ones and iret, flawed
// or not — is a direct call into the monitor's emulation instead of a trap. The CPU makes the
// call (Cpu.TranslatedRingMask, ITranslationHost); this file receives it and runs the same
// emulation a trap would, priced as a translated call (TranslatedCallCycles) rather than a
// world switch. Guest user code runs untranslated in ring 3 and traps as in ring013.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed partial class VirtualMachineMonitor : ITranslationHost
{
    /// <summary>How the current exit reached the monitor (priced by ExitAccounting).</summary>
    private ExitKind _exitKind = ExitKind.Trap;

    public void OnTranslatedInstruction(Cpu cpu, in DecodedInstruction instruction, uint pc)
    {
        if (_stopped) return;
        Exits.ExitPc = pc;
        SyncFromReal();
        _repeatedFills = 0;
        _exitKind = ExitKind.TranslatedCall;
        try
        {
            // Only the guest kernel is translated: the translated ring hosts virtual ring 0, where
            // every sensitive instruction is allowed, so nothing here can be the guest's own #GP.
            if (instruction.Opcode == Opcode.Iret)
                EmulateIret(pc);
            else
                EmulatePrivileged(instruction, pc);
        }
        finally
        {
            _exitKind = ExitKind.Trap;
        }
        if (!_stopped) ApplyVirtualState();
    }
}
