// The project's own guests as test material for the image format and the disassembler:
// each assembles to an ELF that readelf and Elf32.Read agree on, and every instruction word
// of its code segments disassembles to text that reassembles to the same word.
using System.Text;
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;
using R4.Tests.Image;

namespace R4.Tests.Disassembler;

public class GuestImageTests
{
    /// <summary>The guests that assemble on their own (the kernel parts are included by others).</summary>
    public static TheoryData<string> Guests()
    {
        var data = new TheoryData<string>();
        foreach (string folder in new[] { "examples", "bench" })
            foreach (string path in Directory.GetFiles(RepositoryPaths.Combine("Guests", folder), "*.asm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(RepositoryPaths.Root, path));
        return data;
    }

    private static ProgramImage Assemble(string relativePath)
    {
        var result = R4Assembler.AssembleFile(RepositoryPaths.Combine(relativePath));
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Take(5).Select(e => e.Format())));
        return result.Image!;
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void TheElfOfAGuestReadsBackAndReadelfSeesItsSymbols(string guest)
    {
        var image = Assemble(guest);
        byte[] elf = Elf32.Write(image);
        ImageSamples.AssertEqual(image, Elf32.Read(elf, guest));

        var readelf = Readelf.Run(elf);
        Assert.Equal("", readelf.Errors);
        Assert.Equal($"0x{image.Entry:x}", readelf.Header["Entry point address"]);
        Assert.Equal(image.Segments.Select(s => (s.VirtualAddress, s.PhysicalAddress, (uint)s.Data.Length, s.MemorySize)),
            readelf.Segments.Select(s => (s.VirtualAddress, s.PhysicalAddress, s.FileSize, s.MemorySize)));
        var expected = image.Symbols.Select(s => (s.Name, s.Value, s.Kind == SymbolKind.Constant ? "ABS" : "section"))
            .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Value);
        var actual = readelf.Symbols.Select(s => (s.Name, s.Value, s.SectionIndex == "ABS" && s.Type == "NOTYPE" ? "ABS" : "section"))
            .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Value);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void EveryInstructionOfAGuestReassemblesFromItsDisassembly(string guest)
    {
        var image = Assemble(guest);
        var words = new List<(uint Pc, uint Word)>();
        foreach (var segment in image.Segments.Where(s => (s.Flags & SegmentFlags.Execute) != 0))
            for (int offset = (int)((4 - segment.VirtualAddress % 4) % 4); offset + 4 <= segment.Data.Length; offset += 4)
            {
                uint pc = segment.VirtualAddress + (uint)offset, word = BitConverter.ToUInt32(segment.Data, offset);
                if (InstructionCodec.TryDecode(word, out var i) && !TargetWraps(i, pc))
                    words.Add((pc, word));
            }
        Assert.NotEmpty(words);

        var source = new StringBuilder();
        foreach (var (pc, word) in words)
            source.Append($".org 0x{pc:x}\n{Assembler.Disassembler.Format(word, pc, image)}\n");
        var result = R4Assembler.AssembleText(source.ToString(), "reassembled.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Take(5).Select(e => e.Format())));
        var reassembled = result.Image!.Segments.SelectMany(s => Enumerable.Range(0, s.Data.Length / 4)
            .Select(k => (s.VirtualAddress + 4u * (uint)k, BitConverter.ToUInt32(s.Data, 4 * k)))).ToDictionary(p => p.Item1, p => p.Item2);
        foreach (var (pc, word) in words)
            Assert.True(reassembled.TryGetValue(pc, out uint again) && again == word,
                $"{guest} 0x{pc:x8}: {Assembler.Disassembler.Format(word, pc)} (0x{word:x8}) reassembled differently");
    }

    /// <summary>A data word that decodes as a branch whose target falls outside 0..4 GiB has
    /// no absolute target the assembler could be given.</summary>
    private static bool TargetWraps(DecodedInstruction i, uint pc)
    {
        if (i.Info.Form is not (OperandForm.Branch or OperandForm.Jump)) return false;
        long target = pc + 4L + 4L * i.Imm;
        return target < 0 || target > uint.MaxValue;
    }
}
