// docs/assembly.md stays true: its asm examples assemble, and it documents every
// pseudo-instruction (with the expansion the assembler produces) and every directive.
using System.Text.RegularExpressions;
using R4.Isa;

namespace R4.Tests.AssemblerTests;

public class AssemblyGuideTests
{
    private static readonly string Guide = File.ReadAllText(RepositoryPaths.Combine("docs", "assembly.md"));

    public static IEnumerable<object[]> Examples =>
        Regex.Matches(Guide, "```asm\n(.*?)```", RegexOptions.Singleline).Select((m, i) => new object[] { i, m.Groups[1].Value });

    [Theory]
    [MemberData(nameof(Examples))]
    public void EveryExampleAssembles(int index, string source)
    {
        _ = index;
        Asm.Ok(source);
    }

    [Fact]
    public void HelloExampleEncodesAsDescribed()
    {
        var bytes = Asm.Bytes((string)Examples.First()[1]);
        uint Word(int i) => BitConverter.ToUInt32(bytes, 4 * i);
        // la r1, message (two words), then ldbu r2, [r1]; the string follows the 8 instructions.
        Assert.Equal(InstructionCodec.Encode(Opcode.Lui, 1, 0, 0, 0), Word(0));
        Assert.Equal(InstructionCodec.Encode(Opcode.Ori, 1, 1, 0, 32), Word(1));
        Assert.Equal(InstructionCodec.Encode(Opcode.Ldbu, 2, 1, 0, 0), Word(2));
        Assert.Equal("Hello, world!\n\0"u8.ToArray(), bytes[32..]);
    }

    [Theory]
    [InlineData("li", "`li rd, imm`")]
    [InlineData("la", "`lui rd, hi(label)` + `ori rd, rd, lo(label)`")]
    [InlineData("mov", "`addi rd, rs, 0`")]
    [InlineData("not", "`sub rd, r0, rs` + `addi rd, rd, -1`")]
    [InlineData("neg", "`sub rd, r0, rs`")]
    [InlineData("beqz", "`beq rs, r0, label`")]
    [InlineData("bnez", "`bne rs, r0, label`")]
    [InlineData("bgt", "`blt rt, rs, label`")]
    [InlineData("ble", "`bge rt, rs, label`")]
    [InlineData("bgtu", "`bltu rt, rs, label`")]
    [InlineData("bleu", "`bgeu rt, rs, label`")]
    [InlineData("ret", "`jr lr`")]
    public void DocumentsEveryPseudoInstruction(string mnemonic, string expansion)
    {
        Assert.Contains($"| `{mnemonic}", Guide);
        Assert.Contains(expansion, Guide);
    }

    [Theory]
    [InlineData(".org")]
    [InlineData(".entry")]
    [InlineData(".word")]
    [InlineData(".half")]
    [InlineData(".byte")]
    [InlineData(".ascii")]
    [InlineData(".asciz")]
    [InlineData(".space")]
    [InlineData(".align")]
    [InlineData(".equ")]
    [InlineData(".include")]
    [InlineData(".macro")]
    [InlineData(".endm")]
    [InlineData(".if")]
    [InlineData(".else")]
    [InlineData(".endif")]
    public void DocumentsEveryDirective(string directive)
    {
        Assert.Contains($"`{directive}", Guide);
    }
}
