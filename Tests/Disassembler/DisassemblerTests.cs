// The disassembler's text for every row of the instruction table (expected texts written
// out by hand), its operand spellings (memory, branch targets, symbols), words that are
// not instructions, and the image listing.
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.Disassembler;

public class DisassemblerTests
{
    private const uint Pc = 0x1000;

    /// <summary>One case per instruction of the table: operands, then the expected text at <see cref="Pc"/>.</summary>
    public static TheoryData<Opcode, int, int, int, int, string> EveryInstruction => new()
    {
        { Opcode.Add, 1, 2, 3, 0, "add r1, r2, r3" },
        { Opcode.Sub, 4, 5, 6, 0, "sub r4, r5, r6" },
        { Opcode.And, 7, 8, 9, 0, "and r7, r8, r9" },
        { Opcode.Or, 10, 11, 12, 0, "or r10, r11, r12" },
        { Opcode.Xor, 13, 14, 15, 0, "xor fp, sp, lr" },
        { Opcode.Shl, 0, 1, 2, 0, "shl r0, r1, r2" },
        { Opcode.Shr, 3, 3, 3, 0, "shr r3, r3, r3" },
        { Opcode.Sar, 15, 0, 1, 0, "sar lr, r0, r1" },
        { Opcode.Mul, 1, 2, 3, 0, "mul r1, r2, r3" },
        { Opcode.Mulh, 1, 2, 3, 0, "mulh r1, r2, r3" },
        { Opcode.Mulhu, 1, 2, 3, 0, "mulhu r1, r2, r3" },
        { Opcode.Div, 1, 2, 3, 0, "div r1, r2, r3" },
        { Opcode.Divu, 1, 2, 3, 0, "divu r1, r2, r3" },
        { Opcode.Rem, 1, 2, 3, 0, "rem r1, r2, r3" },
        { Opcode.Remu, 1, 2, 3, 0, "remu r1, r2, r3" },
        { Opcode.Slt, 1, 2, 3, 0, "slt r1, r2, r3" },
        { Opcode.Sltu, 1, 2, 3, 0, "sltu r1, r2, r3" },
        { Opcode.Addi, 1, 2, 0, -32768, "addi r1, r2, -32768" },
        { Opcode.Andi, 1, 2, 0, 0xFFFF, "andi r1, r2, 0xffff" },
        { Opcode.Ori, 1, 0, 0, 0x10, "ori r1, r0, 0x10" },
        { Opcode.Xori, 1, 2, 0, 0, "xori r1, r2, 0x0" },
        { Opcode.Slti, 5, 6, 0, 32767, "slti r5, r6, 32767" },
        { Opcode.Sltiu, 5, 6, 0, -1, "sltiu r5, r6, -1" },
        { Opcode.Shli, 1, 2, 0, 31, "shli r1, r2, 31" },
        { Opcode.Shri, 1, 2, 0, 0, "shri r1, r2, 0" },
        { Opcode.Sari, 1, 2, 0, 7, "sari r1, r2, 7" },
        { Opcode.Lui, 9, 0, 0, 0xBEEF, "lui r9, 0xbeef" },
        { Opcode.Ldw, 1, 14, 0, 8, "ldw r1, [sp + 8]" },
        { Opcode.Ldh, 1, 2, 0, -8, "ldh r1, [r2 - 8]" },
        { Opcode.Ldhu, 1, 2, 0, 0, "ldhu r1, [r2]" },
        { Opcode.Ldb, 1, 2, 0, -32768, "ldb r1, [r2 - 32768]" },
        { Opcode.Ldbu, 1, 2, 0, 32767, "ldbu r1, [r2 + 32767]" },
        { Opcode.Stw, 0, 13, 3, -4, "stw r3, [fp - 4]" },
        { Opcode.Sth, 0, 2, 3, 2, "sth r3, [r2 + 2]" },
        { Opcode.Stb, 0, 2, 15, 0, "stb lr, [r2]" },
        { Opcode.Push, 0, 7, 0, 0, "push r7" },
        { Opcode.Pop, 12, 0, 0, 0, "pop r12" },
        { Opcode.Beq, 0, 1, 2, 0, "beq r1, r2, 0x00001004" },
        { Opcode.Bne, 0, 1, 2, -1, "bne r1, r2, 0x00001000" },
        { Opcode.Blt, 0, 1, 2, -32768, "blt r1, r2, 0xfffe1004" },
        { Opcode.Bge, 0, 1, 2, 32767, "bge r1, r2, 0x00021000" },
        { Opcode.Bltu, 0, 3, 0, 3, "bltu r3, r0, 0x00001010" },
        { Opcode.Bgeu, 0, 0, 3, -2, "bgeu r0, r3, 0x00000ffc" },
        { Opcode.Jmp, 0, 0, 0, InstructionCodec.JumpOffsetMax, "jmp 0x02001000" },
        { Opcode.Call, 0, 0, 0, -1025, "call 0x00000000" },
        { Opcode.Jr, 0, 15, 0, 0, "jr lr" },
        { Opcode.Callr, 0, 5, 0, 0, "callr r5" },
        { Opcode.Int, 0, 0, 0, 32, "int 32" },
        { Opcode.Brk, 0, 0, 0, 0, "brk" },
        { Opcode.Nop, 0, 0, 0, 0, "nop" },
        { Opcode.Rdtick, 4, 0, 0, 0, "rdtick r4" },
        { Opcode.Iret, 0, 0, 0, 0, "iret" },
        { Opcode.Hlt, 0, 0, 0, 0, "hlt" },
        { Opcode.Cli, 0, 0, 0, 0, "cli" },
        { Opcode.Sti, 0, 0, 0, 0, "sti" },
        { Opcode.Tlbflush, 0, 0, 0, 0, "tlbflush" },
        { Opcode.Invlpg, 0, 6, 0, 0, "invlpg r6" },
        { Opcode.Mfcr, 2, 0, 0, (int)ControlRegister.Ptbr, "mfcr r2, ptbr" },
        { Opcode.Mtcr, 0, 3, 0, (int)ControlRegister.Scratch1, "mtcr scratch1, r3" },
        { Opcode.In, 1, 0, 0, 0x01, "in r1, 0x01" },
        { Opcode.Out, 0, 2, 0, 0xF0, "out 0xf0, r2" },
    };

    [Theory]
    [MemberData(nameof(EveryInstruction))]
    public void FormatsEveryInstructionOfTheTable(Opcode opcode, int rd, int rs, int rt, int imm, string expected)
    {
        uint word = InstructionCodec.Encode(opcode, rd, rs, rt, imm);
        Assert.Equal(expected, Assembler.Disassembler.Format(word, Pc));
    }

    [Fact]
    public void TheCasesCoverEveryRowOfTheTable()
    {
        var covered = EveryInstruction.Select(row => (Opcode)row[0]).ToHashSet();
        Assert.Equal(InstructionTable.All.Select(i => i.Opcode).Order(), covered.Order());
    }

    [Theory]
    [InlineData(0x00000000u, ".word 0x00000000  ; not an instruction")]
    [InlineData(0xFF000000u, ".word 0xff000000  ; not an instruction")]
    [InlineData(0x01123001u, ".word 0x01123001  ; not an instruction")] // add with bits 11:0 set
    [InlineData(0x26120020u, ".word 0x26120020  ; not an instruction")] // shli by 32
    [InlineData(0x50000040u, ".word 0x50000040  ; not an instruction")] // int 64
    [InlineData(0x6510000Au, ".word 0x6510000a  ; not an instruction")] // mfcr of control register 10
    public void AWordThatIsNotAnInstructionBecomesADotWord(uint word, string expected)
    {
        Assert.Equal(expected, Assembler.Disassembler.Format(word, Pc));
    }

    [Fact]
    public void EveryControlRegisterIsNamed()
    {
        for (int cr = 0; cr < ControlRegisters.Count; cr++)
        {
            string name = ControlRegisters.Name((ControlRegister)cr);
            Assert.Equal($"mfcr r1, {name}", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Mfcr, rd: 1, imm: cr), 0));
            Assert.Equal($"mtcr {name}, r1", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Mtcr, rs: 1, imm: cr), 0));
        }
    }

    private static ProgramImage Labelled() => new(0x1000,
        [
            new ImageSegment(0x1000, 0x1000,
            [
                .. Word(InstructionCodec.Encode(Opcode.Addi, 1, 0, 0, 5)),
                .. Word(InstructionCodec.Encode(Opcode.Addi, 1, 1, 0, -1)),
                .. Word(InstructionCodec.Encode(Opcode.Bne, rs: 1, rt: 0, imm: -2)),
                .. Word(InstructionCodec.Encode(Opcode.Call, imm: 0x3FC)),
                .. Word(0xFFFFFFFF),
                0x52, 0x34,
            ], 22, SegmentFlags.Read | SegmentFlags.Execute),
            new ImageSegment(0x2000, 0x2000, [1, 2, 3, 4, 5, 6], 0x10, SegmentFlags.Read | SegmentFlags.Write),
        ],
        [
            new ImageSymbol("start", 0x1000, SymbolKind.Label),
            new ImageSymbol("start.loop", 0x1004, SymbolKind.Label),
            new ImageSymbol("far", 0x2000, SymbolKind.Label),
            new ImageSymbol("mid", 0x2002, SymbolKind.Label),
            new ImageSymbol("bss", 0x2008, SymbolKind.Label),
            new ImageSymbol("end", 0x2010, SymbolKind.Label),
            new ImageSymbol("N", 42, SymbolKind.Constant),
        ],
        [new SourceLine(0x1000, "t.asm", 2), new SourceLine(0x1008, "t.asm", 4)]);

    private static byte[] Word(uint word) => BitConverter.GetBytes(word);

    [Fact]
    public void BranchAndJumpTargetsNameTheirSymbol()
    {
        var image = Labelled();
        Assert.Equal("bne r1, r0, 0x00001004  ; <start.loop>", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Bne, rs: 1, rt: 0, imm: -2), 0x1008, image));
        Assert.Equal("call 0x00002000  ; <far>", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Call, imm: 0x3FC), 0x100C, image));
        Assert.Equal("jmp 0x00002004  ; <mid+0x2>", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Jmp, imm: 0x3FD), 0x100C, image));
        Assert.Equal("jmp 0x00000000", Assembler.Disassembler.Format(InstructionCodec.Encode(Opcode.Jmp, imm: -1), 0, image));
    }

    [Fact]
    public void DisassembleImageListsLabelsWordsBytesAndSpace()
    {
        string[] expected =
        [
            "; entry 0x00001000 <start>, 2 segments",
            ".equ N, 0x2a",
            "",
            "; segment 0: vaddr 0x00001000, paddr 0x00001000, 22 bytes in the file, 22 in memory, r-x",
            "start:",
            "00001000:  20100005  addi r1, r0, 5                       ; t.asm:2",
            "start.loop:",
            "00001004:  2011ffff  addi r1, r1, -1",
            "00001008:  4110fffe  bne r1, r0, 0x00001004               ; <start.loop>  t.asm:4",
            "0000100c:  490003fc  call 0x00002000                      ; <far>",
            "00001010:  ffffffff  .word 0xffffffff                     ; not an instruction",
            "00001014:  5234      .byte 0x52, 0x34                     ; \"R4\"",
            "",
            "; segment 1: vaddr 0x00002000, paddr 0x00002000, 6 bytes in the file, 16 in memory, rw-",
            "far:",
            "00002000:  0102      .byte 0x01, 0x02",
            "mid:",
            "00002002:  0304      .byte 0x03, 0x04",
            "00002004:  0506      .byte 0x05, 0x06",
            "00002006:            .space 2",
            "bss:",
            "00002008:            .space 8",
            "end:",
        ];
        var actual = Assembler.Disassembler.DisassembleImage(Labelled()).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TextInDataIsShownQuoted()
    {
        var image = new ProgramImage(0, [new ImageSegment(0x100, 0x100, "hi \"x\"\n\0"u8.ToArray(), 8, SegmentFlags.Read)]);
        var lines = Assembler.Disassembler.DisassembleImage(image).ToArray();
        Assert.Equal("00000100:  22206968  .word 0x22206968                     ; \"hi \\\"\"", lines[^2]);
        Assert.EndsWith("; \"x\\\"\\n\\0\"", lines[^1]);
    }

    [Fact]
    public void AnyWordFormatsAndOnlyNonInstructionsBecomeDotWord()
    {
        var random = new Random(7);
        for (int n = 0; n < 200_000; n++)
        {
            uint word = (uint)random.NextInt64(0, 1L << 32);
            if (n % 2 == 0) word = (word & 0x00FFFFFF) | (uint)InstructionTable.All[random.Next(InstructionTable.All.Count)].Code << 24;
            string text = Assembler.Disassembler.Format(word, (uint)random.NextInt64(0, 1L << 32));
            Assert.Equal(!InstructionCodec.TryDecode(word, out _), text.StartsWith(".word "));
        }
    }

    [Fact]
    public void RandomImagesDisassembleWithEveryLabelShownOnce()
    {
        var random = new Random(11);
        for (int n = 0; n < 300; n++)
        {
            var segments = new List<ImageSegment>();
            uint address = (uint)random.Next(0, 64);
            for (int i = random.Next(0, 4); i > 0; i--)
            {
                byte[] data = new byte[random.Next(0, 24)];
                random.NextBytes(data);
                uint memory = (uint)(data.Length + random.Next(0, 3) * random.Next(0, 9));
                segments.Add(new ImageSegment(address, address, data, memory, (SegmentFlags)random.Next(8)));
                address += memory + (uint)random.Next(0, 3);
            }
            var labels = Enumerable.Range(0, random.Next(0, 8))
                .Select(i => new ImageSymbol("l" + i, (uint)random.Next(0, (int)address + 4), SymbolKind.Label)).ToList();
            var image = new ProgramImage(0, segments, labels);
            var lines = Assembler.Disassembler.DisassembleImage(image).ToList();
            foreach (var label in labels)
            {
                bool inside = segments.Any(s => label.Value >= s.VirtualAddress && label.Value < s.VirtualAddress + s.MemorySize);
                int shown = lines.Count(l => l == label.Name + ":");
                if (inside) Assert.Equal(1, shown);
                else Assert.True(shown <= 1);
            }
            // Every address of every segment is covered by exactly one listing line.
            int covered = lines.Sum(l => CoveredBytes(l));
            Assert.True(segments.Sum(s => (long)s.MemorySize) == covered,
                string.Join("\n", segments.Select(s => $"seg {s.VirtualAddress:x} data {s.Data.Length} mem {s.MemorySize}")) + "\n" + string.Join("\n", lines));
        }
    }

    /// <summary>How many bytes a listing line stands for: 4 per word, one per .byte value, n for .space n.</summary>
    private static int CoveredBytes(string line)
    {
        if (line.Length < 10 || line[8] != ':') return 0;
        string text = line[21..];
        if (text.StartsWith(".space ")) return int.Parse(text[7..].Split(' ')[0]);
        if (text.StartsWith(".byte ")) return text.Split(';')[0].Split(',').Length;
        return 4;
    }

    [Fact]
    public void DataSegmentsShowWords()
    {
        var image = new ProgramImage(0, [new ImageSegment(0x100, 0x100, Word(0x01123000), 4, SegmentFlags.Read)]);
        Assert.Equal("00000100:  01123000  .word 0x01123000", Assembler.Disassembler.DisassembleImage(image).Last());
    }
}
