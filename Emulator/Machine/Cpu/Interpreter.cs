// The interpreter: one loop, one switch on the opcode. Hot state lives in locals (pc,
// instret, cycles, the register pointer, RAM, the TLB, the fetch page); the loop makes no
// calls: it returns whenever an instruction needs a slow path (boundary work, fetch-page
// refill, decoding, faults, TLB misses, system instructions), after storing the locals into
// CpuState, and Interpret runs that slow path and enters the loop again. Per instruction
// the fast path pays one compare against NextEventInstret (instruction limit, device
// deadlines, pending interrupts and tracing all fold into it), one fetch-page check and,
// for memory, one TLB compare.
using System.Runtime.CompilerServices;
using R4.Isa;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    private RunResult? stop;
    /// <summary>A power-off or shutdown: every later Run returns it again.</summary>
    private RunResult? finalStop;
    private ulong limitInstret;

    /// <summary>Runs until power-off, shutdown, deadlock, a host stop, or
    /// <paramref name="maxInstructions"/> more retired instructions.</summary>
    public RunResult Run(ulong maxInstructions = ulong.MaxValue)
    {
        if (finalStop is not null) return finalStop;
        stop = null;
        limitInstret = st->Instret + Math.Min(maxInstructions, ulong.MaxValue - st->Instret);
        RequestBoundary();
        if (!TryRunJit()) Interpret();
        var result = stop!;
        if (result.Reason is StopReason.PowerOff or StopReason.Shutdown) finalStop = result;
        return result;
    }

    /// <summary>Why the fast loop returned: each exit is one slow path.</summary>
    private enum LoopExit : byte { Boundary, Refetch, Fault, SlowMemory, SystemInstruction, Decode, JumpYield }

    // What the fast loop hands to its slow path.
    private DecodedOp* exitOp;
    private int exitFaultVector;

    /// <summary>Alternates the fast loop with the slow path its exit asks for, until a stop.
    /// Keeping every call out of the fast loop lets the JIT keep its state in registers.</summary>
    private void Interpret()
    {
        while (stop is null)
        {
            switch (RunFastLoop())
            {
                case LoopExit.Boundary:
                    if (st->Instret < st->NextEventInstret) return;   // only the JIT's yield point (Jit/JitDispatcher.cs)
                    OnBoundary();
                    break;
                case LoopExit.Refetch: RefillFetchPage(); break;
                case LoopExit.Fault: RaiseFault(exitFaultVector, 0, 0); break;
                case LoopExit.SlowMemory: ExecuteMemorySlow(*exitOp); break;
                case LoopExit.SystemInstruction: ExecuteSystem(*exitOp); break;
                case LoopExit.Decode:
                    *exitOp = DecodedOp.Decode(*(uint*)(Memory.Base + codePhysicalBase + 4 * (uint)(exitOp - codeBlock)), costs);
                    break;
                case LoopExit.JumpYield: return;   // a jump target the JIT may have compiled (Jit/JitDispatcher.cs)
            }
        }
    }

    /// <summary>The interpreter's hot loop: runs instructions until one needs a slow path,
    /// then stores pc, instret and cycles into CpuState and says which.</summary>
    private LoopExit RunFastLoop()
    {
        uint* r = st->Registers;
        byte* ram = Memory.Base;
        TlbEntry* tlb = Mmu.Entries;
        byte* codePages = code.PageHasCode;
        uint pc = st->Pc;
        ulong instret = st->Instret, cycles = st->Cycles, stopAt = Math.Min(st->NextEventInstret, interpreterYieldInstret);
        ulong jumpYieldAt = interpreterJumpYieldInstret;
        uint readBit = 1u << st->Cpl;   // the TLB permission bit of a read at CPL; a write's is readBit << 4
        uint codeBase = codeVirtualBase, offset = 0;
        DecodedOp* block = codeBlock;
        DecodedOp* d = null;
        LoopExit exit;

        offset = pc - codeBase;
        if ((offset & 0xFFFFF003u) != 0 || block == noCodeBlock) { exit = LoopExit.Refetch; goto Leave; }   // another page, a misaligned pc, or none
        d = block + (offset >> 2);
        while (true)
        {
            if (instret >= stopAt) { exit = LoopExit.Boundary; goto Leave; }
            switch (d->Op)
            {
                case (byte)Opcode.Add: r[d->Rd] = r[d->Rs] + r[d->Rt]; break;
                case (byte)Opcode.Sub: r[d->Rd] = r[d->Rs] - r[d->Rt]; break;
                case (byte)Opcode.And: r[d->Rd] = r[d->Rs] & r[d->Rt]; break;
                case (byte)Opcode.Or: r[d->Rd] = r[d->Rs] | r[d->Rt]; break;
                case (byte)Opcode.Xor: r[d->Rd] = r[d->Rs] ^ r[d->Rt]; break;
                case (byte)Opcode.Shl: r[d->Rd] = r[d->Rs] << (int)(r[d->Rt] & 31); break;
                case (byte)Opcode.Shr: r[d->Rd] = r[d->Rs] >> (int)(r[d->Rt] & 31); break;
                case (byte)Opcode.Sar: r[d->Rd] = (uint)((int)r[d->Rs] >> (int)(r[d->Rt] & 31)); break;
                case (byte)Opcode.Mul: r[d->Rd] = r[d->Rs] * r[d->Rt]; break;
                case (byte)Opcode.Mulh: r[d->Rd] = (uint)((ulong)((long)(int)r[d->Rs] * (int)r[d->Rt]) >> 32); break;
                case (byte)Opcode.Mulhu: r[d->Rd] = (uint)(((ulong)r[d->Rs] * r[d->Rt]) >> 32); break;
                case (byte)Opcode.Div:
                {
                    int divisor = (int)r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    int dividend = (int)r[d->Rs];
                    r[d->Rd] = divisor == -1 ? 0u - (uint)dividend : (uint)(dividend / divisor);   // INT_MIN / -1 = INT_MIN
                    break;
                }
                case (byte)Opcode.Divu:
                {
                    uint divisor = r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = r[d->Rs] / divisor;
                    break;
                }
                case (byte)Opcode.Rem:
                {
                    int divisor = (int)r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = divisor == -1 ? 0u : (uint)((int)r[d->Rs] % divisor);   // INT_MIN % -1 = 0
                    break;
                }
                case (byte)Opcode.Remu:
                {
                    uint divisor = r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = r[d->Rs] % divisor;
                    break;
                }
                case (byte)Opcode.Slt: r[d->Rd] = (int)r[d->Rs] < (int)r[d->Rt] ? 1u : 0u; break;
                case (byte)Opcode.Sltu: r[d->Rd] = r[d->Rs] < r[d->Rt] ? 1u : 0u; break;

                case (byte)Opcode.Addi: r[d->Rd] = r[d->Rs] + (uint)d->Imm; break;
                case (byte)Opcode.Andi: r[d->Rd] = r[d->Rs] & (uint)d->Imm; break;
                case (byte)Opcode.Ori: r[d->Rd] = r[d->Rs] | (uint)d->Imm; break;
                case (byte)Opcode.Xori: r[d->Rd] = r[d->Rs] ^ (uint)d->Imm; break;
                case (byte)Opcode.Slti: r[d->Rd] = (int)r[d->Rs] < d->Imm ? 1u : 0u; break;
                case (byte)Opcode.Sltiu: r[d->Rd] = r[d->Rs] < (uint)d->Imm ? 1u : 0u; break;
                case (byte)Opcode.Shli: r[d->Rd] = r[d->Rs] << d->Imm; break;
                case (byte)Opcode.Shri: r[d->Rd] = r[d->Rs] >> d->Imm; break;
                case (byte)Opcode.Sari: r[d->Rd] = (uint)((int)r[d->Rs] >> d->Imm); break;
                case (byte)Opcode.Lui: r[d->Rd] = (uint)d->Imm; break;

                // Memory: one compare checks TLB tag, alignment and the permission of this
                // ring; anything else (miss, fault, #MC) goes to the slow path.
                case (byte)Opcode.Ldw:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(uint*)(ram + (e->Frame | (va & 0xFFF)));
                    break;
                }
                case (byte)Opcode.Ldh:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF001u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = (uint)*(short*)(ram + (e->Frame | (va & 0xFFF)));
                    break;
                }
                case (byte)Opcode.Ldhu:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF001u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(ushort*)(ram + (e->Frame | (va & 0xFFF)));
                    break;
                }
                case (byte)Opcode.Ldb:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF000u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = (uint)*(sbyte*)(ram + (e->Frame | (va & 0xFFF)));
                    break;
                }
                case (byte)Opcode.Ldbu:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF000u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(ram + (e->Frame | (va & 0xFFF)));
                    break;
                }
                case (byte)Opcode.Stw:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | ((readBit << 4) & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint pa = e->Frame | (va & 0xFFF);
                    *(uint*)(ram + pa) = r[d->Rt];
                    if (codePages[pa >> PageBits.PageShift] != 0) code.InvalidateCodePageWord(pa);
                    break;
                }
                case (byte)Opcode.Sth:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF001u) | ((readBit << 4) & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint pa = e->Frame | (va & 0xFFF);
                    *(ushort*)(ram + pa) = (ushort)r[d->Rt];
                    if (codePages[pa >> PageBits.PageShift] != 0) code.InvalidateCodePageWord(pa);
                    break;
                }
                case (byte)Opcode.Stb:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF000u) | ((readBit << 4) & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint pa = e->Frame | (va & 0xFFF);
                    *(ram + pa) = (byte)r[d->Rt];
                    if (codePages[pa >> PageBits.PageShift] != 0) code.InvalidateCodePageWord(pa);
                    break;
                }
                case (byte)Opcode.Push:
                {
                    uint va = r[Registers.StackPointer] - 4;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | ((readBit << 4) & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint pa = e->Frame | (va & 0xFFF);
                    *(uint*)(ram + pa) = r[d->Rs];   // push sp stores the old sp
                    r[Registers.StackPointer] = va;
                    if (codePages[pa >> PageBits.PageShift] != 0) code.InvalidateCodePageWord(pa);
                    break;
                }
                case (byte)Opcode.Pop:
                {
                    uint va = r[Registers.StackPointer];
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint value = *(uint*)(ram + (e->Frame | (va & 0xFFF)));
                    r[Registers.StackPointer] = va + 4;
                    r[d->Rd] = value;   // pop sp leaves sp = the loaded word
                    break;
                }

                case (byte)Opcode.Beq: if (r[d->Rs] == r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Bne: if (r[d->Rs] != r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Blt: if ((int)r[d->Rs] < (int)r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Bge: if ((int)r[d->Rs] >= (int)r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Bltu: if (r[d->Rs] < r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Bgeu: if (r[d->Rs] >= r[d->Rt]) { pc += (uint)d->Imm; goto Jumped; } break;
                case (byte)Opcode.Jmp: pc += (uint)d->Imm; goto Jumped;
                case (byte)Opcode.Call: r[Registers.LinkRegister] = pc + 4; pc += (uint)d->Imm; goto Jumped;
                case (byte)Opcode.Jr: pc = r[d->Rs]; goto Jumped;
                case (byte)Opcode.Callr:
                {
                    uint target = r[d->Rs];
                    r[Registers.LinkRegister] = pc + 4;
                    pc = target;
                    goto Jumped;
                }

                case (byte)Opcode.Nop: break;
                case (byte)Opcode.Rdtick: r[d->Rd] = (uint)instret; break;

                // Rare instructions that change rings, IE, the MMU or devices leave the loop.
                case (byte)Opcode.Int:
                case (byte)Opcode.Brk:
                case (byte)Opcode.Iret:
                case (byte)Opcode.Hlt:
                case (byte)Opcode.Cli:
                case (byte)Opcode.Sti:
                case (byte)Opcode.Tlbflush:
                case (byte)Opcode.Invlpg:
                case (byte)Opcode.Mfcr:
                case (byte)Opcode.Mtcr:
                case (byte)Opcode.In:
                case (byte)Opcode.Out:
                    exit = LoopExit.SystemInstruction;
                    goto Leave;

                case DecodedOp.NotDecoded:
                    exit = LoopExit.Decode;
                    goto Leave;
                case DecodedOp.PageEnd:   // fell through into the next page
                    exit = LoopExit.Refetch;
                    goto Leave;
                default:
                    exitFaultVector = Vectors.UndefinedInstruction;
                    exit = LoopExit.Fault;
                    goto Leave;
            }
            // Sequential: the next entry of the page (or its PageEnd sentinel).
            pc += 4;
            instret++;
            cycles += d->Cycles;   // still valid if the instruction overwrote itself (only Op is reset)
            d++;
            continue;

        Jumped:
            instret++;
            cycles += d->Cycles;
            if (instret >= jumpYieldAt) { exit = LoopExit.JumpYield; goto Leave; }   // tiering: the JIT looks at the target first
            offset = pc - codeBase;
            if ((offset & 0xFFFFF003u) != 0) { exit = LoopExit.Refetch; goto Leave; }   // another page, or a misaligned pc
            d = block + (offset >> 2);
        }

    Leave:
        exitOp = d;
        st->Pc = pc;
        st->Instret = instret;
        st->Cycles = cycles;
        return exit;
    }

    /// <summary>Everything that happens between instructions: device ticks, power-off, the
    /// instruction limit, waiting in hlt, external interrupts, tracing.</summary>
    private void OnBoundary()
    {
        if (stop is not null) return;
        if (Bus.PowerOffRequested) { Stop(StopReason.PowerOff, Bus.ExitStatus, null); return; }
        if (st->Instret >= Bus.NextEventInstret)
        {
            Bus.Tick(st->Instret);
            if (Bus.PowerOffRequested) { Stop(StopReason.PowerOff, Bus.ExitStatus, null); return; }
        }
        if (st->Instret >= limitInstret) { Stop(StopReason.InstructionLimit, 0, null); return; }
        if (st->Halted != 0 && !WaitWhileHalted()) return;

        ulong next = Math.Min(limitInstret, Bus.NextEventInstret);
        if (Trace is not null) next = Math.Min(next, st->Instret + 1);
        st->NextEventInstret = next;   // a trap below may still ask for an earlier boundary

        for (int taken = 0; taken < Vectors.Count && st->InterruptsEnabled && Interrupts.PendingMask != 0 && stop is null; taken++)
        {
            int vector = Interrupts.Lowest();
            Interrupts.Acknowledge(vector);
            if (guestMode is not null && ExternalInterruptVmExit(vector)) continue;
            Deliver(vector, 0, st->Pc, TrapOrigin.External, st->Pc, allowHost: true, context: null);
        }
        if (Trace is not null && stop is null && st->NextEventInstret != 0 && EnsureFetchPage())
        {
            uint word = *(uint*)(Memory.Base + codePhysicalBase + (st->Pc - codeVirtualBase));
            Trace.Instruction(st->Instret, st->Cpl, st->Pc, word);
        }
    }

    /// <summary>hlt with IE = 1: time jumps to the next device event (the idle instructions
    /// count as retired, as an idle loop's would) until an interrupt is pending. False when
    /// the run stops instead (deadlock, limit, power-off).</summary>
    private bool WaitWhileHalted()
    {
        while (true)
        {
            if (!st->InterruptsEnabled) { Stop(StopReason.Deadlock, 0, "halted with interrupts disabled"); return false; }
            if (Interrupts.PendingMask != 0) { st->Halted = 0; return true; }
            ulong next = Bus.NextEventInstret;
            if (next != ulong.MaxValue)
            {
                if (next > limitInstret)
                {
                    st->Instret = Math.Max(st->Instret, limitInstret);
                    Stop(StopReason.InstructionLimit, 0, null);
                    return false;
                }
                Bus.WaitWhileHalted();   // a person may be typing: the bus decides how long the host waits
                if (next > st->Instret) st->Instret = next;
                Bus.Tick(st->Instret);
                if (Bus.PowerOffRequested) { Stop(StopReason.PowerOff, Bus.ExitStatus, null); return false; }
                continue;
            }
            if (!Bus.CanInterrupt) { Stop(StopReason.Deadlock, 0, null); return false; }
            if (!Bus.Console.WaitForHostInput(TimeSpan.FromMilliseconds(50))) Thread.Sleep(1);
            Bus.Tick(st->Instret);
        }
    }

    private bool EnsureFetchPage() => (codeBlock != noCodeBlock && ((st->Pc - codeVirtualBase) & 0xFFFFF003u) == 0) || RefillFetchPage();

    /// <summary>Translates pc for a fetch at CPL and makes its page the fetch page; on #AC,
    /// #PF or #MC delivers the fault and returns false.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefillFetchPage()
    {
        uint pc = st->Pc;
        if ((pc & 3) != 0) { RaiseFault(Vectors.Alignment, 0, pc); return false; }
        int vector = Mmu.Translate(pc, st->Cpl, AccessKind.Fetch, out uint pa, out uint error);
        if (vector != Mmu.NoFault) { RaiseFault(vector, error, pc); return false; }
        codeVirtualBase = pc & PageBits.FrameMask;
        codePhysicalBase = pa & PageBits.FrameMask;
        codeBlock = code.BlockFor(codePhysicalBase);
        return true;
    }

    private void Stop(StopReason reason, uint exitStatus, string? diagnostic)
    {
        stop ??= new RunResult(reason, exitStatus, st->Pc, diagnostic);
        RequestBoundary();
    }
}
