// Delivery of traps into the guest through the guest's own gates (spec §5.2), done by the
// monitor against the virtual CPU — the same rules as the machine's TrapDelivery, step for
// step, so that the guest sees exactly the native frame and the native escalation: gate
// present and target ring <= CPL else #GP; stack from the guest's ksp<t>; four words
// (error, saved pc, saved status with the CPL through the guest's reverse ring map, old sp);
// IE cleared by interrupt gates; a fault while delivering an int or interrupt is delivered as
// a fault; a fault while delivering a fault is #DF; a fault while delivering #DF shuts the
// machine down. Frames are written through the guest's tables, never through the shadow, so
// a shadow miss can never turn into a guest-visible double fault.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed partial class VirtualMachineMonitor
{
    private enum TrapOrigin { Fault, Software, External }

    private readonly record struct DeliveryFailure(int Vector, uint Error, uint Address, string Reason);

    /// <summary>Reflects a hardware fault the guest owns (saved pc = the faulting instruction).</summary>
    private void ReflectFault(int vector, uint errorCode, uint savedPc)
    {
        CountExit(ExitCause.ReflectedFault, vector);
        RaiseGuestFault(vector, errorCode, _cpu.GetControl(ControlRegister.Fault), savedPc);
    }

    /// <summary>The frame push of a direct gate (done by hardware for the `int` at
    /// <paramref name="pc"/>) failed in the guest's own tables: the int's delivery fault, with
    /// the machine's own account of it ("int 32: frame push at ... raised #PF").</summary>
    private void ReflectDirectGatePushFault(int vector, int fault, uint errorCode, uint address, uint pc)
    {
        CountExit(ExitCause.ReflectedFault, fault);
        string reason = fault == Vectors.Alignment
            ? $"misaligned stack 0x{address + 16:x8}"
            : $"frame push at 0x{address:x8} raised {Vectors.NameWithError(fault, errorCode)}";
        RaiseNestedFault(new DeliveryFailure(fault, errorCode, address, reason), pc, $"{Vectors.Name(vector)}: {reason}");
    }

    /// <summary>An external interrupt taken at the boundary before <paramref name="savedPc"/>.</summary>
    private void InjectInterrupt(int vector, uint savedPc)
    {
        if (TryDeferInterrupt(vector)) return;
        CountExit(ExitCause.Interrupt);
        StopTimerOnTick(vector);
        Deliver(vector, 0, savedPc, TrapOrigin.External, savedPc, context: null);
    }

    /// <summary>A fault of the guest instruction at <paramref name="pc"/>: `fault` = the address
    /// for #PF and #AC, saved pc = the instruction (the machine's RaiseFault).</summary>
    private void RaiseGuestFault(int vector, uint errorCode, uint faultAddress, uint pc)
    {
        if (vector is Vectors.PageFault or Vectors.Alignment)
            Guest.Fault = faultAddress;
        Deliver(vector, errorCode, pc, TrapOrigin.Fault, pc, context: null);
    }

    private void Deliver(int vector, uint error, uint savedPc, TrapOrigin origin, uint nestedFaultPc, string? context)
    {
        if (TryPushFrame(vector, error, savedPc, out var failure) || _stopped) return;

        // as the machine words it: the fault being delivered decoded (#PF bits and address)
        string delivering = origin == TrapOrigin.Fault ? Vectors.DescribeFault(vector, error, Guest.Fault) : Vectors.Name(vector);
        string cause = $"{delivering}: {failure.Reason}";
        if (context is not null) cause = context + "; then " + cause;
        if (origin != TrapOrigin.Fault)
            RaiseNestedFault(failure, nestedFaultPc, cause);
        else if (vector == Vectors.DoubleFault)
        {
            // exactly the machine's triple-fault stop: same reason, same pc, same diagnostic
            _stopped = true;
            _cpu.RequestStop(StopReason.Shutdown, 0, $"triple fault: {cause}");
        }
        else
            Deliver(Vectors.DoubleFault, 0, savedPc, TrapOrigin.Fault, savedPc, cause);
    }

    private void RaiseNestedFault(DeliveryFailure failure, uint savedPc, string cause)
    {
        if (failure.Vector is Vectors.PageFault or Vectors.Alignment)
            Guest.Fault = failure.Address;
        Deliver(failure.Vector, failure.Error, savedPc, TrapOrigin.Fault, savedPc, cause);
    }

    /// <summary>Checks the guest gate, switches to the guest's kernel stack and pushes the
    /// frame, all or nothing; on success the virtual CPU is in the handler.</summary>
    private bool TryPushFrame(int vector, uint error, uint savedPc, out DeliveryFailure failure)
    {
        failure = default;
        var gate = Guest.Gates[vector];
        int cpl = Guest.Cpl;
        if (gate.RefusalAt(vector, cpl) is { } refusal)
        {
            failure = new(Vectors.GeneralProtection, 0, 0, refusal);
            return false;
        }
        int target = gate.TargetRing;
        if (!Layout.HostsVirtualRing(target))
        {
            StopForRingCompression($"gate {vector} enters", target, _cpu.Pc);
            failure = new(Vectors.GeneralProtection, 0, 0, "ring compression");
            return false;
        }
        uint oldSp = _cpu.GetRegister(Registers.StackPointer);
        uint newSp = target < cpl ? Guest.KernelStackPointers[target] : oldSp;
        uint frame = newSp - 16;
        if ((frame & 3) != 0)
        {
            failure = new(Vectors.Alignment, 0, frame, $"misaligned stack 0x{newSp:x8}");
            return false;
        }
        Span<uint> physical = stackalloc uint[4];
        for (int i = 0; i < 4; i++)
        {
            uint va = frame + (uint)(4 * i);
            var walk = Walk(va, target, AccessKind.Write);
            if (!walk.Succeeded)
            {
                int fault = walk.Outcome == WalkOutcome.PageFault ? Vectors.PageFault : Vectors.MachineCheck;
                failure = new(fault, walk.ErrorCode, va, $"frame push at 0x{va:x8} raised {Vectors.NameWithError(fault, walk.ErrorCode)}");
                return false;
            }
            physical[i] = walk.PhysicalAddress;
        }
        uint savedStatus = Gate.SavedStatus(Guest.InterruptEnable, Guest.Rmap, cpl);
        ReadOnlySpan<uint> words = [error, savedPc, savedStatus, oldSp];
        for (int i = 0; i < 4; i++)
        {
            _cpu.TryWritePhysical32(Map.MachinePhysical(physical[i]), words[i]);
            Shadow.GuestWrote(physical[i]);   // a frame pushed onto a guest page table (write protection)
            DirtyLog?.MarkWritten(physical[i] >> PageBits.PageShift);   // the monitor's own write: no fault tells the log
        }
        _cpu.SetRegister(Registers.StackPointer, frame);
        Guest.Cpl = target;
        if (gate.IsInterruptGate) Guest.InterruptEnable = false;
        _cpu.Pc = gate.Handler;
        Exits.RecordGuestDelivery(vector);
        _cpu.AddCycles((ulong)_cpu.Costs.TrapCycles);
        return true;
    }
}
