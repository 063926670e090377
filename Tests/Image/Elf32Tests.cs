// ELF32 writer and reader: round trip, binutils readelf's view of what we write, and the
// reader's promise to reject every malformed input with an ImageFormatException only.
using System.Buffers.Binary;
using R4.Isa.Image;

namespace R4.Tests.Image;

public class Elf32Tests
{
    [Fact]
    public void WriteThenReadGivesTheSameImage()
    {
        var image = ImageSamples.Rich();
        var read = Elf32.Read(Elf32.Write(image), "rich.elf");
        ImageSamples.AssertEqual(image, read);
    }

    [Fact]
    public void AnEmptyImageRoundTrips()
    {
        var image = new ProgramImage(0x40, []);
        byte[] elf = Elf32.Write(image);
        ImageSamples.AssertEqual(image, Elf32.Read(elf, "empty.elf"));
        Assert.True(Elf32.LooksLikeElf(elf));
    }

    [Fact]
    public void ReadelfSeesTheHeaderAndTheMachine()
    {
        var readelf = Readelf.Run(Elf32.Write(ImageSamples.Rich()));
        Assert.Equal("", readelf.Errors);
        Assert.Equal("ELF32", readelf.Header["Class"]);
        Assert.Equal("2's complement, little endian", readelf.Header["Data"]);
        Assert.Equal("EXEC (Executable file)", readelf.Header["Type"]);
        Assert.Equal("<unknown>: 0x5234", readelf.Header["Machine"]);
        Assert.Equal("0x1000", readelf.Header["Entry point address"]);
        Assert.Equal("5", readelf.Header["Number of program headers"]);
    }

    [Fact]
    public void ReadelfSeesEverySegment()
    {
        var image = ImageSamples.Rich();
        var readelf = Readelf.Run(Elf32.Write(image));
        Assert.Equal(image.Segments.Count, readelf.Segments.Count);
        for (int i = 0; i < image.Segments.Count; i++)
        {
            var expected = image.Segments[i];
            var actual = readelf.Segments[i];
            Assert.Equal("LOAD", actual.Type);
            Assert.Equal(expected.VirtualAddress, actual.VirtualAddress);
            Assert.Equal(expected.PhysicalAddress, actual.PhysicalAddress);
            Assert.Equal((uint)expected.Data.Length, actual.FileSize);
            Assert.Equal(expected.MemorySize, actual.MemorySize);
            Assert.Equal(ReadelfFlags(expected.Flags), actual.Flags);
            Assert.Equal(expected.VirtualAddress % actual.Align, actual.Offset % actual.Align);
        }
    }

    [Fact]
    public void ReadelfSeesOneSectionPerSegmentAndTheTables()
    {
        var image = ImageSamples.Rich();
        var readelf = Readelf.Run(Elf32.Write(image));
        string[] expectedNames = ["", ".text", ".data", ".rodata", ".bss", ".text.1", ".symtab", ".strtab", ".r4.lines", ".shstrtab"];
        Assert.Equal(expectedNames, readelf.Sections.Select(s => s.Name));
        Assert.Equal(("PROGBITS", 0x1000u, 8u, "AX"), Describe(readelf.Sections[1]));
        Assert.Equal(("PROGBITS", 0x2001u, 5u, "WA"), Describe(readelf.Sections[2]));
        Assert.Equal(("PROGBITS", 0x3000u, 1u, "A"), Describe(readelf.Sections[3]));
        Assert.Equal(("NOBITS", 0x4000u, 0x100u, "WA"), Describe(readelf.Sections[4]));
        Assert.Equal(("SYMTAB", 0u, 16u * 11, ""), Describe(readelf.Sections[6]));
        Assert.Equal("PROGBITS", readelf.Sections[8].Type);
        // The file bytes of each PROGBITS section are the segment's data.
        byte[] elf = Elf32.Write(image);
        Assert.Equal(image.Segments[1].Data, elf.AsSpan((int)readelf.Sections[2].Offset, 5).ToArray());
    }

    private static (string, uint, uint, string) Describe(ReadelfSection s) => (s.Type, s.Address, s.Size, s.Flags.Trim());

    [Fact]
    public void ReadelfSeesEverySymbolWithItsValueTypeAndSection()
    {
        var readelf = Readelf.Run(Elf32.Write(ImageSamples.Rich()));
        var byName = readelf.Symbols.Where(s => s.Name.Length > 0).ToDictionary(s => s.Name);
        Assert.Equal(10, byName.Count);
        Assert.Equal(new ReadelfSymbol(0x1000, 0, "FUNC", "GLOBAL", "1", "start"), byName["start"]);
        Assert.Equal(new ReadelfSymbol(0x1004, 0, "FUNC", "LOCAL", "1", "start.loop"), byName["start.loop"]);
        Assert.Equal(new ReadelfSymbol(0x2001, 0, "OBJECT", "GLOBAL", "2", "table"), byName["table"]);
        Assert.Equal(new ReadelfSymbol(0x2006, 0, "OBJECT", "GLOBAL", "2", "table_end"), byName["table_end"]);
        Assert.Equal(new ReadelfSymbol(0x3000, 0, "OBJECT", "GLOBAL", "3", "message"), byName["message"]);
        Assert.Equal(new ReadelfSymbol(0x4000, 0, "OBJECT", "GLOBAL", "4", "buffer"), byName["buffer"]);
        Assert.Equal(new ReadelfSymbol(0x5000, 0, "FUNC", "GLOBAL", "5", "more_code"), byName["more_code"]);
        Assert.Equal(new ReadelfSymbol(0x7000_0000, 0, "OBJECT", "GLOBAL", "ABS", "far_away"), byName["far_away"]);
        Assert.Equal(new ReadelfSymbol(1000, 0, "NOTYPE", "GLOBAL", "ABS", "N"), byName["N"]);
        Assert.Equal(new ReadelfSymbol(0xFFFF_FFFF, 0, "NOTYPE", "GLOBAL", "ABS", "MINUS_ONE"), byName["MINUS_ONE"]);
    }

    private static string ReadelfFlags(SegmentFlags flags) =>
        $"{((flags & SegmentFlags.Read) != 0 ? 'R' : ' ')}{((flags & SegmentFlags.Write) != 0 ? 'W' : ' ')}{((flags & SegmentFlags.Execute) != 0 ? 'E' : ' ')}".TrimEnd();

    [Fact]
    public void RandomImagesRoundTrip()
    {
        var random = new Random(99);
        string[] files = ["a.asm", "lib/b.inc", "ünïcode.asm", "C:\\dos\\path.asm"];
        for (int n = 0; n < 200; n++)
        {
            var segments = new List<ImageSegment>();
            ulong vaddr = (ulong)random.Next(0, 0x10000), paddr = (ulong)random.Next(0, 0x10000);
            for (int i = random.Next(0, 6); i > 0; i--)
            {
                byte[] data = new byte[random.Next(0, 40)];
                random.NextBytes(data);
                uint memory = (uint)(data.Length + (random.Next(3) == 0 ? random.Next(0, 100) : 0));
                segments.Add(new ImageSegment((uint)vaddr, (uint)paddr, data, memory, (SegmentFlags)random.Next(8)));
                vaddr += memory + (ulong)random.Next(0, 0x1000);
                paddr += memory + (ulong)random.Next(0, 0x1000);
            }
            var symbols = Enumerable.Range(0, random.Next(0, 12)).Select(i => new ImageSymbol(
                (random.Next(4) == 0 ? "outer." : "") + "sym" + i + (random.Next(5) == 0 ? "_é" : ""),
                (uint)random.NextInt64(0, 1L << 32), (SymbolKind)random.Next(2))).ToList();
            var lines = Enumerable.Range(0, random.Next(0, 10)).Select(_ => new SourceLine(
                (uint)random.NextInt64(0, 1L << 32), files[random.Next(files.Length)], random.Next(0, 100000))).ToList();
            var image = new ProgramImage((uint)random.NextInt64(0, 1L << 32), segments, symbols, lines);
            ImageSamples.AssertEqual(image, Elf32.Read(Elf32.Write(image), "random.elf"));
        }
    }

    // ------------------------------------------------------------ the reader's checks

    public static TheoryData<string, int, uint, string> Corruptions => new()
    {
        // what, offset, new value (width from the field), expected message part
        { "class", 4, 2, "EI_CLASS): 2 is not 1 (32-bit)" },
        { "data", 5, 2, "EI_DATA): 2 is not 1 (little-endian)" },
        { "ident version", 6, 0, "EI_VERSION): 0 is not 1" },
        { "type", 16, 3, "e_type): 3 is not 2" },
        { "machine", 18, 0x28, "e_machine): 0x0028 is not R4 (0x5234)" },
        { "version", 20, 2, "e_version): 2 is not 1" },
        { "flags", 36, 1, "e_flags): 0x1 is not 0" },
        { "ehsize", 40, 64, "e_ehsize): 64 is not 52" },
        { "phentsize", 42, 56, "e_phentsize): 56 is not 32" },
        { "shentsize", 46, 64, "e_shentsize): 64 is not 40" },
        { "phoff", 28, 0xFFFF_FFF0, "program header table (e_phoff 0xfffffff0, 5 entries)" },
        { "shoff", 32, 0x10000, "section header table (e_shoff 0x10000, 10 entries)" },
        { "shstrndx", 50, 10, "e_shstrndx): section 10 does not exist (10 sections)" },
        { "filesz > memsz", 52 + 16, 9, "program header 0 (offset 0x34): p_filesz 0x9 exceeds p_memsz 0x8" },
        { "data outside", 52 + 4, 0xFFFF_0000, "program header 0 (offset 0x34) data (p_offset 0xffff0000, p_filesz 0x8)" },
        { "wrap", 52 + 32 + 8, 0xFFFF_FFF0, "program header 1 (offset 0x54): p_vaddr 0xfffffff0 + p_memsz 0x20 wraps" },
        { "flags", 52 + 24, 8, "program header 0 (offset 0x34): p_flags 0x8 has bits other than R, W, X" },
        { "overlap", 52 + 64 + 8, 0x1004, "program header 2 (offset 0x74): virtual addresses 0x00001004..0x00001005 overlap program header 0" },
        { "physical overlap", 52 + 64 + 12, 0x9010, "physical addresses 0x00009010..0x00009011 overlap program header 1" },
        { "dynamic", 52, 2, "program header 0 (offset 0x34): p_type 2 needs a dynamic loader" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void TheReaderNamesWhatIsWrongAndWhere(string what, int offset, uint value, string expected)
    {
        _ = what;
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        bool halfword = offset is 16 or 18 or >= 40 and < 52;
        if (offset is 4 or 5 or 6) elf[offset] = (byte)value;
        else if (halfword) BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(offset), (ushort)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(offset), value);
        var e = Assert.Throws<ImageFormatException>(() => Elf32.Read(elf, "bad.elf"));
        Assert.StartsWith("bad.elf: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ATruncatedFileIsRejectedNamingTheSize()
    {
        var e = Assert.Throws<ImageFormatException>(() => Elf32.Read([0x7F, (byte)'E', (byte)'L', (byte)'F', 1, 1], "short.elf"));
        Assert.Equal("short.elf: 6 bytes are too short for an ELF header (52 bytes)", e.Message);
    }

    [Fact]
    public void ABadSymbolNameIndexIsRejected()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        var readelf = Readelf.Run(elf);
        uint symtab = readelf.Sections.Single(s => s.Name == ".symtab").Offset;
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan((int)symtab + 16 * 3), 0x7777);
        var e = Assert.Throws<ImageFormatException>(() => Elf32.Read(elf, "bad.elf"));
        Assert.Contains("section 6 (.symtab) symbol 3", e.Message);
        Assert.Contains("index 30583 is outside its string table", e.Message);
    }

    [Fact]
    public void ABadLineTableIsRejected()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        uint lines = Readelf.Run(elf).Sections.Single(s => s.Name == ".r4.lines").Offset;
        // entry 0's file index (after the 16-byte header and two file-name offsets)
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan((int)lines + 16 + 8 + 4), 5);
        var e = Assert.Throws<ImageFormatException>(() => Elf32.Read(elf, "bad.elf"));
        Assert.Contains(".r4.lines", e.Message);
        Assert.Contains("entry 0", e.Message);
        Assert.Contains("file index 5 is not below 2", e.Message);
    }

    [Fact]
    public void TheFileWithoutSectionsStillLoadsItsSegments()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(32), 0); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(48), 0); // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(50), 0); // e_shstrndx
        var image = Elf32.Read(elf, "stripped.elf");
        Assert.Equal(5, image.Segments.Count);
        Assert.Empty(image.Symbols);
        Assert.Empty(image.Lines);
    }

    // ------------------------------------------------------------ fuzzing

    [Fact]
    public void RandomBytesGiveAnImageOrAnImageFormatException()
    {
        var random = new Random(4711);
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 52)
            {
                // A plausible header, so the fuzzing reaches past the first checks.
                Elf32.Write(new ProgramImage(0, [])).AsSpan(0, 52).CopyTo(bytes);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(44), (ushort)random.Next(0, 8));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(48), (ushort)random.Next(0, 8));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), (uint)random.Next(0, bytes.Length));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(32), (uint)random.Next(0, bytes.Length));
            }
            ReadOrReject(bytes);
        }
    }

    [Fact]
    public void EveryTruncationGivesAnImageFormatException()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        for (int length = 0; length < elf.Length; length++)
            Assert.Throws<ImageFormatException>(() => Elf32.Read(elf[..length], "cut.elf"));
    }

    [Fact]
    public void SingleByteCorruptionsGiveAnImageOrAnImageFormatException()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        var random = new Random(1234);
        for (int offset = 0; offset < elf.Length; offset++)
        {
            foreach (byte value in new byte[] { 0, 0xFF, (byte)(elf[offset] ^ 0x80), (byte)(elf[offset] + 1), (byte)random.Next(256) })
            {
                byte[] copy = (byte[])elf.Clone();
                copy[offset] = value;
                ReadOrReject(copy);
            }
        }
        for (int i = 0; i < 2000; i++)
        {
            byte[] copy = (byte[])elf.Clone();
            for (int k = random.Next(1, 6); k > 0; k--)
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            ReadOrReject(copy[..random.Next(copy.Length / 2, copy.Length + 1)]);
        }
    }

    [Fact]
    public void BoundaryValuesInEveryFieldGiveAnImageOrAnImageFormatException()
    {
        byte[] elf = Elf32.Write(ImageSamples.Rich());
        uint[] values = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF0, (uint)elf.Length, (uint)elf.Length - 1, 0xFF00, 0xFFF1];
        for (int offset = 0; offset + 4 <= elf.Length; offset += 2)
        {
            foreach (uint value in values)
            {
                byte[] copy = (byte[])elf.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
                ReadOrReject(copy);
            }
        }
    }

    private static void ReadOrReject(byte[] bytes)
    {
        try
        {
            var image = Elf32.Read(bytes, "fuzz.elf");
            Assert.NotNull(image);
        }
        catch (ImageFormatException e)
        {
            Assert.StartsWith("fuzz.elf: ", e.Message);
        }
    }
}
