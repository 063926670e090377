// Table-driven checks of the encoding: every row encodes and decodes back exactly, and
// words with stray bits or out-of-range fields are not instructions.
using R4.Isa;

namespace R4.Tests.Isa;

public class InstructionCodecTests
{
    public static IEnumerable<object[]> Rows => InstructionTable.All.Select(i => new object[] { i.Mnemonic });

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryFormRoundTrips(string mnemonic)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        foreach (var sample in Samples(info))
        {
            uint word = InstructionCodec.Encode(sample);
            Assert.Equal((byte)info.Opcode, (byte)(word >> 24));
            Assert.True(InstructionCodec.TryDecode(word, out var decoded), $"{mnemonic}: 0x{word:x8} did not decode");
            Assert.Equal(sample, decoded);
        }
    }

    [Fact]
    public void OpcodeZeroAndUnusedOpcodesAreNotInstructions()
    {
        Assert.False(InstructionCodec.TryDecode(0, out _));
        for (int op = 0; op < 256; op++)
            if (InstructionTable.ForCode((byte)op) is null)
                Assert.False(InstructionCodec.TryDecode((uint)op << 24, out _));
    }

    [Theory]
    [InlineData(Opcode.Add, 0x00000001u)]   // stray bits below rt
    [InlineData(Opcode.Hlt, 0x00000100u)]   // operand bits on a no-operand instruction
    [InlineData(Opcode.Shli, 0x00000020u)]  // shift count 32
    [InlineData(Opcode.Int, 0x00000040u)]   // vector 64
    [InlineData(Opcode.Mfcr, 0x0000000Au)]  // control register 10 does not exist
    [InlineData(Opcode.Lui, 0x00010000u)]   // rs field on lui
    [InlineData(Opcode.Push, 0x00100000u)]  // rd field on push
    [InlineData(Opcode.Pop, 0x00010000u)]   // rs field on pop
    public void StrayBitsMakeAWordUndefined(Opcode opcode, uint operandBits)
    {
        uint word = (uint)opcode << 24 | operandBits;
        Assert.False(InstructionCodec.TryDecode(word, out _), $"0x{word:x8} should be #UD");
    }

    [Fact]
    public void BranchTargetIsRelativeToTheNextInstruction()
    {
        var branch = new DecodedInstruction(Opcode.Beq, 0, 1, 2, -1);
        Assert.Equal(0x1000u, branch.BranchTarget(0x1000));
        Assert.Equal(0x1000u + 4 + 4 * 10, (branch with { Imm = 10 }).BranchTarget(0x1000));
    }

    [Fact]
    public void EncodeRejectsFieldsThatDoNotFit()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InstructionCodec.Encode(Opcode.Addi, 1, 1, 0, 40000));
        Assert.Throws<ArgumentOutOfRangeException>(() => InstructionCodec.Encode(Opcode.Andi, 1, 1, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => InstructionCodec.Encode(Opcode.Jmp, imm: 1 << 23));
        Assert.Throws<ArgumentOutOfRangeException>(() => InstructionCodec.Encode(Opcode.Int, imm: 64));
    }

    /// <summary>Representative operands per form, extremes included.</summary>
    public static IEnumerable<DecodedInstruction> Samples(InstructionInfo info)
    {
        var op = info.Opcode;
        return info.Form switch
        {
            OperandForm.None => [new(op, 0, 0, 0, 0)],
            OperandForm.RdRsRt => [new(op, 1, 2, 3, 0), new(op, 15, 0, 14, 0), new(op, 0, 15, 15, 0)],
            OperandForm.RdRsSimm16 or OperandForm.RdMemory => [new(op, 1, 2, 0, 0), new(op, 15, 14, 0, -32768), new(op, 3, 0, 0, 32767), new(op, 4, 5, 0, -1)],
            OperandForm.RdRsUimm16 => [new(op, 1, 2, 0, 0), new(op, 15, 14, 0, 65535), new(op, 3, 0, 0, 0x8000)],
            OperandForm.RdRsShift => [new(op, 1, 2, 0, 0), new(op, 15, 14, 0, 31)],
            OperandForm.RdImm16 => [new(op, 1, 0, 0, 0), new(op, 15, 0, 0, 65535)],
            OperandForm.RtMemory => [new(op, 0, 2, 1, 0), new(op, 0, 14, 15, -32768), new(op, 0, 0, 3, 32767)],
            OperandForm.Branch => [new(op, 0, 1, 2, 0), new(op, 0, 15, 0, -32768), new(op, 0, 0, 15, 32767)],
            OperandForm.Jump => [new(op, 0, 0, 0, 0), new(op, 0, 0, 0, InstructionCodec.JumpOffsetMin), new(op, 0, 0, 0, InstructionCodec.JumpOffsetMax), new(op, 0, 0, 0, -1)],
            OperandForm.Rs => [new(op, 0, 1, 0, 0), new(op, 0, 15, 0, 0)],
            OperandForm.Rd => [new(op, 1, 0, 0, 0), new(op, 15, 0, 0, 0)],
            OperandForm.Vector => [new(op, 0, 0, 0, 0), new(op, 0, 0, 0, 32), new(op, 0, 0, 0, 63)],
            OperandForm.RdControl => Enumerable.Range(0, ControlRegisters.Count).Select(cr => new DecodedInstruction(op, 7, 0, 0, cr)),
            OperandForm.ControlRs => Enumerable.Range(0, ControlRegisters.Count).Select(cr => new DecodedInstruction(op, 0, 7, 0, cr)),
            OperandForm.RdPort => [new(op, 1, 0, 0, 0), new(op, 15, 0, 0, 0xF1), new(op, 2, 0, 0, 0xFFFF)],
            OperandForm.PortRs => [new(op, 0, 1, 0, 0), new(op, 0, 15, 0, 0xF0), new(op, 0, 2, 0, 0xFFFF)],
            _ => throw new ArgumentOutOfRangeException(nameof(info)),
        };
    }
}
