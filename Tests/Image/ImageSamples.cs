// Sample program images for the ELF tests: small, but with every feature the format
// carries (several segments, a zero-filled tail, a segment without file bytes, code and
// data labels, local labels, constants, labels outside any segment, source lines of two files).
using R4.Isa.Image;

namespace R4.Tests.Image;

public static class ImageSamples
{
    public static ProgramImage Rich() => new(
        entry: 0x1000,
        segments:
        [
            new ImageSegment(0x1000, 0x1000, [0x01, 0x12, 0x30, 0x00, 0x00, 0x00, 0x00, 0x60], 8, SegmentFlags.Read | SegmentFlags.Execute),
            new ImageSegment(0x2001, 0x9001, [1, 2, 3, 4, 5], 0x20, SegmentFlags.Read | SegmentFlags.Write),
            new ImageSegment(0x3000, 0x3000, [0xAA], 1, SegmentFlags.Read),
            new ImageSegment(0x4000, 0x4000, [], 0x100, SegmentFlags.Read | SegmentFlags.Write),
            new ImageSegment(0x5000, 0x5000, [0x52, 0, 0, 0], 4, SegmentFlags.Read | SegmentFlags.Execute),
        ],
        symbols:
        [
            new ImageSymbol("start", 0x1000, SymbolKind.Label),
            new ImageSymbol("start.loop", 0x1004, SymbolKind.Label),
            new ImageSymbol("table", 0x2001, SymbolKind.Label),
            new ImageSymbol("table_end", 0x2006, SymbolKind.Label),
            new ImageSymbol("message", 0x3000, SymbolKind.Label),
            new ImageSymbol("buffer", 0x4000, SymbolKind.Label),
            new ImageSymbol("far_away", 0x7000_0000, SymbolKind.Label),
            new ImageSymbol("more_code", 0x5000, SymbolKind.Label),
            new ImageSymbol("N", 1000, SymbolKind.Constant),
            new ImageSymbol("MINUS_ONE", 0xFFFF_FFFF, SymbolKind.Constant),
        ],
        lines:
        [
            new SourceLine(0x1000, "src/main.asm", 3),
            new SourceLine(0x1004, "src/main.asm", 4),
            new SourceLine(0x2001, "lib/data.inc", 12),
            new SourceLine(0x5000, "src/main.asm", 40),
        ]);

    public static void AssertEqual(ProgramImage expected, ProgramImage actual)
    {
        Assert.Equal(expected.Entry, actual.Entry);
        Assert.Equal(expected.Segments.Count, actual.Segments.Count);
        for (int i = 0; i < expected.Segments.Count; i++)
        {
            var e = expected.Segments[i];
            var a = actual.Segments[i];
            Assert.Equal((e.VirtualAddress, e.PhysicalAddress, e.MemorySize, e.Flags), (a.VirtualAddress, a.PhysicalAddress, a.MemorySize, a.Flags));
            Assert.Equal(e.Data, a.Data);
        }
        Assert.Equal(expected.Symbols.OrderBy(s => s.Name, StringComparer.Ordinal), actual.Symbols.OrderBy(s => s.Name, StringComparer.Ordinal));
        Assert.Equal(expected.Lines, actual.Lines);
    }
}
