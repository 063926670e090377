// The reports of `r4 compare`: an aligned text table, a Markdown table (for the README),
// CSV and JSON, all from one list of columns so that the formats never drift apart.
// Numbers are written with the invariant culture; host times in milliseconds.
using System.Globalization;
using System.Text;

namespace R4.Cli.Compare;

public enum CompareFormat { Table, Markdown, Csv, Json }

public static class CompareReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A column: its CSV name, its heading in the text and Markdown tables, and its value.</summary>
    private sealed record Column(string CsvName, string Heading, Func<GuestComparison, LayoutRun, string> Value, bool RightAligned = true,
        bool InMarkdown = true);

    private static readonly Column[] Columns =
    [
        new("guest", "guest", (g, r) => r.Guest, RightAligned: false),
        new("layout", "layout", (g, r) => r.Layout, RightAligned: false),
        new("stop", "stop", (g, r) => r.Reason == R4.Machine.StopReason.PowerOff ? $"exit {r.ExitStatus}" : r.Reason.ToString(), RightAligned: false),
        new("instructions", "instructions", (g, r) => r.Instructions.ToString(Invariant)),
        new("cycles", "cycles", (g, r) => r.Cycles.ToString(Invariant)),
        new("cycle_slowdown", "× cycles", (g, r) => g.CycleSlowdown(r).ToString("F3", Invariant)),
        new("host_ms_median", "host ms", (g, r) => Milliseconds(r.HostSecondsMedian)),
        new("host_ms_min", "min", (g, r) => Milliseconds(r.HostSecondsMin)),
        new("host_ms_max", "max", (g, r) => Milliseconds(r.HostSecondsMax)),
        new("host_slowdown", "× host", (g, r) => g.HostSlowdown(r).ToString("F2", Invariant)),
        // not in the Markdown table, which the README's results pin
        new("host_slowdown_ci95", "× host 95% CI", (g, r) => HostInterval(g, r), InMarkdown: false),
        new("exits", "exits", (g, r) => r.MonitorExits.ToString(Invariant)),
        new("exits_per_1k_instructions", "exits/1k instr", (g, r) => r.ExitsPerThousandInstructions.ToString("F2", Invariant)),
        new("page_table_switches", "PT switches", (g, r) => r.PageTableSwitches.ToString(Invariant)),
        new("tlb_flushes", "TLB flushes", (g, r) => r.TlbFlushes.ToString(Invariant)),
        new("tlb_misses", "TLB misses", (g, r) => r.TlbMisses.ToString(Invariant)),
        new("exits_by_cause", "exits by cause", (g, r) => ExitsByCause(r), RightAligned: false),
        new("exit_cycles_by_cause", "exit cycles by cause", (g, r) => ExitCyclesByCause(r), RightAligned: false),
    ];

    /// <summary>The CSV header, which is also the order of the table columns.</summary>
    public static IReadOnlyList<string> CsvColumns { get; } = Columns.Select(c => c.CsvName).ToArray();

    /// <summary>The report; <paramref name="colour"/> styles the text table for a terminal (a
    /// bold heading, slowdowns of 2× and more in yellow, 10× and more in red, a stop that is not
    /// a power-off in red) without moving a column.</summary>
    public static string Format(ExperimentResult result, CompareFormat format, bool colour = false) => format switch
    {
        CompareFormat.Table => Table(result, markdown: false, colour),
        CompareFormat.Markdown => Summary(result) + "\n" + Table(result, markdown: true),
        CompareFormat.Csv => Csv(result),
        CompareFormat.Json => Json(result),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>"syscall=1004 iret=1004 ..." in the fixed order of ExitAccounting.ByName, "-" if none.</summary>
    public static string ExitsByCause(LayoutRun run) =>
        run.ExitsByCause.Count == 0 ? "-" : string.Join(" ", run.ExitsByCause.Select(kv => $"{kv.Key}={kv.Value.ToString(Invariant)}"));

    /// <summary>"mtcr=6000 shadowFill=5600 ...": the modelled monitor cycles of each exit cause, in the
    /// order of <see cref="ExitsByCause"/>; events with no cycles of their own (pageTableSwitch,
    /// tlbFlush, the shadow cache's hits and misses) are left out; "-" if none.</summary>
    public static string ExitCyclesByCause(LayoutRun run)
    {
        var cycles = run.ExitsByCause.Where(kv => run.ExitCycles.ContainsKey(kv.Key))
            .Select(kv => $"{kv.Key}={run.ExitCycles[kv.Key].ToString(Invariant)}").ToList();
        return cycles.Count == 0 ? "-" : string.Join(" ", cycles);
    }

    /// <summary>"1.91-2.08", "0.93-1.08 n.s." when the interval includes 1.0 (not significant),
    /// "-" for the baseline itself or fewer than 2 samples (--repeat 2 or more).</summary>
    private static string HostInterval(GuestComparison guest, LayoutRun run) =>
        ReferenceEquals(run, guest.Baseline) || guest.HostSlowdownInterval(run) is not { } interval ? "-"
            : $"{interval.Low.ToString("F2", Invariant)}-{interval.High.ToString("F2", Invariant)}{(guest.HostSlowdownSignificant(run) ? "" : " n.s.")}";

    private static string Milliseconds(double seconds) => (seconds * 1000).ToString("F2", Invariant);

    private static IEnumerable<(GuestComparison Guest, LayoutRun Run)> Rows(ExperimentResult result) =>
        result.Guests.SelectMany(g => g.Runs.Select(r => (g, r)));

    private static string Table(ExperimentResult result, bool markdown, bool colour = false)
    {
        var Columns = markdown ? CompareReport.Columns.Where(c => c.InMarkdown).ToArray() : CompareReport.Columns;
        var rows = Rows(result).Select(row => Columns.Select(c => c.Value(row.Guest, row.Run)).ToArray()).ToList();
        var widths = Columns.Select((c, i) => Math.Max(c.Heading.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells, bool bold = false)
        {
            string joined = string.Join(markdown ? " | " : "  ", cells);
            string line = markdown ? "| " + joined + " |" : joined.TrimEnd();
            text.Append(bold ? Terminal.Styled(line, Terminal.Style.Bold) : line).Append('\n');
        }
        string Pad(int i, string cell) => Columns[i].RightAligned ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]);
        // styled after padding, so escape codes never count as width
        string Cell(int i, string cell) => colour ? Style(Columns[i], cell, Pad(i, cell)) : Pad(i, cell);
        Line(Columns.Select((c, i) => Pad(i, c.Heading)), bold: colour);
        if (markdown)
            Line(Columns.Select((c, i) => (c.RightAligned ? new string('-', widths[i] - 1) + ":" : new string('-', widths[i]))));
        else
            Line(Columns.Select((c, i) => new string('-', widths[i])));
        foreach (var row in rows)
            Line(row.Select((cell, i) => Cell(i, cell)));
        return text.ToString();
    }

    private static string Style(Column column, string cell, string padded)
    {
        if (column.CsvName is "cycle_slowdown" or "host_slowdown" && double.TryParse(cell, NumberStyles.Float, Invariant, out double slowdown))
            return slowdown >= 10 ? Terminal.Styled(padded, Terminal.Style.Red) : slowdown >= 2 ? Terminal.Styled(padded, Terminal.Style.Yellow) : padded;
        if (column.CsvName == "stop" && !cell.StartsWith("exit ", StringComparison.Ordinal))
            return Terminal.Styled(padded, Terminal.Style.Red);
        return padded;
    }

    /// <summary>The headline pivot (one row per guest, layouts side by side) that heads the
    /// Markdown report: slowdown vs the baseline in modelled cycles and in host time, and
    /// monitor exits per 1000 retired instructions.</summary>
    public static string Summary(ExperimentResult result)
    {
        var layouts = result.Layouts.Select(l => l.Name).ToList();
        string baseline = result.Guests.Count > 0 ? result.Guests[0].Baseline.Layout : layouts[0];
        var others = layouts.Where(l => l != baseline).ToList();
        var headings = new List<string> { "guest", "instructions", $"{baseline} cycles", $"{baseline} host ms" };
        headings.AddRange(others.Select(l => $"{l} × cycles"));
        headings.AddRange(others.Select(l => $"{l} × host"));
        headings.AddRange(others.Select(l => $"{l} exits/1k"));
        var text = new StringBuilder();
        text.Append("| ").Append(string.Join(" | ", headings)).Append(" |\n");
        text.Append("| --- |").Append(string.Concat(Enumerable.Repeat(" ---: |", headings.Count - 1))).Append('\n');
        foreach (var guest in result.Guests)
        {
            var runs = guest.Runs.ToDictionary(r => r.Layout);
            var baseRun = guest.Baseline;
            var cells = new List<string>
            {
                guest.Guest, baseRun.Instructions.ToString(Invariant), baseRun.Cycles.ToString(Invariant), Milliseconds(baseRun.HostSecondsMedian),
            };
            cells.AddRange(others.Select(l => guest.CycleSlowdown(runs[l]).ToString("F2", Invariant)));
            cells.AddRange(others.Select(l => guest.HostSlowdown(runs[l]).ToString("F2", Invariant)));
            cells.AddRange(others.Select(l => runs[l].ExitsPerThousandInstructions.ToString("F2", Invariant)));
            text.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }
        return text.ToString();
    }

    private static string Csv(ExperimentResult result)
    {
        var text = new StringBuilder();
        text.Append(string.Join(",", CsvColumns)).Append('\n');
        foreach (var (guest, run) in Rows(result))
            text.Append(string.Join(",", Columns.Select(c => CsvField(c.Value(guest, run))))).Append('\n');
        return text.ToString();
    }

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private static string Json(ExperimentResult result)
    {
        var document = new Dictionary<string, object?>
        {
            ["layouts"] = result.Layouts.Select(l => l.Name).ToArray(),
            ["layoutsAgree"] = result.LayoutsAgree,
            ["disagreements"] = result.Disagreements.Select(d => d.ToString()).ToArray(),
            ["guests"] = result.Guests.Select(g => new Dictionary<string, object?>
            {
                ["guest"] = g.Guest,
                ["baseline"] = g.Baseline.Layout,
                ["runs"] = g.Runs.Select(r => new Dictionary<string, object?>
                {
                    ["layout"] = r.Layout,
                    ["stopReason"] = r.Reason.ToString(),
                    ["exitStatus"] = r.ExitStatus,
                    ["instructions"] = r.Instructions,
                    ["cycles"] = r.Cycles,
                    ["cycleSlowdown"] = Math.Round(g.CycleSlowdown(r), 6),
                    ["hostSeconds"] = new Dictionary<string, object>
                    {
                        ["median"] = r.HostSecondsMedian,
                        ["min"] = r.HostSecondsMin,
                        ["max"] = r.HostSecondsMax,
                        ["samples"] = r.HostSeconds.ToArray(),
                    },
                    ["hostSlowdown"] = Math.Round(g.HostSlowdown(r), 6),
                    // 95% confidence interval of the host-time ratio over the --repeat samples (null:
                    // the baseline, or a single sample); significant = the interval excludes 1.0
                    ["hostSlowdownCi95"] = ReferenceEquals(r, g.Baseline) ? null
                        : g.HostSlowdownInterval(r) is { } ci ? new[] { Math.Round(ci.Low, 6), Math.Round(ci.High, 6) } : null,
                    ["hostSlowdownSignificant"] = ReferenceEquals(r, g.Baseline) || g.HostSlowdownInterval(r) is null ? null : g.HostSlowdownSignificant(r),
                    ["exits"] = r.MonitorExits,
                    ["exitsPer1000Instructions"] = Math.Round(r.ExitsPerThousandInstructions, 6),
                    ["pageTableSwitches"] = r.PageTableSwitches,
                    ["tlbFlushes"] = r.TlbFlushes,
                    ["tlbMisses"] = r.TlbMisses,
                    ["exitsByCause"] = r.ExitsByCause.ToDictionary(kv => kv.Key, kv => kv.Value),
                    // the modelled monitor cycles behind each cause (as run --stats-json's exitCycles)
                    ["exitCyclesByCause"] = r.ExitCycles,
                }).ToArray(),
            }).ToArray(),
        };
        return JsonText.ToText(document) + "\n";
    }
}
