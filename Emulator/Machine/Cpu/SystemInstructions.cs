// The out-of-line half of the interpreter: memory instructions that missed the TLB fast
// path (alignment, TLB fill, #PF, #MC, stores into decoded pages) and the system
// instructions (int, brk, iret, hlt, cli, sti, tlbflush, invlpg, mfcr, mtcr, in, out).
// Each runs on CpuState, retires the instruction or raises its fault, all or nothing.
using R4.Isa;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    private void Retire(in DecodedOp d, uint nextPc)
    {
        st->Instret++;
        st->Cycles += d.Cycles;
        st->Pc = nextPc;
    }

    /// <summary>A load, store, push or pop by the slow path: the same semantics as the fast
    /// cases in the interpreter, with every fault.</summary>
    private void ExecuteMemorySlow(DecodedOp d)
    {
        uint* r = st->Registers;
        var opcode = (Opcode)d.Op;
        uint va;
        int size;
        AccessKind kind;
        switch (opcode)
        {
            case Opcode.Push: va = r[Registers.StackPointer] - 4; size = 4; kind = AccessKind.Write; break;
            case Opcode.Pop: va = r[Registers.StackPointer]; size = 4; kind = AccessKind.Read; break;
            default:
                va = r[d.Rs] + (uint)d.Imm;
                size = opcode is Opcode.Ldw or Opcode.Stw ? 4 : opcode is Opcode.Ldh or Opcode.Ldhu or Opcode.Sth ? 2 : 1;
                kind = opcode is Opcode.Stw or Opcode.Sth or Opcode.Stb ? AccessKind.Write : AccessKind.Read;
                break;
        }
        uint stored = opcode == Opcode.Push ? r[d.Rs] : r[d.Rt];
        if (!TryAccess(va, st->Cpl, kind, size, out uint value, out int vector, out uint error, stored))
        {
            RaiseFault(vector, error, va);
            return;
        }
        switch (opcode)
        {
            case Opcode.Ldw: case Opcode.Ldhu: case Opcode.Ldbu: r[d.Rd] = value; break;
            case Opcode.Ldh: r[d.Rd] = (uint)(short)value; break;
            case Opcode.Ldb: r[d.Rd] = (uint)(sbyte)value; break;
            case Opcode.Push: r[Registers.StackPointer] = va; break;
            case Opcode.Pop: r[Registers.StackPointer] = va + 4; r[d.Rd] = value; break;
        }
        Retire(d, st->Pc + 4);
    }

    private void ExecuteSystem(DecodedOp d)
    {
        var opcode = (Opcode)d.Op;
        int cpl = st->Cpl;
        var privilege = InstructionTable.Get(opcode).Privilege;
        if (((TranslatedRingMask >> cpl) & 1) != 0 && (privilege == Privilege.Ring0 || opcode == Opcode.Iret))
        {
            CallTranslation();
            return;
        }
        if (cpl > (int)privilege || (opcode == Opcode.Iret && IretSeesRing3(cpl)))
        {
            if (opcode == Opcode.Mtcr && ptbrTargetCount != 0 && TryPtbrTarget(d)) return;
            RaiseFault(Vectors.GeneralProtection, 0, 0);
            return;
        }
        if (guestMode is not null && ExitsGuestMode(opcode, d.Imm) && InstructionVmExit(opcode)) return;
        uint* r = st->Registers;
        uint next = st->Pc + 4;
        switch (opcode)
        {
            case Opcode.Int: ExecuteTrapInstruction(d, d.Imm, softwareInterrupt: true); return;
            case Opcode.Brk: ExecuteTrapInstruction(d, Vectors.Breakpoint, softwareInterrupt: false); return;
            case Opcode.Iret: ExecuteIret(d); return;
            case Opcode.Hlt:
                Retire(d, next);
                if (!st->InterruptsEnabled) Stop(StopReason.PowerOff, 0, null);
                else EnterHalt();
                return;
            case Opcode.Cli: SetStatus(Status & ~StatusBits.InterruptEnable); break;
            case Opcode.Sti: SetStatus(Status | StatusBits.InterruptEnable); break;
            case Opcode.Tlbflush: Mmu.Flush(); break;
            case Opcode.Invlpg: Mmu.InvalidatePage(r[d.Rs]); break;
            case Opcode.Mfcr: r[d.Rd] = st->Control[d.Imm]; break;
            case Opcode.Mtcr:
                if (!ExecuteMtcr((ControlRegister)d.Imm, r[d.Rs])) return;
                break;
            case Opcode.In:
                r[d.Rd] = Bus.In((ushort)d.Imm, st->Instret);
                RequestBoundary();
                break;
            case Opcode.Out:
                Bus.Out((ushort)d.Imm, r[d.Rs], st->Instret);
                RequestBoundary();   // a device may now interrupt, stop the clock or power off
                break;
            default:
                throw new InvalidOperationException($"{opcode} is not a system instruction");
        }
        Retire(d, next);
    }

    /// <summary>Binary translation (spec §11.6): code fetched in a real ring whose bit is set here runs
    /// translated — each sensitive instruction (privileged ones and iret) is replaced by a call into
    /// <see cref="TranslationHost"/>, with no trap, no privilege check and nothing retired by the CPU
    /// (the host emulates and retires it). Both engines reach this one place: the interpreter's loop
    /// and the JIT's blocks both end before a system instruction and hand it to ExecuteSystem, and
    /// their cached decodings and blocks are dropped when the guest writes its code.</summary>
    public byte TranslatedRingMask { get; set; }

    /// <summary>Receives the translated calls of <see cref="TranslatedRingMask"/>'s rings.</summary>
    public ITranslationHost? TranslationHost { get; set; }

    private void CallTranslation()
    {
        uint pc = st->Pc;
        uint word = *(uint*)(Memory.Base + codePhysicalBase + (pc - codeVirtualBase));   // the fetch page holds pc
        InstructionCodec.TryDecode(word, out var instruction);
        TranslationHost!.OnTranslatedInstruction(this, instruction, pc);
        DropFetchPage();
        RequestBoundary();   // the host may have changed IE, CPL, devices or asked to stop
    }

    /// <summary>mtcr; false when it faulted (reading the vector table).</summary>
    private bool ExecuteMtcr(ControlRegister register, uint value)
    {
        switch (register)
        {
            case ControlRegister.Status:
                SetStatus((Status & StatusBits.CplMask) | (value & StatusBits.InterruptEnable));   // CPL is read-only
                return true;
            case ControlRegister.Ivt:
                if (TryLoadGates(value, out int vector, out uint error, out uint address)) return true;
                RaiseFault(vector, error, address);
                return false;
            default:
                SetControl(register, value);
                return true;
        }
    }

    /// <summary>int and brk: the instruction retires only when its trap is delivered (or
    /// handed to the monitor); a trap that cannot be delivered is a fault of the instruction.</summary>
    private void ExecuteTrapInstruction(DecodedOp d, int vector, bool softwareInterrupt)
    {
        uint pc = st->Pc, next = pc + 4;
        var gate = gates[vector];
        if (softwareInterrupt && gate.Present && st->Cpl > gate.Dpl)
        {
            RaiseFault(Vectors.GeneralProtection, 0, 0);
            return;
        }
        if (Ring0Host is not null && gate.Present && gate.TargetRing == 0)
        {
            Retire(d, next);
            HandToHost(vector, 0, next);
            return;
        }
        if (TryPushFrame(vector, 0, next, out var failure))
        {
            st->Instret++;
            st->Cycles += d.Cycles;
            return;
        }
        string cause = $"{Vectors.Name(vector)}: {failure.Reason}";
        if (failure.Vector is Vectors.PageFault or Vectors.Alignment)
            st->Control[(int)ControlRegister.Fault] = failure.Address;
        if (softwareInterrupt)
            RaiseNestedFault(failure, pc, cause);
        else
            Deliver(Vectors.DoubleFault, 0, pc, TrapOrigin.Fault, pc, allowHost: true, cause);
    }

    /// <summary>The Popek–Goldberg flaw (spec §11.5, <c>--machine x86-flaw</c>): an iret at CPL &gt; 0
    /// that would change IE leaves IE as it was instead of raising #GP, as x86 popf does. The
    /// interpreter and the JIT share this (the JIT hands every system instruction to ExecuteSystem).</summary>
    public bool IretIgnoresIeChangeAboveRing0 { get; set; }

    /// <summary>How many irets the flaw let through with their IE change ignored (host-visible only,
    /// like a performance counter; never guest-visible).</summary>
    public ulong IretIeChangesIgnored { get; private set; }

    /// <summary>Raised after a flawed iret retired with its IE change ignored: (pc of the iret, CPL
    /// it ran at). A monitor that relies on iret trapping learns here that its guest diverged.</summary>
    public event Action<uint, int>? IretIgnoredIeChange;

    /// <summary>iret is refused at ring 3 and in any real ring the ring map presents as ring 3
    /// (spec §5.3): code that a monitor runs in ring 1 or 2 but that believes it is user code
    /// gets the #GP a ring-3 iret gets natively, instead of a same-ring return the guest could
    /// never make (ring012 runs guest user code in real ring 2). Identity map: ring 3 only.</summary>
    private bool IretSeesRing3(int cpl) => RingMap.Reverse(st->Control[(int)ControlRegister.Rmap], cpl) == 3;

    /// <summary>iret (spec §5.2): pc = [sp+4], status = [sp+8], sp = [sp+12]; the frame's CPL
    /// goes through the forward ring map; returning to a more privileged ring, or changing IE
    /// at CPL &gt; 0, is #GP (on the flawed machine the IE change is ignored instead). Bits of
    /// the saved status other than CPL and IE are ignored.</summary>
    private void ExecuteIret(DecodedOp d)
    {
        uint* r = st->Registers;
        uint sp = r[Registers.StackPointer];
        int cpl = st->Cpl;
        uint* frame = stackalloc uint[3];
        for (int i = 0; i < 3; i++)
        {
            uint va = sp + 4 + (uint)(4 * i);
            if (!TryAccess(va, cpl, AccessKind.Read, 4, out frame[i], out int vector, out uint error))
            {
                RaiseFault(vector, error, va);
                return;
            }
        }
        uint newStatus = frame[1];
        int newCpl = RingMap.Forward(st->Control[(int)ControlRegister.Rmap], (int)(newStatus & StatusBits.CplMask));
        bool ieChanges = ((newStatus ^ Status) & StatusBits.InterruptEnable) != 0;
        if (newCpl < cpl || (cpl > 0 && ieChanges && !IretIgnoresIeChangeAboveRing0))
        {
            RaiseFault(Vectors.GeneralProtection, 0, 0);
            return;
        }
        uint newInterruptEnable = newStatus & StatusBits.InterruptEnable;
        bool ignored = cpl > 0 && ieChanges;   // only reached on the flawed machine
        if (ignored) newInterruptEnable = Status & StatusBits.InterruptEnable;
        uint pc = st->Pc;
        r[Registers.StackPointer] = frame[2];
        SetStatus((uint)newCpl | newInterruptEnable);
        Retire(d, frame[0]);
        st->Cycles += (ulong)costs.IretCycles;
        if (ignored)
        {
            IretIeChangesIgnored++;
            IretIgnoredIeChange?.Invoke(pc, cpl);
        }
    }
}
