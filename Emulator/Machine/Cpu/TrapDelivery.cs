// Trap delivery (spec §5.2): gate checks, the stack switch from ksp<t>, the four-word
// frame, IE for interrupt gates, the ring map's reverse mapping of the saved CPL, and the
// escalation rules: a fault while delivering an int or interrupt is delivered as a fault;
// a fault while delivering a fault is #DF; a fault while delivering #DF shuts the machine
// down. With a Ring0Host installed, every trap whose gate enters ring 0 goes to the host.
using R4.Isa;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    private enum TrapOrigin { Fault, Software, External }

    /// <summary>Why a frame could not be pushed: the fault it raised, and a readable reason.</summary>
    private readonly record struct DeliveryFailure(int Vector, uint Error, uint Address, string Reason);

    /// <summary>A fault of the instruction at pc: `fault` = the address for #PF and #AC,
    /// saved pc = the faulting instruction.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RaiseFault(int vector, uint error, uint faultAddress)
    {
        if (vector is Vectors.PageFault or Vectors.Alignment)
            st->Control[(int)ControlRegister.Fault] = faultAddress;
        Deliver(vector, error, st->Pc, TrapOrigin.Fault, st->Pc, allowHost: true, context: null);
    }

    /// <summary>Delivers a trap through the current gates as the hardware does (the monitor
    /// reflecting a fault, interrupt or system call into its guest). The host is not called
    /// back for this trap itself, even when its gate targets ring 0; faults while delivering
    /// it follow the usual rules. Vectors below 16 count as faults (failure: #DF), others as
    /// interrupts (failure: the fault itself, saved pc = <paramref name="savedPc"/>).</summary>
    public void DeliverTrap(int vector, uint errorCode, uint savedPc)
    {
        if ((uint)vector >= Vectors.Count) throw new ArgumentOutOfRangeException(nameof(vector), $"vector {vector} is outside 0..63");
        var origin = vector < 16 ? TrapOrigin.Fault : TrapOrigin.External;
        Deliver(vector, errorCode, savedPc, origin, savedPc, allowHost: false, context: null);
    }

    private void Deliver(int vector, uint error, uint savedPc, TrapOrigin origin, uint nestedFaultPc, bool allowHost, string? context)
    {
        var gate = gates[vector];
        if (allowHost && Ring0Host is not null && gate.Present && gate.TargetRing == 0)
        {
            HandToHost(vector, error, savedPc);
            return;
        }
        if (TryPushFrame(vector, error, savedPc, out var failure)) return;

        // The fault being delivered, decoded (#PF error bits and address) for the diagnostic.
        string delivering = origin == TrapOrigin.Fault ? Vectors.DescribeFault(vector, error, st->Control[(int)ControlRegister.Fault]) : Vectors.Name(vector);
        string cause = $"{delivering}: {failure.Reason}";
        if (context is not null) cause = context + "; then " + cause;
        if (failure.Vector is Vectors.PageFault or Vectors.Alignment)
            st->Control[(int)ControlRegister.Fault] = failure.Address;   // even when it becomes #DF
        if (origin != TrapOrigin.Fault)
            RaiseNestedFault(failure, nestedFaultPc, cause);
        else if (vector == Vectors.DoubleFault)
        {
            if (guestMode is not null) TripleFaultVmExit($"triple fault: {cause}");
            Stop(StopReason.Shutdown, 0, $"triple fault: {cause}");
        }
        else
            Deliver(Vectors.DoubleFault, 0, savedPc, TrapOrigin.Fault, savedPc, allowHost: true, cause);
    }

    /// <summary>The fault an int or interrupt delivery raised, delivered as a fault.</summary>
    private void RaiseNestedFault(DeliveryFailure failure, uint savedPc, string cause)
    {
        Deliver(failure.Vector, failure.Error, savedPc, TrapOrigin.Fault, savedPc, allowHost: true, cause);
    }

    /// <summary>Traps delivered since an instruction last retired: a handler whose first
    /// instruction faults again, forever, would never let time (and so the instruction
    /// limit) advance; past <see cref="MaxTrapsWithoutProgress"/> the machine shuts down.</summary>
    private ulong trapsWithoutProgress, lastTrapInstret = ulong.MaxValue;
    public const ulong MaxTrapsWithoutProgress = 100_000;

    private bool NoteTrapAndCheckProgress(int vector)
    {
        trapsWithoutProgress = st->Instret == lastTrapInstret ? trapsWithoutProgress + 1 : 1;
        lastTrapInstret = st->Instret;
        if (trapsWithoutProgress < MaxTrapsWithoutProgress) return true;
        Stop(StopReason.Shutdown, 0, $"trap loop: {MaxTrapsWithoutProgress:N0} traps without retiring an instruction (last {Vectors.Name(vector)} at pc 0x{st->Pc:x8})");
        return false;
    }

    /// <summary>Checks the gate, switches stacks and pushes the frame, all or nothing.</summary>
    private bool TryPushFrame(int vector, uint error, uint savedPc, out DeliveryFailure failure)
    {
        failure = default;
        var gate = gates[vector];
        int cpl = st->Cpl;
        if (gate.RefusalAt(vector, cpl) is { } refusal)
        {
            failure = new(Vectors.GeneralProtection, 0, 0, refusal);
            return false;
        }
        int target = gate.TargetRing;
        uint* r = st->Registers;
        uint oldSp = r[Registers.StackPointer];
        uint newSp = target < cpl ? st->Control[(int)ControlRegister.Ksp0 + target] : oldSp;
        uint frame = newSp - 16;
        if ((frame & 3) != 0)
        {
            failure = new(Vectors.Alignment, 0, frame, $"misaligned stack 0x{newSp:x8}");
            return false;
        }
        uint* physical = stackalloc uint[4];
        for (int i = 0; i < 4; i++)
        {
            uint va = frame + (uint)(4 * i);
            int fault = Mmu.Translate(va, target, AccessKind.Write, out physical[i], out uint pfError);
            if (fault != Mmu.NoFault)
            {
                failure = new(fault, pfError, va, $"frame push at 0x{va:x8} raised {Vectors.NameWithError(fault, pfError)}");
                return false;
            }
        }
        uint status = Status;
        uint savedStatus = Gate.SavedStatus((status & StatusBits.InterruptEnable) != 0, st->Control[(int)ControlRegister.Rmap], cpl);
        uint* words = stackalloc uint[4] { error, savedPc, savedStatus, oldSp };
        for (int i = 0; i < 4; i++)
        {
            *(uint*)(Memory.Base + physical[i]) = words[i];
            code.InvalidateWord(physical[i]);
        }
        r[Registers.StackPointer] = frame;
        SetStatus((uint)target | (gate.IsInterruptGate ? 0 : status & StatusBits.InterruptEnable));
        st->Pc = gate.Handler;
        st->Halted = 0;
        statistics.TrapsByVector[vector]++;
        st->Cycles += (ulong)costs.TrapCycles;
        Trace?.Trap(st->Instret, vector, error, savedPc, cpl, target);
        NoteTrapAndCheckProgress(vector);
        return true;
    }

    /// <summary>How deeply host calls nest (a host reflecting a trap whose delivery faults back
    /// into the host); a runaway monitor shuts the machine down instead of the host's stack.</summary>
    private int hostDepth;
    private const int MaxHostDepth = 8;

    private void HandToHost(int vector, uint error, uint savedPc)
    {
        if (hostDepth >= MaxHostDepth)
        {
            Stop(StopReason.Shutdown, 0, $"monitor recursion: {Vectors.Name(vector)} nested {MaxHostDepth} host calls deep");
            return;
        }
        statistics.TrapsByVector[vector]++;
        Trace?.Trap(st->Instret, vector, error, savedPc, st->Cpl, 0);
        st->Halted = 0;
        st->Pc = savedPc;
        hostDepth++;
        try { Ring0Host!.OnTrap(this, vector, error, savedPc); }
        finally { hostDepth--; }
        DropFetchPage();
        RequestBoundary();   // the host may have changed IE, CPL, devices or asked to stop
    }
}
