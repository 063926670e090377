// ProgramImage sorts its labels with a merge sort of its own (start-up: LINQ's OrderBy over a
// uint key was compiled by the .NET JIT in every run). It must keep OrderBy's order exactly:
// by address, a global label before a local one, then by name (ordinal), equal ones as given.
using R4.Isa.Image;

namespace R4.Tests.Image;

public sealed class LabelOrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void LabelsAndLinesKeepOrderBysOrder(int seed)
    {
        var random = new Random(seed);
        string[] names = ["a", "b", ".x", ".y", "B", "main", ".loop", "_start"];
        var symbols = new List<ImageSymbol>();
        for (int i = 0; i < 300; i++)
            symbols.Add(new ImageSymbol(names[random.Next(names.Length)], (uint)(random.Next(40) * 4),
                random.Next(5) == 0 ? SymbolKind.Constant : SymbolKind.Label, (uint)random.Next(3) * 4));
        var lines = new List<SourceLine>();
        for (int i = 0; i < 200; i++)
            lines.Add(new SourceLine((uint)(random.Next(50) * 4), $"f{random.Next(3)}.asm", i));
        var image = new ProgramImage(0, [], symbols, lines);

        var expectedLabels = symbols.Where(s => s.Kind == SymbolKind.Label)
            .OrderBy(s => s.Value).ThenBy(s => s.Name.StartsWith('.') ? 1 : 0).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
        var expectedLines = lines.OrderBy(l => l.Address).ToArray();
        for (uint address = 0; address < 220; address += 2)
        {
            var expectedLabel = expectedLabels.LastOrDefault(l => l.Value <= address) is { } last
                ? expectedLabels.First(l => l.Value == last.Value) : null;
            Assert.Same(expectedLabel, image.LabelAtOrBelow(address));
            // LineAt's binary search over the reference order finds the same element only when
            // the two orders are the same array, duplicates included.
            Assert.Same(BinarySearch(expectedLines, address), image.LineAt(address));
        }
    }

    private static SourceLine? BinarySearch(SourceLine[] lines, uint address)
    {
        int lo = 0, hi = lines.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint a = lines[mid].Address;
            if (a == address) return lines[mid];
            if (a < address) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }
}
