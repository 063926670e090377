// Issue 5 item 2: the BenchmarkDotNet suite (Perf/LayoutBenchmarks.cs, which this test project
// cannot compile without BenchmarkDotNet) covers every microbenchmark guest of Guests/bench
// under every layout, and the committed run (docs/results/layout-benchmarks.csv and .md) has
// one row for each of those cases.
using System.Text.RegularExpressions;
using R4.Monitor;

namespace R4.Tests.Perf;

public partial class LayoutBenchmarksCoverageTests
{
    [GeneratedRegex(@"Benches\s*\{\s*get;\s*\}\s*=\s*\[([^\]]*)\]")]
    private static partial Regex BenchesList();

    private static IReadOnlyList<string> BenchGuests =>
        Directory.EnumerateFiles(RepositoryPaths.Combine("Guests", "bench"), "*.asm")
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList()!;

    [Fact]
    public void TheSuiteRunsEveryBenchGuestUnderEveryLayout()
    {
        string source = File.ReadAllText(RepositoryPaths.Combine("Perf", "LayoutBenchmarks.cs"));
        var match = BenchesList().Match(source);
        Assert.True(match.Success, "Perf/LayoutBenchmarks.cs: no `Benches { get; } = [...]` list");
        var benches = Regex.Matches(match.Groups[1].Value, "\"(\\w+)\"").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(BenchGuests, benches);
        Assert.Contains("LayoutNames { get; } = Layouts.All.Select(l => l.Name)", source);
    }

    [Fact]
    public void TheCommittedRunHasOneRowPerGuestAndLayoutInCsvAndMarkdown()
    {
        var expected = BenchGuests.SelectMany(bench => Layouts.All.Select(layout => $"{bench},{layout.Name}")).Order(StringComparer.Ordinal).ToList();
        string[] csv = File.ReadAllLines(RepositoryPaths.Combine("docs", "results", "layout-benchmarks.csv"));
        string[] header = csv[0].Split(',');
        int bench = Array.IndexOf(header, "Bench"), layout = Array.IndexOf(header, "Layout");
        Assert.True(bench >= 0 && layout >= 0, "layout-benchmarks.csv has no Bench and Layout columns");
        var rows = csv.Skip(1).Select(line => line.Split(',')).Select(cells => $"{cells[bench]},{cells[layout]}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, rows);

        string markdown = File.ReadAllText(RepositoryPaths.Combine("docs", "results", "layout-benchmarks.md"));
        foreach (string row in expected)
        {
            string[] parts = row.Split(',');
            Assert.Matches($@"\| \**{parts[0]}\** +\| \**{parts[1]}\** +\|", markdown);
        }
    }
}
