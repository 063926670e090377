// The decoded-code cache: for each physical page that has been executed, 1024 DecodedOps
// (one per word, decoded lazily on first execution) and a PageEnd sentinel, so sequential
// execution needs no page check. Any write into such a page (a store,
// DMA, the loader, the monitor) resets the written words to NotDecoded, so self-modifying
// code and freshly loaded programs are always seen as they are in RAM. A per-page
// generation counts invalidations of decoded words, so the JIT can tell when a page's
// compiled blocks are stale.
using System.Runtime.InteropServices;
using R4.Isa;

namespace R4.Machine;

public sealed unsafe class DecodedCodeCache : IDisposable
{
    public const int OpsPerPage = PageBits.PageSize / 4;

    private readonly uint pageCount;
    private DecodedOp** blocks;
    /// <summary>The decoded block of each physical page (null until executed), for the
    /// interpreter's inline store invalidation.</summary>
    public DecodedOp** Blocks => blocks;
    /// <summary>One byte per physical page: 1 when the page has a decoded block.</summary>
    public byte* PageHasCode { get; private set; }
    /// <summary>One counter per physical page, incremented whenever a decoded word of the page
    /// is invalidated (the JIT drops the page's compiled blocks when it changes).</summary>
    public uint* PageGeneration { get; private set; }

    /// <summary>Told the physical address of each page when it first gets a decoded block (the MMU
    /// then takes the JIT's fast store path away from TLB entries that map it).</summary>
    internal Action<uint>? PageBecameCode { get; set; }

    public DecodedCodeCache(uint memoryBytes)
    {
        pageCount = memoryBytes >> PageBits.PageShift;
        blocks = (DecodedOp**)NativeMemory.AllocZeroed(pageCount, (nuint)sizeof(DecodedOp*));
        PageHasCode = (byte*)NativeMemory.AllocZeroed(pageCount);
        PageGeneration = (uint*)NativeMemory.AllocZeroed(pageCount, sizeof(uint));
    }

    /// <summary>The decoded block of a physical page inside RAM, created on first use.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public DecodedOp* BlockFor(uint physicalAddress)
    {
        uint page = physicalAddress >> PageBits.PageShift;
        var block = blocks[page];
        if (block == null)
        {
            block = (DecodedOp*)NativeMemory.AllocZeroed(OpsPerPage + 1, (nuint)sizeof(DecodedOp));
            MarkAllNotDecoded(block);
            block[OpsPerPage].Op = DecodedOp.PageEnd;   // never invalidated: no word maps to it
            blocks[page] = block;
            PageHasCode[page] = 1;
            PageBecameCode?.Invoke(page << PageBits.PageShift);
        }
        return block;
    }

    /// <summary>Forgets the decoded form of the word holding <paramref name="physicalAddress"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void InvalidateWord(uint physicalAddress)
    {
        uint page = physicalAddress >> PageBits.PageShift;
        var block = blocks[page];
        if (block == null) return;
        DecodedOp* slot = block + ((physicalAddress >> 2) & (OpsPerPage - 1));
        if (slot->Op == DecodedOp.NotDecoded) return;
        slot->Op = DecodedOp.NotDecoded;
        PageGeneration[page]++;
    }

    /// <summary>InvalidateWord for a page known to have a decoded block, small enough to inline
    /// into the interpreter's store cases.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void InvalidateCodePageWord(uint physicalAddress)
    {
        uint page = physicalAddress >> PageBits.PageShift;
        DecodedOp* slot = blocks[page] + ((physicalAddress >> 2) & (OpsPerPage - 1));
        if (slot->Op == DecodedOp.NotDecoded) return;
        slot->Op = DecodedOp.NotDecoded;
        PageGeneration[page]++;
    }

    public void InvalidateRange(uint physicalAddress, uint length)
    {
        if (length == 0) return;
        ulong end = Math.Min((ulong)physicalAddress + length, (ulong)pageCount << PageBits.PageShift);
        for (ulong page = physicalAddress >> PageBits.PageShift; page << PageBits.PageShift < end; page++)
        {
            var block = blocks[page];
            if (block == null) continue;
            ulong pageStart = page << PageBits.PageShift;
            ulong from = Math.Max(pageStart, physicalAddress), to = Math.Min(pageStart + PageBits.PageSize, end);
            bool changed = false;
            for (ulong a = from & ~3UL; a < to; a += 4)
            {
                DecodedOp* slot = block + ((a >> 2) & (OpsPerPage - 1));
                changed |= slot->Op != DecodedOp.NotDecoded;
                slot->Op = DecodedOp.NotDecoded;
            }
            if (changed) PageGeneration[page]++;
        }
    }

    private static void MarkAllNotDecoded(DecodedOp* block)
    {
        for (int i = 0; i < OpsPerPage; i++)
            block[i].Op = DecodedOp.NotDecoded;
    }

    public void Dispose()
    {
        if (blocks == null) return;
        for (uint i = 0; i < pageCount; i++)
            if (blocks[i] != null) NativeMemory.Free(blocks[i]);
        NativeMemory.Free(blocks);
        NativeMemory.Free(PageHasCode);
        NativeMemory.Free(PageGeneration);
        blocks = null;
        PageHasCode = null;
        PageGeneration = null;
    }
}
