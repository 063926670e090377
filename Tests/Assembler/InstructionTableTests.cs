// Table-driven: every row of the instruction table assembles, for several operand values
// including the extremes of each field, to exactly what InstructionCodec.Encode gives for
// those operands. The source text is written here from the operand form (independently of
// the assembler's own syntax table), so a wrong field order or range shows up.
using R4.Isa;

namespace R4.Tests.AssemblerTests;

public class InstructionTableTests
{
    /// <summary>Where the samples are placed: far enough from 0 that every branch and jump
    /// offset, including the most negative, lands on a valid address.</summary>
    private const uint Base = 0x0200_0000;

    public static IEnumerable<object[]> Rows => InstructionTable.All.Select(i => new object[] { i.Mnemonic });

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryRowAssemblesToTheCodecsEncoding(string mnemonic)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        var samples = Samples(info.Form).Select(s => s with { Opcode = info.Opcode }).ToList();
        var source = new System.Text.StringBuilder($".org 0x{Base:x}\n");
        for (int i = 0; i < samples.Count; i++)
            source.Append(Text(mnemonic, samples[i], Base + 4 * (uint)i)).Append('\n');

        var words = Asm.Words(source.ToString());

        Assert.Equal(samples.Select(s => InstructionCodec.Encode(s)).ToArray(), words);
    }

    /// <summary>asm -> disasm -> asm is exact: the disassembler's text for every sample
    /// assembles back to the same word at the same address.</summary>
    [Theory]
    [MemberData(nameof(Rows))]
    public void DisassemblerTextAssemblesBackToTheSameWord(string mnemonic)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        foreach (var sample in Samples(info.Form).Select(s => s with { Opcode = info.Opcode }))
        {
            uint word = InstructionCodec.Encode(sample);
            string text = R4.Assembler.Disassembler.Format(word, Base);
            Assert.Equal(word, Asm.Words($".org 0x{Base:x}\n{text}")[0]);
        }
    }

    [Fact]
    public void BranchTargetsWrapAroundTheAddressSpaceLikeThePc()
    {
        Assert.Equal(InstructionCodec.Encode(Opcode.Beq, 0, 1, 2, -32768), Asm.Words(".org 0x1000\nbeq r1, r2, 0xfffe1004")[0]);
        Assert.Equal(InstructionCodec.Encode(Opcode.Jmp, imm: -2), Asm.Words("jmp -4")[0]);
    }

    [Fact]
    public void MnemonicsRegistersAndControlRegistersAreCaseInsensitive()
    {
        var words = Asm.Words("ADD R1, Sp, LR\nMfCr ZERO, PTBR\nMTCR Scratch1, FP");
        Assert.Equal(new[]
        {
            InstructionCodec.Encode(Opcode.Add, 1, 14, 15),
            InstructionCodec.Encode(Opcode.Mfcr, 0, imm: (int)ControlRegister.Ptbr),
            InstructionCodec.Encode(Opcode.Mtcr, rs: 13, imm: (int)ControlRegister.Scratch1),
        }, words);
    }

    [Fact]
    public void ControlRegistersMayAlsoBeGivenByNumber()
    {
        Assert.Equal(InstructionCodec.Encode(Opcode.Mfcr, 3, imm: 9), Asm.Words("mfcr r3, 9")[0]);
    }

    /// <summary>Operand samples for a form: registers 0, 1 and 15 in every field and the
    /// immediate field's extremes.</summary>
    private static IEnumerable<DecodedInstruction> Samples(OperandForm form)
    {
        int[] registers = [0, 15, 1];
        int[] immediates = form switch
        {
            OperandForm.RdRsSimm16 or OperandForm.RdMemory or OperandForm.RtMemory or OperandForm.Branch => [-32768, -1, 0, 1, 32767],
            OperandForm.RdRsUimm16 or OperandForm.RdImm16 or OperandForm.RdPort or OperandForm.PortRs => [0, 1, 0x8000, 0xFFFF],
            OperandForm.RdRsShift => [0, 1, 31],
            OperandForm.Jump => [InstructionCodec.JumpOffsetMin, -1, 0, InstructionCodec.JumpOffsetMax],
            OperandForm.Vector => [0, 32, 63],
            OperandForm.RdControl or OperandForm.ControlRs => Enumerable.Range(0, ControlRegisters.Count).ToArray(),
            _ => [0],
        };
        int n = Math.Max(registers.Length, immediates.Length);
        for (int i = 0; i < n; i++)
        {
            byte a = (byte)registers[i % 3], b = (byte)registers[(i + 1) % 3], c = (byte)registers[(i + 2) % 3];
            int imm = immediates[i % immediates.Length];
            yield return form switch
            {
                OperandForm.None => new(default, 0, 0, 0, 0),
                OperandForm.RdRsRt => new(default, a, b, c, 0),
                OperandForm.RdRsSimm16 or OperandForm.RdRsUimm16 or OperandForm.RdRsShift or OperandForm.RdMemory => new(default, a, b, 0, imm),
                OperandForm.RdImm16 or OperandForm.RdControl or OperandForm.RdPort => new(default, a, 0, 0, imm),
                OperandForm.RtMemory => new(default, 0, b, c, imm),
                OperandForm.Branch => new(default, 0, a, b, imm),
                OperandForm.Jump or OperandForm.Vector => new(default, 0, 0, 0, imm),
                OperandForm.Rs => new(default, 0, b, 0, 0),
                OperandForm.Rd => new(default, a, 0, 0, 0),
                OperandForm.ControlRs or OperandForm.PortRs => new(default, 0, b, 0, imm),
                _ => throw new InvalidOperationException($"no samples for {form}"),
            };
        }
    }

    private static string Text(string mnemonic, DecodedInstruction i, uint pc)
    {
        var form = InstructionTable.ForMnemonic(mnemonic)!.Form;
        string Memory() => i.Imm < 0 ? $"[r{i.Rs} - {-i.Imm}]" : i.Imm == 0 ? $"[r{i.Rs}]" : $"[r{i.Rs} + {i.Imm}]";
        string Target() => $"0x{pc + 4 + 4 * (long)i.Imm:x}";
        string Control() => ControlRegisters.Name((ControlRegister)i.Imm);
        return form switch
        {
            OperandForm.None => mnemonic,
            OperandForm.RdRsRt => $"{mnemonic} r{i.Rd}, r{i.Rs}, r{i.Rt}",
            OperandForm.RdRsSimm16 or OperandForm.RdRsUimm16 or OperandForm.RdRsShift => $"{mnemonic} r{i.Rd}, r{i.Rs}, {i.Imm}",
            OperandForm.RdImm16 or OperandForm.RdPort => $"{mnemonic} r{i.Rd}, {i.Imm}",
            OperandForm.RdMemory => $"{mnemonic} r{i.Rd}, {Memory()}",
            OperandForm.RtMemory => $"{mnemonic} r{i.Rt}, {Memory()}",
            OperandForm.Branch => $"{mnemonic} r{i.Rs}, r{i.Rt}, {Target()}",
            OperandForm.Jump => $"{mnemonic} {Target()}",
            OperandForm.Rs => $"{mnemonic} r{i.Rs}",
            OperandForm.Rd => $"{mnemonic} r{i.Rd}",
            OperandForm.Vector => $"{mnemonic} {i.Imm}",
            OperandForm.RdControl => $"{mnemonic} r{i.Rd}, {Control()}",
            OperandForm.ControlRs => $"{mnemonic} {Control()}, r{i.Rs}",
            OperandForm.PortRs => $"{mnemonic} {i.Imm}, r{i.Rs}",
            _ => throw new InvalidOperationException($"no syntax for {form}"),
        };
    }
}
