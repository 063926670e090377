// ELF32 little-endian executables: the file format of R4 images (docs/image-format.md).
//
// e_machine = 0x5234 ("R4" read as a little-endian 16-bit number: '4' 0x34, 'R' 0x52). The
// number is not assigned by the ELF registry; binutils prints it as "<unknown>: 0x5234".
//
// Layout written by Write (every offset 4-aligned unless noted):
//   ELF header (52 bytes) | program headers: one PT_LOAD per segment (32 bytes each) |
//   segment bytes, in segment order, each at an offset congruent to its vaddr modulo 4 |
//   .r4.lines | .symtab | .strtab | .shstrtab | section headers (40 bytes each).
// Sections: [0] null, one per segment (PROGBITS holding the file bytes, or NOBITS when the
// segment has none; named .text/.rodata/.data/.bss from the flags, ".N" appended on
// repeats), .symtab, .strtab, .r4.lines, .shstrtab.
// Symbols: code labels STT_FUNC, other labels STT_OBJECT, both with st_shndx = the section
// of the segment holding the address (or SHN_ABS when none does); .equ constants
// STT_NOTYPE + SHN_ABS. Local labels (names with a '.') are STB_LOCAL, the rest STB_GLOBAL.
// A label's st_size is its extent (ImageSymbol.Size; `readelf -s` shows it), a constant's 0.
// .r4.lines: see LineTableMagic below.
//
// The reader trusts nothing: every field, offset and size is checked, and whatever is wrong
// is reported as ImageFormatException("file: what, where"); it never throws anything else.
using System.Buffers.Binary;
using System.Text;

namespace R4.Isa.Image;

public static class Elf32
{
    /// <summary>e_machine of R4 images (unassigned by the ELF registry; "R4" little-endian).</summary>
    public const ushort MachineR4 = 0x5234;

    /// <summary>Name of the section holding the source line table.</summary>
    public const string LineSectionName = ".r4.lines";

    /// <summary>First word of .r4.lines: "R4LN". The section is
    /// u32 magic, u32 version (1), u32 fileCount, u32 entryCount,
    /// fileCount x u32 name offset (into the string area),
    /// entryCount x { u32 address, u32 file index, u32 line },
    /// then the string area: NUL-terminated UTF-8 file names, to the end of the section.</summary>
    public const uint LineTableMagic = 0x4E4C3452;
    public const uint LineTableVersion = 1;

    private const int HeaderSize = 52, ProgramHeaderSize = 32, SectionHeaderSize = 40, SymbolSize = 16;
    private const int LineHeaderSize = 16, LineEntrySize = 12;
    private const ushort EtExec = 2;
    private const uint PtNull = 0, PtLoad = 1, PtDynamic = 2, PtInterp = 3, PtTls = 7;
    private const uint ShtNull = 0, ShtProgbits = 1, ShtSymtab = 2, ShtStrtab = 3, ShtNobits = 8;
    private const uint ShfWrite = 1, ShfAlloc = 2, ShfExecinstr = 4;
    private const ushort ShnUndef = 0, ShnLoreserve = 0xFF00, ShnAbs = 0xFFF1;
    private const byte StbLocal = 0, StbGlobal = 1;
    private const byte SttNotype = 0, SttObject = 1, SttFunc = 2, SttSection = 3, SttFile = 4;
    private const uint SegmentAlign = 4;

    /// <summary>True when the bytes start with the ELF magic.</summary>
    public static bool LooksLikeElf(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 0x7F && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F';

    // ---------------------------------------------------------------- writer

    /// <summary>Writes an ELF32 executable: segments, entry point, symbol table, line table.</summary>
    public static byte[] Write(ProgramImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var segments = image.Segments;
        // e_phnum is 16 bits, and section indices from 0xFF00 up are reserved.
        if (segments.Count > ShnLoreserve - 5)
            throw new ArgumentException($"{segments.Count} segments are more than an ELF32 file without extended numbering holds", nameof(image));
        var output = new ByteWriter();

        output.Skip(HeaderSize + ProgramHeaderSize * segments.Count);
        var segmentOffsets = new uint[segments.Count];
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Data.Length > segment.MemorySize)
                throw new ArgumentException($"segment {i} at 0x{segment.VirtualAddress:x8}: {segment.Data.Length} data bytes exceed its memory size {segment.MemorySize}", nameof(image));
            output.Skip((int)((segment.VirtualAddress - (uint)output.Length) & (SegmentAlign - 1)));
            segmentOffsets[i] = (uint)output.Length;
            output.Bytes(segment.Data);
        }

        // Section numbering: 0 null, 1..n segments, then the fixed tables.
        int symtabIndex = segments.Count + 1, strtabIndex = symtabIndex + 1, linesIndex = strtabIndex + 1, shstrtabIndex = linesIndex + 1;
        var sectionNames = new StringTable();
        var segmentSectionNames = SegmentSectionNames(segments);

        output.Align(4);
        uint linesOffset = (uint)output.Length;
        output.Bytes(EncodeLineTable(image.Lines));
        uint linesSize = (uint)output.Length - linesOffset;

        var strings = new StringTable();
        var (symbolBytes, firstGlobal) = EncodeSymbols(image, strings);
        output.Align(4);
        uint symtabOffset = (uint)output.Length;
        output.Bytes(symbolBytes);

        uint strtabOffset = (uint)output.Length;
        output.Bytes(strings.ToArray());

        var headers = new List<SectionHeader> { default };
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            uint flags = ShfAlloc | ((s.Flags & SegmentFlags.Write) != 0 ? ShfWrite : 0) | ((s.Flags & SegmentFlags.Execute) != 0 ? ShfExecinstr : 0);
            bool hasBytes = s.Data.Length > 0;
            headers.Add(new SectionHeader(sectionNames.Add(segmentSectionNames[i]), hasBytes ? ShtProgbits : ShtNobits, flags,
                s.VirtualAddress, segmentOffsets[i], hasBytes ? (uint)s.Data.Length : s.MemorySize, 0, 0, s.VirtualAddress % SegmentAlign == 0 ? SegmentAlign : 1, 0));
        }
        headers.Add(new SectionHeader(sectionNames.Add(".symtab"), ShtSymtab, 0, 0, symtabOffset, (uint)symbolBytes.Length,
            (uint)strtabIndex, (uint)firstGlobal, 4, SymbolSize));
        headers.Add(new SectionHeader(sectionNames.Add(".strtab"), ShtStrtab, 0, 0, strtabOffset, (uint)strings.Length, 0, 0, 1, 0));
        headers.Add(new SectionHeader(sectionNames.Add(LineSectionName), ShtProgbits, 0, 0, linesOffset, linesSize, 0, 0, 4, 0));
        uint shstrtabName = sectionNames.Add(".shstrtab");
        uint shstrtabOffset = (uint)output.Length;
        byte[] sectionNameBytes = sectionNames.ToArray();
        output.Bytes(sectionNameBytes);
        headers.Add(new SectionHeader(shstrtabName, ShtStrtab, 0, 0, shstrtabOffset, (uint)sectionNameBytes.Length, 0, 0, 1, 0));

        output.Align(4);
        uint sectionHeadersOffset = (uint)output.Length;
        foreach (var h in headers)
        {
            output.U32(h.Name); output.U32(h.Type); output.U32(h.Flags); output.U32(h.Address);
            output.U32(h.Offset); output.U32(h.Size); output.U32(h.Link); output.U32(h.Info);
            output.U32(h.AddressAlign); output.U32(h.EntrySize);
        }

        byte[] file = output.ToArray();
        var span = file.AsSpan();
        ReadOnlySpan<byte> ident = [0x7F, (byte)'E', (byte)'L', (byte)'F', 1 /*ELFCLASS32*/, 1 /*ELFDATA2LSB*/, 1 /*EV_CURRENT*/, 0 /*ELFOSABI_NONE*/];
        ident.CopyTo(span);
        Put16(span, 16, EtExec);
        Put16(span, 18, MachineR4);
        Put32(span, 20, 1);
        Put32(span, 24, image.Entry);
        Put32(span, 28, segments.Count > 0 ? HeaderSize : 0u);
        Put32(span, 32, sectionHeadersOffset);
        Put32(span, 36, 0);
        Put16(span, 40, HeaderSize);
        Put16(span, 42, ProgramHeaderSize);
        Put16(span, 44, (ushort)segments.Count);
        Put16(span, 46, SectionHeaderSize);
        Put16(span, 48, (ushort)headers.Count);
        Put16(span, 50, (ushort)shstrtabIndex);
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            int at = HeaderSize + i * ProgramHeaderSize;
            Put32(span, at, PtLoad);
            Put32(span, at + 4, segmentOffsets[i]);
            Put32(span, at + 8, s.VirtualAddress);
            Put32(span, at + 12, s.PhysicalAddress);
            Put32(span, at + 16, (uint)s.Data.Length);
            Put32(span, at + 20, s.MemorySize);
            Put32(span, at + 24, (uint)s.Flags);
            Put32(span, at + 28, SegmentAlign);
        }
        return file;
    }

    private static string[] SegmentSectionNames(IReadOnlyList<ImageSegment> segments)
    {
        var names = new string[segments.Count];
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            string baseName = s.Data.Length == 0 ? ".bss"
                : (s.Flags & SegmentFlags.Execute) != 0 ? ".text"
                : (s.Flags & SegmentFlags.Write) != 0 ? ".data"
                : ".rodata";
            int count = used.GetValueOrDefault(baseName);
            used[baseName] = count + 1;
            names[i] = count == 0 ? baseName : $"{baseName}.{count}";
        }
        return names;
    }

    /// <summary>The .symtab bytes (null symbol first, locals, then globals) and the index of
    /// the first global (sh_info).</summary>
    private static (byte[] Bytes, int FirstGlobal) EncodeSymbols(ProgramImage image, StringTable strings)
    {
        var locals = new List<ImageSymbol>();
        var globals = new List<ImageSymbol>();
        foreach (var symbol in image.Symbols)
            (IsLocalName(symbol) ? locals : globals).Add(symbol);

        var output = new ByteWriter();
        output.Skip(SymbolSize); // the null symbol
        foreach (var symbol in locals.Concat(globals))
        {
            if (symbol.Name.Length == 0)
                throw new ArgumentException($"a symbol with value 0x{symbol.Value:x8} has an empty name", nameof(image));
            byte binding = IsLocalName(symbol) ? StbLocal : StbGlobal;
            byte type;
            ushort sectionIndex;
            if (symbol.Kind == SymbolKind.Constant)
            {
                type = SttNotype;
                sectionIndex = ShnAbs;
            }
            else
            {
                int segment = SegmentHolding(image.Segments, symbol.Value);
                sectionIndex = segment < 0 ? ShnAbs : (ushort)(segment + 1);
                type = segment >= 0 && (image.Segments[segment].Flags & SegmentFlags.Execute) != 0 ? SttFunc : SttObject;
            }
            output.U32(strings.Add(symbol.Name));
            output.U32(symbol.Value);
            output.U32(symbol.Kind == SymbolKind.Label ? symbol.Size : 0);
            output.U8((byte)(binding << 4 | type));
            output.U8(0);
            output.U16(sectionIndex);
        }
        return (output.ToArray(), 1 + locals.Count);
    }

    private static bool IsLocalName(ImageSymbol symbol) => symbol.Kind == SymbolKind.Label && symbol.Name.Contains('.');

    /// <summary>The segment whose memory range holds the address (its end included, so a
    /// label just past the last byte stays with its segment), or -1.</summary>
    private static int SegmentHolding(IReadOnlyList<ImageSegment> segments, uint address)
    {
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            if (address >= s.VirtualAddress && (ulong)address <= (ulong)s.VirtualAddress + s.MemorySize)
                return i;
        }
        return -1;
    }

    private static byte[] EncodeLineTable(IReadOnlyList<SourceLine> lines)
    {
        var fileIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var line in lines)
        {
            if (line.Line < 0)
                throw new ArgumentException($"source line {line.Line} of {line.File} at 0x{line.Address:x8} is negative");
            if (!fileIndex.ContainsKey(line.File))
            {
                fileIndex[line.File] = files.Count;
                files.Add(line.File);
            }
        }
        var names = new StringTable(startsWithEmpty: false);
        var nameOffsets = files.Select(names.Add).ToList();

        var output = new ByteWriter();
        output.U32(LineTableMagic);
        output.U32(LineTableVersion);
        output.U32((uint)files.Count);
        output.U32((uint)lines.Count);
        foreach (uint offset in nameOffsets) output.U32(offset);
        foreach (var line in lines)
        {
            output.U32(line.Address);
            output.U32((uint)fileIndex[line.File]);
            output.U32((uint)line.Line);
        }
        output.Bytes(names.ToArray());
        return output.ToArray();
    }

    // ---------------------------------------------------------------- reader

    /// <summary>Reads an R4 ELF32 executable; throws ImageFormatException naming <paramref name="fileName"/>.</summary>
    public static ProgramImage Read(byte[] bytes, string fileName)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new ElfReader(bytes, fileName);
        return reader.Read();
    }

    private readonly record struct SectionHeader(uint Name, uint Type, uint Flags, uint Address, uint Offset, uint Size,
        uint Link, uint Info, uint AddressAlign, uint EntrySize);

    private sealed class ElfReader(byte[] bytes, string fileName)
    {
        private ImageFormatException Error(string what) => new($"{fileName}: {what}");

        private uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset, 4));
        private ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)offset, 2));

        /// <summary>Checks that [offset, offset + size) lies inside the file.</summary>
        private void RequireInFile(ulong offset, ulong size, string what)
        {
            if (offset > (ulong)bytes.Length || size > (ulong)bytes.Length - offset)
                throw Error($"{what}: bytes 0x{offset:x}..0x{offset + size:x} lie outside the file ({bytes.Length} bytes)");
        }

        public ProgramImage Read()
        {
            if (bytes.Length < HeaderSize)
                throw Error($"{bytes.Length} bytes are too short for an ELF header ({HeaderSize} bytes)");
            if (!LooksLikeElf(bytes))
                throw Error("not an ELF file (the first 4 bytes are not 0x7F 'E' 'L' 'F')");
            if (bytes[4] != 1) throw Error($"ELF header offset 4 (EI_CLASS): {bytes[4]} is not 1 (32-bit)");
            if (bytes[5] != 1) throw Error($"ELF header offset 5 (EI_DATA): {bytes[5]} is not 1 (little-endian)");
            if (bytes[6] != 1) throw Error($"ELF header offset 6 (EI_VERSION): {bytes[6]} is not 1");
            ushort type = U16(16), machine = U16(18);
            if (type != EtExec) throw Error($"ELF header offset 16 (e_type): {type} is not 2 (ET_EXEC, an executable)");
            if (machine != MachineR4) throw Error($"ELF header offset 18 (e_machine): 0x{machine:x4} is not R4 (0x{MachineR4:x4})");
            uint version = U32(20);
            if (version != 1) throw Error($"ELF header offset 20 (e_version): {version} is not 1");
            uint entry = U32(24), phoff = U32(28), shoff = U32(32), flags = U32(36);
            if (flags != 0) throw Error($"ELF header offset 36 (e_flags): 0x{flags:x} is not 0");
            ushort ehsize = U16(40), phentsize = U16(42), phnum = U16(44), shentsize = U16(46), shnum = U16(48), shstrndx = U16(50);
            if (ehsize != HeaderSize) throw Error($"ELF header offset 40 (e_ehsize): {ehsize} is not {HeaderSize}");
            if (phnum > 0 && phentsize != ProgramHeaderSize)
                throw Error($"ELF header offset 42 (e_phentsize): {phentsize} is not {ProgramHeaderSize}");
            if (shnum > 0 && shentsize != SectionHeaderSize)
                throw Error($"ELF header offset 46 (e_shentsize): {shentsize} is not {SectionHeaderSize}");
            if (shnum == 0 && shoff != 0)
                throw Error($"ELF header offset 48 (e_shnum): 0 with e_shoff 0x{shoff:x} (extended section numbering is not supported)");
            RequireInFile(phoff, (ulong)phnum * ProgramHeaderSize, $"program header table (e_phoff 0x{phoff:x}, {phnum} entries)");
            RequireInFile(shoff, (ulong)shnum * SectionHeaderSize, $"section header table (e_shoff 0x{shoff:x}, {shnum} entries)");
            if (shnum > 0 && shstrndx >= shnum)
                throw Error($"ELF header offset 50 (e_shstrndx): section {shstrndx} does not exist ({shnum} sections)");
            if (shnum >= ShnLoreserve)
                throw Error($"ELF header offset 48 (e_shnum): {shnum} sections reach the reserved indices");

            var segments = ReadSegments(phoff, phnum);
            var sections = ReadSectionHeaders(shoff, shnum);
            var symbols = new List<ImageSymbol>();
            var lines = new List<SourceLine>();
            if (shnum > 0)
            {
                var shstrtab = sections[shstrndx];
                if (shstrtab.Type != ShtStrtab)
                    throw Error($"section {shstrndx} (e_shstrndx): type {shstrtab.Type} is not SHT_STRTAB");
                string?[] names = new string?[shnum];
                for (int i = 1; i < shnum; i++)
                    names[i] = StringAt(shstrtab, sections[i].Name, $"section {i} name (sh_name 0x{sections[i].Name:x})");
                int symtabCount = 0;
                for (int i = 1; i < shnum; i++)
                {
                    if (sections[i].Type == ShtSymtab)
                    {
                        if (++symtabCount > 1) throw Error($"section {i}: a second SHT_SYMTAB section");
                        ReadSymbols(i, sections, symbols);
                    }
                    else if (names[i] == LineSectionName)
                    {
                        if (sections[i].Type != ShtProgbits)
                            throw Error($"section {i} ({LineSectionName}): type {sections[i].Type} is not SHT_PROGBITS");
                        ReadLines(i, sections[i], lines);
                    }
                }
            }
            return new ProgramImage(entry, segments, symbols, lines);
        }

        private List<ImageSegment> ReadSegments(uint phoff, int phnum)
        {
            var segments = new List<ImageSegment>();
            var where = new List<string>();
            for (int i = 0; i < phnum; i++)
            {
                long at = phoff + (long)i * ProgramHeaderSize;
                string header = $"program header {i} (offset 0x{at:x})";
                uint type = U32(at), offset = U32(at + 4), vaddr = U32(at + 8), paddr = U32(at + 12), filesz = U32(at + 16),
                    memsz = U32(at + 20), flags = U32(at + 24), align = U32(at + 28);
                if (type is PtDynamic or PtInterp or PtTls)
                    throw Error($"{header}: p_type {type} needs a dynamic loader or TLS; R4 images are static");
                if (type != PtLoad) continue;
                if (filesz > memsz) throw Error($"{header}: p_filesz 0x{filesz:x} exceeds p_memsz 0x{memsz:x}");
                RequireInFile(offset, filesz, $"{header} data (p_offset 0x{offset:x}, p_filesz 0x{filesz:x})");
                if ((ulong)vaddr + memsz > 1UL << 32)
                    throw Error($"{header}: p_vaddr 0x{vaddr:x8} + p_memsz 0x{memsz:x} wraps past the 4 GiB address space");
                if ((ulong)paddr + memsz > 1UL << 32)
                    throw Error($"{header}: p_paddr 0x{paddr:x8} + p_memsz 0x{memsz:x} wraps past the 4 GiB address space");
                if ((flags & ~7u) != 0) throw Error($"{header}: p_flags 0x{flags:x} has bits other than R, W, X");
                if (align > 1 && ((align & (align - 1)) != 0 || offset % align != vaddr % align))
                    throw Error($"{header}: p_align 0x{align:x} is not a power of two with p_offset = p_vaddr modulo it");
                segments.Add(new ImageSegment(vaddr, paddr, bytes.AsSpan((int)offset, (int)filesz).ToArray(), memsz, (SegmentFlags)flags));
                where.Add(header);
            }
            RequireDisjoint(segments, where, s => s.VirtualAddress, "virtual");
            RequireDisjoint(segments, where, s => s.PhysicalAddress, "physical");
            return segments;
        }

        /// <summary>No two non-empty segments share an address (sorted, so neighbours suffice).</summary>
        private void RequireDisjoint(List<ImageSegment> segments, List<string> where, Func<ImageSegment, uint> start, string space)
        {
            var order = Enumerable.Range(0, segments.Count).Where(i => segments[i].MemorySize > 0)
                .OrderBy(i => start(segments[i])).ToArray();
            for (int k = 1; k < order.Length; k++)
            {
                var previous = segments[order[k - 1]];
                var current = segments[order[k]];
                ulong previousEnd = (ulong)start(previous) + previous.MemorySize;
                if (start(current) < previousEnd)
                    throw Error($"{where[order[k]]}: {space} addresses 0x{start(current):x8}..0x{(ulong)start(current) + current.MemorySize:x8} overlap {where[order[k - 1]]} (0x{start(previous):x8}..0x{previousEnd:x8})");
            }
        }

        private SectionHeader[] ReadSectionHeaders(uint shoff, int shnum)
        {
            var sections = new SectionHeader[shnum];
            for (int i = 0; i < shnum; i++)
            {
                long at = shoff + (long)i * SectionHeaderSize;
                var h = new SectionHeader(U32(at), U32(at + 4), U32(at + 8), U32(at + 12), U32(at + 16), U32(at + 20),
                    U32(at + 24), U32(at + 28), U32(at + 32), U32(at + 36));
                if (i > 0 && h.Type != ShtNobits && h.Type != ShtNull)
                    RequireInFile(h.Offset, h.Size, $"section {i} (section header at offset 0x{at:x}, sh_offset 0x{h.Offset:x}, sh_size 0x{h.Size:x})");
                sections[i] = h;
            }
            return sections;
        }

        /// <summary>The NUL-terminated string at <paramref name="index"/> of a string table.</summary>
        private string StringAt(SectionHeader table, uint index, string what)
        {
            if (index >= table.Size)
                throw Error($"{what}: index {index} is outside its string table ({table.Size} bytes)");
            var rest = bytes.AsSpan((int)table.Offset + (int)index, (int)(table.Size - index));
            int end = rest.IndexOf((byte)0);
            if (end < 0) throw Error($"{what}: the string at index {index} has no terminating NUL in its string table");
            return Encoding.UTF8.GetString(rest[..end]);
        }

        private void ReadSymbols(int index, SectionHeader[] sections, List<ImageSymbol> symbols)
        {
            var symtab = sections[index];
            string what = $"section {index} (.symtab)";
            if (symtab.EntrySize != SymbolSize) throw Error($"{what}: sh_entsize {symtab.EntrySize} is not {SymbolSize}");
            if (symtab.Size % SymbolSize != 0) throw Error($"{what}: sh_size {symtab.Size} is not a multiple of {SymbolSize}");
            if (symtab.Link == 0 || symtab.Link >= sections.Length || sections[symtab.Link].Type != ShtStrtab)
                throw Error($"{what}: sh_link {symtab.Link} is not a string table section");
            var strtab = sections[symtab.Link];
            uint count = symtab.Size / SymbolSize;
            for (uint n = 1; n < count; n++)
            {
                long at = symtab.Offset + (long)n * SymbolSize;
                string symbol = $"{what} symbol {n} (offset 0x{at:x})";
                uint name = U32(at), value = U32(at + 4), size = U32(at + 8);
                byte info = bytes[at + 12];
                ushort shndx = U16(at + 14);
                int type = info & 15;
                if (type is SttSection or SttFile) continue;
                if (type is not (SttNotype or SttObject or SttFunc))
                    throw Error($"{symbol}: type {type} is not NOTYPE, OBJECT or FUNC");
                if (shndx == ShnUndef) throw Error($"{symbol}: undefined (st_shndx 0); R4 images are fully linked");
                if (shndx < ShnLoreserve ? shndx >= sections.Length : shndx != ShnAbs)
                    throw Error($"{symbol}: st_shndx 0x{shndx:x} is not a section of this file nor SHN_ABS");
                string text = StringAt(strtab, name, $"{symbol} name (st_name 0x{name:x})");
                if (text.Length == 0) throw Error($"{symbol}: has an empty name");
                bool constant = type == SttNotype && shndx == ShnAbs;
                symbols.Add(constant ? new ImageSymbol(text, value, SymbolKind.Constant) : new ImageSymbol(text, value, SymbolKind.Label, size));
            }
        }

        private void ReadLines(int index, SectionHeader section, List<SourceLine> lines)
        {
            string what = $"section {index} ({LineSectionName}, offset 0x{section.Offset:x})";
            if (section.Size < LineHeaderSize) throw Error($"{what}: {section.Size} bytes are too short for its {LineHeaderSize}-byte header");
            long at = section.Offset;
            uint magic = U32(at), version = U32(at + 4), fileCount = U32(at + 8), entryCount = U32(at + 12);
            if (magic != LineTableMagic) throw Error($"{what}: magic 0x{magic:x8} is not 0x{LineTableMagic:x8} (\"R4LN\")");
            if (version != LineTableVersion) throw Error($"{what}: version {version} is not {LineTableVersion}");
            ulong tablesSize = LineHeaderSize + 4UL * fileCount + (ulong)LineEntrySize * entryCount;
            if (tablesSize > section.Size)
                throw Error($"{what}: {fileCount} file names and {entryCount} entries need 0x{tablesSize:x} bytes, the section has 0x{section.Size:x}");
            var names = new SectionHeader(0, ShtStrtab, 0, 0, section.Offset + (uint)tablesSize, section.Size - (uint)tablesSize, 0, 0, 1, 0);
            var files = new string[fileCount];
            for (uint f = 0; f < fileCount; f++)
                files[f] = StringAt(names, U32(at + LineHeaderSize + 4L * f), $"{what} file name {f}");
            long entries = at + LineHeaderSize + 4L * fileCount;
            for (uint e = 0; e < entryCount; e++)
            {
                long entry = entries + (long)e * LineEntrySize;
                uint address = U32(entry), file = U32(entry + 4), line = U32(entry + 8);
                if (file >= fileCount) throw Error($"{what} entry {e} (offset 0x{entry:x}): file index {file} is not below {fileCount}");
                if (line > int.MaxValue) throw Error($"{what} entry {e} (offset 0x{entry:x}): line {line} is out of range");
                lines.Add(new SourceLine(address, files[file], (int)line));
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void Put16(Span<byte> span, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], value);
    private static void Put32(Span<byte> span, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], value);

    /// <summary>A growing little-endian byte buffer.</summary>
    private sealed class ByteWriter
    {
        private readonly MemoryStream stream = new();
        public int Length => (int)stream.Length;
        public void U8(byte value) => stream.WriteByte(value);
        public void U16(ushort value) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, value); stream.Write(b); }
        public void U32(uint value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, value); stream.Write(b); }
        public void Bytes(ReadOnlySpan<byte> data) => stream.Write(data);
        public void Skip(int count) { for (int i = 0; i < count; i++) stream.WriteByte(0); }
        public void Align(int alignment) => Skip((alignment - Length % alignment) % alignment);
        public byte[] ToArray() => stream.ToArray();
    }

    /// <summary>An ELF string table: NUL-terminated UTF-8 strings, each stored once.</summary>
    private sealed class StringTable
    {
        private readonly MemoryStream stream = new();
        private readonly Dictionary<string, uint> offsets = new(StringComparer.Ordinal);

        public StringTable(bool startsWithEmpty = true)
        {
            if (startsWithEmpty)
            {
                stream.WriteByte(0);
                offsets[""] = 0;
            }
        }

        public int Length => (int)stream.Length;

        public uint Add(string text)
        {
            if (offsets.TryGetValue(text, out uint offset)) return offset;
            if (text.Contains('\0')) throw new ArgumentException($"name '{text.Replace("\0", "\\0")}' contains a NUL character");
            offset = (uint)stream.Length;
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.WriteByte(0);
            offsets[text] = offset;
            return offset;
        }

        public byte[] ToArray() => stream.ToArray();
    }
}
