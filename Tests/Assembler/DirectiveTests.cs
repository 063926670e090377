// Directives: data, strings, space, alignment, origins and segments, the entry point rule,
// symbols and the line table of the image, flat binaries.
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.AssemblerTests;

public class DirectiveTests
{
    [Fact]
    public void DataDirectivesAreLittleEndian()
    {
        var bytes = Asm.Bytes(".word 0x11223344, -1\n.half 0xBEEF, -2\n.byte 1, 255, -128");
        Assert.Equal(new byte[] { 0x44, 0x33, 0x22, 0x11, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xBE, 0xFE, 0xFF, 1, 255, 0x80 }, bytes);
    }

    [Fact]
    public void StringsWithEscapes()
    {
        var bytes = Asm.Bytes(".ascii \"a\\tb\\n\", \"c\"\n.asciz \"\\\"q\\\" \\\\ \\' \\0x\"");
        Assert.Equal("a\tb\nc\"q\" \\ ' \0x\0"u8.ToArray(), bytes);
    }

    [Fact]
    public void SpaceWithAndWithoutFill()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0xAA, 0xAA }, Asm.Bytes(".space 3\n.space 2, 0xAA"));
        Assert.Equal(new byte[] { 0xFF }, Asm.Bytes(".space 1, -1"));
    }

    [Fact]
    public void AnErrorInAFillDoesNotMoveTheLayout()
    {
        // The fill is a forward reference that does not fit a byte: one error for it, and
        // the .space keeps its size, so the passes settle and report nothing else.
        var errors = Asm.Errors(".space 300, y\ny = . + 4");
        Assert.Equal("t.asm:1:13: error: value 304 does not fit in 8 bits (-128..255)", Assert.Single(errors).Split('\n')[0]);
    }

    [Fact]
    public void AlignPadsWithZerosToAPowerOfTwo()
    {
        var result = Asm.Ok(".byte 1\n.align 4\na: .byte 2\n.align 16\nb: .align 16\nc: .byte 3\n.align 1");
        Assert.Equal(4, Asm.Symbol(result, "a"));
        Assert.Equal(16, Asm.Symbol(result, "b"));
        Assert.Equal(16, Asm.Symbol(result, "c"));
        Assert.Equal(17, result.ToFlatBinary(out _).Length);
    }

    [Fact]
    public void OrgStartsNewSegmentsAndTouchingOnesMerge()
    {
        var image = Asm.Ok(".org 0x1000\n.word 1\n.org 0x2000\n.word 2\n.org 0x2004\n.word 3\n.org 0x100\n.byte 9").Image!;
        Assert.Equal(new (uint, int)[] { (0x100, 1), (0x1000, 4), (0x2000, 8) },
            image.Segments.Select(s => (s.VirtualAddress, s.Data.Length)).ToArray());
        Assert.All(image.Segments, s => Assert.Equal(s.VirtualAddress, s.PhysicalAddress));
        Assert.All(image.Segments, s => Assert.Equal((uint)s.Data.Length, s.MemorySize));
        Assert.Equal(new byte[] { 2, 0, 0, 0, 3, 0, 0, 0 }, image.Segments[2].Data);
    }

    [Fact]
    public void FlatBinaryFillsGapsWithZerosFromTheLowestAddress()
    {
        var bytes = Asm.Ok(".org 0x10\n.byte 1\n.org 0x14\n.byte 2\n.org 0x12\n.byte 3").ToFlatBinary(out uint baseAddress);
        Assert.Equal(0x10u, baseAddress);
        Assert.Equal(new byte[] { 1, 0, 3, 0, 2 }, bytes);
    }

    [Fact]
    public void ToElfWritesTheImage()
    {
        var result = Asm.Ok(".org 0x1000\n_start: li r1, 0x12345678\n.loop: jmp .loop\nN = 3\n.org 0x2000\n.asciz \"x\"");
        var image = Elf32.Read(result.ToElf(), "t.elf");
        Assert.Equal(0x1000u, image.Entry);
        Assert.Equal(result.Image!.Segments.Select(s => (s.VirtualAddress, Convert.ToHexString(s.Data))),
            image.Segments.Select(s => (s.VirtualAddress, Convert.ToHexString(s.Data))));
        Assert.Equal(0x1008u, image.Lookup("_start.loop"));
    }

    [Fact]
    public void EmptyProgramHasNoSegmentsAndEntryZero()
    {
        var result = Asm.Ok("; nothing\nX = 1");
        Assert.Empty(result.Image!.Segments);
        Assert.Equal(0u, result.Image.Entry);
        Assert.Empty(result.ToFlatBinary(out uint baseAddress));
        Assert.Equal(0u, baseAddress);
    }

    [Theory]
    [InlineData(".org 0x100\nnop\n.entry main\nmain: nop\n_start: nop", 0x104u)]   // .entry wins
    [InlineData(".org 0x100\nnop\nmain: nop\n_start: nop", 0x108u)]                // then _start
    [InlineData(".org 0x200\nnop\n.org 0x100\nnop", 0x100u)]                       // then the lowest address
    [InlineData(".entry 0x100 + 4\n.org 0x100\nnop\nnop", 0x104u)]                  // any expression inside the program
    public void EntryPointRule(string source, uint entry)
    {
        Assert.Equal(entry, Asm.Ok(source).Image!.Entry);
    }

    [Fact]
    public void ImageHasLabelsConstantsLocalLabelsAndDefines()
    {
        var image = Asm.Ok("N = 7\nmain: nop\n.loop: nop\nother: .equ K, -1\n.loop: nop",
            new Dictionary<string, long> { ["D"] = 5 }).Image!;
        Assert.Equal(new[]
        {
            new ImageSymbol("N", 7, SymbolKind.Constant),
            new ImageSymbol("main", 0, SymbolKind.Label, Size: 4),
            new ImageSymbol("main.loop", 4, SymbolKind.Label, Size: 4),
            new ImageSymbol("other", 8, SymbolKind.Label, Size: 4),   // labels at one address share one extent
            new ImageSymbol("K", 0xFFFFFFFF, SymbolKind.Constant),
            new ImageSymbol("other.loop", 8, SymbolKind.Label, Size: 4),
            new ImageSymbol("D", 5, SymbolKind.Constant),
        }, image.Symbols);
    }

    [Fact]
    public void EveryInstructionWordAndDataStatementHasASourceLine()
    {
        var image = Asm.Ok("nop\n\nli r1, 0x12345678\n.word 1, 2\n.align 16\n", fileName: "p.asm").Image!;
        Assert.Equal(new[]
        {
            new SourceLine(0, "p.asm", 1),
            new SourceLine(4, "p.asm", 3),
            new SourceLine(8, "p.asm", 3),
            new SourceLine(12, "p.asm", 4),
            new SourceLine(20, "p.asm", 5),
        }, image.Lines);
    }

    [Fact]
    public void EquAndAssignmentDefineConstants()
    {
        var words = Asm.Words(".equ A, 3\nB = A * 2\n.EQU C, B + 1\n.word A, B, C");
        Assert.Equal(new uint[] { 3, 6, 7 }, words);
    }

    [Fact]
    public void DefinesOverrideEquSoSourcesCanGiveDefaults()
    {
        var defines = new Dictionary<string, long> { ["N"] = 5000 };
        Assert.Equal(new uint[] { 5000 }, Asm.Words(".equ N, 100\n.word N", defines));
        Assert.Equal(new uint[] { 100 }, Asm.Words(".equ N, 100\n.word N"));
    }

    [Fact]
    public void DirectivesAreCaseInsensitive()
    {
        Assert.Equal(new uint[] { 1, 0x0201 }, Asm.Words(".WORD 1\n.Half 0x201\n.ALIGN 4"));
    }

    [Fact]
    public void CommentsAndBlankLinesAndLabelsOnTheirOwnLine()
    {
        var result = Asm.Ok("; header\n\n  start:   ; the start\n\tnop ; x\na: b: nop");
        Assert.Equal(0, Asm.Symbol(result, "start"));
        Assert.Equal(4, Asm.Symbol(result, "a"));
        Assert.Equal(4, Asm.Symbol(result, "b"));
        Assert.Equal(new[] { InstructionCodec.Encode(Opcode.Nop), InstructionCodec.Encode(Opcode.Nop) },
            Asm.Words("; header\n\n  start:   ; the start\n\tnop ; x\na: b: nop"));
    }

    [Fact]
    public void LocalLabelsBelongToTheLastGlobalLabel()
    {
        var words = Asm.Words("""
            one:    nop
            .l:     jmp .l
            two:    jmp .l
            .l:     jmp one.l
            """);
        Assert.Equal(new[]
        {
            InstructionCodec.Encode(Opcode.Nop),
            InstructionCodec.Encode(Opcode.Jmp, imm: -1),
            InstructionCodec.Encode(Opcode.Jmp, imm: 0),
            InstructionCodec.Encode(Opcode.Jmp, imm: -3),
        }, words);
    }

    [Fact]
    public void MemoryOperandForms()
    {
        var words = Asm.Words("OFF = 8\nldw r1, [r2]\nldw r1, [r2 + OFF * 2]\nstb r3, [sp - 4 + 2]\nldbu r1, [ r2 - -3 ]");
        Assert.Equal(new[]
        {
            InstructionCodec.Encode(Opcode.Ldw, 1, 2, 0, 0),
            InstructionCodec.Encode(Opcode.Ldw, 1, 2, 0, 16),
            InstructionCodec.Encode(Opcode.Stb, 0, 14, 3, -2),
            InstructionCodec.Encode(Opcode.Ldbu, 1, 2, 0, 3),
        }, words);
    }
}
