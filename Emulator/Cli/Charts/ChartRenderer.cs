// Draws a Chart (Chart.cs) as PNG or SVG in-process with ScottPlot 5 on SkiaSharp (its Linux
// native library comes from NuGet, so no image converter or system library is needed). The
// layout — margins, tick spacing, legend placement — is ScottPlot's, so axis titles sit right
// under the tick labels. A log value axis is drawn as log10 of the values with ticks at 1-2-5
// steps labelled with the real values, since ScottPlot has no log axis of its own.
using System.Text;
using ScottPlot;

namespace R4.Cli.Charts;

public static class ChartRenderer
{
    /// <summary>The colours given to series without one (Tableau 10, as matplotlib uses).</summary>
    public static readonly IReadOnlyList<string> Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>A sans-serif font the machine has (ScottPlot's own guess may be a serif one),
    /// else ScottPlot's default.</summary>
    private static readonly Lazy<string> FontName = new(() =>
    {
        var families = SkiaSharp.SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }.FirstOrDefault(families.Contains) ?? Fonts.Default;
    });

    public static bool IsSvg(string path) => Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);

    public static bool IsPng(string path) => Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="path"/> names a format this renderer writes (.svg or .png).</summary>
    public static bool IsChartPath(string path) => IsSvg(path) || IsPng(path);

    /// <summary>The bytes of the chart in the format <paramref name="path"/>'s extension names
    /// (.svg or .png); made in memory, so the caller writes the file whole or not at all.</summary>
    public static byte[] Render(string path, Chart chart)
    {
        try
        {
            return IsSvg(path) ? Encoding.UTF8.GetBytes(Svg(chart))
                : IsPng(path) ? Png(chart)
                : throw new ArgumentException($"'{path}' is neither .svg nor .png", nameof(path));
        }
        catch (Exception e) when (MissingNativeLibrary(path, e) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The one-line error for a chart that SkiaSharp could not draw because its native
    /// library (libSkiaSharp.so) did not load — e.g. the Native AOT `r4` copied away from the
    /// folder it was published to — or null for any other exception.</summary>
    public static UserError? MissingNativeLibrary(string path, Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is DllNotFoundException missing)
                return new UserError($"--plot {path}: cannot draw the chart: SkiaSharp's native library did not load " +
                    $"({missing.Message.Split('\n')[0].TrimEnd()}); keep libSkiaSharp.so beside r4, as its build or publish folder has it", ExitCodes.CannotWrite);
        return null;
    }

    public static byte[] Png(Chart chart)
    {
        var (plot, width, height) = Build(chart);
        using (plot)
            return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    public static string Svg(Chart chart)
    {
        var (plot, width, height) = Build(chart);
        using (plot)
            return plot.GetSvgXml(width, height);
    }

    private static (Plot Plot, int Width, int Height) Build(Chart chart)
    {
        var plot = new Plot();
        plot.Font.Set(FontName.Value);
        plot.Title(chart.Title, size: 16);
        plot.Axes.Title.Label.Bold = true;
        plot.XLabel(chart.XAxisTitle, size: 13);
        plot.YLabel(chart.YAxisTitle, size: 13);
        var axis = ValueAxis.For(chart);
        int width, height = chart.HeightPixels > 0 ? chart.HeightPixels : 480;
        switch (chart)
        {
            case BarChart bars:
                AddBars(plot, bars, axis);
                width = chart.WidthPixels > 0 ? chart.WidthPixels : Math.Max(MinimumWidth(chart), 240 + bars.Categories.Count * (bars.Series.Count * 44 + 24));
                break;
            case LineChart lines:
                AddLines(plot, lines, axis);
                width = chart.WidthPixels > 0 ? chart.WidthPixels : Math.Max(MinimumWidth(chart), 720);
                break;
            default:
                throw new ArgumentException($"no renderer for {chart.GetType().Name}", nameof(chart));
        }
        plot.Axes.Left.TickGenerator = axis.Ticks(chart);
        plot.Axes.SetLimitsY(axis.Bottom, axis.Top);
        plot.Grid.XAxisStyle.IsVisible = chart is LineChart;
        if (chart.Series.Count > 1 || chart.Series.Any(s => s.Name.Length > 0))
            plot.ShowLegend(Edge.Right);
        return (plot, width, height);
    }

    /// <summary>Wide enough for the title (16 px sans-serif: under 9 px a character) beside the legend.</summary>
    private static int MinimumWidth(Chart chart) => Math.Max(640, 9 * chart.Title.Length + 200);

    private static void AddBars(Plot plot, BarChart chart, ValueAxis axis)
    {
        const double groupWidth = 0.86;
        int count = Math.Max(1, chart.Series.Count);
        double barWidth = groupWidth / count;
        for (int s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var colour = Color.FromHex(series.Colour ?? Palette[s % Palette.Count]);
            var bars = new List<Bar>();
            for (int c = 0; c < chart.Categories.Count && c < series.Values.Count; c++)
            {
                double value = series.Values[c];
                if (!axis.CanShow(value)) continue;
                bars.Add(new Bar
                {
                    Position = c - groupWidth / 2 + barWidth * (s + 0.5),
                    Value = axis.Map(value),
                    ValueBase = axis.Bottom,
                    Size = barWidth * 0.92,
                    FillColor = colour,
                    LineWidth = 0,
                    Label = chart.Label(value),
                });
            }
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = series.Name;
            plottable.ValueLabelStyle.FontSize = 9;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, chart.Categories.Count).Select(i => (double)i).ToArray(), chart.Categories.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(-0.5, chart.Categories.Count - 0.5);
    }

    private static void AddLines(Plot plot, LineChart chart, ValueAxis axis)
    {
        for (int s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < chart.XValues.Count && i < series.Values.Count; i++)
            {
                if (!axis.CanShow(series.Values[i])) continue;
                xs.Add(chart.XValues[i]);
                ys.Add(axis.Map(series.Values[i]));
            }
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), Color.FromHex(series.Colour ?? Palette[s % Palette.Count]));
            line.LegendText = series.Name;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
    }

    /// <summary>The value axis: where values are drawn (log10 of them on a log scale), its
    /// bottom and top in drawn units, and its ticks labelled with real values.</summary>
    private sealed record ValueAxis(bool Log, double Bottom, double Top, IReadOnlyList<double> TickValues)
    {
        public bool CanShow(double value) => double.IsFinite(value) && (!Log || value > 0);

        public double Map(double value) => Log ? Math.Log10(value) : value;

        public ScottPlot.ITickGenerator Ticks(Chart chart) =>
            new ScottPlot.TickGenerators.NumericManual(TickValues.Select(Map).ToArray(), TickValues.Select(chart.Label).ToArray());

        public static ValueAxis For(Chart chart)
        {
            bool log = chart.Scale == ValueScale.Log;
            var values = chart.Series.SelectMany(s => s.Values).Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
            if (log)
            {
                // 1-2-5 steps around the values, the lowest below the smallest value so that the
                // smallest bar (a 1× baseline) still has a visible height
                var steps = OneTwoFive().ToList();
                double low = values.Count == 0 ? 1 : values.Min(), high = values.Count == 0 ? 1 : values.Max();
                double min = steps.LastOrDefault(s => s < low * 0.999, steps[0]);
                double max = steps.FirstOrDefault(s => s >= high * 1.15, steps[^1]);
                return new ValueAxis(true, Math.Log10(min), Math.Log10(max), steps.Where(s => s >= min && s <= max).ToList());
            }
            // ticks at a 1-2-5 step giving at most 8 of them, the top one just above the highest value
            double highest = Math.Max(values.Count == 0 ? 1 : values.Max(), 1e-4);
            double step = OneTwoFive().First(s => s >= highest * 1.08 / 8);
            double top = Math.Ceiling(highest * 1.08 / step) * step;
            var ticks = new List<double>();
            for (int i = 0; i * step <= top + step / 2; i++) ticks.Add(i * step);
            return new ValueAxis(false, 0, top, ticks);
        }

        private static IEnumerable<double> OneTwoFive()
        {
            for (int exponent = -4; exponent <= 12; exponent++)
                foreach (double mantissa in new[] { 1.0, 2.0, 5.0 })
                    yield return mantissa * Math.Pow(10, exponent);
        }
    }
}
