// Pseudo-instructions: assembly conveniences that expand into real instructions of the
// table. Each row says how it is written, what it expands to (also shown in docs and
// tests) and builds the real instructions, which then go through the ordinary encoder.
//
// li sizing: li takes one word when the value fits one instruction (addi from r0 for
// -32768..32767, ori from r0 for 0..65535, lui for a multiple of 0x10000), else two
// (lui + ori). The assembler repeats passes until every address is stable; a li's size
// only ever grows from one pass to the next (once two words, always two words), so the
// passes always settle, and a li whose value is a forward reference gets the shortest
// size that fits the value once that value is known.
using R4.Isa;

namespace R4.Assembler;

internal sealed record PseudoInstruction(
    string Mnemonic,
    OperandKind[] Operands,
    string Expansion,
    Func<ParsedOperand[], int, RealInstruction[]> Expand)
{
    /// <summary>True for li, whose size depends on its value.</summary>
    public bool VariableSize => Mnemonic == "li";

    /// <summary>The number of words for operands (for li: the shortest that fits).</summary>
    public int Words(ParsedOperand[] operands) => VariableSize ? PseudoInstructions.LiWords(operands[1].Value) : Expand(operands, 2).Length;
}

internal static class PseudoInstructions
{
    private const int Zero = Registers.Zero;

    public static readonly IReadOnlyList<PseudoInstruction> All =
    [
        new("li", [OperandKind.Rd, OperandKind.Value32],
            "addi rd, r0, imm | ori rd, r0, imm | lui rd, hi(imm) | lui rd, hi(imm); ori rd, rd, lo(imm)", Li),
        new("la", [OperandKind.Rd, OperandKind.Value32],
            "lui rd, hi(label); ori rd, rd, lo(label)", (o, _) => LuiOri(o[0].Register, o[1].Value, o[1].Column)),
        new("mov", [OperandKind.Rd, OperandKind.Rs], "addi rd, rs, 0",
            (o, _) => [new(Opcode.Addi, o[0].Register, o[1].Register, 0, 0, o[1].Column)]),
        new("not", [OperandKind.Rd, OperandKind.Rs], "sub rd, r0, rs; addi rd, rd, -1",
            (o, _) => [new(Opcode.Sub, o[0].Register, Zero, o[1].Register, 0, o[1].Column),
                       new(Opcode.Addi, o[0].Register, o[0].Register, 0, -1, o[1].Column)]),
        new("neg", [OperandKind.Rd, OperandKind.Rs], "sub rd, r0, rs",
            (o, _) => [new(Opcode.Sub, o[0].Register, Zero, o[1].Register, 0, o[1].Column)]),
        new("beqz", [OperandKind.Rs, OperandKind.Target], "beq rs, r0, label",
            (o, _) => [new(Opcode.Beq, 0, o[0].Register, Zero, o[1].Value, o[1].Column)]),
        new("bnez", [OperandKind.Rs, OperandKind.Target], "bne rs, r0, label",
            (o, _) => [new(Opcode.Bne, 0, o[0].Register, Zero, o[1].Value, o[1].Column)]),
        Swapped("bgt", Opcode.Blt, "blt rt, rs, label"),
        Swapped("ble", Opcode.Bge, "bge rt, rs, label"),
        Swapped("bgtu", Opcode.Bltu, "bltu rt, rs, label"),
        Swapped("bleu", Opcode.Bgeu, "bgeu rt, rs, label"),
        new("ret", Encoder.NoOperands, "jr lr", (_, _) => [new(Opcode.Jr, 0, Registers.LinkRegister, 0, 0, 1)]),
    ];

    private static readonly Dictionary<string, PseudoInstruction> ByMnemonic =
        All.ToDictionary(p => p.Mnemonic, StringComparer.OrdinalIgnoreCase);

    public static PseudoInstruction? Find(string mnemonic) => ByMnemonic.GetValueOrDefault(mnemonic);

    /// <summary>bgt rs, rt is blt rt, rs (and so on): the comparison with the operands swapped.</summary>
    private static PseudoInstruction Swapped(string mnemonic, Opcode opcode, string expansion) =>
        new(mnemonic, [OperandKind.Rs, OperandKind.Rt, OperandKind.Target], expansion,
            (o, _) => [new(opcode, 0, o[1].Register, o[0].Register, o[2].Value, o[2].Column)]);

    /// <summary>1 when one instruction can load the 32-bit value, else 2.</summary>
    public static int LiWords(long value)
    {
        uint v = (uint)value;
        return (int)v is >= short.MinValue and <= short.MaxValue || v <= ushort.MaxValue || (v & 0xFFFF) == 0 ? 1 : 2;
    }

    private static RealInstruction[] Li(ParsedOperand[] o, int words)
    {
        int rd = o[0].Register, column = o[1].Column;
        uint v = (uint)o[1].Value;
        if (words == 2 || LiWords(o[1].Value) == 2) return LuiOri(rd, o[1].Value, column);
        if ((int)v is >= short.MinValue and <= short.MaxValue) return [new(Opcode.Addi, rd, Zero, 0, (int)v, column)];
        if (v <= ushort.MaxValue) return [new(Opcode.Ori, rd, Zero, 0, v, column)];
        return [new(Opcode.Lui, rd, 0, 0, v >> 16, column)];
    }

    private static RealInstruction[] LuiOri(int rd, long value, int column)
    {
        uint v = (uint)value;
        return [new(Opcode.Lui, rd, 0, 0, v >> 16, column), new(Opcode.Ori, rd, rd, 0, v & 0xFFFF, column)];
    }
}
