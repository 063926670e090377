// Hardware assistance (spec §11.7, layout hw): the monitor builds nested page tables that map the
// guest's physical memory [0, G) to its partition of the machine's (B + guest-physical; tables in the monitor's reserve above G),
// puts the CPU in guest mode (Cpu.EnterGuestMode) and is called only for the VM exits its
// controls name: port I/O and hlt (emulated against the machine's devices, retired as native),
// external interrupts (injected through the guest's own gates), a triple fault (counted; the
// machine stops as natively) and chosen control-register writes (observed, then performed by the
// CPU). No shadow tables, no shadow gates, no ring compression: the guest runs in its own rings
// 0-3 with its own control registers and rmap, so guests that use rings 1 and 2 are equivalent too.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed partial class VirtualMachineMonitor : IGuestModeHost
{
    /// <summary>Builds the nested tables and enters guest mode: the guest starts in the machine's
    /// reset state (ring 0, IE 0, paging off, identity rmap, no gates), which is its own.</summary>
    private void ResetGuestMode()
    {
        Guest.Reset();
        Exits.Clear();
        _stopped = false;
        StopDiagnostic = null;
        _cpu.Ring0Host = null;
        _cpu.TranslatedRingMask = 0;
        _cpu.TranslationHost = null;
        uint directory = Map.DirectoryAddress(0);
        for (uint slot = 0; slot < 1024; slot++) _cpu.TryWritePhysical32(directory + 4 * slot, 0);
        uint tables = (uint)((Map.GuestRamBytes + (1u << 22) - 1) >> 22);
        for (uint t = 0; t < tables; t++)
        {
            uint table = Map.PoolPageAddress((int)t);
            _cpu.TryWritePhysical32(directory + 4 * t, table | PageBits.Present);
            for (uint i = 0; i < 1024; i++)
            {
                uint guestPhysical = (t << 22) | (i << PageBits.PageShift);
                // the partition (identity when it starts at machine 0); nothing at or above G (the monitor's memory)
                _cpu.TryWritePhysical32(table + 4 * i, guestPhysical < Map.GuestRamBytes ? Map.MachinePhysical(guestPhysical) | PageBits.Present | PageBits.Writable : 0);
            }
        }
        uint controlRegisterExits = Layout.ExitingControlRegisters.Aggregate(0u, (mask, register) => mask | 1u << (int)register);
        _cpu.EnterGuestMode(new GuestModeControls { NestedPageDirectory = directory, ExitOnControlRegisterWrites = controlRegisterExits }, this);
    }

    /// <summary>A restored guest (snapshot, migration) under hw: nested tables and guest mode as
    /// at reset, then the guest's own state — CPL, IE, control registers, gates — goes onto the
    /// real CPU, which holds it in guest mode (the virtual CPU is only a copy).</summary>
    private void RestoreGuestMode(Action<VirtualCpu> restore)
    {
        ResetGuestMode();
        restore(Guest);
        foreach (ControlRegister register in Enum.GetValues<ControlRegister>())
            if (register != ControlRegister.Status) _cpu.SetControl(register, Guest.Read(register));
        _cpu.Status = Guest.Status;
        for (int v = 0; v < Vectors.Count; v++) _cpu.SetGate(v, Guest.Gates[v]);
    }

    /// <summary>Machine-physical page tables mapping [0, G): the number of 4 MiB tables.</summary>
    public static int NestedTablesFor(uint guestRamBytes) => (int)((guestRamBytes + (1u << 22) - 1) >> 22);

    public bool OnVmExit(Cpu cpu, in VmExit exit)
    {
        if (_stopped) return true;
        _exitKind = ExitKind.VmExit;
        try
        {
            var instruction = exit.Instruction;
            uint next = exit.Pc + 4;
            switch (exit.Reason)
            {
                case VmExitReason.PortIo:
                    CountExit(ExitAccounting.CauseOf(instruction.Opcode));
                    if (instruction.Opcode == Opcode.In)
                        cpu.SetRegister(instruction.Rd, Devices.In((ushort)instruction.Imm, cpu.Instret));
                    else
                        Devices.Out((ushort)instruction.Imm, cpu.GetRegister(instruction.Rs), cpu.Instret);
                    cpu.RetireEmulatedInstruction(next, instruction.Info.CostClass);
                    return true;
                case VmExitReason.Hlt:
                    CountExit(ExitCause.Hlt);
                    cpu.RetireEmulatedInstruction(next, instruction.Info.CostClass);
                    if (!cpu.InterruptsEnabled) cpu.RequestStop(StopReason.PowerOff, 0, null);
                    else cpu.EnterHalt();
                    return true;
                case VmExitReason.ExternalInterrupt:
                    CountExit(ExitCause.Interrupt);
                    cpu.DeliverTrap(exit.Vector, 0, exit.Pc);
                    return true;
                case VmExitReason.ControlRegisterWrite:
                    CountExit(ExitCause.Mtcr);
                    return false;   // observed; the CPU performs the write
                default:   // a triple fault: the machine stops exactly as natively
                    CountExit(ExitCause.Stop);
                    return false;
            }
        }
        finally
        {
            _exitKind = ExitKind.Trap;
        }
    }

    /// <summary>In guest mode the real CPU holds the guest's whole state: the virtual CPU is a copy.</summary>
    private void CopyGuestStateFromHardware()
    {
        Guest.Cpl = _cpu.Cpl;
        Guest.InterruptEnable = _cpu.InterruptsEnabled;
        foreach (ControlRegister register in Enum.GetValues<ControlRegister>())
            if (register != ControlRegister.Status) Guest.Write(register, _cpu.GetControl(register));
        for (int v = 0; v < Vectors.Count; v++) Guest.Gates[v] = _cpu.GetGate(v);
    }
}
