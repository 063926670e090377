// The interpreter's compact form of one instruction word (16 bytes), produced once per word
// from the instruction table's codec and kept in the per-page decoded-code cache. Operand
// fields are pre-arranged so the dispatch loop does no bit fiddling: r0 destinations point
// at the discard slot, branch and jump offsets are byte offsets from this instruction, and
// lui's immediate is already shifted, and the instruction's modelled cycles ride along
// (also as the difference to an ALU instruction's, which is what the interpreter adds).
using System.Runtime.InteropServices;
using R4.Isa;

namespace R4.Machine;

[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct DecodedOp
{
    // NotDecoded and PageEnd sit right after the last opcode (out, 0x68), so the interpreter's
    // switch over Op is one dense jump table from 0: no rebasing subtraction and no separate
    // compares for the two markers (C# splits a switch whose values leave a wide gap).
    // A test checks that no opcode takes these values.

    /// <summary>Marks a cache slot whose word has not been decoded yet (or was overwritten).
    /// Not an R4 opcode; <see cref="Opcode.Invalid"/> (0) marks words that are not instructions.</summary>
    public const byte NotDecoded = 0x6A;

    /// <summary>The sentinel after the last word of every decoded page: running into it means
    /// execution fell through to the next page (the interpreter fetches that page).</summary>
    public const byte PageEnd = 0x69;

    /// <summary>The <see cref="Opcode"/> byte, <see cref="Opcode.Invalid"/>, <see cref="NotDecoded"/> or <see cref="PageEnd"/>.</summary>
    public byte Op;
    /// <summary>Destination register (A field); 16 (discard) when the instruction writes r0.</summary>
    public byte Rd;
    /// <summary>Source / base register.</summary>
    public byte Rs;
    /// <summary>Second source; for stores the register holding the value.</summary>
    public byte Rt;
    /// <summary>Extended immediate: simm16/uimm16/shift, lui's value &lt;&lt; 16, branch and jump
    /// offsets as 4 + 4 * offset (bytes from this instruction), vector, control register or port.</summary>
    public int Imm;
    /// <summary>Cycles charged when the instruction retires (its cost class's entry).</summary>
    public uint Cycles;
    /// <summary><see cref="Cycles"/> minus the ALU class's cycles (0 for every ALU-class
    /// instruction, may be negative with a custom cost table). The interpreter's fast loop
    /// charges each retired instruction the ALU cycles implicitly (it counts instructions by
    /// their position, not one by one) and adds this only in the cases of other classes, so
    /// an ALU instruction pays nothing for cycle accounting.</summary>
    public int ExtraCycles;

    public static DecodedOp Decode(uint word, CostTable costs)
    {
        if (!InstructionCodec.TryDecode(word, out var i))
            return new DecodedOp { Op = (byte)Opcode.Invalid };
        var info = InstructionTable.Get(i.Opcode);
        var op = new DecodedOp { Op = (byte)i.Opcode, Rd = i.Rd, Rs = i.Rs, Rt = i.Rt, Imm = i.Imm, Cycles = (uint)costs.CyclesByClass[(int)info.CostClass] };
        op.ExtraCycles = (int)op.Cycles - costs.CyclesByClass[(int)CostClass.Alu];
        if ((info.Flags & InstructionFlags.WritesRd) != 0 && op.Rd == 0)
            op.Rd = CpuState.DiscardRegister;
        switch (info.Form)
        {
            case OperandForm.Branch:
            case OperandForm.Jump:
                op.Imm = 4 + 4 * i.Imm;
                break;
            case OperandForm.RdImm16:
                op.Imm = i.Imm << 16;
                break;
        }
        return op;
    }
}
