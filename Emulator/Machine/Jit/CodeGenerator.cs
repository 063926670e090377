// The JIT's code generator: turns a region of basic blocks (BlockDiscovery) into x86-64
// with the JIT's own X64Assembler. Code generation is driven by the instruction table: the opcode
// picks the operation, the operand form (through DecodedOp) the operands, the flags the
// block ends. Guest registers stay in CpuState (addressed from rbx); within a region the
// generated code makes no calls, so it only needs the fixed host registers below. Its ways out
// call out (see below), always from the trampoline's shared call-out path, never from a region.
//
// Within a region the most used guest registers live in host registers (up to eight, less two per
// memory memo): loaded when the region is entered from outside (each block has an outer entry
// that loads them, resets the memos and checks for room where needed, and an inner entry that
// jumps between blocks use), written back to CpuState at every way out of the region. Jumps to blocks of the same page that earlier regions compiled go
// straight to their outer entries. Outer entries and exit stubs are placed after all blocks,
// so the hot code stays dense.
//
// Equivalence with the interpreter: loop heads and outer entries check that the longest path
// to the next check fits before NextEventInstret (else the region exits so the interpreter can
// step to the event precisely; see PlanEventChecks); instret and cycles advance by constants at
// block ends; loads and stores check the TLB inline (or a memo of it, see Memo) and exit
// *before* the instruction on a miss, a permission failure or a store into a decoded code
// word; div/rem by zero exits likewise. A block that branches back to its own start is emitted
// as up to MaxCopies copies of its body under its head's one check (which covers all copies and
// the path after the loop) and one accounting, leaving the loop after any copy through a stub
// that accounts the copies run (see Copies; R4_JIT_COPIES=1 turns this off for measurements). A
// store after a load at the same memo site skips the memo compare the load just made
// (VerifiedMemo; the load's read-only path runs the rest in cold code). Jumps to other pages chain through that page's entry
// table after a fetch-TLB check (ChainedJump). All of this relies on the TLB, the decoded-code
// generations, NextEventInstret, the ring and the fetch page not changing while a region runs,
// which holds because nothing changes them between two ways out of a region.
// A way out writes the dirty cached registers and pc back and says whether the instruction at
// pc must run outside generated code (ExitInterpretOne: a system instruction, a slow memory
// access, div by zero, an undecoded word), the interpreter must step to the next event
// (ExitNoRoom), or nothing (ExitContinue, ExitSequential). With call-outs on (Cpu.JitCallOuts) it
// then jumps to the trampoline's call-out path, which stores instret and cycles, calls
// Cpu.CallOut — the dispatcher's own code for that exit and what follows it: the system
// instruction, traps into the guest or the monitor, boundaries, the fetch page, finding or
// compiling the next region — and jumps to the outer entry it answers. Everything the region
// assumed may have changed across that call, so nothing is carried over: r12 is re-derived
// against the new NextEventInstret, r13 reloaded, the frame's event and virtual base come from
// the context, and the outer entry reloads the cached registers, resets the memos and checks
// room. The call never returns into region code, only into the trampoline, so the call-out may
// compile and even start the arena over. Without call-outs the exit returns to the dispatcher
// (RunCompiled), which runs the same code.
using R4.Isa;
using static R4.Machine.Jit.X64Registers;

namespace R4.Machine.Jit;

internal static unsafe class CodeGenerator
{
    /// <summary>pc was set by a jump: the fetch page is checked before the next boundary (as the interpreter does after a jump).</summary>
    public const int ExitContinue = 0;
    public const int ExitInterpretOne = 1;
    public const int ExitNoRoom = 2;
    /// <summary>Execution fell through to pc sequentially: the boundary comes before the fetch-page check.</summary>
    public const int ExitSequential = 3;

    // Host register roles while generated code runs (the trampoline sets them up):
    // rbx = CpuState*, rbp = TLB entries, r12 = instret - (the run's event instret) (<= 0:
    // minus the instructions left before the next event, so "n more fit" is one compare with
    // an immediate and no memory), r13 = cycles; r8d..r11d, esi, edi, r14d and r15d cache guest
    // registers or memory-access memos within a region; rax, rcx, rdx are scratch.
    // [rsp + Frame*] holds what cold paths need from the JitContext (so rdi is free for the
    // cache) and the event instret r12 is relative to. NextEventInstret in CpuState is not
    // changed by generated code, so the trampoline reads it once (and the call-out path after
    // each call-out, from the context).

    /// <summary>Stack frame of the trampoline, as generated code sees it (rsp does not move there,
    /// except around one push in a cold path, which adds 8).</summary>
    /// (FrameBytes keeps rsp 16-byte aligned in generated code, as the call-out's call needs.)
    private const int FrameEvent = 0, FrameVirtualBase = 8, FrameRam = 16, FrameCodePages = 24, FrameDecodedBlocks = 32, FrameContext = 40, FrameBytes = 56;

    /// <summary>At most this many instructions before the next event is r12 allowed to count
    /// towards (keeps r12 a small negative number however far the next event is).</summary>
    internal const long MaxBudget = 1L << 62;

    /// <summary>Assembles the entry trampoline (SysV: rdi = JitContext*, rsi = block address;
    /// returns the exit kind in eax) followed by the shared exit path and the shared call-out
    /// path (see CallOut).</summary>
    public static byte[] Trampoline(ulong rip, out ulong exitAddress, out ulong callOutAddress)
    {
        var a = new Assembler();
        a.push(rbx); a.push(rbp); a.push(r12); a.push(r13); a.push(r14); a.push(r15);
        a.sub(rsp, FrameBytes);
        a.mov(rbx, __qword_ptr[rdi + JitContext.OffsetState]);
        a.mov(rbp, __qword_ptr[rdi + JitContext.OffsetTlb]);
        a.mov(rax, __qword_ptr[rdi + JitContext.OffsetRam]);
        a.mov(__qword_ptr[rsp + FrameRam], rax);
        a.mov(rax, __qword_ptr[rdi + JitContext.OffsetCodePages]);
        a.mov(__qword_ptr[rsp + FrameCodePages], rax);
        a.mov(rax, __qword_ptr[rdi + JitContext.OffsetDecodedBlocks]);
        a.mov(__qword_ptr[rsp + FrameDecodedBlocks], rax);
        a.mov(eax, __dword_ptr[rdi + JitContext.OffsetVirtualBase]);
        a.mov(__qword_ptr[rsp + FrameVirtualBase], rax);
        a.mov(__qword_ptr[rsp + FrameContext], rdi);
        // r12 = instret - event, event = NextEventInstret clamped to [instret, instret + MaxBudget]
        // (the dispatcher enters only with instret < NextEventInstret; at or past it nothing fits).
        a.mov(r12, __qword_ptr[rbx + CpuState.OffsetInstret]);
        a.mov(rax, __qword_ptr[rbx + CpuState.OffsetNextEventInstret]);
        var inRange = a.CreateLabel();
        var ahead = a.CreateLabel();
        a.cmp(rax, r12);
        a.ja(ahead);
        a.xor(eax, eax);   // budget 0
        a.jmp(inRange);
        a.Label(ref ahead);
        a.sub(rax, r12);
        a.mov(rcx, MaxBudget);
        a.cmp(rax, rcx);
        a.jbe(inRange);
        a.mov(rax, rcx);
        a.Label(ref inRange);
        a.add(rax, r12);
        a.mov(__qword_ptr[rsp + FrameEvent], rax);
        a.sub(r12, rax);
        a.mov(r13, __qword_ptr[rbx + CpuState.OffsetCycles]);
        a.jmp(rsi);
        var exit = a.CreateLabel();
        var exitWithInstret = a.CreateLabel();
        a.Label(ref exit);
        a.add(r12, __qword_ptr[rsp + FrameEvent]);
        a.Label(ref exitWithInstret);   // (r12 = instret)
        a.mov(__qword_ptr[rbx + CpuState.OffsetInstret], r12);
        // The fetch page the code ran on last (a chained jump may have changed it): the dispatcher
        // makes the interpreter re-translate pc when it differs from the page it entered with.
        a.mov(rcx, __qword_ptr[rsp + FrameContext]);   // (eax holds the exit kind)
        a.mov(edx, __dword_ptr[rsp + FrameVirtualBase]);
        a.mov(__dword_ptr[rcx + JitContext.OffsetVirtualBase], edx);
        a.mov(__qword_ptr[rbx + CpuState.OffsetCycles], r13);
        a.add(rsp, FrameBytes);
        a.pop(r15); a.pop(r14); a.pop(r13); a.pop(r12); a.pop(rbp); a.pop(rbx);
        a.ret();

        // The call-out: every way out of generated code jumps here with eax = the exit kind, guest
        // registers and pc written back. It puts instret and cycles into CpuState and the fetch page
        // the code ran on into the context, then calls Cpu.CallOut, which does what the dispatcher
        // does after such an exit — the system instruction or slow memory access (retire or fault,
        // trap delivery, the monitor), stepping to the next event, boundaries (device ticks,
        // interrupts, stops), the fetch page, finding or compiling the next region — and answers
        // the compiled entry to go on at (0: leave to the dispatcher, at a stop). Every host
        // register but rbx, rbp and rsp may have changed, as may the TLB, the code (and the arena),
        // NextEventInstret and the fetch page: r12 and r13 are re-derived from CpuState, the frame's
        // event and virtual base from the context, and the entry is an outer entry (it reloads the
        // cached guest registers, resets memos and checks room against the new event). No region
        // code is returned into: the call returns here, to the trampoline.
        var callOut = a.CreateLabel();
        var leave = a.CreateLabel();
        a.Label(ref callOut);
        a.mov(esi, eax);
        a.mov(rax, __qword_ptr[rsp + FrameEvent]);
        a.add(rax, r12);
        a.mov(__qword_ptr[rbx + CpuState.OffsetInstret], rax);
        a.mov(__qword_ptr[rbx + CpuState.OffsetCycles], r13);
        a.mov(rdi, __qword_ptr[rsp + FrameContext]);
        a.mov(eax, __dword_ptr[rsp + FrameVirtualBase]);
        a.mov(__dword_ptr[rdi + JitContext.OffsetVirtualBase], eax);
        a.mov(rax, __qword_ptr[rdi + JitContext.OffsetCallOut]);
        a.call(rax);
        a.mov(rcx, __qword_ptr[rsp + FrameContext]);
        a.mov(edx, __dword_ptr[rcx + JitContext.OffsetVirtualBase]);
        a.mov(__qword_ptr[rsp + FrameVirtualBase], rdx);
        a.mov(r13, __qword_ptr[rbx + CpuState.OffsetCycles]);
        a.mov(r12, __qword_ptr[rbx + CpuState.OffsetInstret]);
        a.test(rax, rax);
        a.jz(leave);
        a.mov(rdx, __qword_ptr[rcx + JitContext.OffsetEvent]);
        a.mov(__qword_ptr[rsp + FrameEvent], rdx);
        a.sub(r12, rdx);
        a.jmp(rax);
        a.Label(ref leave);
        a.mov(eax, ExitContinue);
        a.jmp(exitWithInstret);

        var bytes = a.Assemble(rip);
        exitAddress = a.GetLabelRIP(rip, exit);
        callOutAddress = a.GetLabelRIP(rip, callOut);
        return bytes;
    }

    /// <summary>Compiles <paramref name="blocks"/> (all in one page, run at <paramref name="cpl"/>)
    /// as code placed at <paramref name="rip"/>;
    /// <paramref name="blockAddresses"/> receives each block's code address, in the order of
    /// <paramref name="blocks"/>.</summary>
    public static byte[] Region(JitBlock[] blocks, DecodedOp* page, int cpl, nint* compiledEntries,
        ulong exitAddress, ulong rip, out ulong[] blockAddresses, PageEntryTable* chain = null, uint* pageGenerations = null, ulong callOutAddress = 0)
    {
        // The entry table is native memory (JitEngine allocates it so): generated code reads it for jr and callr.
        nint entryTable = (nint)compiledEntries;
        var g = new RegionEmitter(new Assembler(), page, cpl, compiledEntries, entryTable, exitAddress) { Chain = chain, PageGenerations = pageGenerations, CallOutAddress = callOutAddress };
        g.ChooseCachedRegisters(blocks);
        g.PlanEventChecks(blocks);
        foreach (var block in blocks)
        {
            var outer = g.A.CreateLabel();
            g.Labels[block.Start] = outer;
            // Without work at the outer entry the two entries are one label.
            g.InnerLabels[block.Start] = g.OuterEntryDoesWork(block) ? g.A.CreateLabel() : outer;
        }
        for (int i = 0; i < blocks.Length; i++)
        {
            g.NextBlockStart = i + 1 < blocks.Length ? blocks[i + 1].Start : -1;
            g.Block(blocks[i]);
        }
        g.NextBlockStart = -1;
        g.ColdCode();
        var bytes = g.A.Assemble(rip);
        blockAddresses = new ulong[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
            blockAddresses[i] = g.A.GetLabelRIP(rip, g.Labels[blocks[i].Start]);
        return bytes;
    }

    private sealed class RegionEmitter(Assembler a, DecodedOp* page, int cpl, nint* compiledEntries, nint entryTable, ulong exitAddress)
    {
        public Assembler A => a;
        /// <summary>Per (physical page, ring) entry tables for jumps to other pages (null: such jumps leave).</summary>
        public PageEntryTable* Chain;
        /// <summary>The decoded-code cache's generation per physical page.</summary>
        public uint* PageGenerations;
        /// <summary>The trampoline's call-out path, where every way out goes (0: straight to the exit path, back to the dispatcher).</summary>
        public ulong CallOutAddress;
        /// <summary>Outer entries (load the cached registers), by block start offset.</summary>
        public readonly OffsetLabels Labels = new();
        /// <summary>Inner entries (cached registers already loaded), by block start offset.</summary>
        public readonly OffsetLabels InnerLabels = new();
        /// <summary>Start offset of the block emitted after the current one (-1: none).</summary>
        public int NextBlockStart = -1;
        private readonly List<Action> stubs = new();
        private readonly uint readBit = Tlb.PermissionBit(AccessKind.Read, cpl);
        private readonly uint writeBit = Tlb.PermissionBit(AccessKind.Write, cpl);

        private static readonly AssemblerRegister32[] CacheRegisters = [r8d, r9d, r10d, r11d, esi, edi, r14d, r15d];
        /// <summary>Guest register (index) to host register for the region; null = in CpuState.</summary>
        private readonly AssemblerRegister32?[] cached = new AssemblerRegister32?[CpuState.DiscardRegister + 1];
        /// <summary>True when any guest register is cached (then every block has an outer entry).</summary>
        private bool anyCached;
        /// <summary>Cached guest registers the region writes (written back at every way out).</summary>
        private readonly List<int> dirty = new();

        private static AssemblerMemoryOperand Slot(int register) => __dword_ptr[rbx + (CpuState.OffsetRegisters + 4 * register)];

        /// <summary>Loads guest register <paramref name="register"/> into <paramref name="host"/>.</summary>
        private void Get(AssemblerRegister32 host, int register)
        {
            if (register == 0) a.xor(host, host);
            else if (cached[register] is { } c) a.mov(host, c);
            else a.mov(host, Slot(register));
        }

        /// <summary>A host register holding guest <paramref name="register"/>: its cache register, or
        /// <paramref name="scratch"/> loaded from CpuState.</summary>
        private AssemblerRegister32 Source(int register, AssemblerRegister32 scratch)
        {
            if (cached[register] is { } c) return c;
            a.mov(scratch, Slot(register));
            return scratch;
        }

        private void Set(int register, AssemblerRegister32 host)
        {
            if (cached[register] is { } c) a.mov(c, host); else a.mov(Slot(register), host);
        }

        private void WriteBack()
        {
            foreach (int register in dirty) a.mov(Slot(register), cached[register].GetValueOrDefault());
        }

        /// <summary>A memory-access memo: for the accesses at [Base + Imm] inside loops, the page
        /// address (with zero low bits) the last of them found in the TLB lives in <see cref="Tag"/>
        /// and its host addend in <see cref="Addend"/> (InvalidTag at every outer entry). The TLB
        /// cannot change while generated code runs (fills, flushes and code marking happen in the
        /// interpreter, the dispatcher and the monitor), so a memo stays exact until the region is
        /// left; a hit is then one register compare instead of the TLB's index, compare and addend
        /// load. <see cref="Writes"/>: some access at the site is a store, so the memo only holds
        /// pages this ring may write (the write tag), and loads that find only a read tag take a cold path.</summary>
        private sealed record Memo(int Base, int Imm, bool Writes, AssemblerRegister32 Tag, AssemblerRegister64 Addend);
        private readonly List<Memo> memos = new();

        private Memo? MemoFor(DecodedOp d)
        {
            foreach (var m in memos)
                if (m.Base == d.Rs && m.Imm == d.Imm) return m;
            return null;
        }

        /// <summary>Picks the region's most used registers for the host cache registers, and the memory
        /// sites inside loops that get a memo (two host registers each) instead of two guest registers.</summary>
        public void ChooseCachedRegisters(JitBlock[] blocks)
        {
            var uses = new int[CpuState.DiscardRegister + 1];
            var written = new bool[CpuState.DiscardRegister + 1];
            var loopTargets = Loops(blocks, out var loopBranches, out int loopCount);
            // Memory sites inside loops, as parallel arrays (a List of tuples would make the .NET JIT
            // compile List over a ValueTuple at a run's first region).
            int capacity = 0;
            foreach (var block in blocks) capacity += block.Length;
            var siteBase = new int[capacity];
            var siteImm = new int[capacity];
            var siteWrites = new bool[capacity];
            var siteWeight = new int[capacity];
            int siteCount = 0;
            var bigStride = new bool[CpuState.DiscardRegister + 1];   // advanced by >= 512 bytes in a loop
            foreach (var block in blocks)
            {
                // A use inside loops counts 8 times per loop around it: the inner loop's
                // registers are the ones worth a host register.
                int depth = LoopDepth(loopTargets, loopBranches, loopCount, block.Start);
                int weight = 1 << (3 * Math.Min(depth, 5));
                for (int i = 0; i < block.Length; i++)
                {
                    DecodedOp d = page[(block.Start >> 2) + i];
                    var info = InstructionTable.Get((Opcode)d.Op);
                    switch (info.Form)
                    {
                        case OperandForm.RdRsRt: uses[d.Rs] += weight; uses[d.Rt] += weight; break;
                        case OperandForm.RtMemory: case OperandForm.Branch: uses[d.Rs] += weight; uses[d.Rt] += weight; break;
                        case OperandForm.RdRsSimm16: case OperandForm.RdRsUimm16: case OperandForm.RdRsShift: case OperandForm.RdMemory:
                        case OperandForm.Rs:
                            uses[d.Rs] += weight;
                            break;
                    }
                    if ((info.Flags & InstructionFlags.WritesRd) != 0) { uses[d.Rd] += weight; written[d.Rd] = true; }
                    if (info.Opcode is Opcode.Push or Opcode.Pop) { uses[Registers.StackPointer] += 2 * weight; written[Registers.StackPointer] = true; }
                    if (info.Opcode is Opcode.Call or Opcode.Callr) { uses[Registers.LinkRegister] += weight; written[Registers.LinkRegister] = true; }
                    if (depth > 0 && info.Opcode == Opcode.Addi && d.Rd == d.Rs && Math.Abs(d.Imm) >= 512) bigStride[d.Rd] = true;
                    if (depth > 0 && d.Rs != 0 && info.Opcode is Opcode.Ldw or Opcode.Ldh or Opcode.Ldhu or Opcode.Ldb or Opcode.Ldbu or Opcode.Stw or Opcode.Sth or Opcode.Stb)
                    {
                        bool store = info.Opcode is Opcode.Stw or Opcode.Sth or Opcode.Stb;
                        int k = 0;
                        while (k < siteCount && !(siteBase[k] == d.Rs && siteImm[k] == d.Imm)) k++;
                        if (k == siteCount) { siteBase[k] = d.Rs; siteImm[k] = d.Imm; siteCount++; }
                        siteWrites[k] |= store;
                        siteWeight[k] += weight;
                    }
                }
            }
            uses[0] = 0;   // r0 reads as 0 from CpuState; writes go to the discard slot
            uses[CpuState.DiscardRegister] = 0;
            // Guest registers by use, most used first (ties by register number; only those used at
            // least twice), and memo sites by weight. (Plain selections, not LINQ: its generic
            // instantiations would be compiled by the .NET JIT at a run's first region.)
            var order = new int[CacheRegisters.Length];
            int candidates = 0;
            var taken = new bool[uses.Length];
            for (; candidates < order.Length; candidates++)
            {
                int best = -1;
                for (int r = 0; r < uses.Length; r++)
                    if (uses[r] >= 2 && !taken[r] && (best < 0 || uses[r] > uses[best])) best = r;
                if (best < 0) break;
                taken[best] = true;
                order[candidates] = best;
            }
            // A base that moves by large steps (a matrix column) changes page every few accesses: its
            // memo would miss often, and a miss costs more than the TLB path it replaces.
            for (int i = 0; i < siteCount; i++)
                if (bigStride[siteBase[i]]) siteWeight[i] /= 8;
            var siteOrder = new int[siteCount];   // by weight, ties in order of appearance
            for (int i = 0; i < siteCount; i++)
            {
                int j = i;
                for (; j > 0 && siteWeight[i] > siteWeight[siteOrder[j - 1]]; j--) siteOrder[j] = siteOrder[j - 1];
                siteOrder[j] = i;
            }
            // A memo hit saves the TLB index, compare and addend load (about four host instructions
            // and two loads) where a cached register saves one load or store: a site is worth 4
            // times its weighted accesses, against the uses of the two registers it displaces.
            int memoCount = 0;
            long bestValue = -1;
            for (int m = 0; m <= Math.Min(siteCount, CacheRegisters.Length / 2); m++)
            {
                long value = 0;
                for (int i = 0; i < m; i++) value += 4L * siteWeight[siteOrder[i]];
                for (int i = 0; i < Math.Min(candidates, CacheRegisters.Length - 2 * m); i++) value += uses[order[i]];
                if (value > bestValue) { bestValue = value; memoCount = m; }
            }
            int guestRegisters = Math.Min(candidates, CacheRegisters.Length - 2 * memoCount);
            for (int k = 0; k < guestRegisters; k++)
            {
                cached[order[k]] = CacheRegisters[k];
                anyCached = true;
                if (written[order[k]]) dirty.Add(order[k]);
            }
            for (int m = 0; m < memoCount; m++)
            {
                var tag = CacheRegisters[CacheRegisters.Length - 1 - 2 * m];
                var addend = Wide(CacheRegisters[CacheRegisters.Length - 2 - 2 * m]);
                int site = siteOrder[m];
                memos.Add(new Memo(siteBase[site], siteImm[site], siteWrites[site], tag, addend));
            }
        }

        // ---- event checks: instret + n <= the next event's instret, as one compare of r12 with -n.
        // Not every block checks: a block is a check block when it is the target of a backward edge
        // of the region (so every loop iteration checks once), or where the instructions since the
        // last check would exceed MaxUnchecked. A check block's check covers the longest path through
        // blocks that do not check (a forward DAG) up to the next check or way out, so no block
        // runs past the event; if the path does not fit, the region exits before the check block
        // and the interpreter steps up to the event exactly. Every outer entry (from the dispatcher
        // or another region) checks for its block the same way.

        /// <summary>Most instructions one check may cover (bounds what the interpreter runs on a failed check).</summary>
        private const int MaxUnchecked = 32;
        private readonly bool[] checksAtInner = new bool[DecodedCodeCache.OpsPerPage];
        private readonly int[] need = new int[DecodedCodeCache.OpsPerPage];

        public void PlanEventChecks(JitBlock[] blocks)
        {
            var inRegion = new bool[DecodedCodeCache.OpsPerPage];
            foreach (var block in blocks) inRegion[block.Start >> 2] = true;
            var sorted = new JitBlock[blocks.Length];
            for (int i = 0; i < blocks.Length; i++) sorted[i] = blocks[i];
            for (int i = 1; i < sorted.Length; i++)   // by start, descending: forward successors first
                for (int j = i; j > 0 && sorted[j].Start > sorted[j - 1].Start; j--)
                    (sorted[j], sorted[j - 1]) = (sorted[j - 1], sorted[j]);
            Span<int> successors = stackalloc int[2];
            foreach (var block in blocks)
            {
                int n = BlockDiscovery.Successors(page, block, successors);
                for (int i = 0; i < n; i++)
                    if (successors[i] <= block.Start && successors[i] >= 0 && inRegion[successors[i] >> 2])
                        checksAtInner[successors[i] >> 2] = true;   // a backward edge: its target checks
            }
            foreach (var block in sorted)
            {
                int n = BlockDiscovery.Successors(page, block, successors);
                int most = 0;
                for (int i = 0; i < n; i++)
                {
                    int s = successors[i];
                    if (s <= block.Start || s >= PageBits.PageSize || !inRegion[s >> 2] || checksAtInner[s >> 2]) continue;
                    if (block.Length + need[s >> 2] > MaxUnchecked) checksAtInner[s >> 2] = true;   // it checks for itself
                    else most = Math.Max(most, need[s >> 2]);
                }
                need[block.Start >> 2] = block.Length + most;
            }
        }

        /// <summary>Blocks whose need was computed with a successor that later became a check block
        /// keep the larger figure, which is safe (a check may cover more than it must).</summary>
        private int Need(JitBlock block) => need[block.Start >> 2];

        /// <summary>r12 + n &lt;= 0, else to <paramref name="noRoom"/>.</summary>
        private void CheckRoom(int instructions, Label noRoom)
        {
            a.cmp(r12, -instructions);
            a.jg(noRoom);
        }

        /// <summary>True when a block's outer entry has work to do before its inner entry: load cached
        /// registers, reset memos, or check room where the inner entry does not.</summary>
        public bool OuterEntryDoesWork(JitBlock block) => anyCached || memos.Count > 0 || (!checksAtInner[block.Start >> 2] && Need(block) > 0);

        /// <summary>The region's loops: one (target, branch offset) pair per distinct backward branch
        /// (blocks may overlap, so several can end in the same branch), as two parallel arrays of
        /// <paramref name="count"/> entries. (Plain arrays: a List of tuples would make the .NET JIT
        /// compile List and Array.IndexOf over ValueTuple at a run's first region, ~0.5 ms.)</summary>
        private int[] Loops(JitBlock[] blocks, out int[] branches, out int count)
        {
            var targets = new int[blocks.Length];
            branches = new int[blocks.Length];
            count = 0;
            foreach (var block in blocks)
            {
                if (block.End != BlockEnd.ControlFlow || block.Length == 0) continue;
                int last = block.EndOffset - 4;
                DecodedOp d = page[last >> 2];
                if (InstructionTable.Get((Opcode)d.Op).Form is not (OperandForm.Branch or OperandForm.Jump)) continue;
                int target = last + d.Imm;
                if (target > last) continue;
                bool known = false;
                for (int i = 0; i < count && !known; i++) known = targets[i] == target && branches[i] == last;
                if (known) continue;
                targets[count] = target;
                branches[count] = last;
                count++;
            }
            return targets;
        }

        private static int LoopDepth(int[] targets, int[] branches, int count, int start)
        {
            int depth = 0;
            for (int i = 0; i < count; i++)
                if (targets[i] <= start && start <= branches[i]) depth++;
            return depth;
        }

        public void Block(JitBlock block)
        {
            bool checksHere = checksAtInner[block.Start >> 2] && Need(block) > 0;
            var noRoom = a.CreateLabel();
            if (checksHere || Need(block) > 0)
                stubs.Add(() => { a.Label(ref noRoom); Exit(0, 0, block.Start, ExitNoRoom); });
            if (OuterEntryDoesWork(block))
            {
                var inner = InnerLabels[block.Start];
                a.Label(ref inner);
                InnerLabels[block.Start] = inner;
                stubs.Add(() =>
                {
                    var outer = Labels[block.Start];
                    a.Label(ref outer);
                    Labels[block.Start] = outer;
                    for (int r = 0; r < cached.Length; r++)
                        if (cached[r] is { } host) a.mov(host, Slot(r));
                    foreach (var m in memos) a.mov(m.Tag, unchecked((int)Tlb.InvalidTag));
                    if (!checksHere && Need(block) > 0) CheckRoom(Need(block), noRoom);
                    a.jmp(inner);
                });
            }
            else
            {
                var entry = Labels[block.Start];
                a.Label(ref entry);
                Labels[block.Start] = entry;
                InnerLabels[block.Start] = entry;
            }
            int copies = checksHere ? Copies(block) : 1;
            if (checksHere) CheckRoom((copies - 1) * block.Length + Need(block), noRoom);
            long cycles = 0;
            int retired = 0;
            for (int copy = 0; copy < copies; copy++)
            {
                known = default;   // a block can be entered from elsewhere; a copy follows a branch
                masked = default;
                verified = default;
                for (int i = 0; i < block.Length; i++)
                {
                    int offset = block.Start + 4 * i;
                    DecodedOp d = page[offset >> 2];
                    bool last = i == block.Length - 1;
                    if (last && block.End == BlockEnd.ControlFlow)
                    {
                        cycles += d.Cycles;
                        if (copy < copies - 1) StayInLoop(d, offset, retired + block.Length, cycles);
                        else ControlFlow(d, offset, retired + block.Length, cycles);
                        break;
                    }
                    Instruction(d, offset, retired + i, cycles);
                    cycles += d.Cycles;
                }
                retired += block.Length;
            }
            switch (block.End)
            {
                case BlockEnd.Interpret:
                    Exit(block.Length, cycles, block.EndOffset, ExitInterpretOne);
                    break;
                case BlockEnd.PageEnd:
                    Exit(block.Length, cycles, block.EndOffset, ExitSequential);
                    break;
                case BlockEnd.FallThrough:
                    Account(block.Length, cycles);
                    Goto(block.EndOffset, sequential: true);
                    break;
            }
        }

        // ---- unrolled loops: a block that branches back to its own start (the inner loop of a sweep)
        // is emitted as several copies of its body under the one check of its head, which covers
        // all copies and the longest path after the loop. A copy's branch stays in the loop by
        // falling into the next copy; leaving the loop goes through a stub that accounts the
        // copies run so far. The last copy accounts all of them and branches back to the head. When
        // the copies and the path after them do not fit before the next event, the head's check
        // fails and the interpreter steps to the event (as for any check), so at most
        // MaxUnrolledNeed instructions are interpreted there. Exits inside copy k (a TLB miss, a
        // fault) retire the k earlier copies' instructions and cycles first.

        /// <summary>At most this many instructions in one unrolled loop's copies.</summary>
        private const int MaxUnrolledInstructions = 16;
        /// <summary>At most this many instructions may one unrolled loop head's check cover.</summary>
        private const int MaxUnrolledNeed = 48;
        private static readonly int MaxCopies = int.TryParse(Environment.GetEnvironmentVariable("R4_JIT_COPIES"), out int c) ? c : 4;

        /// <summary>How many copies of <paramref name="block"/>'s body to emit (1: not a self-loop, or too long).</summary>
        private int Copies(JitBlock block)
        {
            if (block.End != BlockEnd.ControlFlow || block.Length == 0) return 1;
            int last = block.EndOffset - 4;
            DecodedOp d = page[last >> 2];
            if ((Opcode)d.Op is not (Opcode.Beq or Opcode.Bne or Opcode.Blt or Opcode.Bge or Opcode.Bltu or Opcode.Bgeu)) return 1;
            if (last + d.Imm != block.Start) return 1;
            int copies = 1;
            while (copies < MaxCopies && (copies + 1) * block.Length <= MaxUnrolledInstructions
                && copies * block.Length + Need(block) <= MaxUnrolledNeed)
                copies++;
            return copies;
        }

        /// <summary>An unrolled loop's branch of a copy other than the last: continues into the next
        /// copy when taken, else leaves the loop through a stub that accounts <paramref name="retired"/>
        /// instructions and <paramref name="cycles"/>.</summary>
        private void StayInLoop(DecodedOp d, int offset, int retired, long cycles)
        {
            var leave = a.CreateLabel();
            CompareAndJump(d, leave, negate: true);
            stubs.Add(() =>
            {
                a.Label(ref leave);
                Account(retired, cycles);
                Goto(offset + 4, sequential: true);
            });
        }

        /// <summary>Compares a conditional branch's registers and jumps to <paramref name="target"/> when
        /// the branch is taken (<paramref name="negate"/>: when it is not).</summary>
        private void CompareAndJump(DecodedOp d, Label target, bool negate)
        {
            var left = Source(d.Rs, eax);
            if (d.Rt == 0) a.cmp(left, 0); else a.cmp(left, Source(d.Rt, ecx));
            var op = (Opcode)d.Op;
            if (negate)
                op = op switch { Opcode.Beq => Opcode.Bne, Opcode.Bne => Opcode.Beq, Opcode.Blt => Opcode.Bge, Opcode.Bge => Opcode.Blt, Opcode.Bltu => Opcode.Bgeu, _ => Opcode.Bltu };
            switch (op)
            {
                case Opcode.Beq: a.je(target); break;
                case Opcode.Bne: a.jne(target); break;
                case Opcode.Blt: a.jl(target); break;
                case Opcode.Bge: a.jge(target); break;
                case Opcode.Bltu: a.jb(target); break;
                default: a.jae(target); break;
            }
        }

        /// <summary>Emits the outer entries and exit stubs of every block, after all blocks.</summary>
        public void ColdCode()
        {
            for (int i = 0; i < stubs.Count; i++) stubs[i]();   // stubs may add stubs
            stubs.Clear();
        }

        private void Account(int instructions, long cycles)
        {
            if (instructions == 0) return;
            a.add(r12, instructions);
            if (cycles <= int.MaxValue) a.add(r13, (int)cycles);
            else { a.mov(rax, cycles); a.add(r13, rax); }
        }

        /// <summary>eax = the page's virtual base + <paramref name="offset"/>.</summary>
        private void VirtualAddress(int offset)
        {
            a.mov(eax, __dword_ptr[rsp + FrameVirtualBase]);
            if (offset != 0) a.add(eax, offset);
        }

        /// <summary>eax = the exit kind, guest registers and pc written back: to the call-out (or the exit path).</summary>
        private void Leave() => a.jmp(CallOutAddress != 0 ? CallOutAddress : exitAddress);

        /// <summary>Leaves the generated code with pc = the page's virtual base + <paramref name="pcOffset"/>.</summary>
        private void Exit(int retired, long cycles, int pcOffset, int kind)
        {
            WriteBack();
            Account(retired, cycles);
            VirtualAddress(pcOffset);
            a.mov(__dword_ptr[rbx + CpuState.OffsetPc], eax);
            a.mov(eax, kind);
            Leave();
        }

        /// <summary>Continues at <paramref name="offset"/>: a jump inside the region or to an earlier
        /// region's block, else an exit (<paramref name="sequential"/>: reached by falling through).</summary>
        private void Goto(int offset, bool sequential = false)
        {
            if (offset == NextBlockStart) return;   // emitted right after: fall into it
            if (InnerLabels.TryGetValue(offset, out var label))
                a.jmp(label);
            else if (offset is >= 0 and < PageBits.PageSize && compiledEntries[offset >> 2] != 0)
            {
                WriteBack();
                a.jmp((ulong)compiledEntries[offset >> 2]);
            }
            else if (!sequential && offset is < 0 or >= PageBits.PageSize && Chain != null)
            {
                // A direct jump to another page: chained through that page's entry table when its
                // fetch translation is in the TLB (VirtualAddress gives the target for this mapping).
                VirtualAddress(offset);
                a.mov(__dword_ptr[rbx + CpuState.OffsetPc], eax);
                a.mov(ecx, eax);
                ChainedJump();
            }
            else Exit(0, 0, offset, sequential ? ExitSequential : ExitContinue);
        }

        /// <summary>ecx = a jump's target, already in CpuState.Pc. When the TLB holds the target's page
        /// with fetch permission for this ring (the interpreter would translate it exactly so, a hit
        /// having no side effects), the target is aligned, and its physical page has compiled code for
        /// this ring at the target in the current generation, jumps there (its outer entry checks for
        /// room, so the fetch check comes before the boundary as in the interpreter), making the
        /// target's page the fetch page; otherwise leaves to the dispatcher, which translates pc
        /// itself (a miss, a fault, or code not compiled yet).</summary>
        private void ChainedJump()
        {
            var leave = a.CreateLabel();
            a.mov(eax, ecx);
            a.and(eax, unchecked((int)0xFFFFF003u));
            a.mov(edx, ecx);
            a.shr(edx, (byte)(PageBits.PageShift - Tlb.EntryShift));
            a.and(edx, (int)(Tlb.IndexMask << Tlb.EntryShift));
            a.cmp(eax, __dword_ptr[rbp + rdx + Tlb.OffsetTag]);
            a.jne(leave);
            a.test(__dword_ptr[rbp + rdx + Tlb.OffsetPerms], unchecked((int)Tlb.PermissionBit(AccessKind.Fetch, cpl)));
            a.jz(leave);   // not executable here, or the frame lies outside RAM
            a.mov(eax, __dword_ptr[rbp + rdx + Tlb.OffsetFrame]);
            a.shr(eax, (byte)PageBits.PageShift);
            a.mov(rdx, (long)(nint)PageGenerations);
            a.mov(edx, __dword_ptr[rdx + rax * 4]);
            a.shl(eax, (byte)System.Numerics.BitOperations.Log2((uint)(4 * sizeof(PageEntryTable))));
            a.mov(rcx, (long)(nint)(Chain + cpl));
            a.add(rcx, rax);   // &Chain[4 * page + cpl]
            a.mov(rax, __qword_ptr[rcx + PageEntryTable.OffsetTable]);
            a.test(rax, rax);
            a.jz(leave);
            a.cmp(edx, __dword_ptr[rcx + PageEntryTable.OffsetGeneration]);
            a.jne(leave);   // the page's code was overwritten since: the dispatcher drops it
            a.mov(ecx, __dword_ptr[rbx + CpuState.OffsetPc]);
            a.and(ecx, PageBits.PageSize - 4);
            a.mov(rax, __qword_ptr[rax + rcx * 2]);   // (offset / 4) * 8 bytes
            a.test(rax, rax);
            a.jz(leave);
            a.mov(ecx, __dword_ptr[rbx + CpuState.OffsetPc]);
            a.and(ecx, unchecked((int)PageBits.FrameMask));
            a.mov(__dword_ptr[rsp + FrameVirtualBase], ecx);
            WriteBack();
            a.jmp(rax);
            a.Label(ref leave);
            WriteBack();
            a.mov(eax, ExitContinue);
            Leave();
        }

        /// <summary>ecx = a register jump's target (already in CpuState.Pc): when it lies in this
        /// virtual page, is aligned and has compiled code for this ring (the page's entry table,
        /// filled as regions are compiled), jumps there; otherwise leaves to the dispatcher. The
        /// fetch page is unchanged, so this is exactly the interpreter's in-page jump.</summary>
        private void JumpThroughEntryTable()
        {
            var leave = a.CreateLabel();
            var otherPage = a.CreateLabel();
            a.mov(eax, ecx);
            a.xor(eax, __dword_ptr[rsp + FrameVirtualBase]);
            a.test(eax, unchecked((int)0xFFFFF003u));
            a.jnz(Chain != null ? otherPage : leave);
            a.and(ecx, PageBits.PageSize - 4);
            a.mov(rax, (long)entryTable);
            a.mov(rax, __qword_ptr[rax + rcx * 2]);   // (offset / 4) * 8 bytes
            a.test(rax, rax);
            a.jz(leave);
            WriteBack();
            a.jmp(rax);
            a.Label(ref leave);
            WriteBack();
            a.mov(eax, ExitContinue);
            Leave();
            if (Chain != null)
            {
                a.Label(ref otherPage);   // (or misaligned: the chained path's tag compare fails then)
                ChainedJump();
            }
        }

        /// <summary>A label for an out-of-line exit that hands instruction <paramref name="index"/> to the interpreter.</summary>
        private Label InterpretStub(int index, long cyclesBefore, int offset)
        {
            var label = a.CreateLabel();
            stubs.Add(() => { a.Label(ref label); Exit(index, cyclesBefore, offset, ExitInterpretOne); });
            return label;
        }

        private void ControlFlow(DecodedOp d, int offset, int length, long cycles)
        {
            var op = (Opcode)d.Op;
            switch (op)
            {
                case Opcode.Beq: case Opcode.Bne: case Opcode.Blt: case Opcode.Bge: case Opcode.Bltu: case Opcode.Bgeu:
                {
                    Account(length, cycles);
                    // A target inside the region is a direct conditional jump; others go through a stub.
                    bool direct = InnerLabels.TryGetValue(offset + d.Imm, out var taken);
                    if (!direct) taken = a.CreateLabel();
                    CompareAndJump(d, taken, negate: false);
                    Goto(offset + 4, sequential: true);
                    if (!direct)
                        stubs.Add(() =>
                        {
                            a.Label(ref taken);
                            Goto(offset + d.Imm);
                        });
                    break;
                }
                case Opcode.Jmp:
                    Account(length, cycles);
                    Goto(offset + d.Imm);
                    break;
                case Opcode.Call:
                    VirtualAddress(offset + 4);
                    Set(Registers.LinkRegister, eax);
                    Account(length, cycles);
                    Goto(offset + d.Imm);
                    break;
                case Opcode.Jr:
                case Opcode.Callr:
                    Get(ecx, d.Rs);   // callr reads its target before writing lr
                    a.mov(__dword_ptr[rbx + CpuState.OffsetPc], ecx);
                    if (op == Opcode.Callr)
                    {
                        VirtualAddress(offset + 4);
                        Set(Registers.LinkRegister, eax);
                    }
                    Account(length, cycles);
                    JumpThroughEntryTable();
                    break;
                default:
                    throw new InvalidOperationException($"{op} is not a branch or jump");
            }
        }

        private void Instruction(DecodedOp d, int offset, int index, long cyclesBefore)
        {
            var op = (Opcode)d.Op;
            KeepOrForgetTranslation(d, op);
            KeepOrForgetMasked(d, op);
            KeepOrForgetVerified(d, op);
            switch (op)
            {
                case Opcode.Add: Binary(d, x => a.add(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.Sub: Binary(d, x => a.sub(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.And: Binary(d, x => a.and(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.Or: Binary(d, x => a.or(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.Xor: Binary(d, x => a.xor(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.Mul: Binary(d, x => a.imul(x, Source(d.Rt, ecx)), readsRt: true); break;
                case Opcode.Shl: Shift(d, x => a.shl(x, cl)); break;
                case Opcode.Shr: Shift(d, x => a.shr(x, cl)); break;
                case Opcode.Sar: Shift(d, x => a.sar(x, cl)); break;
                case Opcode.Mulh:
                    Get(eax, d.Rs);
                    a.movsxd(rax, eax);
                    Get(ecx, d.Rt);
                    a.movsxd(rcx, ecx);
                    a.imul(rax, rcx);
                    a.shr(rax, 32);
                    Set(d.Rd, eax);
                    break;
                case Opcode.Mulhu:
                    Get(eax, d.Rs);   // 32-bit moves zero-extend into rax and rcx
                    Get(ecx, d.Rt);
                    a.imul(rax, rcx);
                    a.shr(rax, 32);
                    Set(d.Rd, eax);
                    break;
                case Opcode.Div: case Opcode.Rem: case Opcode.Divu: case Opcode.Remu:
                    Divide(d, op, InterpretStub(index, cyclesBefore, offset));
                    break;
                case Opcode.Slt: Compare(d, () => a.cmp(eax, Source(d.Rt, ecx)), signed: true); break;
                case Opcode.Sltu: Compare(d, () => a.cmp(eax, Source(d.Rt, ecx)), signed: false); break;

                // li (addi/ori/xori rd, r0, imm): rd = the immediate, one move instead of clearing rd and adding.
                case Opcode.Addi or Opcode.Ori or Opcode.Xori when d.Rs == 0: Constant(d.Rd, d.Imm); break;
                case Opcode.Addi when d.Imm == 0: Binary(d, _ => { }, readsRt: false); break;   // mov
                case Opcode.Addi: Binary(d, x => a.add(x, d.Imm), readsRt: false); break;
                case Opcode.Andi: Binary(d, x => a.and(x, d.Imm), readsRt: false); break;
                case Opcode.Ori: Binary(d, x => a.or(x, d.Imm), readsRt: false); break;
                case Opcode.Xori: Binary(d, x => a.xor(x, d.Imm), readsRt: false); break;
                case Opcode.Slti: Compare(d, () => a.cmp(eax, d.Imm), signed: true); break;
                case Opcode.Sltiu: Compare(d, () => a.cmp(eax, d.Imm), signed: false); break;
                case Opcode.Shli: Binary(d, x => a.shl(x, (byte)d.Imm), readsRt: false); break;
                case Opcode.Shri: Binary(d, x => a.shr(x, (byte)d.Imm), readsRt: false); break;
                case Opcode.Sari: Binary(d, x => a.sar(x, (byte)d.Imm), readsRt: false); break;
                case Opcode.Lui: Constant(d.Rd, d.Imm); break;
                case Opcode.Nop: break;
                case Opcode.Rdtick:
                    // instret at this instruction = r12 + the frame's event + the instructions before it in the block
                    a.mov(rax, __qword_ptr[rsp + FrameEvent]);
                    a.lea(rax, __[rax + r12] + index);
                    Set(d.Rd, eax);
                    break;

                case Opcode.Ldw: case Opcode.Ldh: case Opcode.Ldhu: case Opcode.Ldb: case Opcode.Ldbu:
                    Load(d, op, InterpretStub(index, cyclesBefore, offset));
                    break;
                case Opcode.Stw: case Opcode.Sth: case Opcode.Stb:
                    Store(d, op, InterpretStub(index, cyclesBefore, offset));
                    break;
                case Opcode.Push: Push(d, InterpretStub(index, cyclesBefore, offset)); break;
                case Opcode.Pop: Pop(d, InterpretStub(index, cyclesBefore, offset)); break;
                default:
                    throw new InvalidOperationException($"{op} cannot be compiled (block discovery should have ended the block)");
            }
        }

        private void Constant(int register, int value)
        {
            if (cached[register] is { } host) a.mov(host, value); else a.mov(Slot(register), value);
        }

        /// <summary>rd = rs op (rt or an immediate): straight into rd's host register when it has
        /// one (unless rt is rd and rs is not: the first move would overwrite rt), else through eax.</summary>
        private void Binary(DecodedOp d, Action<AssemblerRegister32> operation, bool readsRt)
        {
            if (cached[d.Rd] is { } host && !(readsRt && d.Rt == d.Rd && d.Rs != d.Rd))
            {
                if (d.Rs != d.Rd) Get(host, d.Rs);
                operation(host);
                return;
            }
            Get(eax, d.Rs);
            operation(eax);
            Set(d.Rd, eax);
        }

        private void Shift(DecodedOp d, Action<AssemblerRegister32> operation)
        {
            Get(ecx, d.Rt);   // x86 masks the count to 5 bits, as R4 does
            if (cached[d.Rd] is { } host)
            {
                if (d.Rs != d.Rd) Get(host, d.Rs);
                operation(host);
                return;
            }
            Get(eax, d.Rs);
            operation(eax);
            Set(d.Rd, eax);
        }

        private void Compare(DecodedOp d, Action compare, bool signed)
        {
            Get(eax, d.Rs);
            compare();
            if (signed) a.setl(al); else a.setb(al);
            a.movzx(eax, al);
            Set(d.Rd, eax);
        }

        private void Divide(DecodedOp d, Opcode op, Label divideByZero)
        {
            bool remainder = op is Opcode.Rem or Opcode.Remu;
            Get(ecx, d.Rt);
            a.test(ecx, ecx);
            a.jz(divideByZero);
            Get(eax, d.Rs);
            var done = a.CreateLabel();
            if (op is Opcode.Div or Opcode.Rem)
            {
                // INT_MIN / -1 would fault on x86; R4 defines it (INT_MIN, remainder 0).
                var general = a.CreateLabel();
                a.cmp(ecx, -1);
                a.jne(general);
                if (remainder) a.xor(eax, eax); else a.neg(eax);
                a.jmp(done);
                a.Label(ref general);
                a.cdq();
                a.idiv(ecx);
            }
            else
            {
                a.xor(edx, edx);
                a.div(ecx);
            }
            if (remainder) a.mov(eax, edx);
            a.Label(ref done);
            Set(d.Rd, eax);
        }

        /// <summary>eax = va on entry; leaves rdx = the physical address, or jumps to <paramref name="miss"/>
        /// when the TLB entry's tag, the alignment or the permission bit does not match.</summary>
        private void Translate(uint tagAndAlignMask, uint permissionBit, Label miss)
        {
            EntryOffset(eax);
            a.mov(edx, __dword_ptr[rbp + rcx + Tlb.OffsetTag]);
            a.xor(edx, eax);
            a.and(edx, unchecked((int)tagAndAlignMask));
            a.jnz(miss);
            a.test(__dword_ptr[rbp + rcx + Tlb.OffsetPerms], unchecked((int)permissionBit));
            a.jz(miss);
            a.mov(edx, eax);
            a.and(edx, 0xFFF);
            a.or(edx, __dword_ptr[rbp + rcx + Tlb.OffsetFrame]);
        }

        private static uint AlignMask(Opcode op) => op switch
        {
            Opcode.Ldw or Opcode.Stw => 0xFFFFF003u,
            Opcode.Ldh or Opcode.Ldhu or Opcode.Sth => 0xFFFFF001u,
            _ => 0xFFFFF000u,
        };

        // ---- the memory fast path (qemu's softmmu shape): index, masked-address ^ per-kind tag,
        // one test that also covers alignment and this ring's permission, then the access
        // at va + the entry's host addend. A miss, a fault, a frame outside RAM or (for
        // stores) a frame holding decoded code fails the test; loads and pops then exit to
        // the interpreter, stores and pushes first try the old checked path in cold code
        // (a store into a code page's data words stays in generated code).

        /// <summary>This ring's tags in a TLB entry.</summary>
        private readonly int readTagOffset = Tlb.OffsetReadTags + 4 * cpl, writeTagOffset = Tlb.OffsetWriteTags + 4 * cpl;
        private static bool HasRorx => HostFeatures.HasBmi2;

        private static AssemblerRegister64 Wide(AssemblerRegister32 r) => new(r.Code);

        /// <summary>A host register holding the effective address rs + imm: rs's cache register
        /// itself when imm is 0, else eax.</summary>
        private AssemblerRegister32 EffectiveAddress(DecodedOp d)
        {
            if (d.Rs != 0 && cached[d.Rs] is { } c)
            {
                if (d.Imm == 0) return c;
                a.lea(eax, __[Wide(c) + d.Imm]);
                return eax;
            }
            Get(eax, d.Rs);
            if (d.Imm != 0) a.add(eax, d.Imm);
            return eax;
        }

        /// <summary><paramref name="va"/> holds the (zero-extended) virtual address; on a hit leaves
        /// rcx = the TLB entry's offset and rdx = its addend (the access is then at [rdx + va]), else
        /// jumps to <paramref name="miss"/>.</summary>
        private void FastTranslate(AssemblerRegister32 va, uint tagAndAlignMask, int tagOffset, Label miss)
        {
            EntryOffset(va);
            a.mov(edx, va);
            a.and(edx, unchecked((int)tagAndAlignMask));
            a.cmp(edx, __dword_ptr[rbp + rcx + tagOffset]);
            a.jne(miss);
            a.mov(rdx, __qword_ptr[rbp + rcx + Tlb.OffsetAddend]);
        }

        /// <summary>rcx = the byte offset of <paramref name="va"/>'s TLB entry.</summary>
        private void EntryOffset(AssemblerRegister32 va)
        {
            if (HasRorx) a.rorx(ecx, va, PageBits.PageShift - Tlb.EntryShift);
            else
            {
                a.mov(ecx, va);
                a.shr(ecx, (byte)(PageBits.PageShift - Tlb.EntryShift));
            }
            a.and(ecx, (int)(Tlb.IndexMask << Tlb.EntryShift));
        }

        /// <summary>What rcx and rdx hold after a fast-path access, while they hold it: rcx = the
        /// TLB entry's offset and rdx = its addend for the address Base + Imm (Base not written
        /// since), checked for the alignment of <see cref="AlignMask"/> and for reading (and
        /// for writing, with no code in the frame, when <see cref="Written"/>).</summary>
        private record struct KnownTranslation(bool Valid, int Base, int Imm, uint AlignMask, bool Written);
        private KnownTranslation known;

        /// <summary>Forgets <see cref="known"/> unless <paramref name="op"/> is an immediate ALU
        /// operation (whose code touches neither rcx nor rdx, nor memory, and cannot exit) that
        /// leaves the base register alone, or a load or store (which set it themselves).</summary>
        private void KeepOrForgetTranslation(DecodedOp d, Opcode op)
        {
            if (!known.Valid) return;
            bool keeps = op switch
            {
                Opcode.Addi or Opcode.Andi or Opcode.Ori or Opcode.Xori or Opcode.Shli or Opcode.Shri or Opcode.Sari
                    or Opcode.Lui or Opcode.Nop => d.Rd != known.Base,
                Opcode.Ldw or Opcode.Ldh or Opcode.Ldhu or Opcode.Ldb or Opcode.Ldbu or Opcode.Stw or Opcode.Sth or Opcode.Stb => true,
                _ => false,
            };
            if (!keeps) known = default;
        }

        /// <summary>True when the access of <paramref name="d"/> is at the address <see cref="known"/>
        /// describes and needs no alignment check it did not have.</summary>
        private bool SameTranslation(DecodedOp d, uint alignMask) =>
            known.Valid && known.Base == d.Rs && known.Imm == d.Imm && (alignMask & ~known.AlignMask) == 0;

        private void Load(DecodedOp d, Opcode op, Label slow)
        {
            if (MemoFor(d) is { } memo) { MemoLoad(d, op, memo, slow); return; }
            masked = default;   // the fast path below uses edx
            verified = default;
            var va = EffectiveAddress(d);
            bool same = SameTranslation(d, AlignMask(op));
            if (!same) FastTranslate(va, AlignMask(op), readTagOffset, slow);
            var target = cached[d.Rd] ?? eax;
            var source = __[rdx + Wide(va)];
            switch (op)
            {
                case Opcode.Ldw: a.mov(target, __dword_ptr[source]); break;
                case Opcode.Ldh: a.movsx(target, __word_ptr[source]); break;
                case Opcode.Ldhu: a.movzx(target, __word_ptr[source]); break;
                case Opcode.Ldb: a.movsx(target, __byte_ptr[source]); break;
                default: a.movzx(target, __byte_ptr[source]); break;
            }
            if (cached[d.Rd] is null) Set(d.Rd, eax);
            if (!same) known = new KnownTranslation(true, d.Rs, d.Imm, AlignMask(op), false);
            if (d.Rd == d.Rs) known = default;
        }

        private void Store(DecodedOp d, Opcode op, Label slow)
        {
            if (MemoFor(d) is { } memo) { MemoStore(d, op, memo, slow); return; }
            masked = default;
            verified = default;
            var va = EffectiveAddress(d);
            var checkedPath = a.CreateLabel();
            var done = a.CreateLabel();
            uint alignMask = AlignMask(op);
            if (SameTranslation(d, alignMask) && known.Written) { }
            else if (SameTranslation(d, alignMask))
            {
                // The entry matched this page a moment ago: its write tag is the page or invalid.
                a.cmp(__dword_ptr[rbp + rcx + writeTagOffset], unchecked((int)Tlb.InvalidTag));
                a.je(checkedPath);
            }
            else FastTranslate(va, alignMask, writeTagOffset, checkedPath);
            // The value's scratch register: eax when free, else ecx (which then loses the entry offset).
            bool keepsEntry = va != eax || d.Rt == 0 || cached[d.Rt] is not null;
            StoreValue(op, d.Rt, __[rdx + Wide(va)], va != eax ? eax : ecx);
            a.Label(ref done);
            stubs.Add(() =>
            {
                // The checked path of the interpreter: canonical tag, permission, decoded-word check.
                a.Label(ref checkedPath);
                if (va != eax) a.mov(eax, va);
                Translate(alignMask, writeBit, slow);
                CheckCodeStore(slow);
                a.add(rdx, __qword_ptr[rsp + FrameRam]);
                StoreValue(op, d.Rt, __[rdx], ecx);
                if (keepsEntry)
                {
                    // Leave rcx and rdx as the fast path does, for later accesses at this address.
                    EntryOffset(eax);
                    a.mov(rdx, __qword_ptr[rbp + rcx + Tlb.OffsetAddend]);
                }
                a.jmp(done);
            });
            // Both ways to `done` checked this ring's write permission (and, with code in the frame, that
            // the word is not decoded: only the interpreter decodes, so it stays so while generated code runs).
            known = keepsEntry
                ? new KnownTranslation(true, d.Rs, d.Imm, SameTranslation(d, alignMask) ? known.AlignMask : alignMask, true)
                : default;
        }

        // ---- memo accesses (see Memo): compare (va & align mask) with the memo's page; on a hit
        // access [addend + va]. A miss refills the memo from the TLB in cold code (the write tag
        // for a site with stores, else the read tag) and comes back to the access; an entry that
        // does not match exits before the instruction, as the fast path does. edx keeps va & mask
        // after the access (every path leaves it so), so a following access at the same site
        // (base not written since) compares edx without masking again.

        /// <summary>edx = (Base + Imm) &amp; Mask while Valid (Base not written since, edx not used).</summary>
        private record struct MaskedAddress(bool Valid, int Base, int Imm, uint Mask);
        private MaskedAddress masked;

        /// <summary>Forgets <see cref="masked"/> unless <paramref name="op"/> leaves edx and the base
        /// register alone (ALU operations other than divisions, which use only eax and ecx), or is a
        /// load or store (which set it themselves).</summary>
        private void KeepOrForgetMasked(DecodedOp d, Opcode op)
        {
            if (!masked.Valid) return;
            bool keeps = op switch
            {
                Opcode.Add or Opcode.Sub or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.Mul or Opcode.Shl or Opcode.Shr or Opcode.Sar
                    or Opcode.Slt or Opcode.Sltu or Opcode.Addi or Opcode.Andi or Opcode.Ori or Opcode.Xori or Opcode.Slti or Opcode.Sltiu
                    or Opcode.Shli or Opcode.Shri or Opcode.Sari or Opcode.Lui or Opcode.Nop => d.Rd != masked.Base,
                Opcode.Ldw or Opcode.Ldh or Opcode.Ldhu or Opcode.Ldb or Opcode.Ldbu or Opcode.Stw or Opcode.Sth or Opcode.Stb => true,
                _ => false,
            };
            if (!keeps) masked = default;
        }

        /// <summary>edx = va &amp; <paramref name="mask"/>, unless it already holds that for this site
        /// under a mask at least as strict (the earlier access checked those low bits were 0).</summary>
        private void MaskedVa(DecodedOp d, AssemblerRegister32 va, uint mask)
        {
            if (masked.Valid && masked.Base == d.Rs && masked.Imm == d.Imm && (mask & ~masked.Mask) == 0) return;
            a.mov(edx, va);
            a.and(edx, unchecked((int)mask));
        }

        // ---- a store after a load at the same memo site (read-modify-write: ldw r3, [r1]; addi r3,
        // r3, 1; stw r3, [r1]). On the load's hot paths (a hit, or a refill that came back to the
        // access) the memo's tag equals edx = va & mask afterwards, and it stays so while the base
        // and edx are untouched; the store then needs no compare (its mask no stricter than the
        // load's). The one way past the load that leaves the tag alone is the load's read-only
        // path (a page readable but not writable here, or a code frame): it runs the load and the
        // instructions between (ALU operations that keep edx and the base: KeepOrForgetVerified)
        // in its cold code and then the store's full memo sequence, also in cold code.

        /// <summary>The read-only path of a memo load and what it must do once the load is done:
        /// jump to <see cref="Store"/> (the elided store's checked sequence) after running
        /// <see cref="Between"/>; with no Store, back into the hot path after the load.</summary>
        private sealed class ReadOnlyContinuation
        {
            public Label? Store;
            public readonly List<DecodedOp> Between = new();
        }

        /// <summary>While Valid: the memo's tag equals edx = (Base + Imm) &amp; Mask on every path
        /// here but the continuation's read-only one.</summary>
        private record struct VerifiedMemo(bool Valid, Memo? Memo, int Base, int Imm, uint Mask, ReadOnlyContinuation? Continuation);
        private VerifiedMemo verified;

        /// <summary>Keeps <see cref="verified"/> across ALU operations that leave edx and the base alone
        /// (the read-only path repeats them), else forgets it; loads and stores decide for themselves.</summary>
        private void KeepOrForgetVerified(DecodedOp d, Opcode op)
        {
            if (!verified.Valid) return;
            bool memory = op is Opcode.Ldw or Opcode.Ldh or Opcode.Ldhu or Opcode.Ldb or Opcode.Ldbu or Opcode.Stw or Opcode.Sth or Opcode.Stb;
            if (memory) return;
            bool keeps = masked.Valid && op is Opcode.Add or Opcode.Sub or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.Mul
                or Opcode.Shl or Opcode.Shr or Opcode.Sar or Opcode.Slt or Opcode.Sltu or Opcode.Addi or Opcode.Andi or Opcode.Ori
                or Opcode.Xori or Opcode.Slti or Opcode.Sltiu or Opcode.Shli or Opcode.Shri or Opcode.Sari or Opcode.Lui or Opcode.Nop
                && d.Rd != verified.Base;
            if (keeps) verified.Continuation!.Between.Add(d);
            else verified = default;
        }

        private void MemoLoad(DecodedOp d, Opcode op, Memo memo, Label slow)
        {
            known = default;
            verified = default;
            uint mask = AlignMask(op);
            var va = EffectiveAddress(d);
            MaskedVa(d, va, mask);
            var refill = a.CreateLabel();
            var access = a.CreateLabel();
            var after = a.CreateLabel();
            a.cmp(edx, memo.Tag);
            a.jne(refill);
            a.Label(ref access);
            var target = cached[d.Rd] ?? eax;
            LoadValue(op, target, __[memo.Addend + Wide(va)]);
            a.Label(ref after);
            if (cached[d.Rd] is null) Set(d.Rd, eax);
            var continuation = new ReadOnlyContinuation();
            stubs.Add(() =>
            {
                a.Label(ref refill);
                EntryOffset(va);
                var readOnly = a.CreateLabel();
                a.cmp(edx, __dword_ptr[rbp + rcx + (memo.Writes ? writeTagOffset : readTagOffset)]);
                if (memo.Writes) a.jne(readOnly); else a.jne(slow);
                a.mov(memo.Tag, edx);
                a.mov(memo.Addend, __qword_ptr[rbp + rcx + Tlb.OffsetAddend]);
                a.jmp(access);
                if (memo.Writes)
                {
                    // Readable but not writable here (or the frame holds code): load without the memo.
                    a.Label(ref readOnly);
                    a.cmp(edx, __dword_ptr[rbp + rcx + readTagOffset]);
                    a.jne(slow);
                    a.mov(rcx, __qword_ptr[rbp + rcx + Tlb.OffsetAddend]);
                    LoadValue(op, target, __[rcx + Wide(va)]);
                    if (continuation.Store is not { } store) { a.jmp(after); return; }
                    if (cached[d.Rd] is null) Set(d.Rd, eax);
                    verified = default;   // (cold code: the hot path's state means nothing here)
                    foreach (var between in continuation.Between) Instruction(between, 0, 0, 0);
                    a.jmp(store);
                }
            });
            masked = d.Rd == d.Rs ? default : new MaskedAddress(true, d.Rs, d.Imm, (masked.Valid && masked.Base == d.Rs && masked.Imm == d.Imm) ? masked.Mask | mask : mask);
            if (memo.Writes && masked.Valid) verified = new VerifiedMemo(true, memo, d.Rs, d.Imm, masked.Mask, continuation);
        }

        private void MemoStore(DecodedOp d, Opcode op, Memo memo, Label slow)
        {
            known = default;
            uint mask = AlignMask(op);
            bool elide = verified.Valid && verified.Memo == memo && verified.Base == d.Rs && verified.Imm == d.Imm && (mask & ~verified.Mask) == 0
                && masked.Valid && masked.Base == d.Rs && masked.Imm == d.Imm;
            var continuation = verified.Continuation;
            verified = default;
            if (!elide)
            {
                var done = a.CreateLabel();
                CheckedMemoStore(d, op, memo, slow, done);
                a.Label(ref done);
                return;
            }
            // The load before it left the tag equal to edx (see VerifiedMemo): store at once.
            var va = EffectiveAddress(d);
            StoreValue(op, d.Rt, __[memo.Addend + Wide(va)], va != eax ? eax : ecx);
            var after = a.CreateLabel();
            a.Label(ref after);
            var store = a.CreateLabel();
            continuation!.Store = store;
            stubs.Add(() =>
            {
                // The load's read-only path comes here: the full sequence, from the address on.
                a.Label(ref store);
                masked = default;
                CheckedMemoStore(d, op, memo, slow, after);
                a.jmp(after);
            });
        }

        /// <summary>A memo store with its compare; every path ends at <paramref name="done"/> (or falls
        /// through to where the caller places it).</summary>
        private void CheckedMemoStore(DecodedOp d, Opcode op, Memo memo, Label slow, Label done)
        {
            uint mask = AlignMask(op);
            var va = EffectiveAddress(d);
            MaskedVa(d, va, mask);
            var refill = a.CreateLabel();
            var access = a.CreateLabel();
            a.cmp(edx, memo.Tag);
            a.jne(refill);
            a.Label(ref access);
            StoreValue(op, d.Rt, __[memo.Addend + Wide(va)], va != eax ? eax : ecx);
            stubs.Add(() =>
            {
                a.Label(ref refill);
                EntryOffset(va);
                var checkedPath = a.CreateLabel();
                a.cmp(edx, __dword_ptr[rbp + rcx + writeTagOffset]);
                a.jne(checkedPath);
                a.mov(memo.Tag, edx);
                a.mov(memo.Addend, __qword_ptr[rbp + rcx + Tlb.OffsetAddend]);
                a.jmp(access);
                // The checked path of the interpreter: canonical tag, permission, decoded-word check
                // (a store into a data word of a page holding code stays in generated code).
                a.Label(ref checkedPath);
                if (va != eax) a.mov(eax, va);
                Translate(mask, writeBit, slow);
                CheckCodeStore(slow);
                a.add(rdx, __qword_ptr[rsp + FrameRam]);
                StoreValue(op, d.Rt, __[rdx], ecx);
                a.mov(edx, eax);   // leave edx as the hot path does
                a.and(edx, unchecked((int)mask));
                a.jmp(done);
            });
            masked = new MaskedAddress(true, d.Rs, d.Imm, (masked.Valid && masked.Base == d.Rs && masked.Imm == d.Imm) ? masked.Mask | mask : mask);
        }

        private void LoadValue(Opcode op, AssemblerRegister32 target, AssemblerMemoryOperand source)
        {
            switch (op)
            {
                case Opcode.Ldw: a.mov(target, __dword_ptr[source]); break;
                case Opcode.Ldh: a.movsx(target, __word_ptr[source]); break;
                case Opcode.Ldhu: a.movzx(target, __word_ptr[source]); break;
                case Opcode.Ldb: a.movsx(target, __byte_ptr[source]); break;
                default: a.movzx(target, __byte_ptr[source]); break;
            }
        }

        /// <summary>Stores guest register <paramref name="register"/>'s low 4, 2 or 1 bytes (by
        /// <paramref name="op"/>) at <paramref name="target"/>.</summary>
        private void StoreValue(Opcode op, int register, AssemblerMemoryOperand target, AssemblerRegister32 scratch)
        {
            AssemblerRegister32 value;
            if (register == 0) { a.xor(scratch, scratch); value = scratch; }
            else value = Source(register, scratch);
            switch (op)
            {
                case Opcode.Stw: case Opcode.Push: a.mov(__dword_ptr[target], value); break;
                case Opcode.Sth: a.mov(__word_ptr[target], new AssemblerRegister16(value.Code)); break;
                default: a.mov(__byte_ptr[target], new AssemblerRegister8(value.Code)); break;
            }
        }

        private void Push(DecodedOp d, Label slow)
        {
            var checkedPath = a.CreateLabel();
            var done = a.CreateLabel();
            Get(eax, Registers.StackPointer);
            a.sub(eax, 4);
            FastTranslate(eax, 0xFFFFF003u, writeTagOffset, checkedPath);
            StoreValue(Opcode.Push, d.Rs, __[rdx + rax], ecx);   // push sp stores the old sp
            a.Label(ref done);
            Set(Registers.StackPointer, eax);
            stubs.Add(() =>
            {
                a.Label(ref checkedPath);
                Translate(0xFFFFF003u, writeBit, slow);
                CheckCodeStore(slow);
                a.add(rdx, __qword_ptr[rsp + FrameRam]);
                StoreValue(Opcode.Push, d.Rs, __[rdx], ecx);
                a.jmp(done);
            });
        }

        private void Pop(DecodedOp d, Label slow)
        {
            Get(eax, Registers.StackPointer);
            FastTranslate(eax, 0xFFFFF003u, readTagOffset, slow);
            a.mov(ecx, __dword_ptr[rdx + rax]);
            a.add(eax, 4);
            Set(Registers.StackPointer, eax);
            Set(d.Rd, ecx);   // pop sp leaves sp = the loaded word
        }

        /// <summary>rdx = the physical address of a store: when it lands on a word the decoded-code
        /// cache holds (code that may be compiled), the interpreter performs the store instead,
        /// which invalidates the word and so the page's compiled blocks.</summary>
        private void CheckCodeStore(Label slow)
        {
            var codePage = a.CreateLabel();
            var back = a.CreateLabel();
            a.mov(ecx, edx);
            a.shr(ecx, 12);
            a.add(rcx, __qword_ptr[rsp + FrameCodePages]);
            a.cmp(__byte_ptr[rcx], 0);
            a.jne(codePage);
            a.Label(ref back);
            stubs.Add(() =>
            {
                // Only rax, rcx and rdx are scratch, and eax may hold a value still to be written (push).
                a.Label(ref codePage);
                a.push(rax);   // rsp moves: frame offsets are 8 more until the pop
                a.mov(ecx, edx);
                a.shr(ecx, 12);
                a.mov(rax, __qword_ptr[rsp + (FrameDecodedBlocks + 8)]);
                a.mov(rax, __qword_ptr[rax + rcx * 8]);
                a.mov(ecx, edx);
                a.and(ecx, PageBits.PageSize - 4);
                a.shl(ecx, (byte)(System.Numerics.BitOperations.Log2((uint)sizeof(DecodedOp)) - 2));   // word index * sizeof(DecodedOp)
                a.cmp(__byte_ptr[rax + rcx], DecodedOp.NotDecoded);
                a.pop(rax);   // keeps the flags
                a.jne(slow);
                a.jmp(back);
            });
        }
    }
}

/// <summary>The host's instruction set, apart from RegionEmitter: ReadyToRun cannot compile a
/// method that reads Bmi2.IsSupported (it does not know the host CPU), so with this in
/// RegionEmitter's static initializer the .NET JIT compiled that whole initializer at a run's
/// first region; here it compiles only this one-line one.</summary>
internal static class HostFeatures
{
    public static readonly bool HasBmi2 = System.Runtime.Intrinsics.X86.Bmi2.IsSupported;
}

/// <summary>Labels by block start offset within a page (an array per page rather than a
/// Dictionary of our own Label type, which ReadyToRun cannot precompile).</summary>
internal sealed class OffsetLabels
{
    private readonly Label[] labels = new Label[DecodedCodeCache.OpsPerPage];
    private readonly bool[] present = new bool[DecodedCodeCache.OpsPerPage];

    public Label this[int offset]
    {
        get => present[offset >> 2] ? labels[offset >> 2] : throw new KeyNotFoundException($"no label at offset {offset}");
        set { labels[offset >> 2] = value; present[offset >> 2] = true; }
    }

    public bool TryGetValue(int offset, out Label label)
    {
        bool found = offset is >= 0 and < PageBits.PageSize && (offset & 3) == 0 && present[offset >> 2];
        label = found ? labels[offset >> 2] : default;
        return found;
    }
}

/// <summary>A physical page's entry table for one ring, as generated code finds it for jumps from
/// other pages (JitEngine keeps one per page and ring): the table (nint per instruction, 0 where
/// nothing is compiled; 0 here when the page has none) and the decoded-code generation it
/// belongs to (a page whose words were overwritten since has a newer one, and its old code must
/// not run).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 16)]
internal struct PageEntryTable
{
    public nint Table;
    public uint Generation;

    public const int OffsetTable = 0, OffsetGeneration = 8;
}
