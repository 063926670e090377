// The CPU's guest mode (spec §11.7, layout hw): hardware assistance as VT-x and AMD-V give it.
// The host enters guest mode with a set of controls (no guest instruction can): the guest then
// runs on the real CPU in its own rings 0-3 with its own control registers, gates and rmap, and
// only the events the controls name leave guest mode for the host (a VM exit): port I/O, hlt,
// external interrupts, a triple fault and chosen control-register writes. Memory is nested: the
// guest's page tables map guest-virtual to guest-physical and the host's (NestedPageDirectory)
// map guest-physical to machine-physical; the MMU's miss path walks both (Mmu.FillNested) and
// the TLB holds the final translation, so the interpreter's and the JIT's hit paths are unchanged.
using R4.Isa;

namespace R4.Machine;

/// <summary>What makes the CPU leave guest mode (the VM-execution controls of VT-x, in small).</summary>
public sealed class GuestModeControls
{
    /// <summary>Machine-physical address of the host's page directory that maps guest-physical to
    /// machine-physical (two levels, the spec §6 entry format; only the present bit and the frame
    /// are used). Guest-physical addresses it does not map are outside the guest's RAM (#MC).</summary>
    public required uint NestedPageDirectory { get; init; }
    /// <summary>`in` and `out` exit (the guest's devices are the host's to emulate).</summary>
    public bool ExitOnPortIo { get; init; } = true;
    /// <summary>`hlt` exits (the host decides how to wait, or powers the guest off).</summary>
    public bool ExitOnHlt { get; init; } = true;
    /// <summary>External interrupts exit; the host injects them into the guest.</summary>
    public bool ExitOnExternalInterrupt { get; init; } = true;
    /// <summary>A triple fault exits (the host learns that its guest shut down).</summary>
    public bool ExitOnTripleFault { get; init; } = true;
    /// <summary>`mtcr` to these control registers exits (bit = ControlRegister number); the host
    /// observes the write and the CPU then performs it.</summary>
    public uint ExitOnControlRegisterWrites { get; init; }
}

public enum VmExitReason { PortIo, Hlt, ExternalInterrupt, ControlRegisterWrite, TripleFault }

/// <summary>One VM exit: why, the guest pc, the instruction for instruction exits, the vector of an
/// external interrupt, the diagnostic of a triple fault.</summary>
public readonly record struct VmExit(VmExitReason Reason, uint Pc, DecodedInstruction Instruction, int Vector = -1, string? Diagnostic = null);

/// <summary>The host of a guest running in guest mode.</summary>
public interface IGuestModeHost
{
    /// <summary>A VM exit. Return true when the host carried the event out itself (emulated and
    /// retired the instruction, injected the interrupt); false when it only observed it and the CPU
    /// should carry it out as it would outside guest mode.</summary>
    bool OnVmExit(Cpu cpu, in VmExit exit);
}

public sealed unsafe partial class Cpu
{
    private GuestModeControls? guestMode;
    private IGuestModeHost? guestModeHost;

    /// <summary>True while the CPU runs a guest in guest mode.</summary>
    public bool InGuestMode => guestMode is not null;

    /// <summary>Enters guest mode (a host control, no instruction): from now on the CPU's state is the
    /// guest's, the controls say what exits to <paramref name="host"/>, and the MMU walks the nested
    /// tables on every TLB miss.</summary>
    public void EnterGuestMode(GuestModeControls controls, IGuestModeHost host)
    {
        guestMode = controls;
        guestModeHost = host;
        Mmu.NestedPageDirectory = controls.NestedPageDirectory;
        Mmu.ClearEntries();   // translations made outside guest mode are not the guest's
        DropFetchPage();
        RequestBoundary();
    }

    public void LeaveGuestMode()
    {
        guestMode = null;
        guestModeHost = null;
        Mmu.NestedPageDirectory = 0;
        Mmu.ClearEntries();
        DropFetchPage();
        RequestBoundary();
    }

    /// <summary>Whether the system instruction <paramref name="opcode"/>, which passed its privilege
    /// check, exits guest mode.</summary>
    private bool ExitsGuestMode(Opcode opcode, int imm) => guestMode is { } c && opcode switch
    {
        Opcode.In or Opcode.Out => c.ExitOnPortIo,
        Opcode.Hlt => c.ExitOnHlt,
        Opcode.Mtcr => ((c.ExitOnControlRegisterWrites >> imm) & 1) != 0,
        _ => false,
    };

    /// <summary>An instruction VM exit; true when the host carried it out.</summary>
    private bool InstructionVmExit(Opcode opcode)
    {
        uint pc = st->Pc;
        uint word = *(uint*)(Memory.Base + codePhysicalBase + (pc - codeVirtualBase));   // the fetch page holds pc
        InstructionCodec.TryDecode(word, out var instruction);
        var reason = opcode switch { Opcode.Hlt => VmExitReason.Hlt, Opcode.Mtcr => VmExitReason.ControlRegisterWrite, _ => VmExitReason.PortIo };
        bool handled = guestModeHost!.OnVmExit(this, new VmExit(reason, pc, instruction));
        if (handled)
        {
            DropFetchPage();
            RequestBoundary();   // the host may have changed IE, devices or asked to stop
        }
        return handled;
    }

    /// <summary>An external interrupt in guest mode: true when it exited to the host (which injects it).</summary>
    private bool ExternalInterruptVmExit(int vector)
    {
        if (guestMode is not { ExitOnExternalInterrupt: true }) return false;
        guestModeHost!.OnVmExit(this, new VmExit(VmExitReason.ExternalInterrupt, st->Pc, default, vector));
        return true;
    }

    private void TripleFaultVmExit(string diagnostic)
    {
        if (guestMode is { ExitOnTripleFault: true })
            guestModeHost!.OnVmExit(this, new VmExit(VmExitReason.TripleFault, st->Pc, default, -1, diagnostic));
    }
}
