// asm -> disasm -> asm is exact: for every instruction form of the table, with extreme and
// random operands, ".org pc" + Disassembler.Format(word, pc) assembles to the same word.
// And a real source assembled to ELF shows binutils readelf the symbols the assembler made.
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;
using R4.Tests.Image;

namespace R4.Tests.Disassembler;

public class ReassemblyTests
{
    /// <summary>Instructions sit here so that every branch and jump offset, the extremes
    /// included, reaches a target inside the 32-bit address space (no wrap-around).</summary>
    private const uint BasePc = 0x0400_0000;

    /// <summary>Operand values for a row: the extremes of each field, then random ones.</summary>
    private static IEnumerable<DecodedInstruction> Samples(InstructionInfo info, Random random)
    {
        int[] registers = [0, 1, 13, 14, 15];
        int[] immediates = info.Form switch
        {
            OperandForm.RdRsSimm16 or OperandForm.RdMemory or OperandForm.RtMemory or OperandForm.Branch =>
                [short.MinValue, -1, 0, 1, short.MaxValue, random.Next(short.MinValue, short.MaxValue + 1)],
            OperandForm.RdRsUimm16 or OperandForm.RdImm16 or OperandForm.RdPort or OperandForm.PortRs =>
                [0, 1, 0x7FFF, 0x8000, 0xFFFF, random.Next(0, 0x10000)],
            OperandForm.RdRsShift => [0, 1, 16, 31, random.Next(0, 32)],
            OperandForm.Jump => [InstructionCodec.JumpOffsetMin, -1, 0, 1, InstructionCodec.JumpOffsetMax,
                random.Next(InstructionCodec.JumpOffsetMin, InstructionCodec.JumpOffsetMax + 1)],
            OperandForm.Vector => [0, 3, 32, 63, random.Next(0, 64)],
            OperandForm.RdControl or OperandForm.ControlRs => Enumerable.Range(0, ControlRegisters.Count).ToArray(),
            _ => [0],
        };
        foreach (int imm in immediates)
            foreach (int r in registers)
            {
                var instruction = new DecodedInstruction(info.Opcode, (byte)r, (byte)((r + 1) % 16), (byte)random.Next(16), imm);
                // Re-decode so that fields the form does not use are zero.
                InstructionCodec.TryDecode(InstructionCodec.Encode(instruction), out var canonical);
                yield return canonical;
            }
        for (int i = 0; i < 4; i++)
        {
            uint word = InstructionCodec.Encode(new DecodedInstruction(info.Opcode, (byte)random.Next(16), (byte)random.Next(16),
                (byte)random.Next(16), immediates[random.Next(immediates.Length)]));
            InstructionCodec.TryDecode(word, out var canonical);
            yield return canonical;
        }
    }

    [Fact]
    public void EveryFormattedInstructionReassemblesToTheSameWord()
    {
        var random = new Random(2024);
        var words = InstructionTable.All.SelectMany(info => Samples(info, random)).Select(i => InstructionCodec.Encode(i)).ToArray();
        var source = new System.Text.StringBuilder();
        for (int i = 0; i < words.Length; i++)
        {
            uint pc = BasePc + 4u * (uint)i;
            source.Append($".org 0x{pc:x}\n{Assembler.Disassembler.Format(words[i], pc)}\n");
        }
        var result = R4Assembler.AssembleText(source.ToString(), "roundtrip.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Take(10).Select(e => e.Format())));
        for (int i = 0; i < words.Length; i++)
        {
            uint pc = BasePc + 4u * (uint)i;
            uint reassembled = WordAt(result.Image!, pc);
            Assert.True(words[i] == reassembled,
                $"0x{pc:x8}: {Assembler.Disassembler.Format(words[i], pc)} was 0x{words[i]:x8}, reassembled 0x{reassembled:x8}");
        }
    }

    [Theory]
    [InlineData(0x0u)]
    [InlineData(0x1000u)]
    [InlineData(0xFFFF_FFF8u)]
    public void BranchesAndJumpsReassembleAtAnyPcWithinRange(uint pc)
    {
        // Offsets whose target stays inside the address space from this pc.
        foreach (var (opcode, offset) in new[] { (Opcode.Jmp, 1), (Opcode.Call, -1), (Opcode.Beq, 0), (Opcode.Bne, -1) })
        {
            long target = pc + 4L + 4L * offset;
            if (target < 0 || target > uint.MaxValue) continue;
            uint word = InstructionCodec.Encode(opcode, rs: 1, rt: 2, imm: offset);
            var result = R4Assembler.AssembleText($".org 0x{pc:x}\n{Assembler.Disassembler.Format(word, pc)}\n", "pc.asm");
            Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
            Assert.Equal(word, WordAt(result.Image!, pc));
        }
    }

    private static uint WordAt(ProgramImage image, uint address)
    {
        foreach (var segment in image.Segments)
        {
            ulong offset = (ulong)address - segment.VirtualAddress;
            if (address >= segment.VirtualAddress && offset + 4 <= (ulong)segment.Data.Length)
                return BitConverter.ToUInt32(segment.Data, (int)offset);
        }
        throw new Xunit.Sdk.XunitException($"no word at 0x{address:x8} in the assembled image");
    }

    private const string RealSource = """
        ; a small program with code, data, constants and a local label
        .equ COUNT, 10
        LIMIT = COUNT * 4
        .org 0x1000
        .entry start
        start:
            li r1, COUNT
        .loop:
            addi r1, r1, -1
            bnez r1, .loop
            la r2, message
            call print
            hlt
        print:
            ret
        .align 4
        message:
            .asciz "hi"
        .align 4
        table:
            .word 1, 2, 3
        """;

    [Fact]
    public void AnAssembledSourceShowsReadelfItsSymbols()
    {
        var result = R4Assembler.AssembleText(RealSource, "real.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        var image = result.Image!;
        var readelf = Readelf.Run(result.ToElf());
        Assert.Equal("", readelf.Errors);
        Assert.Equal($"0x{image.Lookup("start")!.Value:x}", readelf.Header["Entry point address"]);
        Assert.Equal(0x1000u, image.Entry);
        Assert.Equal("<unknown>: 0x5234", readelf.Header["Machine"]);

        var symbols = readelf.Symbols.Where(s => s.Name.Length > 0).ToDictionary(s => s.Name, s => s);
        Assert.Equal(0x1000u, symbols["start"].Value);
        Assert.Equal("FUNC", symbols["start"].Type);
        Assert.Equal(("NOTYPE", "ABS", 10u), (symbols["COUNT"].Type, symbols["COUNT"].SectionIndex, symbols["COUNT"].Value));
        Assert.Equal(40u, symbols["LIMIT"].Value);
        // Every symbol of the image is in readelf's table with the same value.
        foreach (var symbol in image.Symbols)
            Assert.Contains(readelf.Symbols, s => s.Name == symbol.Name && s.Value == symbol.Value);
        Assert.Equal(image.Symbols.Count, symbols.Count);
        // table is aligned to the word after the 3 bytes of "hi\0".
        Assert.Equal(symbols["message"].Value + 4, symbols["table"].Value);

        var back = Elf32.Read(result.ToElf(), "real.elf");
        ImageSamples.AssertEqual(image, back);
        Assert.Equal("real.asm", back.LineAt(0x1000)?.File);
    }

    /// <summary>The loaded bytes of an image as (address, byte) pairs, bss tails included.</summary>
    private static SortedDictionary<uint, byte> LoadedBytes(ProgramImage image)
    {
        var bytes = new SortedDictionary<uint, byte>();
        foreach (var segment in image.Segments)
            for (uint i = 0; i < segment.MemorySize; i++)
                bytes.Add(segment.VirtualAddress + i, i < segment.Data.Length ? segment.Data[i] : (byte)0);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(R4.Tests.Guests.ExampleAndBenchGuestTests.Guests), MemberType = typeof(R4.Tests.Guests.ExampleAndBenchGuestTests))]
    [InlineData("Guests/kernels/teach/kernel.asm")]
    public void AGuestDisassembledAsSourceReassemblesToTheSameImage(string guest)
    {
        var image = R4.Tests.Guests.GuestRunner.Assemble(guest);
        string source = string.Join("\n", Assembler.Disassembler.DisassembleImage(image, asSource: true)) + "\n";
        var result = R4Assembler.AssembleText(source, "disassembled.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Take(10).Select(e => e.Format())));
        var back = result.Image!;
        Assert.Equal(image.Entry, back.Entry);
        Assert.Equal(LoadedBytes(image), LoadedBytes(back));
        // Every global label comes back at its address.
        foreach (var label in image.Symbols.Where(s => s.Kind == SymbolKind.Label && !s.Name.Contains('.')))
            Assert.Equal(label.Value, back.Lookup(label.Name));
    }

    [Fact]
    public void SourceModeKeepsLocalLabelsAndMarksWhatTheAssemblerCannotRedefine()
    {
        var image = new ProgramImage(0x2000,
            [new ImageSegment(0x2000, 0x3000, [.. BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Jmp, imm: -1)), 0x41, 0x42], 8, SegmentFlags.Read | SegmentFlags.Execute)],
            [new ImageSymbol("main", 0x2000, SymbolKind.Label), new ImageSymbol("main.spin", 0x2000, SymbolKind.Label),
             new ImageSymbol("other.x", 0x2004, SymbolKind.Label), new ImageSymbol("K", 3, SymbolKind.Constant)]);
        Assert.Equal(
        [
            "; entry 0x00002000 <main>, 1 segment",
            ".entry 0x00002000",
            ".equ K, 0x3",
            "",
            "; segment 0: vaddr 0x00002000, paddr 0x00003000, 6 bytes in the file, 8 in memory, r-x",
            "; note: the assembler loads every segment at paddr = vaddr with flags rwx",
            ".org 0x00002000",
            "main:",
            ".spin:",
            "        jmp 0x00002000                                    ; 00002000  <main>",
            "; other.x:",
            "        .byte 0x41, 0x42                                  ; 00002004  \"AB\"",
            "        .space 2                                          ; 00002006",
        ], Assembler.Disassembler.DisassembleImage(image, asSource: true));
    }
}
