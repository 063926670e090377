// Block discovery for the JIT: starting at one instruction of a physical page, finds the
// region of basic blocks reachable through direct branches and fall-through without
// leaving the page. Words come from the CPU's decoded-code cache (decoded there on first
// sight, exactly as the interpreter would), and block ends follow the instruction table's
// flags: a ControlFlow instruction ends its block (included); a System instruction or a
// word that is not an instruction ends it before itself (the interpreter runs that one).
using R4.Isa;

namespace R4.Machine.Jit;

/// <summary>How a block ends.</summary>
internal enum BlockEnd
{
    /// <summary>Its last instruction is a branch or jump (included in the block).</summary>
    ControlFlow,
    /// <summary>The instruction after the block must run in the interpreter (system or invalid).</summary>
    Interpret,
    /// <summary>The block reaches the end of the page; execution continues on the next page.</summary>
    PageEnd,
    /// <summary>The block reached the length limit and falls through into the next block.</summary>
    FallThrough,
}

/// <summary>One basic block: <see cref="Length"/> instructions from byte offset <see cref="Start"/> of the page.</summary>
internal readonly record struct JitBlock(int Start, int Length, BlockEnd End)
{
    /// <summary>Byte offset just after the block's instructions.</summary>
    public int EndOffset => Start + 4 * Length;
}

internal static unsafe class BlockDiscovery
{
    /// <summary>Longest block; a longer straight line falls through into another block.</summary>
    public const int MaxBlockInstructions = 256;
    /// <summary>Most instructions compiled for one region (bounds the compile time).</summary>
    public const int MaxRegionInstructions = 2048;

    /// <summary>The decoded op of the word at <paramref name="offset"/>, decoding it into the cache if needed.</summary>
    public static DecodedOp* Op(DecodedOp* page, byte* pageBytes, int offset, CostTable costs)
    {
        DecodedOp* d = page + (offset >> 2);
        if (d->Op == DecodedOp.NotDecoded) *d = DecodedOp.Decode(*(uint*)(pageBytes + offset), costs);
        return d;
    }

    /// <summary>The blocks reachable from <paramref name="entryOffset"/> in this page, entry first,
    /// not following into blocks <paramref name="compiled"/> already has (the new code jumps to those).</summary>
    public static List<JitBlock> Discover(DecodedOp* page, byte* pageBytes, int entryOffset, CostTable costs, nint[] compiled)
    {
        var blocks = new List<JitBlock>();
        var seen = new HashSet<int> { entryOffset };
        var work = new Queue<int>();
        work.Enqueue(entryOffset);
        int total = 0;
        while (work.Count > 0 && total < MaxRegionInstructions)
        {
            var block = Scan(page, pageBytes, work.Dequeue(), costs);
            blocks.Add(block);
            total += block.Length;
            foreach (int successor in Successors(page, block))
                if (successor is >= 0 and < PageBits.PageSize && compiled[successor >> 2] == 0 && seen.Add(successor))
                    work.Enqueue(successor);
        }
        return blocks;
    }

    private static JitBlock Scan(DecodedOp* page, byte* pageBytes, int start, CostTable costs)
    {
        int offset = start, length = 0;
        while (true)
        {
            if (offset >= PageBits.PageSize) return new JitBlock(start, length, BlockEnd.PageEnd);
            if (length == MaxBlockInstructions) return new JitBlock(start, length, BlockEnd.FallThrough);
            var info = InstructionTable.ForCode(Op(page, pageBytes, offset, costs)->Op);
            if (info is null || (info.Flags & InstructionFlags.System) != 0) return new JitBlock(start, length, BlockEnd.Interpret);
            length++;
            offset += 4;
            if ((info.Flags & InstructionFlags.ControlFlow) != 0) return new JitBlock(start, length, BlockEnd.ControlFlow);
        }
    }

    /// <summary>Byte offsets (in this page or outside it) where control can continue after the block
    /// without leaving the compiled code; register-indirect jumps have none.</summary>
    public static List<int> Successors(DecodedOp* page, JitBlock block)
    {
        var successors = new List<int>(2);
        if (block.End == BlockEnd.FallThrough)
            successors.Add(block.EndOffset);
        else if (block.End == BlockEnd.ControlFlow)
        {
            int last = block.EndOffset - 4;
            DecodedOp d = page[last >> 2];
            var form = InstructionTable.Get((Opcode)d.Op).Form;
            if (form == OperandForm.Branch)
            {
                successors.Add(last + d.Imm);
                successors.Add(block.EndOffset);
            }
            else if (form == OperandForm.Jump)
                successors.Add(last + d.Imm);
        }
        return successors;
    }
}
