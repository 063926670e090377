// Macros (parameters, \@ unique labels, nesting), conditionals (nesting, defined(),
// conditionals inside macros) and includes (relative paths, nested, listing).
using R4.Isa;

namespace R4.Tests.AssemblerTests;

public class PreprocessorTests
{
    private static uint E(Opcode op, int rd = 0, int rs = 0, int rt = 0, int imm = 0) => InstructionCodec.Encode(op, rd, rs, rt, imm);

    [Fact]
    public void MacroParametersAreSubstituted()
    {
        var words = Asm.Words("""
            .macro addk dst, src, k
                    addi \dst, \src, \k * 2
            .endm
                    addk r1, r2, 3
                    ADDK sp, sp, (1 + 1)
            """);
        Assert.Equal(new[] { E(Opcode.Addi, 1, 2, 0, 6), E(Opcode.Addi, 14, 14, 0, 4) }, words);
    }

    [Fact]
    public void BackslashAtGivesEachExpansionItsOwnLabels()
    {
        var result = Asm.Ok("""
            .macro spin reg
            wait_\@:
                    bnez \reg, wait_\@
            .endm
            main:   spin r1
                    spin r2
            """);
        Assert.Equal(0, Asm.Symbol(result, "wait_0"));
        Assert.Equal(4, Asm.Symbol(result, "wait_1"));
        Assert.Equal(new[] { E(Opcode.Bne, 0, 1, 0, -1), E(Opcode.Bne, 0, 2, 0, -1) }, Asm.Words("""
            .macro spin reg
            .w\@:   bnez \reg, .w\@
            .endm
            main:   spin r1
                    spin r2
            """));
    }

    [Fact]
    public void MacrosMayCallMacrosAndUseConditionals()
    {
        var words = Asm.Words("""
            .macro inc r
                    addi \r, \r, 1
            .endm
            .macro twice r, n
            .if \n > 1
                    inc \r
                    inc \r
            .else
                    inc \r
            .endif
            .endm
                    twice r1, 2
                    twice r2, 1
            """);
        Assert.Equal(new[] { E(Opcode.Addi, 1, 1, 0, 1), E(Opcode.Addi, 1, 1, 0, 1), E(Opcode.Addi, 2, 2, 0, 1) }, words);
    }

    [Fact]
    public void MacroArgumentsMayHoldCommasInsideBracketsAndStrings()
    {
        var words = Asm.Words("""
            .macro load r, mem
                    ldw \r, \mem
            .endm
            .macro text s
                    .ascii \s
            .endm
                    load r1, [sp + 4]
                    text "a,;b"
            """);
        Assert.Equal(E(Opcode.Ldw, 1, 14, 0, 4), words[0]);
        Assert.Equal("a,;b"u8.ToArray(), BitConverter.GetBytes(words[1]));
    }

    [Fact]
    public void MacroLinesPointAtTheMacroBody()
    {
        var image = Asm.Ok(".macro two\nnop\nnop\n.endm\nnop\ntwo", fileName: "m.asm").Image!;
        Assert.Equal(new[] { 5, 2, 3 }, image.Lines.Select(l => l.Line).ToArray());
    }

    [Theory]
    [InlineData("1", new uint[] { 1 })]
    [InlineData("0", new uint[] { 2 })]
    public void IfElseEndif(string condition, uint[] expected)
    {
        Assert.Equal(expected, Asm.Words($".if {condition}\n.word 1\n.else\n.word 2\n.endif"));
    }

    [Fact]
    public void ConditionalsNest()
    {
        const string source = """
            .if A
              .if B
                .word 1
              .else
                .word 2
              .endif
            .else
              .if B
                .word 3
              .else
                .word 4
              .endif
            .endif
            """;
        foreach (var (a, b, expected) in new[] { (1, 1, 1u), (1, 0, 2u), (0, 1, 3u), (0, 0, 4u) })
            Assert.Equal(new[] { expected }, Asm.Words(source, new Dictionary<string, long> { ["A"] = a, ["B"] = b }));
    }

    [Fact]
    public void SkippedBranchesAreNotAssembled()
    {
        // Nonsense inside a false branch is not an error; nested .if in it are still counted.
        Assert.Equal(new uint[] { 7 }, Asm.Words(".if 0\n  garbage here !!\n  .if 1\n  .else\n  .endif\n.endif\n.word 7"));
    }

    [Fact]
    public void DefinedGuardsADefault()
    {
        const string source = ".if !defined(N)\nN = 10\n.endif\n.word N";
        Assert.Equal(new uint[] { 10 }, Asm.Words(source));
        Assert.Equal(new uint[] { 99 }, Asm.Words(source, new Dictionary<string, long> { ["N"] = 99 }));
    }

    [Fact]
    public void IncludesAreRelativeToTheIncludingFile()
    {
        using var dir = new TempDirectory();
        dir.Write("main.asm", ".include \"lib/a.inc\"\n.word A, B");
        dir.Write("lib/a.inc", "A = 1\n.include \"b.inc\"");
        dir.Write("lib/b.inc", "B = 2\n.word 3");
        var result = R4.Assembler.R4Assembler.AssembleFile(dir.PathOf("main.asm"));
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        Assert.Equal(new byte[] { 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0 }, result.ToFlatBinary(out _));
        Assert.Equal(dir.PathOf("lib/b.inc"), result.Image!.Lines[0].File);
        Assert.Equal(2, result.Image.Lines[0].Line);
    }

    [Fact]
    public void MacroDefinedInAnIncludeReportsItsBodyLineInThatFile()
    {
        using var dir = new TempDirectory();
        dir.Write("main.asm", ".include \"m.inc\"\nnop\n  load r1, 5\n  load r2, 70000");
        dir.Write("m.inc", "; macros\n.macro load r, v\n  addi \\r, r0, \\v\n.endm");
        var result = R4.Assembler.R4Assembler.AssembleFile(dir.PathOf("main.asm"));
        Assert.Equal(
            $"{dir.PathOf("m.inc")}:3:16: error: immediate 70000 does not fit in signed 16 bits (-32768..32767) (in macro 'load' expanded at {dir.PathOf("main.asm")}:4)\n" +
            "  addi r2, r0, 70000\n" +
            "               ^",
            Assert.Single(result.Errors).Format());
        dir.Write("main.asm", ".include \"m.inc\"\nnop\n  load r1, 5");
        var image = R4.Assembler.R4Assembler.AssembleFile(dir.PathOf("main.asm")).Image!;
        Assert.Equal(new R4.Isa.Image.SourceLine(4, dir.PathOf("m.inc"), 3), image.Lines[1]);
    }

    [Fact]
    public void AssembleTextResolvesIncludesFromTheGivenFileName()
    {
        using var dir = new TempDirectory();
        dir.Write("x.inc", "X = 42");
        var result = R4.Assembler.R4Assembler.AssembleText(".include \"x.inc\"\n.word X", dir.PathOf("virtual.asm"));
        Assert.True(result.Succeeded);
        Assert.Equal(new byte[] { 42, 0, 0, 0 }, result.ToFlatBinary(out _));
    }

    [Fact]
    public void ListingShowsAddressesCodeAndEverySourceLine()
    {
        var result = Asm.Ok(".macro two\nnop\n.word 1\n.endm\nstart: li r1, 0x12345678\n  two\n.asciz \"hello, world\"");
        string nop = E(Opcode.Nop).ToString("x8");
        Assert.Equal(
            "                                          1  .macro two\n" +
            "                                          2  nop\n" +
            "                                          3  .word 1\n" +
            "                                          4  .endm\n" +
            "00000000  29101234 22115678               5  start: li r1, 0x12345678\n" +
            "                                          6    two\n" +
            $"00000008  {nop}                        2+ nop\n" +
            "0000000c  01 00 00 00                     3+ .word 1\n" +
            "00000010  68 65 6c 6c 6f 2c 20 77...      7  .asciz \"hello, world\"\n",
            result.Listing);
    }
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("r4asm-").FullName;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Write(string relative, string text)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
