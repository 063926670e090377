// Encodes and decodes instruction words from the instruction table's operand forms.
// Decoding is strict: a word whose opcode is unknown, or whose unused bits are not zero,
// or whose immediate is out of its form's range, is not an instruction (#UD), so that
// every instruction word has exactly one spelling and asm -> disasm -> asm is exact.
namespace R4.Isa;

/// <summary>A decoded instruction. <see cref="Imm"/> is already extended as the form says:
/// sign-extended simm16, zero-extended uimm16, the shift count, the signed word offset of
/// a branch or jump, the vector, the control register number or the port.</summary>
public readonly record struct DecodedInstruction(Opcode Opcode, byte Rd, byte Rs, byte Rt, int Imm)
{
    public InstructionInfo Info => InstructionTable.Get(Opcode);

    /// <summary>The absolute target of a branch or jump at <paramref name="pc"/>.</summary>
    public uint BranchTarget(uint pc) => pc + 4 + (uint)(Imm << 2);
}

public static class InstructionCodec
{
    public const int JumpOffsetMin = -(1 << 23), JumpOffsetMax = (1 << 23) - 1;
    public const int BranchOffsetMin = short.MinValue, BranchOffsetMax = short.MaxValue;

    private const int FieldA = 20, FieldB = 16, FieldC = 12;

    /// <summary>Decodes a word; false when it is not an instruction (the CPU raises #UD).</summary>
    public static bool TryDecode(uint word, out DecodedInstruction instruction)
    {
        instruction = default;
        var info = InstructionTable.ForCode((byte)(word >> 24));
        if (info is null) return false;
        byte a = (byte)((word >> FieldA) & 15), b = (byte)((word >> FieldB) & 15), c = (byte)((word >> FieldC) & 15);
        uint imm16 = word & 0xFFFF;
        int simm16 = (short)imm16;
        var op = info.Opcode;
        switch (info.Form)
        {
            case OperandForm.None:
                if ((word & 0xFFFFFF) != 0) return false;
                instruction = new(op, 0, 0, 0, 0);
                return true;
            case OperandForm.RdRsRt:
                if ((word & 0xFFF) != 0) return false;
                instruction = new(op, a, b, c, 0);
                return true;
            case OperandForm.RdRsSimm16:
            case OperandForm.RdMemory:
                instruction = new(op, a, b, 0, simm16);
                return true;
            case OperandForm.RdRsUimm16:
                instruction = new(op, a, b, 0, (int)imm16);
                return true;
            case OperandForm.RdRsShift:
                if (imm16 > 31) return false;
                instruction = new(op, a, b, 0, (int)imm16);
                return true;
            case OperandForm.RdImm16:
                if (b != 0) return false;
                instruction = new(op, a, 0, 0, (int)imm16);
                return true;
            case OperandForm.RtMemory:
                instruction = new(op, 0, b, a, simm16);
                return true;
            case OperandForm.Branch:
                instruction = new(op, 0, a, b, simm16);
                return true;
            case OperandForm.Jump:
                instruction = new(op, 0, 0, 0, ((int)(word << 8)) >> 8);
                return true;
            case OperandForm.Rs:
                if ((word & 0xF0FFFF) != 0) return false;
                instruction = new(op, 0, b, 0, 0);
                return true;
            case OperandForm.Rd:
                if ((word & 0x0FFFFF) != 0) return false;
                instruction = new(op, a, 0, 0, 0);
                return true;
            case OperandForm.Vector:
                if ((word & 0xFF0000) != 0 || imm16 > 63) return false;
                instruction = new(op, 0, 0, 0, (int)imm16);
                return true;
            case OperandForm.RdControl:
                if (b != 0 || !ControlRegisters.IsDefined(imm16)) return false;
                instruction = new(op, a, 0, 0, (int)imm16);
                return true;
            case OperandForm.ControlRs:
                if (a != 0 || !ControlRegisters.IsDefined(imm16)) return false;
                instruction = new(op, 0, b, 0, (int)imm16);
                return true;
            case OperandForm.RdPort:
                if (b != 0) return false;
                instruction = new(op, a, 0, 0, (int)imm16);
                return true;
            case OperandForm.PortRs:
                if (a != 0) return false;
                instruction = new(op, 0, b, 0, (int)imm16);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Encodes an instruction. Throws <see cref="ArgumentOutOfRangeException"/> when
    /// a register or immediate does not fit its field (the assembler checks ranges first and
    /// reports them with the source position).</summary>
    public static uint Encode(in DecodedInstruction i)
    {
        var info = InstructionTable.Get(i.Opcode);
        uint word = (uint)info.Code << 24;
        switch (info.Form)
        {
            case OperandForm.None:
                return word;
            case OperandForm.RdRsRt:
                return word | Reg(i.Rd) << FieldA | Reg(i.Rs) << FieldB | Reg(i.Rt) << FieldC;
            case OperandForm.RdRsSimm16:
            case OperandForm.RdMemory:
                return word | Reg(i.Rd) << FieldA | Reg(i.Rs) << FieldB | Signed16(i.Imm);
            case OperandForm.RdRsUimm16:
                return word | Reg(i.Rd) << FieldA | Reg(i.Rs) << FieldB | Unsigned(i.Imm, 0xFFFF);
            case OperandForm.RdRsShift:
                return word | Reg(i.Rd) << FieldA | Reg(i.Rs) << FieldB | Unsigned(i.Imm, 31);
            case OperandForm.RdImm16:
                return word | Reg(i.Rd) << FieldA | Unsigned(i.Imm, 0xFFFF);
            case OperandForm.RtMemory:
                return word | Reg(i.Rt) << FieldA | Reg(i.Rs) << FieldB | Signed16(i.Imm);
            case OperandForm.Branch:
                return word | Reg(i.Rs) << FieldA | Reg(i.Rt) << FieldB | Signed16(i.Imm);
            case OperandForm.Jump:
                if (i.Imm < JumpOffsetMin || i.Imm > JumpOffsetMax)
                    throw new ArgumentOutOfRangeException(nameof(i), $"jump offset {i.Imm} does not fit 24 bits");
                return word | ((uint)i.Imm & 0xFFFFFF);
            case OperandForm.Rs:
                return word | Reg(i.Rs) << FieldB;
            case OperandForm.Rd:
                return word | Reg(i.Rd) << FieldA;
            case OperandForm.Vector:
                return word | Unsigned(i.Imm, 63);
            case OperandForm.RdControl:
                return word | Reg(i.Rd) << FieldA | Control(i.Imm);
            case OperandForm.ControlRs:
                return word | Reg(i.Rs) << FieldB | Control(i.Imm);
            case OperandForm.RdPort:
                return word | Reg(i.Rd) << FieldA | Unsigned(i.Imm, 0xFFFF);
            case OperandForm.PortRs:
                return word | Reg(i.Rs) << FieldB | Unsigned(i.Imm, 0xFFFF);
            default:
                throw new InvalidOperationException($"unknown operand form {info.Form}");
        }
    }

    public static uint Encode(Opcode opcode, int rd = 0, int rs = 0, int rt = 0, int imm = 0) =>
        Encode(new DecodedInstruction(opcode, checked((byte)rd), checked((byte)rs), checked((byte)rt), imm));

    private static uint Reg(byte r) => r < 16 ? r : throw new ArgumentOutOfRangeException(nameof(r), $"register r{r} does not exist");

    private static uint Signed16(int value) => value is >= short.MinValue and <= short.MaxValue
        ? (uint)value & 0xFFFF
        : throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit a signed 16-bit field");

    private static uint Unsigned(int value, int max) => value >= 0 && value <= max
        ? (uint)value
        : throw new ArgumentOutOfRangeException(nameof(value), $"{value} is outside 0..{max}");

    private static uint Control(int value) => value >= 0 && ControlRegisters.IsDefined((uint)value)
        ? (uint)value
        : throw new ArgumentOutOfRangeException(nameof(value), $"{value} is not a control register");
}
