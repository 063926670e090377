// The decoded-code cache: for each physical page that has been executed, 1024 DecodedOps
// (one per word, decoded lazily on first execution) and a PageEnd sentinel, so sequential
// execution needs no page check. Any write into such a page (a store,
// DMA, the loader, the monitor) resets the written words to NotDecoded, so self-modifying
// code and freshly loaded programs are always seen as they are in RAM.
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

    public DecodedCodeCache(uint memoryBytes)
    {
        pageCount = memoryBytes >> PageBits.PageShift;
        blocks = (DecodedOp**)NativeMemory.AllocZeroed(pageCount, (nuint)sizeof(DecodedOp*));
        PageHasCode = (byte*)NativeMemory.AllocZeroed(pageCount);
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
        }
        return block;
    }

    /// <summary>Forgets the decoded form of the word holding <paramref name="physicalAddress"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void InvalidateWord(uint physicalAddress)
    {
        var block = blocks[physicalAddress >> PageBits.PageShift];
        if (block != null)
            block[(physicalAddress >> 2) & (OpsPerPage - 1)].Op = DecodedOp.NotDecoded;
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
            for (ulong a = from & ~3UL; a < to; a += 4)
                block[(a >> 2) & (OpsPerPage - 1)].Op = DecodedOp.NotDecoded;
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
        blocks = null;
        PageHasCode = null;
    }
}
