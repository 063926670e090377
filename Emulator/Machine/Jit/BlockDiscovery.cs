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
    /// not following into blocks <paramref name="compiled"/> already has (the new code jumps to those).
    /// Arrays rather than List/HashSet/Queue of our own types: those generic instantiations are not
    /// in the ReadyToRun image and cost the .NET JIT milliseconds on a run's first compile.</summary>
    public static JitBlock[] Discover(DecodedOp* page, byte* pageBytes, int entryOffset, CostTable costs, nint* compiled)
    {
        var blocks = new JitBlock[16];
        int count = 0;
        var seen = new bool[DecodedCodeCache.OpsPerPage];
        var work = new int[DecodedCodeCache.OpsPerPage];   // each offset is queued at most once
        int head = 0, tail = 0;
        seen[entryOffset >> 2] = true;
        work[tail++] = entryOffset;
        int total = 0;
        Span<int> successors = stackalloc int[2];
        while (head < tail && total < MaxRegionInstructions)
        {
            var block = Scan(page, pageBytes, work[head++], costs);
            if (count == blocks.Length) blocks = Copy(blocks, 2 * count);
            blocks[count++] = block;
            total += block.Length;
            int n = Successors(page, block, successors);
            for (int i = 0; i < n; i++)
            {
                int successor = successors[i];
                if (successor is >= 0 and < PageBits.PageSize && compiled[successor >> 2] == 0 && !seen[successor >> 2])
                {
                    seen[successor >> 2] = true;
                    work[tail++] = successor;
                }
            }
        }
        return Copy(blocks, count);
    }

    /// <summary>The first blocks into a new array of <paramref name="length"/> (a loop, not
    /// Array.Resize: its instantiation for JitBlock is not in the ReadyToRun image).</summary>
    private static JitBlock[] Copy(JitBlock[] blocks, int length)
    {
        var copy = new JitBlock[length];
        for (int i = 0; i < Math.Min(length, blocks.Length); i++) copy[i] = blocks[i];
        return copy;
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
    /// without leaving the compiled code, written to <paramref name="successors"/> (room for two);
    /// returns how many. Register-indirect jumps have none.</summary>
    public static int Successors(DecodedOp* page, JitBlock block, Span<int> successors)
    {
        if (block.End == BlockEnd.FallThrough)
        {
            successors[0] = block.EndOffset;
            return 1;
        }
        if (block.End != BlockEnd.ControlFlow) return 0;
        int last = block.EndOffset - 4;
        DecodedOp d = page[last >> 2];
        var form = InstructionTable.Get((Opcode)d.Op).Form;
        if (form == OperandForm.Branch)
        {
            successors[0] = last + d.Imm;
            successors[1] = block.EndOffset;
            return 2;
        }
        if (form == OperandForm.Jump)
        {
            successors[0] = last + d.Imm;
            return 1;
        }
        return 0;
    }
}
