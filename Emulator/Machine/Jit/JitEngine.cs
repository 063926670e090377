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

    public static readonly int OffsetState = (int)Marshal.OffsetOf(typeof(JitContext), nameof(State));
    public static readonly int OffsetTlb = (int)Marshal.OffsetOf(typeof(JitContext), nameof(Tlb));
    public static readonly int OffsetRam = (int)Marshal.OffsetOf(typeof(JitContext), nameof(Ram));
    public static readonly int OffsetCodePages = (int)Marshal.OffsetOf(typeof(JitContext), nameof(CodePages));
    public static readonly int OffsetDecodedBlocks = (int)Marshal.OffsetOf(typeof(JitContext), nameof(DecodedBlocks));
    public static readonly int OffsetVirtualBase = (int)Marshal.OffsetOf(typeof(JitContext), nameof(VirtualBase));
}

internal sealed unsafe class JitEngine : IDisposable
{
    /// <summary>Executable arena per machine (reserved, touched only as code is written).</summary>
    private const int ArenaBytes = 32 << 20;

    /// <summary>The most doublings of the threshold a page whose code keeps being overwritten gets.</summary>
    private const int MaxBackoffShift = 12;

    /// <summary>The compiled entry points of one physical page, per CPL, valid for one generation,
    /// and how often each uncompiled instruction has been arrived at.</summary>
    private sealed class CompiledPage(uint generation)
    {
        public readonly uint Generation = generation;
        public readonly nint[]?[] EntriesByRing = new nint[]?[4];
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
    private nuint trampolineBytes;
    private CompiledPage?[] pages;
    /// <summary>Per physical page: how many times compiled code of the page was lost to a write
    /// (the threshold doubles with each, up to MaxBackoffShift).</summary>
    private readonly byte[] overwrites;

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
        var bytes = CodeGenerator.Trampoline(arena.NextAddress, out exitAddress);
        trampoline = arena.Append(bytes);
        trampolineBytes = arena.Used;
    }

    /// <summary>True on platforms where the JIT can run (Linux x64).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>A JIT for this CPU, or null when executable memory is not available.</summary>
    public static JitEngine? TryCreate(CpuState* state, TlbEntry* tlb, byte* ram, DecodedCodeCache code, CostTable costs, uint memoryBytes)
    {
        if (!IsSupported) return null;
        var arena = ExecutableMemory.TryCreate(ArenaBytes);
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
        if (page is null || page.Generation != generation)
        {
            if (page is not null && page.HasCode && overwrites[pageNumber] < MaxBackoffShift) overwrites[pageNumber]++;
            pages[pageNumber] = page = new CompiledPage(generation);
        }
        var entries = page.EntriesByRing[cpl];
        if (entries is not null && entries[offset >> 2] is var entry and not 0) return entry;
        int threshold = CompileThreshold << overwrites[pageNumber];
        if (threshold > 1)
        {
            var arrivals = page.ArrivalsByRing[cpl] ??= new int[DecodedCodeCache.OpsPerPage];
            if (++arrivals[offset >> 2] < threshold) return 0;
        }
        // Pinned: generated code reads the table (register jumps within the page).
        entries ??= page.EntriesByRing[cpl] = GC.AllocateArray<nint>(DecodedCodeCache.OpsPerPage, pinned: true);
        page.HasCode = true;
        return Compile(page, entries, pageBase, (int)offset, cpl, decodedPage);
    }

    private nint Compile(CompiledPage page, nint[] entries, uint pageBase, int offset, int cpl, DecodedOp* decodedPage)
    {
        EnsureTrampoline();
        var blocks = BlockDiscovery.Discover(decodedPage, ram + pageBase, offset, costs, entries);
        var bytes = CodeGenerator.Region(blocks, decodedPage, cpl, entries, exitAddress, arena.NextAddress, out var labels);
        if ((nuint)bytes.Length > arena.FreeBytes)
        {
            // Arena full: forget every compiled page (no generated code is running now) and
            // assemble again for the new address.
            Array.Clear(pages);
            arena.ResetTo(trampolineBytes);
            pages[pageBase >> PageBits.PageShift] = page;
            Array.Clear(page.EntriesByRing);
            page.EntriesByRing[cpl] = entries;
            Array.Clear(entries);
            bytes = CodeGenerator.Region(blocks, decodedPage, cpl, entries, exitAddress, arena.NextAddress, out labels);
        }
        nint at = arena.Append(bytes);
        if (DumpPath is not null) File.AppendAllText(DumpPath, $"region 0x{pageBase + (uint)offset:x8} ring {cpl} at 0x{at:x}: {Convert.ToHexString(bytes)}\n");
        for (int i = 0; i < blocks.Length; i++)
            entries[blocks[i].Start >> 2] = (nint)labels[i];
        RegionsCompiled++;
        return entries[offset >> 2];
    }

    /// <summary>Runs generated code from <paramref name="entry"/> until it exits; returns the exit
    /// kind (CodeGenerator.Exit*). CpuState holds pc, instret and cycles afterwards.</summary>
    public int Execute(nint entry, uint virtualBase)
    {
        context->VirtualBase = virtualBase;
        return ((delegate* unmanaged<JitContext*, nint, int>)trampoline)(context, entry);
    }

    private bool disposed;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        arena.Dispose();
        NativeMemory.Free(context);
    }
}
