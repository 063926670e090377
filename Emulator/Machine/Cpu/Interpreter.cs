// The interpreter: one loop, one switch on the opcode. Hot state lives in locals (the op
// pointer, the register pointer, RAM, the TLB, the fetch page); the loop makes no calls: it
// returns whenever an instruction needs a slow path (boundary work, fetch-page refill,
// decoding, faults, TLB misses, system instructions), after storing pc, instret and cycles
// into CpuState, and Interpret runs that slow path and enters the loop again.
// Per instruction the fast path counts nothing: the op pointer is the instruction count (a
// limit pointer marks the next event), pc is derived from it when the loop leaves, and cycles
// are the ALU class's per instruction plus what other classes add (DecodedOp.ExtraCycles).
// While the next event (instruction limit, device deadlines, pending interrupts, tracing all
// fold into NextEventInstret) lies beyond the fetch page it is compared only at taken jumps;
// otherwise once per instruction, as a single pointer compare. Memory pays one TLB compare.
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
    private enum LoopExit : byte { Boundary, Refetch, Fault, SlowMemory, SystemInstruction, Decode, JumpYield, NearEvent }

    // What the fast loop hands to its slow path.
    private DecodedOp* exitOp;
    private int exitFaultVector;

    /// <summary>Alternates the fast loop with the slow path its exit asks for, until a stop.
    /// Keeping every call out of the fast loop lets the JIT keep its state in registers.</summary>
    private void Interpret()
    {
        bool nearEvent = false;
        while (stop is null)
        {
            // Most of the time the next event (instruction limit, device deadline, interrupt) is
            // further away than the end of the fetch page, and no jump yield is asked for: the
            // loop then checks for it only at taken jumps. Otherwise (and for one call after the
            // fast variant saw the event within reach) the variant that checks every instruction.
            LoopExit exit = nearEvent || interpreterJumpYieldInstret != ulong.MaxValue || !BranchesCostAsAlu
                ? RunFastLoop<CheckEveryInstruction>()
                : RunFastLoop<CheckAtJumps>();
            nearEvent = exit == LoopExit.NearEvent;
            if (countWarmupExits) CountWarmupExit(exit);
            switch (exit)
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
                case LoopExit.NearEvent: break;   // nothing to do: the checking variant runs next
            }
        }
    }

    /// <summary>The two variants of the fast loop (a struct type argument: the .NET JIT compiles
    /// one copy of the loop for each, with the other's checks folded away).</summary>
    private struct CheckEveryInstruction;
    private struct CheckAtJumps;

    /// <summary>A JIT-time constant per instantiation. A method, not a local: OSR code (a hot
    /// loop entered from tier-0 code) takes locals from the tier-0 frame as variables, so a
    /// local holding it would be tested at run time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EveryInstruction<TCheck>() where TCheck : struct => typeof(TCheck) == typeof(CheckEveryInstruction);

    private bool? branchesCostAsAlu;
    /// <summary>True when branches and jumps cost what ALU instructions cost (the default
    /// table): their ExtraCycles are then all 0 and the CheckAtJumps loop does not add them.</summary>
    private bool BranchesCostAsAlu => branchesCostAsAlu ??=
        costs.CyclesFor(CostClass.Branch) == costs.CyclesFor(CostClass.Alu) && costs.CyclesFor(CostClass.Jump) == costs.CyclesFor(CostClass.Alu);

    /// <summary>How far (in instructions) the fast loop's limit pointer may lie ahead of the
    /// current op: keeps the pointer arithmetic far from overflow when the next event is
    /// "never". A run that gets this far re-anchors (about 18 minutes at 1 ns an instruction).</summary>
    private const ulong MaxFastLoopRoom = 1UL << 40;

    /// <summary>The interpreter's hot loop: runs instructions until one needs a slow path,
    /// then stores pc, instret and cycles into CpuState and says which.
    /// Nothing is counted per instruction. Within a run of sequential instructions the op
    /// pointer d is the count: instret(d) = anchor - (limit - d) / sizeof(DecodedOp), so the
    /// event check is one pointer compare (d reaches limit exactly when instret reaches
    /// stopAt), a taken jump moves limit by the distance it jumps (minus the one op it
    /// retires), and pc is derived from d. Cycles are instructions × the ALU class's cycles
    /// plus the ExtraCycles that non-ALU cases add. All of it is turned back into pc,
    /// instret and cycles at the one way out (Leave).
    /// CheckAtJumps (only with no jump yield and BranchesCostAsAlu): d cannot reach limit
    /// while limit lies beyond the page's PageEnd sentinel, since only a taken jump moves d
    /// backwards or to another page, so the limit is compared only at entry and after each
    /// taken jump; when it comes within the page the loop returns NearEvent (the state exact,
    /// nothing left to do) and Interpret runs the CheckEveryInstruction copy, which stops
    /// exactly at the event as before.</summary>
    private LoopExit RunFastLoop<TCheck>() where TCheck : struct
    {
        uint* r = st->Registers;
        byte* ram = Memory.Base;
        TlbEntry* tlb = Mmu.Entries;
        byte* codePages = code.PageHasCode;
        uint readBit = 1u << st->Cpl;   // the TLB permission bit of a read at CPL; a write's is readBit << 4
        uint codeBase = codeVirtualBase;
        DecodedOp* block = codeBlock;
        ulong instret0 = st->Instret, stopAt = Math.Min(st->NextEventInstret, interpreterYieldInstret);
        ulong jumpYieldAt = interpreterJumpYieldInstret;
        ulong extraCycles = 0;   // sum of ExtraCycles of the retired instructions (wrapping: they may be negative)
        uint pc = 0;             // set only by the exits after a jump; the others derive it from d
        LoopExit exit;

        uint offset = st->Pc - codeBase;
        if ((offset & 0xFFFFF003u) != 0 || block == noCodeBlock) return LoopExit.Refetch;   // another page, a misaligned pc, or none
        DecodedOp* d = block + (offset >> 2);
        nint pageEnd = (nint)(block + DecodedCodeCache.OpsPerPage);   // the PageEnd sentinel

        // instret(d) = anchor - (limit - d) / 16. room = instructions left before stopAt, clamped.
        ulong instretAtD = instret0, anchor;
        nint limit, yieldGap;
    Anchor:
        {
            ulong room = stopAt > instretAtD ? Math.Min(stopAt - instretAtD, MaxFastLoopRoom) : 0;
            anchor = instretAtD + room;
            limit = (nint)d + (nint)room * sizeof(DecodedOp);
            // A taken jump yields to the JIT when instret after it >= jumpYieldAt: with p the op
            // position that counts it (the jump's d + 1, or its target once d and limit moved),
            // when (p - limit) / 16 >= jumpYieldAt - anchor (clamped the same way), i.e.
            // p - limit >= yieldGap.
            yieldGap = jumpYieldAt >= anchor
                ? (nint)Math.Min(jumpYieldAt - anchor, MaxFastLoopRoom) * sizeof(DecodedOp)
                : -(nint)Math.Min(anchor - jumpYieldAt, MaxFastLoopRoom) * sizeof(DecodedOp);
        }
        if (!EveryInstruction<TCheck>() && limit <= pageEnd) return LoopExit.NearEvent;   // nothing changed yet
        while (true)
        {
            if (EveryInstruction<TCheck>() && (nint)d >= limit)   // d == limit: instret == anchor
            {
                if (anchor < stopAt) { instretAtD = anchor; goto Anchor; }   // only after MaxFastLoopRoom instructions
                exit = LoopExit.Boundary;
                goto Leave;
            }
            switch (d->Op)   // one dense table from 0 to NotDecoded (DecodedOp)
            {
                // ALU class: ExtraCycles is 0 by definition, so these add nothing.
                case (byte)Opcode.Add: r[d->Rd] = r[d->Rs] + r[d->Rt]; break;
                case (byte)Opcode.Sub: r[d->Rd] = r[d->Rs] - r[d->Rt]; break;
                case (byte)Opcode.And: r[d->Rd] = r[d->Rs] & r[d->Rt]; break;
                case (byte)Opcode.Or: r[d->Rd] = r[d->Rs] | r[d->Rt]; break;
                case (byte)Opcode.Xor: r[d->Rd] = r[d->Rs] ^ r[d->Rt]; break;
                case (byte)Opcode.Shl: r[d->Rd] = r[d->Rs] << (int)(r[d->Rt] & 31); break;
                case (byte)Opcode.Shr: r[d->Rd] = r[d->Rs] >> (int)(r[d->Rt] & 31); break;
                case (byte)Opcode.Sar: r[d->Rd] = (uint)((int)r[d->Rs] >> (int)(r[d->Rt] & 31)); break;
                case (byte)Opcode.Slt: r[d->Rd] = (int)r[d->Rs] < (int)r[d->Rt] ? 1u : 0u; break;
                case (byte)Opcode.Sltu: r[d->Rd] = r[d->Rs] < r[d->Rt] ? 1u : 0u; break;

                case (byte)Opcode.Addi:
                    r[d->Rd] = r[d->Rs] + (uint)d->Imm;
                    // The commonest loop end is a counter step and a bne on it: go straight to the
                    // bne case (a direct jump instead of the switch's indirect one). In the variant
                    // that checks every instruction, only when the event is not the bne's to take.
                    if (d[1].Op == (byte)Opcode.Bne && (!EveryInstruction<TCheck>() || (nint)(d + 1) < limit)) { d++; goto case (byte)Opcode.Bne; }
                    break;
                case (byte)Opcode.Andi: r[d->Rd] = r[d->Rs] & (uint)d->Imm; break;
                case (byte)Opcode.Ori: r[d->Rd] = r[d->Rs] | (uint)d->Imm; break;
                case (byte)Opcode.Xori: r[d->Rd] = r[d->Rs] ^ (uint)d->Imm; break;
                case (byte)Opcode.Slti: r[d->Rd] = (int)r[d->Rs] < d->Imm ? 1u : 0u; break;
                case (byte)Opcode.Sltiu: r[d->Rd] = r[d->Rs] < (uint)d->Imm ? 1u : 0u; break;
                case (byte)Opcode.Shli: r[d->Rd] = r[d->Rs] << d->Imm; break;
                case (byte)Opcode.Shri: r[d->Rd] = r[d->Rs] >> d->Imm; break;
                case (byte)Opcode.Sari: r[d->Rd] = (uint)((int)r[d->Rs] >> d->Imm); break;
                case (byte)Opcode.Lui: r[d->Rd] = (uint)d->Imm; break;

                case (byte)Opcode.Nop: break;
                case (byte)Opcode.Rdtick: r[d->Rd] = (uint)(anchor - OpsBetween(d, limit)); break;

                // Multiply and divide classes.
                case (byte)Opcode.Mul: r[d->Rd] = r[d->Rs] * r[d->Rt]; extraCycles += (ulong)d->ExtraCycles; break;
                case (byte)Opcode.Mulh: r[d->Rd] = (uint)((ulong)((long)(int)r[d->Rs] * (int)r[d->Rt]) >> 32); extraCycles += (ulong)d->ExtraCycles; break;
                case (byte)Opcode.Mulhu: r[d->Rd] = (uint)(((ulong)r[d->Rs] * r[d->Rt]) >> 32); extraCycles += (ulong)d->ExtraCycles; break;
                case (byte)Opcode.Div:
                {
                    int divisor = (int)r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    int dividend = (int)r[d->Rs];
                    r[d->Rd] = divisor == -1 ? 0u - (uint)dividend : (uint)(dividend / divisor);   // INT_MIN / -1 = INT_MIN
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Divu:
                {
                    uint divisor = r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = r[d->Rs] / divisor;
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Rem:
                {
                    int divisor = (int)r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = divisor == -1 ? 0u : (uint)((int)r[d->Rs] % divisor);   // INT_MIN % -1 = 0
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Remu:
                {
                    uint divisor = r[d->Rt];
                    if (divisor == 0) { exitFaultVector = Vectors.DivideError; exit = LoopExit.Fault; goto Leave; }
                    r[d->Rd] = r[d->Rs] % divisor;
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }

                // Memory: one compare checks TLB tag, alignment and the permission of this
                // ring; anything else (miss, fault, #MC) goes to the slow path.
                case (byte)Opcode.Ldw:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(uint*)(ram + (e->Frame | (va & 0xFFF)));
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Ldh:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF001u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = (uint)*(short*)(ram + (e->Frame | (va & 0xFFF)));
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Ldhu:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF001u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(ushort*)(ram + (e->Frame | (va & 0xFFF)));
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Ldb:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF000u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = (uint)*(sbyte*)(ram + (e->Frame | (va & 0xFFF)));
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                case (byte)Opcode.Ldbu:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF000u) | (readBit & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    r[d->Rd] = *(ram + (e->Frame | (va & 0xFFF)));
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }
                // Stores: ExtraCycles is read before the store invalidates anything (a store
                // into its own word resets only Op, so it would still be right after it).
                case (byte)Opcode.Stw:
                {
                    uint va = r[d->Rs] + (uint)d->Imm;
                    TlbEntry* e = tlb + ((va >> PageBits.PageShift) & Tlb.IndexMask);
                    if ((((e->Tag ^ va) & 0xFFFFF003u) | ((readBit << 4) & ~e->Perms)) != 0) { exit = LoopExit.SlowMemory; goto Leave; }
                    uint pa = e->Frame | (va & 0xFFF);
                    *(uint*)(ram + pa) = r[d->Rt];
                    extraCycles += (ulong)d->ExtraCycles;
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
                    extraCycles += (ulong)d->ExtraCycles;
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
                    extraCycles += (ulong)d->ExtraCycles;
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
                    extraCycles += (ulong)d->ExtraCycles;
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
                    extraCycles += (ulong)d->ExtraCycles;
                    break;
                }

                // Branches and jumps: offset = the target - codeBase (so in-page is one mask test).
                // Imm is 4 + 4 * the encoded offset: bytes from this instruction.
                case (byte)Opcode.Beq:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if (r[d->Rs] == r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Bne:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if (r[d->Rs] != r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Blt:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if ((int)r[d->Rs] < (int)r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Bge:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if ((int)r[d->Rs] >= (int)r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Bltu:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if (r[d->Rs] < r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Bgeu:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    if (r[d->Rs] >= r[d->Rt]) goto Relative;
                    break;
                case (byte)Opcode.Jmp:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    goto Relative;
                case (byte)Opcode.Call:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    r[Registers.LinkRegister] = codeBase + ByteOffset(d, block) + 4;
                    goto Relative;
                case (byte)Opcode.Jr:
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    offset = r[d->Rs] - codeBase;
                    goto Jumped;
                case (byte)Opcode.Callr:
                {
                    if (EveryInstruction<TCheck>()) extraCycles += (ulong)d->ExtraCycles;
                    uint target = r[d->Rs];
                    r[Registers.LinkRegister] = codeBase + ByteOffset(d, block) + 4;
                    offset = target - codeBase;
                    goto Jumped;
                }

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
                case (byte)Opcode.Invalid:
                default:
                    exitFaultVector = Vectors.UndefinedInstruction;
                    exit = LoopExit.Fault;
                    goto Leave;
            }
            // Sequential: the next entry of the page (or its PageEnd sentinel); that is the count.
            d++;
            continue;

        Relative:
            // A taken pc-relative branch or jump: Imm bytes of code are Imm * 4 bytes of ops. d and
            // limit move first, then the checks: instret(target) = instret(d) + 1 and pc(target)
            // hold for a target off the page too (d is then only arithmetic, never read).
            {
                nint step = (nint)d->Imm * 4;
                d = (DecodedOp*)((nint)d + step);
                limit += step - sizeof(DecodedOp);
                if (EveryInstruction<TCheck>() && (nint)d - limit >= yieldGap) { exit = LoopExit.JumpYield; goto Leave; }   // tiering: the JIT looks at the target first
                if ((nuint)((nint)d - (nint)block) >= DecodedCodeCache.OpsPerPage * (nuint)sizeof(DecodedOp)) { exit = LoopExit.Refetch; goto Leave; }   // another page
                if (!EveryInstruction<TCheck>() && limit <= pageEnd) { exit = LoopExit.NearEvent; goto Leave; }
                continue;
            }

        Jumped:
            // d is a register jump; offset = its target - codeBase, so in-page is one mask test.
            if ((offset & 0xFFFFF003u) != 0) goto LeftPage;   // another page, or a misaligned pc
            if (EveryInstruction<TCheck>() && (nint)(d + 1) - limit >= yieldGap) { exit = LoopExit.JumpYield; goto LeaveAfterJump; }
            {
                DecodedOp* target = block + (offset >> 2);
                limit += (nint)target - (nint)d - sizeof(DecodedOp);   // instret(target) = instret(d) + 1
                d = target;
                if (!EveryInstruction<TCheck>() && limit <= pageEnd) { exit = LoopExit.NearEvent; goto Leave; }
                continue;
            }

        LeftPage:
            exit = EveryInstruction<TCheck>() && (nint)(d + 1) - limit >= yieldGap ? LoopExit.JumpYield : LoopExit.Refetch;   // the yield check comes first
            goto LeaveAfterJump;
        }

    LeaveAfterJump:
        pc = codeBase + offset;
        d++;   // counts the jump; exitOp is not used by these exits
        goto Store;
    Leave:
        pc = codeBase + ByteOffset(d, block);
    Store:
        exitOp = d;
        ulong instret = anchor - OpsBetween(d, limit);
        st->Pc = pc;
        st->Cycles += (instret - instret0) * (ulong)costs.CyclesFor(CostClass.Alu) + extraCycles;
        st->Instret = instret;
        return exit;
    }

    /// <summary>The guest byte offset of op d from its page's block (4 bytes of code per 16-byte op;
    /// mod 2^32, so also right for a jump target d outside the page: pc = codeBase + this).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ByteOffset(DecodedOp* d, DecodedOp* block) => (uint)(((nint)d - (nint)block) >> 2);

    /// <summary>Ops from d up to limit (limit &gt;= d, the same distance mod 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong OpsBetween(DecodedOp* d, nint limit) => (ulong)(limit - (nint)d) >> 4;

    /// <summary>Everything that happens between instructions: device ticks, power-off, the
    /// instruction limit, waiting in hlt, external interrupts, tracing.</summary>
    private void OnBoundary()
    {
        if (stop is not null) return;
        if (Bus.PowerOffRequested) { Stop(StopReason.PowerOff, Bus.ExitStatus, null); return; }
        if (Bus.OutputClosed) { Stop(StopReason.OutputClosed, 0, "the console's output was closed (broken pipe)"); return; }
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
                    if (limitInstret > st->Instret) HaltedInstructions += limitInstret - st->Instret;
                    st->Instret = Math.Max(st->Instret, limitInstret);
                    Stop(StopReason.InstructionLimit, 0, null);
                    return false;
                }
                Bus.WaitWhileHalted();   // a person may be typing: the bus decides how long the host waits
                if (next > st->Instret)
                {
                    HaltedInstructions += next - st->Instret;
                    st->Instret = next;
                }
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
