// The encoder: how each operand form of the instruction table is written in assembly, how
// operands are parsed and range-checked, and the final encoding through InstructionCodec.
// Nothing here is per mnemonic: a new row in InstructionTable with an existing form
// assembles without touching this file.
using R4.Isa;

namespace R4.Assembler;

/// <summary>What an operand position holds.</summary>
internal enum OperandKind
{
    Rd, Rs, Rt,
    /// <summary>An expression placed in the immediate field (its range comes from the form).</summary>
    Immediate,
    /// <summary><c>[rs]</c>, <c>[rs + e]</c> or <c>[rs - e]</c>: base register and signed 16-bit offset.</summary>
    Memory,
    /// <summary>A branch or jump target: a label or absolute address, turned into a word offset.</summary>
    Target,
    /// <summary>A control register name (or its number).</summary>
    Control,
    /// <summary>Any 32-bit value (pseudo-instructions li and la).</summary>
    Value32,
}

/// <summary>A parsed operand: a register number or a value, and where it was written.</summary>
internal readonly record struct ParsedOperand(OperandKind Kind, int Register, long Value, int Column);

/// <summary>A real instruction about to be encoded. <see cref="Imm"/> is the immediate, or
/// for branches and jumps the absolute target address.</summary>
internal readonly record struct RealInstruction(Opcode Opcode, int Rd, int Rs, int Rt, long Imm, int ImmColumn);

/// <summary>The allowed range of a form's immediate field and how errors name it.</summary>
internal sealed record ImmediateField(string OperandName, long Minimum, long Maximum, Func<long, string> OutOfRange);

internal static class Encoder
{
    public const long Value32Minimum = int.MinValue, Value32Maximum = uint.MaxValue;

    private static readonly ImmediateField Signed16 = new("simm16", short.MinValue, short.MaxValue,
        v => $"immediate {v} does not fit in signed 16 bits (-32768..32767)");
    private static readonly ImmediateField Unsigned16 = new("imm16", 0, ushort.MaxValue,
        v => $"immediate {v} does not fit in unsigned 16 bits (0..65535)");
    private static readonly ImmediateField Shift = new("imm5", 0, 31,
        v => $"shift count {v} is out of range (0..31)");
    private static readonly ImmediateField Offset = new("[rs + simm16]", short.MinValue, short.MaxValue,
        v => $"offset {v} does not fit in signed 16 bits (-32768..32767)");
    private static readonly ImmediateField Vector = new("vector", 0, Vectors.Count - 1,
        v => $"interrupt vector {v} is out of range (0..{Vectors.Count - 1})");
    private static readonly ImmediateField Port = new("port", 0, ushort.MaxValue,
        v => $"port {v} is out of range (0..65535)");
    private static readonly ImmediateField ControlNumber = new("crname", 0, ControlRegisters.Count - 1,
        v => $"control register {v} does not exist (0..{ControlRegisters.Count - 1})");
    private static readonly ImmediateField BranchOffset = new("label", InstructionCodec.BranchOffsetMin, InstructionCodec.BranchOffsetMax, _ => "");
    private static readonly ImmediateField JumpOffset = new("label", InstructionCodec.JumpOffsetMin, InstructionCodec.JumpOffsetMax, _ => "");

    /// <summary>No operands (not `[]`: Array.Empty&lt;OperandKind&gt; is a generic the .NET JIT compiles at start-up).</summary>
    public static readonly OperandKind[] NoOperands = new OperandKind[0];

    /// <summary>The operands of a form, in the order they are written.</summary>
    public static OperandKind[] Syntax(OperandForm form) => form switch
    {
        OperandForm.None => NoOperands,
        OperandForm.RdRsRt => [OperandKind.Rd, OperandKind.Rs, OperandKind.Rt],
        OperandForm.RdRsSimm16 or OperandForm.RdRsUimm16 or OperandForm.RdRsShift => [OperandKind.Rd, OperandKind.Rs, OperandKind.Immediate],
        OperandForm.RdImm16 => [OperandKind.Rd, OperandKind.Immediate],
        OperandForm.RdMemory => [OperandKind.Rd, OperandKind.Memory],
        OperandForm.RtMemory => [OperandKind.Rt, OperandKind.Memory],
        OperandForm.Branch => [OperandKind.Rs, OperandKind.Rt, OperandKind.Target],
        OperandForm.Jump => [OperandKind.Target],
        OperandForm.Rs => [OperandKind.Rs],
        OperandForm.Rd => [OperandKind.Rd],
        OperandForm.Vector => [OperandKind.Immediate],
        OperandForm.RdControl => [OperandKind.Rd, OperandKind.Control],
        OperandForm.ControlRs => [OperandKind.Control, OperandKind.Rs],
        OperandForm.RdPort => [OperandKind.Rd, OperandKind.Immediate],
        OperandForm.PortRs => [OperandKind.Immediate, OperandKind.Rs],
        _ => throw new InvalidOperationException($"operand form {form} has no assembly syntax"),
    };

    /// <summary>The range of a form's immediate (or offset) field, or null when it has none.</summary>
    public static ImmediateField? FieldOf(OperandForm form) => form switch
    {
        OperandForm.RdRsSimm16 => Signed16,
        OperandForm.RdRsUimm16 or OperandForm.RdImm16 => Unsigned16,
        OperandForm.RdRsShift => Shift,
        OperandForm.RdMemory or OperandForm.RtMemory => Offset,
        OperandForm.Branch => BranchOffset,
        OperandForm.Jump => JumpOffset,
        OperandForm.Vector => Vector,
        OperandForm.RdControl or OperandForm.ControlRs => ControlNumber,
        OperandForm.RdPort or OperandForm.PortRs => Port,
        _ => null,
    };

    /// <summary>"rd, rs, rt" — how the operands of a form are written, for messages and docs.</summary>
    public static string Describe(IReadOnlyList<OperandKind> kinds, OperandForm? form = null) =>
        string.Join(", ", kinds.Select(k => k switch
        {
            OperandKind.Rd => "rd",
            OperandKind.Rs => "rs",
            OperandKind.Rt => "rt",
            OperandKind.Memory => "[rs + simm16]",
            OperandKind.Target => "label",
            OperandKind.Control => "crname",
            OperandKind.Value32 => "imm32",
            _ => form is { } f ? FieldOf(f)!.OperandName : "imm",
        }));

    /// <summary>Parses a statement's operands for the given kinds.</summary>
    public static ParsedOperand[] ParseOperands(string mnemonic, OperandKind[] kinds, OperandForm? form, Statement statement, IExpressionScope scope)
    {
        var operands = statement.Operands;
        if (operands.Count != kinds.Length)
        {
            int column = operands.Count > kinds.Length ? operands[kinds.Length].Column : statement.EndColumn;
            string expected = kinds.Length == 0 ? "no operands" : $"{kinds.Length} operand{(kinds.Length == 1 ? "" : "s")} ({Describe(kinds, form)})";
            throw new AssemblyException($"'{mnemonic.ToLowerInvariant()}' expects {expected}, got {operands.Count}", column);
        }
        var parsed = new ParsedOperand[kinds.Length];
        for (int i = 0; i < kinds.Length; i++)
            parsed[i] = ParseOperand(kinds[i], operands[i], scope);
        return parsed;
    }

    private static ParsedOperand ParseOperand(OperandKind kind, Operand operand, IExpressionScope scope)
    {
        switch (kind)
        {
            case OperandKind.Rd:
            case OperandKind.Rs:
            case OperandKind.Rt:
                return new ParsedOperand(kind, ParseRegister(operand.Tokens[0], operand.Tokens[1], kind.ToString().ToLowerInvariant()), 0, operand.Column);
            case OperandKind.Memory:
                return ParseMemory(operand, scope);
            case OperandKind.Control:
                if (operand.IsSingle(TokenKind.Identifier))
                {
                    if (ControlRegisters.TryParse(operand.First.Text, out var cr))
                        return new ParsedOperand(kind, 0, (int)cr, operand.Column);
                    if (!scope.IsDefined(operand.First.Text, operand.Column))
                        throw new AssemblyException($"unknown control register '{operand.First.Text}' (expected one of " +
                            string.Join(", ", Enumerable.Range(0, ControlRegisters.Count).Select(i => ControlRegisters.Name((ControlRegister)i))) + ")", operand.Column);
                }
                return new ParsedOperand(kind, 0, Evaluate(operand.Tokens, scope), operand.Column);
            case OperandKind.Value32:
                long value = Evaluate(operand.Tokens, scope);
                if (value < Value32Minimum || value > Value32Maximum)
                    throw new AssemblyException($"value {value} does not fit in 32 bits ({Value32Minimum}..{Value32Maximum})", operand.Column);
                return new ParsedOperand(kind, 0, value, operand.Column);
            default:
                return new ParsedOperand(kind, 0, Evaluate(operand.Tokens, scope), operand.Column);
        }
    }

    public static long Evaluate(List<Token> tokens, IExpressionScope scope)
    {
        if (tokens[0].Kind == TokenKind.Identifier && Registers.TryParse(tokens[0].Text, out _) && tokens[1].Kind == TokenKind.End)
            throw new AssemblyException($"expected an expression, found register '{tokens[0].Text}'", tokens[0].Column);
        return ExpressionEvaluator.Evaluate(ExpressionParser.Parse(tokens), scope);
    }

    private static int ParseRegister(Token token, Token next, string role)
    {
        if (token.Kind == TokenKind.Identifier && Registers.TryParse(token.Text, out int register))
        {
            if (next.Kind != TokenKind.End)
                throw new AssemblyException($"unexpected {next.Describe()} after register '{token.Text}'", next.Column);
            return register;
        }
        throw new AssemblyException($"expected a register (r0..r15, zero, fp, sp, lr) for {role}, found {token.Describe()}", token.Column);
    }

    private static ParsedOperand ParseMemory(Operand operand, IExpressionScope scope)
    {
        var tokens = operand.Tokens;
        const string shape = "a memory operand [rs], [rs + offset] or [rs - offset]";
        if (!tokens[0].Is("["))
            throw new AssemblyException($"expected {shape}, found {tokens[0].Describe()}", tokens[0].Column);
        var baseToken = tokens[1];
        if (baseToken.Kind != TokenKind.Identifier || !Registers.TryParse(baseToken.Text, out int baseRegister))
            throw new AssemblyException($"expected a base register after '[', found {baseToken.Describe()}", baseToken.Column);
        int close = tokens.Count - 2; // the token before End
        if (!tokens[close].Is("]"))
            throw new AssemblyException($"missing ']' at the end of {shape}", tokens[close + 1].Column);
        long offset = 0;
        if (close > 2)
        {
            if (!tokens[2].Is("+") && !tokens[2].Is("-"))
                throw new AssemblyException($"expected '+', '-' or ']' after the base register, found {tokens[2].Describe()}", tokens[2].Column);
            // The sign is parsed as a unary operator of the offset expression: [rs - 4 + 2] is rs - 2.
            var offsetTokens = tokens.GetRange(2, close - 2);
            offsetTokens.Add(new Token(TokenKind.End, "", tokens[close].Start, 0));
            offset = ExpressionEvaluator.Evaluate(ExpressionParser.Parse(offsetTokens), scope);
        }
        return new ParsedOperand(OperandKind.Memory, baseRegister, offset, tokens.Count > 3 && close > 2 ? tokens[3].Column : operand.Column);
    }

    /// <summary>Places parsed operands into the fields of a real instruction of a table row.</summary>
    public static RealInstruction Build(InstructionInfo info, ParsedOperand[] operands)
    {
        int rd = 0, rs = 0, rt = 0, immColumn = 1;
        long imm = 0;
        foreach (var operand in operands)
        {
            switch (operand.Kind)
            {
                case OperandKind.Rd: rd = operand.Register; break;
                case OperandKind.Rs: rs = operand.Register; break;
                case OperandKind.Rt: rt = operand.Register; break;
                case OperandKind.Memory: rs = operand.Register; imm = operand.Value; immColumn = operand.Column; break;
                default: imm = operand.Value; immColumn = operand.Column; break;
            }
        }
        return new RealInstruction(info.Opcode, rd, rs, rt, imm, immColumn);
    }

    /// <summary>Range-checks and encodes one instruction at address <paramref name="pc"/>.</summary>
    public static uint Encode(in RealInstruction instruction, long pc)
    {
        var info = InstructionTable.Get(instruction.Opcode);
        long imm = instruction.Imm;
        if (info.Form is OperandForm.Branch or OperandForm.Jump)
            imm = WordOffset(info.Form, imm, pc, instruction.ImmColumn);
        else if (FieldOf(info.Form) is { } field && (imm < field.Minimum || imm > field.Maximum))
            throw new AssemblyException(field.OutOfRange(imm), instruction.ImmColumn);
        return InstructionCodec.Encode(new DecodedInstruction(instruction.Opcode,
            (byte)instruction.Rd, (byte)instruction.Rs, (byte)instruction.Rt, (int)imm));
    }

    /// <summary>The word offset from the next instruction to <paramref name="target"/>. Addresses
    /// wrap modulo 2^32 as the pc does, so the distance is taken as a signed 32-bit number.</summary>
    private static long WordOffset(OperandForm form, long target, long pc, int column)
    {
        string what = form == OperandForm.Branch ? "branch" : "jump";
        if (target < int.MinValue || target > uint.MaxValue)
            throw new AssemblyException($"{what} target {target} is not a 32-bit address", column);
        uint address = (uint)target;
        if ((address & 3) != 0)
            throw new AssemblyException($"{what} target 0x{address:x8} is not 4-byte aligned", column);
        long offset = (int)(address - (uint)(pc + 4)) / 4;
        var field = FieldOf(form)!;
        if (offset < field.Minimum || offset > field.Maximum)
            throw new AssemblyException(
                $"{what} target 0x{address:x8} is out of range (offset {offset} words, allowed {field.Minimum}..{field.Maximum})", column);
        return offset;
    }
}
