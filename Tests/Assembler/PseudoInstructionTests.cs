// Every pseudo-instruction expands to the documented real instructions; li picks the
// shortest sequence, including for forward references.
using R4.Isa;

namespace R4.Tests.AssemblerTests;

public class PseudoInstructionTests
{
    private static uint E(Opcode op, int rd = 0, int rs = 0, int rt = 0, int imm = 0) => InstructionCodec.Encode(op, rd, rs, rt, imm);

    public static IEnumerable<object[]> Expansions =>
    [
        ["li r1, 5", new[] { E(Opcode.Addi, 1, 0, 0, 5) }],
        ["li r1, -32768", new[] { E(Opcode.Addi, 1, 0, 0, -32768) }],
        ["li r1, 32767", new[] { E(Opcode.Addi, 1, 0, 0, 32767) }],
        ["li r1, 0xFFFF8000", new[] { E(Opcode.Addi, 1, 0, 0, -32768) }],
        ["li r1, 0xFFFFFFFF", new[] { E(Opcode.Addi, 1, 0, 0, -1) }],
        ["li r1, 32768", new[] { E(Opcode.Ori, 1, 0, 0, 0x8000) }],
        ["li r1, 0xFFFF", new[] { E(Opcode.Ori, 1, 0, 0, 0xFFFF) }],
        ["li r1, 0x10000", new[] { E(Opcode.Lui, 1, 0, 0, 1) }],
        ["li r1, 0x80000000", new[] { E(Opcode.Lui, 1, 0, 0, 0x8000) }],
        ["li r2, 0x12345678", new[] { E(Opcode.Lui, 2, 0, 0, 0x1234), E(Opcode.Ori, 2, 2, 0, 0x5678) }],
        ["li r2, -32769", new[] { E(Opcode.Lui, 2, 0, 0, 0xFFFF), E(Opcode.Ori, 2, 2, 0, 0x7FFF) }],
        ["li r2, -2147483648", new[] { E(Opcode.Lui, 2, 0, 0, 0x8000) }],
        ["la r3, 0x12345678", new[] { E(Opcode.Lui, 3, 0, 0, 0x1234), E(Opcode.Ori, 3, 3, 0, 0x5678) }],
        ["la r3, 4", new[] { E(Opcode.Lui, 3, 0, 0, 0), E(Opcode.Ori, 3, 3, 0, 4) }],
        ["mov r1, sp", new[] { E(Opcode.Addi, 1, 14, 0, 0) }],
        ["not r1, r2", new[] { E(Opcode.Sub, 1, 0, 2), E(Opcode.Addi, 1, 1, 0, -1) }],
        ["neg r1, r2", new[] { E(Opcode.Sub, 1, 0, 2) }],
        ["beqz r4, 0", new[] { E(Opcode.Beq, 0, 4, 0, -1) }],
        ["bnez r4, 8", new[] { E(Opcode.Bne, 0, 4, 0, 1) }],
        ["bgt r1, r2, 0", new[] { E(Opcode.Blt, 0, 2, 1, -1) }],
        ["ble r1, r2, 0", new[] { E(Opcode.Bge, 0, 2, 1, -1) }],
        ["bgtu r1, r2, 0", new[] { E(Opcode.Bltu, 0, 2, 1, -1) }],
        ["bleu r1, r2, 0", new[] { E(Opcode.Bgeu, 0, 2, 1, -1) }],
        ["ret", new[] { E(Opcode.Jr, rs: 15) }],
        ["RET", new[] { E(Opcode.Jr, rs: 15) }],
    ];

    [Theory]
    [MemberData(nameof(Expansions))]
    public void ExpandsToTheDocumentedInstructions(string source, uint[] expected)
    {
        Assert.Equal(expected, Asm.Words(source));
    }

    [Fact]
    public void LiOfAForwardReferenceTakesTheShortestSizeOnceTheValueIsKnown()
    {
        var words = Asm.Words("""
                    li r1, small
                    li r2, big
                    li r3, end
                    small = 100
                    big = 0x123456
            end:    nop
            """);
        Assert.Equal(new[]
        {
            E(Opcode.Addi, 1, 0, 0, 100),
            E(Opcode.Lui, 2, 0, 0, 0x12), E(Opcode.Ori, 2, 2, 0, 0x3456),
            E(Opcode.Addi, 3, 0, 0, 16),
            E(Opcode.Nop),
        }, words);
    }

    [Theory]
    // 8 + 0xFFF8 = 0x10000 fits lui alone: both stay one word.
    [InlineData(0xFFF8, 0x10000, 1)]
    // 8 + 0xFFFC = 0x10004 needs two words; growing moves 'far' to 0x1000C, still two words.
    [InlineData(0xFFFC, 0x1000C, 2)]
    public void LiSizesThatDependOnTheirOwnLayoutSettle(int spaceBytes, int farAddress, int wordsPerLi)
    {
        string source = $"li r1, far\nli r2, far\n.space {spaceBytes}\nfar: nop";
        Assert.Equal(farAddress, Asm.Symbol(Asm.Ok(source), "far"));
        var words = Asm.Words(source);
        uint[] first = wordsPerLi == 1
            ? [E(Opcode.Lui, 1, 0, 0, farAddress >> 16)]
            : [E(Opcode.Lui, 1, 0, 0, farAddress >> 16), E(Opcode.Ori, 1, 1, 0, farAddress & 0xFFFF)];
        Assert.Equal(first, words[..wordsPerLi]);
    }

    [Fact]
    public void PseudoBranchesUseTheirOwnAddress()
    {
        var words = Asm.Words("start: nop\n beqz r1, start\n bgt r1, r2, start");
        Assert.Equal(E(Opcode.Beq, 0, 1, 0, -2), words[1]);
        Assert.Equal(E(Opcode.Blt, 0, 2, 1, -3), words[2]);
    }
}
