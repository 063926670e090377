// The README's "Results", docs/results/layouts.md and layouts.svg must be what `r4 compare` prints today:
// this runs the README's command (one timed run, no warm-up) and compares every deterministic
// cell — instructions, cycles, slowdown in cycles, exits, exits per 1000 instructions,
// page-table switches, TLB flushes and misses, exits by cause — with the committed tables.
// Host-time cells are left out: they are measurements of one machine on one day.
using System.Text.RegularExpressions;
using R4.Cli.Compare;
using R4.Monitor;

namespace R4.Tests.Compare;

public partial class ReadmeResultsTests
{
    [GeneratedRegex(@"compare ((?:Guests/bench/\w+\.asm ?)+)")]
    private static partial Regex ReadmeCommand();

    private static string Readme => File.ReadAllText(RepositoryPaths.Combine("README.md"));

    private static string ResultsSection
    {
        get
        {
            string readme = Readme;
            int start = readme.IndexOf("## Results", StringComparison.Ordinal);
            Assert.True(start >= 0, "README.md has no Results section");
            int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            return end < 0 ? readme[start..] : readme[start..end];
        }
    }

    private static readonly Lazy<ExperimentResult> Measured = new(() =>
    {
        var guests = ReadmeCommand().Match(ResultsSection).Groups[1].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(path => CompareTestGuests.Bench(Path.GetFileNameWithoutExtension(path)))
            .ToList();
        var result = LayoutExperiment.Run(guests, new ExperimentSettings { Layouts = Layouts.All, Repeat = 1, Warmup = 0 });
        Assert.Empty(result.Disagreements);
        return result;
    });

    /// <summary>The rows of every Markdown table in <paramref name="text"/> (separator rows
    /// left out), each cell trimmed; cells under a host-time heading become "~".</summary>
    private static List<string[]> DeterministicRows(string text)
    {
        var rows = new List<string[]>();
        string[]? headings = null;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith('|')) { headings = null; continue; }
            string[] cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.All(c => c.Length > 0 && c.Trim('-', ':').Length == 0)) continue;
            if (headings is null) { headings = cells; rows.Add(cells); continue; }
            rows.Add(cells.Select((cell, i) => IsHostColumn(headings[i]) ? "~" : cell).ToArray());
        }
        return rows;
    }

    private static bool IsHostColumn(string heading) => heading.Contains("host") || heading is "min" or "max";

    [Fact]
    public void TheReadmeCommandNamesTheSevenMicrobenchmarks()
    {
        var names = ReadmeCommand().Match(ResultsSection).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension);
        Assert.Equal(["nullcall", "ctxswitch", "pagefault", "portio", "clisti", "ptswitch", "compute"], names);
    }

    [Fact]
    public void TheReadmeTableIsWhatCompareMeasuresToday()
    {
        var expected = DeterministicRows(CompareReport.Summary(Measured.Value));
        var readme = DeterministicRows(ResultsSection);
        Assert.Equal(expected.Count, readme.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(string.Join(" | ", expected[i]), string.Join(" | ", readme[i]));
    }

    [Fact]
    public void TheFullTableInDocsResultsIsWhatCompareMeasuresToday()
    {
        var expected = DeterministicRows(CompareReport.Format(Measured.Value, CompareFormat.Markdown));
        var committed = DeterministicRows(File.ReadAllText(RepositoryPaths.Combine("docs", "results", "layouts.md")));
        Assert.Equal(expected.Count, committed.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(string.Join(" | ", expected[i]), string.Join(" | ", committed[i]));
    }

    /// <summary>The chart shows modelled-cycle slowdowns, which are deterministic: the committed
    /// SVG has the size and every text (title, axis titles, ticks, guests, legend, the value
    /// of every bar, in order) of what `r4 compare --plot` draws today. Glyph positions are
    /// left out: they depend on the fonts of the machine that drew it.</summary>
    [Fact]
    public void TheChartInDocsResultsIsWhatCompareDrawsToday()
    {
        Assert.Contains("](docs/results/layouts.svg)", ResultsSection);
        static (string Width, string Height, string Texts) Pinned(string svg)
        {
            var root = System.Xml.Linq.XDocument.Parse(svg).Root!;
            var texts = root.Descendants(root.Name.Namespace + "text").Select(t => t.Value.Trim());
            return (root.Attribute("width")!.Value, root.Attribute("height")!.Value, string.Join("\n", texts));
        }
        string drawn = R4.Cli.Charts.ChartRenderer.Svg(ComparePlot.Chart(Measured.Value, PlotMetric.Cycles));
        Assert.Equal(Pinned(drawn), Pinned(File.ReadAllText(RepositoryPaths.Combine("docs", "results", "layouts.svg"))));
    }

    /// <summary>The numbers the README's explanation quotes: ring3's null call cycles and the
    /// 1060 extra cycles per call they give, ring012's 54 exits for the whole nullcall run.</summary>
    [Fact]
    public void TheNumbersQuotedInTheExplanationAreMeasured()
    {
        var nullcall = Measured.Value.Guests.Single(g => g.Guest == "nullcall");
        var ring3 = nullcall.Run(Layouts.Ring3);
        var native = nullcall.Run(Layouts.Native);
        string section = Regex.Replace(ResultsSection, @"\s+", " ");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string perCall = ((ring3.Cycles - native.Cycles) / 100000.0).ToString("F1", invariant);
        Assert.Contains($"({ring3.Cycles.ToString("N0", invariant)} − {native.Cycles.ToString("N0", invariant)}) / 100,000 calls = {perCall}", section);
        var ring012 = nullcall.Run(Layouts.Ring012);
        Assert.Contains($"({ring012.MonitorExits} exits in the whole run: {ring012.Exits("mtcr")} `mtcr` and {ring012.Exits("shadowFill")} " +
                        $"shadow fills while the kernel boots, {ring012.Exits("out")} `out`", section);
        Assert.Equal(0, nullcall.Run(Layouts.Ring012).Exits("syscall"));

        // the per-event differences the prose quotes, from the measured cycles
        var costs = R4.Machine.CostTable.Default;
        long PerEvent(string guest, Layout layout, Layout baseline, long events)
        {
            var comparison = Measured.Value.Guests.Single(g => g.Guest == guest);
            return (long)Math.Round(((double)comparison.Run(layout).Cycles - comparison.Run(baseline).Cycles) / events);
        }
        Assert.Contains($"that is 2 exits (2 × {costs.MonitorExitCycles + costs.MonitorEmulationCycles} cycles) + 2 page-table switches (2 × {costs.TlbFlushCycles}) + 3 more TLB misses (3 × {costs.TlbMissCycles}) = **{PerEvent("nullcall", Layouts.Ring3, Layouts.Native, 100_000)} extra cycles**", section);
        Assert.Contains($"ctxswitch: ring3 − ring012 = {PerEvent("ctxswitch", Layouts.Ring3, Layouts.Ring012, 20_000)} cycles per switch)", section);
        Assert.Contains($"(pagefault: {PerEvent("pagefault", Layouts.Ring3, Layouts.Ring012, 10_000)} per fault)", section);
        Assert.Contains($"{PerEvent("portio", Layouts.Ring012, Layouts.Native, 100_000)} extra cycles per iteration for two exits", section);
        Assert.Contains($"{PerEvent("ptswitch", Layouts.Ring3, Layouts.Native, 40_000)} cycles per write in ptswitch", section);
        Assert.Contains($"call costs exactly its native {nullcall.Run(Layouts.Native).Cycles / 100_000} cycles", section);
        var ctxswitch = Measured.Value.Guests.Single(g => g.Guest == "ctxswitch").Run(Layouts.Ring012);
        Assert.Contains($"ctxswitch then makes {ctxswitch.MonitorExits} exits in the whole run ({ctxswitch.Exits("ptbrTarget")} ptbr writes completed in hardware, {ctxswitch.Exits("shadowFill")} shadow fills) and costs {Measured.Value.Guests.Single(g => g.Guest == "ctxswitch").CycleSlowdown(ctxswitch):F3}× native cycles", section);
    }
}
