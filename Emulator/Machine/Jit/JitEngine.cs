// The JIT engine beside the interpreter: the block cache and the call into generated code.
// Compiled regions are keyed by physical page and CPL (the ring's permission bits are baked
// into loads and stores; paging needs no key because every access goes through the shared
// TLB inline, and pc is computed from the page's virtual base passed at entry, so one
// physical page mapped at several addresses shares its code). A page's regions are dropped
// when its generation in the decoded-code cache changes, i.e. when a store, DMA, the
// loader or the monitor overwrote one of its decoded words.
// Tiering: an instruction is compiled only once the dispatcher has arrived at it
// CompileThreshold times; until then EntryFor answers 0 and the interpreter runs it. A page
// whose compiled code is overwritten again and again (self-modifying code, code and data
// on one page) needs twice as many arrivals after each such loss, up to a limit, so it
// settles in the interpreter instead of being recompiled after every store.
using System.Runtime.InteropServices;
using R4.Isa;

namespace R4.Machine.Jit;

/// <summary>What the trampoline loads into host registers (see CodeGenerator).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct JitContext
{
    public CpuState* State;
    public TlbEntry* Tlb;
    public byte* Ram;
    public byte* CodePages;
    public DecodedOp** DecodedBlocks;
    public uint VirtualBase;
    /// <summary>The call-out's entry (JitEngine.CallOutEntry) and the Cpu it runs on (a GCHandle, freed by Dispose).</summary>
    public nint CallOut;
    public nint Cpu;
    /// <summary>Set by a call-out that goes on in generated code: the event instret r12 is relative to.</summary>
    public ulong Event;

    // Offsets by pointer difference, not Marshal.OffsetOf (reflection, at a run's first compile).
    public static readonly int OffsetState, OffsetTlb, OffsetRam, OffsetCodePages, OffsetDecodedBlocks, OffsetVirtualBase, OffsetCallOut, OffsetEvent;

    static JitContext()
    {
        JitContext c = default;
        byte* b = (byte*)&c;
        OffsetState = (int)((byte*)&c.State - b);
        OffsetTlb = (int)((byte*)&c.Tlb - b);
        OffsetRam = (int)((byte*)&c.Ram - b);
        OffsetCodePages = (int)((byte*)&c.CodePages - b);
        OffsetDecodedBlocks = (int)((byte*)&c.DecodedBlocks - b);
        OffsetVirtualBase = (int)((byte*)&c.VirtualBase - b);
        OffsetCallOut = (int)((byte*)&c.CallOut - b);
        OffsetEvent = (int)((byte*)&c.Event - b);
    }
}

internal sealed unsafe class JitEngine : IDisposable
{
    /// <summary>Executable arena per machine (reserved, touched only as code is written).</summary>
    public const int DefaultArenaBytes = 32 << 20;

    /// <summary>The most doublings of the threshold a page whose code keeps being overwritten gets.</summary>
    private const int MaxBackoffShift = 12;

    /// <summary>The compiled entry points of one physical page, per CPL, valid for one generation,
    /// and how often each uncompiled instruction has been arrived at (kept across generations:
    /// an overwritten page counts on towards its doubled threshold).</summary>
    private sealed class CompiledPage(uint generation, uint number)
    {
        public uint Generation = generation;
        public readonly uint Number = number;
        /// <summary>Per CPL: the page's entry table (nint[OpsPerPage] in native memory, read by
        /// generated code for register jumps), or 0.</summary>
        public readonly nint[] EntriesByRing = new nint[4];
        public readonly int[]?[] ArrivalsByRing = new int[]?[4];
        public bool HasCode;
    }

    private readonly ExecutableMemory arena;
    private readonly JitContext* context;
    private readonly DecodedCodeCache code;
    private readonly byte* ram;
    private readonly CostTable costs;
    private nint trampoline;
    private ulong exitAddress;
    private ulong callOutAddress;
    private nuint trampolineBytes;
    private CompiledPage?[] pages;
    /// <summary>Per physical page: how many times compiled code of the page was lost to a write
    /// (the threshold doubles with each, up to MaxBackoffShift).</summary>
    private readonly byte[] overwrites;
    /// <summary>Per (physical page, ring): the entry table as generated code finds it for jumps from other pages.</summary>
    private readonly PageEntryTable* chain;

    /// <summary>See Cpu.JitCompileThreshold.</summary>
    public int CompileThreshold { get; set; } = Cpu.DefaultJitCompileThreshold;

    /// <summary>When set (environment variable R4_JIT_DUMP), every compiled region's bytes are appended there.</summary>
    private static readonly string? DumpPath = Environment.GetEnvironmentVariable("R4_JIT_DUMP");

    /// <summary>Regions compiled so far (for tests and statistics).</summary>
    public int RegionsCompiled { get; private set; }

    private JitEngine(ExecutableMemory arena, CpuState* state, TlbEntry* tlb, byte* ram, DecodedCodeCache code, CostTable costs, uint memoryBytes)
    {
        this.arena = arena;
        this.code = code;
        this.ram = ram;
        this.costs = costs;
        pages = new CompiledPage?[memoryBytes >> PageBits.PageShift];
        overwrites = new byte[memoryBytes >> PageBits.PageShift];
        chain = (PageEntryTable*)NativeMemory.AllocZeroed((nuint)(4 * pages.Length), (nuint)sizeof(PageEntryTable));
        context = (JitContext*)NativeMemory.AllocZeroed((nuint)sizeof(JitContext));
        context->State = state;
        context->Tlb = tlb;
        context->Ram = ram;
        context->CodePages = code.PageHasCode;
        context->DecodedBlocks = code.Blocks;
    }

    /// <summary>Assembles the trampoline before the first region (a run that compiles nothing
    /// never loads the assembler).</summary>
    private void EnsureTrampoline()
    {
        if (trampoline != 0) return;
        var bytes = CodeGenerator.Trampoline(arena.NextAddress, out exitAddress, out callOutAddress);
        trampoline = arena.Append(bytes);
        trampolineBytes = arena.Used;
    }

    /// <summary>True on platforms where the JIT can run (Linux x64).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>A JIT for this CPU, or null when executable memory is not available.</summary>
    public static JitEngine? TryCreate(CpuState* state, TlbEntry* tlb, byte* ram, DecodedCodeCache code, CostTable costs, uint memoryBytes, int arenaBytes = DefaultArenaBytes)
    {
        if (!IsSupported) return null;
        var arena = ExecutableMemory.TryCreate((nuint)arenaBytes);
        return arena is null ? null : new JitEngine(arena, state, tlb, ram, code, costs, memoryBytes);
    }

    /// <summary>The code address for the instruction at <paramref name="offset"/> of the physical page
    /// <paramref name="pageBase"/> (whose decoded block is <paramref name="decodedPage"/>) at CPL
    /// <paramref name="cpl"/>, compiling a region from there when it is hot; 0 while it is not
    /// (the interpreter runs it).</summary>
    public nint EntryFor(uint pageBase, uint offset, int cpl, DecodedOp* decodedPage)
    {
        uint pageNumber = pageBase >> PageBits.PageShift;
        uint generation = code.PageGeneration[pageNumber];
        var page = pages[pageNumber];
        if (page is null) pages[pageNumber] = page = new CompiledPage(generation, pageNumber);
        else if (page.Generation != generation)
        {
            // Overwritten: the compiled code goes, the object and its arrival counts stay (a
            // store into hot code must not cost an allocation of the page's tables).
            if (page.HasCode && overwrites[pageNumber] < MaxBackoffShift) overwrites[pageNumber]++;
            ReleaseTables(page);
            page.Generation = generation;
            page.HasCode = false;
        }
        var entries = (nint*)page.EntriesByRing[cpl];
        if (entries != null && entries[offset >> 2] is var entry and not 0) return entry;
        int threshold = CompileThreshold << overwrites[pageNumber];
        if (threshold > 1)
        {
            var arrivals = page.ArrivalsByRing[cpl] ??= new int[DecodedCodeCache.OpsPerPage];
            if (++arrivals[offset >> 2] < threshold) return 0;
        }
        if (entries == null)
        {
            page.EntriesByRing[cpl] = (nint)(entries = AllocateTable());
            chain[4 * pageNumber + cpl] = new PageEntryTable { Table = (nint)entries, Generation = generation };
        }
        page.HasCode = true;
        return Compile(page, entries, pageBase, (int)offset, cpl, decodedPage);
    }

    /// <summary>True when compiled code of the physical page <paramref name="pageBase"/> has been lost
    /// to writes more than once: the dispatcher then interprets there for stretches instead of
    /// returning at every taken jump (the hysteresis towards the interpreter).</summary>
    public bool KeepsBeingOverwritten(uint pageBase) => overwrites[pageBase >> PageBits.PageShift] >= 2;

    // Entry tables live in native memory (generated code reads them, so they must not move;
    // a pinned managed array would cost the .NET JIT a compile of GC.AllocateArray<nint> at a
    // run's first region). Tables of dropped pages are kept for reuse until Dispose.
    private nint[] spareTables = new nint[16];
    private int spareCount;
    private nint[] allTables = new nint[16];
    private int tableCount;

    private nint* AllocateTable()
    {
        var bytes = (nuint)(DecodedCodeCache.OpsPerPage * sizeof(nint));
        if (spareCount > 0)
        {
            var table = (nint*)spareTables[--spareCount];
            NativeMemory.Clear(table, bytes);
            return table;
        }
        var fresh = (nint*)NativeMemory.AllocZeroed(bytes);
        Push(ref allTables, ref tableCount, (nint)fresh);
        return fresh;
    }

    /// <summary>Makes the page's tables spare (its generated code is unreachable once the page is replaced).</summary>
    private void ReleaseTables(CompiledPage page)
    {
        for (int ring = 0; ring < page.EntriesByRing.Length; ring++)
            if (page.EntriesByRing[ring] != 0)
            {
                Push(ref spareTables, ref spareCount, page.EntriesByRing[ring]);
                page.EntriesByRing[ring] = 0;
                chain[4 * page.Number + ring] = default;
            }
    }

    private static void Push(ref nint[] stack, ref int count, nint value)
    {
        if (count == stack.Length)
        {
            var larger = new nint[2 * count];
            for (int i = 0; i < count; i++) larger[i] = stack[i];
            stack = larger;
        }
        stack[count++] = value;
    }

    private nint Compile(CompiledPage page, nint* entries, uint pageBase, int offset, int cpl, DecodedOp* decodedPage)
    {
        EnsureTrampoline();
        var blocks = BlockDiscovery.Discover(decodedPage, ram + pageBase, offset, costs, entries);
        var bytes = CodeGenerator.Region(blocks, decodedPage, cpl, entries, exitAddress, arena.NextAddress, out var labels, chain, code.PageGeneration, CallOutsEnabled ? callOutAddress : 0);
        if ((nuint)bytes.Length > arena.FreeBytes)
        {
            // Arena full: forget every compiled page (no generated code is running now) and
            // assemble again for the new address.
            for (int i = 0; i < pages.Length; i++)
                if (pages[i] is { } other && other != page) ReleaseTables(other);
            Array.Clear(pages);
            arena.ResetTo(trampolineBytes);
            pages[pageBase >> PageBits.PageShift] = page;
            for (int ring = 0; ring < page.EntriesByRing.Length; ring++)
                if (ring != cpl && page.EntriesByRing[ring] != 0)
                {
                    Push(ref spareTables, ref spareCount, page.EntriesByRing[ring]);
                    page.EntriesByRing[ring] = 0;
                    chain[4 * page.Number + ring] = default;
                }
            NativeMemory.Clear(entries, (nuint)(DecodedCodeCache.OpsPerPage * sizeof(nint)));
            bytes = CodeGenerator.Region(blocks, decodedPage, cpl, entries, exitAddress, arena.NextAddress, out labels, chain, code.PageGeneration, CallOutsEnabled ? callOutAddress : 0);
        }
        nint at = arena.Append(bytes);
        if (DumpPath is not null) File.AppendAllText(DumpPath, $"region 0x{pageBase + (uint)offset:x8} ring {cpl} at 0x{at:x}: {Convert.ToHexString(bytes)}\n");
        for (int i = 0; i < blocks.Length; i++)
            entries[blocks[i].Start >> 2] = (nint)labels[i];
        RegionsCompiled++;
        return entries[offset >> 2];
    }

    // ---- call-outs: generated code's ways out call Cpu.CallOut through the trampoline
    // (CodeGenerator.Trampoline) instead of returning to the dispatcher.

    /// <summary>True when code compiled from now on calls out at its ways out instead of returning to
    /// the dispatcher (Cpu.JitCallOuts sets it).</summary>
    public bool CallOutsEnabled { get; set; } = true;

    /// <summary>The default of Cpu.JitCallOuts: off (measured slower: docs/performance.md, "Issue 14,
    /// callout stream"), unless the environment says R4_JIT_CALLOUTS=1.</summary>
    public static readonly bool CallOutsByDefault = Environment.GetEnvironmentVariable("R4_JIT_CALLOUTS") == "1";

    /// <summary>Lets generated code call <paramref name="cpu"/>'s CallOut (once per engine).</summary>
    public void AttachCallOut(Cpu cpu)
    {
        if (context->Cpu != 0) return;
        context->Cpu = GCHandle.ToIntPtr(GCHandle.Alloc(cpu));
        context->CallOut = (nint)(delegate* unmanaged<JitContext*, int, nint>)&CallOutEntry;
    }

    /// <summary>The trampoline's call-out path calls this (generated code was entered through a
    /// `delegate* unmanaged` call, so this reverse call into managed code is allowed). It must not
    /// throw: Cpu.CallOut keeps what it catches for the dispatcher to throw.</summary>
    [UnmanagedCallersOnly]
    private static nint CallOutEntry(JitContext* context, int exitKind)
    {
        var cpu = (Cpu)GCHandle.FromIntPtr(context->Cpu).Target!;
        return cpu.CallOut(context, exitKind);
    }

    /// <summary>Runs generated code from <paramref name="entry"/> until it exits; returns the exit
    /// kind (CodeGenerator.Exit*). CpuState holds pc, instret and cycles afterwards.</summary>
    public int Execute(nint entry, uint virtualBase)
    {
        context->VirtualBase = virtualBase;
        return ((delegate* unmanaged<JitContext*, nint, int>)trampoline)(context, entry);
    }

    /// <summary>The virtual page the generated code ran on when it exited (chained jumps to other
    /// pages change it; the dispatcher's fetch page is stale when this differs from it).</summary>
    public uint VirtualBaseAtExit => context->VirtualBase;

    private bool disposed;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        arena.Dispose();
        if (context->Cpu != 0) GCHandle.FromIntPtr(context->Cpu).Free();
        for (int i = 0; i < tableCount; i++) NativeMemory.Free((void*)allTables[i]);
        NativeMemory.Free(chain);
        NativeMemory.Free(context);
    }
}
