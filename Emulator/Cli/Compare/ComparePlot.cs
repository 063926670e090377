// The chart of `r4 compare --plot`: the experiment's results as a Charts.BarChart (guests along
// the x axis, one bar per layout side by side, each layout in its own colour). Slowdowns use a
// log scale, since ring3 costs several times what the other layouts do. Drawing it (PNG or
// SVG, in-process) is Charts.ChartRenderer's job.
using R4.Cli.Charts;

namespace R4.Cli.Compare;

public enum PlotMetric { Cycles, Host, Exits }

public static class ComparePlot
{
    private static readonly Dictionary<string, string> LayoutColours = new()
    {
        ["native"] = "#7f7f7f",
        ["ring012"] = "#1f77b4",
        ["ring013"] = "#2ca02c",
        ["ring3"] = "#d62728",
    };

    private static readonly string[] SpareColours = ["#9467bd", "#8c564b", "#e377c2", "#bcbd22"];

    /// <summary>The chart of <paramref name="result"/>: one series per layout, one category per guest.</summary>
    public static BarChart Chart(ExperimentResult result, PlotMetric metric = PlotMetric.Cycles)
    {
        // slowdowns are relative to native when it was compared, else to the first layout
        string baseline = result.Guests.Count > 0 ? result.Guests[0].Baseline.Layout : result.Layouts.Count > 0 ? result.Layouts[0].Name : "native";
        var (title, axisTitle, scale, suffix) = metric switch
        {
            PlotMetric.Cycles => ($"Modelled cycles relative to {baseline}, per guest and layout", $"slowdown vs {baseline} (modelled cycles, log scale)", ValueScale.Log, "×"),
            PlotMetric.Host => ($"Host time relative to {baseline}, per guest and layout (median)", $"slowdown vs {baseline} (host time, log scale)", ValueScale.Log, "×"),
            _ => ("Monitor exits per 1000 retired instructions, per guest and layout", "monitor exits per 1000 instructions", ValueScale.Linear, ""),
        };
        double Value(GuestComparison g, LayoutRun r) => metric switch
        {
            PlotMetric.Cycles => g.CycleSlowdown(r),
            PlotMetric.Host => g.HostSlowdown(r),
            _ => r.ExitsPerThousandInstructions,
        };

        var layouts = result.Layouts.Select(l => l.Name).ToList();
        var series = layouts.Select((layout, i) => new ChartSeries(
            layout,
            result.Guests.Select(g => g.Runs.FirstOrDefault(r => r.Layout == layout) is { } run ? Value(g, run) : double.NaN).ToList(),
            LayoutColours.TryGetValue(layout, out var colour) ? colour : SpareColours[i % SpareColours.Length])).ToList();
        return new BarChart(title, "guest (benchmark)", axisTitle, result.Guests.Select(g => g.Guest).ToList(), series)
        {
            Scale = scale,
            ValueSuffix = suffix,
        };
    }

    /// <summary>The bytes of <paramref name="path"/> (.svg or .png), made in memory before anything is written.</summary>
    public static byte[] Render(string path, ExperimentResult result, PlotMetric metric) => ChartRenderer.Render(path, Chart(result, metric));
}
