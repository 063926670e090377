// Emulation of the guest's privileged instructions (hlt cli sti tlbflush invlpg mfcr mtcr in
// out), of the iret that traps (an IE change, a return into a ring the layout forwards to 0,
// every iret in ring3), of every `int` the hardware could not decide (no direct gate) and of
// `brk`, against the virtual CPU. Each follows the machine's own semantics (SystemInstructions)
// with the virtual state in place of the real one, and retires exactly one instruction when
// native would, so instret — the guest's time — is the same in every layout.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed partial class VirtualMachineMonitor
{
    private void EmulatePrivileged(in DecodedInstruction instruction, uint pc)
    {
        if (instruction.Opcode == Opcode.Out && instruction.Imm == VirtualDevices.HypercallPort)
        {
            CountExit(ExitCause.Hypercall);
            Devices.CountHypercall();
            Hypercall(_cpu.GetRegister(instruction.Rs), pc, instruction.Info.CostClass);
            return;
        }
        CountExit(ExitAccounting.CauseOf(instruction.Opcode));
        uint next = pc + 4;
        var costClass = instruction.Info.CostClass;
        switch (instruction.Opcode)
        {
            case Opcode.Hlt:
                _cpu.RetireEmulatedInstruction(next, costClass);
                if (!Guest.InterruptEnable) _cpu.RequestStop(StopReason.PowerOff, 0, null);
                else _cpu.EnterHalt();
                return;
            case Opcode.Cli:
                Guest.InterruptEnable = false;
                break;
            case Opcode.Sti:
                Guest.InterruptEnable = true;
                break;
            case Opcode.Tlbflush:
                FlushShadow();
                break;
            case Opcode.Invlpg:
            {
                uint address = _cpu.GetRegister(instruction.Rs);
                if (!Shadow.WriteProtect) Shadow.DropPage(address);   // a write-protected shadow is never stale
                _cpu.InvalidatePage(address);
                break;
            }
            case Opcode.Mfcr:
                _cpu.SetRegister(instruction.Rd, Guest.Read((ControlRegister)instruction.Imm));
                break;
            case Opcode.Mtcr:
                if (!EmulateMtcr((ControlRegister)instruction.Imm, _cpu.GetRegister(instruction.Rs), pc)) return;
                break;
            case Opcode.In:
                _cpu.SetRegister(instruction.Rd, Devices.In((ushort)instruction.Imm, _cpu.Instret));
                break;
            case Opcode.Out:
                Devices.Out((ushort)instruction.Imm, _cpu.GetRegister(instruction.Rs), _cpu.Instret);
                break;
            default:
                throw new InvalidOperationException($"{instruction.Opcode} is not a privileged instruction");
        }
        _cpu.RetireEmulatedInstruction(next, costClass);
    }

    /// <summary>mtcr against the virtual CPU; false when it faulted (reading the vector table)
    /// or stopped the guest.</summary>
    private bool EmulateMtcr(ControlRegister register, uint value, uint pc)
    {
        switch (register)
        {
            case ControlRegister.Ivt:
                return LoadGuestGates(value, pc);
            case ControlRegister.Ptbr:
                Guest.Ptbr = value;
                SwitchAddressSpace(value);
                return true;
            case ControlRegister.Ksp0:
            case ControlRegister.Ksp1:
            case ControlRegister.Ksp2:
                Guest.Write(register, value);
                UpdateRealKernelStacks();
                return true;
            case ControlRegister.Rmap:
                value &= 0xFFFF;
                if (value != Guest.Rmap && !Layout.GuestRingMapEmulated)
                {
                    StopGuest($"the guest writes rmap 0x{value:x4}; layout {Layout.Name} needs the real ring map itself (ring compression, spec §9.2)", pc);
                    return false;
                }
                Guest.Rmap = value;
                return true;
            default:
                Guest.Write(register, value);   // status keeps its CPL; fault and scratch just store
                return true;
        }
    }

    /// <summary>mtcr ivt: reads the 64 guest gates at virtual ring 0 as the machine does, all
    /// or nothing, and rebuilds the shadow vector table.</summary>
    private bool LoadGuestGates(uint ivt, uint pc)
    {
        if ((ivt & 3) != 0)
        {
            RaiseGuestFault(Vectors.Alignment, 0, ivt, pc);
            return false;
        }
        Span<Gate> loaded = stackalloc Gate[Vectors.Count];
        for (int v = 0; v < Vectors.Count; v++)
        {
            uint address = ivt + (uint)(v * GateBits.SizeBytes);
            if (!TryReadGuest(address, 0, AccessKind.Read, out uint handler, out int vector, out uint error))
            {
                RaiseGuestFault(vector, error, address, pc);
                return false;
            }
            if (!TryReadGuest(address + 4, 0, AccessKind.Read, out uint flags, out vector, out error))
            {
                RaiseGuestFault(vector, error, address + 4, pc);
                return false;
            }
            loaded[v] = new Gate(handler, flags);
        }
        loaded.CopyTo(Guest.Gates);
        Guest.Ivt = ivt;
        VectorTable.Install(_cpu, Guest.Gates);
        return true;
    }

    /// <summary>The guest flushed its TLB (tlbflush): the shadow goes too, unless write
    /// protection keeps it current.</summary>
    private void FlushShadow()
    {
        if (!Shadow.WriteProtect) Shadow.DropAll();
        _cpu.FlushTlb();
        Exits.RecordTlbFlush();
    }

    /// <summary>iret in virtual ring &lt;= 2: pc = [sp+4], status = [sp+8], sp = [sp+12]; the
    /// frame's CPL through the guest's forward ring map; #GP for a more privileged ring or an
    /// IE change at CPL &gt; 0; a ring the layout cannot host stops the guest.</summary>
    private void EmulateIret(uint pc)
    {
        CountExit(ExitCause.Iret);
        uint sp = _cpu.GetRegister(Registers.StackPointer);
        int cpl = Guest.Cpl;
        Span<uint> frame = stackalloc uint[3];
        for (int i = 0; i < 3; i++)
        {
            uint va = sp + 4 + (uint)(4 * i);
            if (!TryReadGuest(va, cpl, AccessKind.Read, out frame[i], out int vector, out uint error))
            {
                RaiseGuestFault(vector, error, va, pc);
                return;
            }
        }
        uint newStatus = frame[1];
        int newCpl = RingMap.Forward(Guest.Rmap, (int)(newStatus & StatusBits.CplMask));
        bool newInterruptEnable = (newStatus & StatusBits.InterruptEnable) != 0;
        if (newCpl < cpl || (cpl > 0 && newInterruptEnable != Guest.InterruptEnable))
        {
            RaiseGuestFault(Vectors.GeneralProtection, 0, 0, pc);
            return;
        }
        if (!Layout.HostsVirtualRing(newCpl))
        {
            StopForRingCompression("iret enters", newCpl, pc);
            return;
        }
        _cpu.SetRegister(Registers.StackPointer, frame[2]);
        Guest.Cpl = newCpl;
        Guest.InterruptEnable = newInterruptEnable;
        _cpu.RetireEmulatedInstruction(frame[0], CostClass.System);
        _cpu.AddCycles((ulong)_cpu.Costs.IretCycles);
    }

    /// <summary>`int vector` at <paramref name="pc"/> (it reached the monitor as a #GP, not
    /// retired): the DPL check against the virtual CPL, then delivery; the int retires only
    /// when its frame is pushed, else its delivery fault is a fault of the int.</summary>
    private void EmulateInt(int vector, uint pc)
    {
        var gate = Guest.Gates[vector];
        if (gate.Present && Guest.Cpl > gate.Dpl)
        {
            CountExit(ExitCause.ReflectedFault, Vectors.GeneralProtection);
            RaiseGuestFault(Vectors.GeneralProtection, 0, 0, pc);
            return;
        }
        CountExit(ExitCause.SystemCall);
        if (TryPushFrame(vector, 0, pc + 4, out var failure))
        {
            _cpu.RetireEmulatedInstruction(_cpu.Pc, CostClass.System);
            return;
        }
        if (!_stopped)
            RaiseNestedFault(failure, pc, $"{Vectors.Name(vector)}: {failure.Reason}");
    }

    /// <summary>`brk` at <paramref name="pc"/> (it reached the monitor as a #DF, not retired):
    /// #BP through the guest's gate; a failed delivery is the guest's #DF.</summary>
    private void EmulateBrk(uint pc)
    {
        CountExit(ExitCause.ReflectedFault, Vectors.Breakpoint);
        if (TryPushFrame(Vectors.Breakpoint, 0, pc + 4, out var failure))
        {
            _cpu.RetireEmulatedInstruction(_cpu.Pc, CostClass.System);
            return;
        }
        if (!_stopped)
            Deliver(Vectors.DoubleFault, 0, pc, TrapOrigin.Fault, pc, $"{Vectors.Name(Vectors.Breakpoint)}: {failure.Reason}");
    }
}
