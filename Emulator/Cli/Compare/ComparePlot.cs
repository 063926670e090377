// The chart of `r4 compare --plot`: a grouped bar chart (guests on the x axis, one bar per
// layout side by side, a legend, axis labels, a title), written as SVG directly. Slowdowns
// use a log scale, since ring3 costs several times what the other layouts do. PNG is made
// by converting the SVG with rsvg-convert or ImageMagick when one is on PATH.
using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;

namespace R4.Cli.Compare;

public enum PlotMetric { Cycles, Host, Exits }

public static class ComparePlot
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> LayoutColours = new()
    {
        ["native"] = "#7f7f7f",
        ["ring012"] = "#1f77b4",
        ["ring013"] = "#2ca02c",
        ["ring3"] = "#d62728",
    };

    private static readonly string[] SpareColours = ["#9467bd", "#8c564b", "#e377c2", "#bcbd22"];

    private const int PlotLeft = 80, PlotTop = 70, PlotHeight = 340, BarWidth = 18, GroupGap = 26, RightMargin = 150, BottomMargin = 90;

    public static string Svg(ExperimentResult result, PlotMetric metric = PlotMetric.Cycles)
    {
        // slowdowns are relative to native when it was compared, else to the first layout
        string baseline = result.Guests.Count > 0 ? result.Guests[0].Baseline.Layout : result.Layouts.Count > 0 ? result.Layouts[0].Name : "native";
        var (title, axisLabel, logScale) = metric switch
        {
            PlotMetric.Cycles => ($"Modelled cycles relative to {baseline}, per guest and layout", $"slowdown vs {baseline} (modelled cycles, log scale)", true),
            PlotMetric.Host => ($"Host time relative to {baseline}, per guest and layout (median)", $"slowdown vs {baseline} (host time, log scale)", true),
            _ => ("Monitor exits per 1000 retired instructions, per guest and layout", "monitor exits per 1000 instructions", false),
        };
        double Value(GuestComparison g, LayoutRun r) => metric switch
        {
            PlotMetric.Cycles => g.CycleSlowdown(r),
            PlotMetric.Host => g.HostSlowdown(r),
            _ => r.ExitsPerThousandInstructions,
        };

        var layouts = result.Layouts.Select(l => l.Name).ToList();
        int groupWidth = layouts.Count * BarWidth + GroupGap;
        // wide enough for the title (16-px bold sans-serif: about 10 px a character), the
        // groups centred in the plot area
        int titleWidth = 10 * title.Length + 40;
        int plotWidth = Math.Max(Math.Max(300, titleWidth - PlotLeft - RightMargin), result.Guests.Count * groupWidth);
        double groupsLeft = PlotLeft + (plotWidth - result.Guests.Count * groupWidth) / 2.0;
        int width = PlotLeft + plotWidth + RightMargin;
        int height = PlotTop + PlotHeight + BottomMargin;
        var values = result.Guests.SelectMany(g => g.Runs.Select(r => Value(g, r))).Where(v => v > 0 && double.IsFinite(v)).ToList();
        var axis = logScale ? LogAxis(values) : LinearAxis(values);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append($"<text x=\"{width / 2}\" y=\"48\" text-anchor=\"middle\" fill=\"#555\">r4 compare: {Escape(string.Join(", ", layouts))}</text>\n");

        // y axis: grid lines and tick labels
        foreach (double tick in axis.Ticks)
        {
            double y = axis.Y(tick);
            svg.Append($"<line x1=\"{PlotLeft}\" y1=\"{F(y)}\" x2=\"{PlotLeft + plotWidth}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>\n");
            svg.Append($"<text x=\"{PlotLeft - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Escape(TickLabel(tick, logScale))}</text>\n");
        }
        svg.Append($"<line x1=\"{PlotLeft}\" y1=\"{PlotTop}\" x2=\"{PlotLeft}\" y2=\"{PlotTop + PlotHeight}\" stroke=\"black\"/>\n");
        svg.Append($"<line x1=\"{PlotLeft}\" y1=\"{PlotTop + PlotHeight}\" x2=\"{PlotLeft + plotWidth}\" y2=\"{PlotTop + PlotHeight}\" stroke=\"black\"/>\n");
        svg.Append($"<text transform=\"translate(22 {PlotTop + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(axisLabel)}</text>\n");
        svg.Append($"<text x=\"{PlotLeft + plotWidth / 2}\" y=\"{height - 18}\" text-anchor=\"middle\">guest (benchmark)</text>\n");

        // bars, grouped by guest
        for (int g = 0; g < result.Guests.Count; g++)
        {
            var guest = result.Guests[g];
            double groupLeft = groupsLeft + GroupGap / 2.0 + g * groupWidth;
            foreach (var run in guest.Runs)
            {
                int slot = layouts.IndexOf(run.Layout);
                double value = Value(guest, run);
                double x = groupLeft + slot * BarWidth;
                double top = axis.Y(Math.Max(value, axis.Min));
                double barHeight = PlotTop + PlotHeight - top;
                string label = metric == PlotMetric.Exits ? value.ToString("0.##", Invariant) : value.ToString("0.##", Invariant) + "×";
                svg.Append($"<rect class=\"bar\" data-guest=\"{Escape(guest.Guest)}\" data-layout=\"{Escape(run.Layout)}\" x=\"{F(x)}\" y=\"{F(top)}\" width=\"{BarWidth - 2}\" height=\"{F(barHeight)}\" fill=\"{Colour(layouts, run.Layout)}\">" +
                           $"<title>{Escape($"{guest.Guest}, {run.Layout}: {label}")}</title></rect>\n");
                svg.Append($"<text transform=\"translate({F(x + BarWidth / 2.0 + 3)} {F(top - 4)}) rotate(-90)\" font-size=\"9\" fill=\"#333\">{Escape(label)}</text>\n");
            }
            svg.Append($"<text x=\"{F(groupLeft + layouts.Count * BarWidth / 2.0)}\" y=\"{PlotTop + PlotHeight + 18}\" text-anchor=\"middle\">{Escape(guest.Guest)}</text>\n");
        }

        // legend
        int legendX = PlotLeft + plotWidth + 20;
        svg.Append($"<text x=\"{legendX}\" y=\"{PlotTop}\" font-weight=\"bold\">layout</text>\n");
        for (int i = 0; i < layouts.Count; i++)
        {
            int y = PlotTop + 14 + i * 20;
            svg.Append($"<rect class=\"legend\" x=\"{legendX}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{Colour(layouts, layouts[i])}\"/>\n");
            svg.Append($"<text x=\"{legendX + 20}\" y=\"{y + 11}\">{Escape(layouts[i])}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The bytes of <paramref name="path"/>: the SVG, or for .png the SVG converted
    /// (so a failed conversion is known before anything is written).</summary>
    public static byte[] Render(string path, ExperimentResult result, PlotMetric metric)
    {
        string svg = Svg(result, metric);
        if (IsSvg(path))
            return Encoding.UTF8.GetBytes(svg);
        var converter = FindPngConverter() ?? throw NoConverter(path);
        string folder = Directory.CreateTempSubdirectory("r4-plot-").FullName;
        try
        {
            string svgPath = Path.Combine(folder, "plot.svg");
            string pngPath = Path.Combine(folder, "plot.png");
            File.WriteAllText(svgPath, svg);
            var start = new ProcessStartInfo(converter.Program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string argument in converter.Arguments(svgPath, pngPath)) start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw NoConverter(path);
            string errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            byte[] png = File.Exists(pngPath) ? File.ReadAllBytes(pngPath) : [];
            if (process.ExitCode != 0 || png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P')
                throw new UserError($"cannot write '{path}': {converter.Program} failed to convert the chart ({FirstLine(errors)}); use --plot FILE.svg", ExitCodes.CannotWrite);
            return png;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    public static bool IsSvg(string path) => Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);

    public static bool IsPng(string path) => Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase);

    public sealed record PngConverter(string Program, Func<string, string, string[]> Arguments);

    /// <summary>rsvg-convert, else ImageMagick (magick, convert); null when none is on PATH.</summary>
    public static PngConverter? FindPngConverter()
    {
        if (FindOnPath("rsvg-convert") is { } rsvg) return new(rsvg, (svg, png) => ["-o", png, svg]);
        if (FindOnPath("magick") is { } magick) return new(magick, (svg, png) => [svg, png]);
        if (FindOnPath("convert") is { } convert) return new(convert, (svg, png) => [svg, png]);
        return null;
    }

    private static UserError NoConverter(string path) =>
        new($"--plot {path}: PNG needs rsvg-convert or ImageMagick on PATH and neither was found; use --plot FILE.svg", ExitCodes.Usage);

    private static string? FindOnPath(string program)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private sealed record Axis(double Min, double Max, IReadOnlyList<double> Ticks, Func<double, double> Y);

    /// <summary>A log axis between 1-2-5 steps around the values, so the smallest bar (native,
    /// 1×) still has a visible height.</summary>
    private static Axis LogAxis(IReadOnlyList<double> values)
    {
        var steps = OneTwoFive().ToList();
        double low = values.Count == 0 ? 1 : values.Min();
        double high = values.Count == 0 ? 1 : values.Max();
        double min = steps.LastOrDefault(s => s < low * 0.999, steps[0]);
        double max = steps.FirstOrDefault(s => s >= high * 1.15, steps[^1]);
        double Y(double v) => PlotTop + PlotHeight - (Math.Log10(v) - Math.Log10(min)) / (Math.Log10(max) - Math.Log10(min)) * PlotHeight;
        return new Axis(min, max, steps.Where(s => s >= min && s <= max).ToList(), Y);
    }

    private static Axis LinearAxis(IReadOnlyList<double> values)
    {
        double high = values.Count == 0 ? 1 : values.Max();
        double max = OneTwoFive().First(s => s >= high * 1.1);
        double step = OneTwoFive().First(s => s >= max / 8);
        var ticks = new List<double>();
        for (double t = 0; t <= max + step / 2; t += step) ticks.Add(t);
        max = ticks[^1];
        double Y(double v) => PlotTop + PlotHeight - v / max * PlotHeight;
        return new Axis(0, max, ticks, Y);
    }

    private static IEnumerable<double> OneTwoFive()
    {
        for (int exponent = -4; exponent <= 9; exponent++)
            foreach (double mantissa in new[] { 1.0, 2.0, 5.0 })
                yield return mantissa * Math.Pow(10, exponent);
    }

    private static string TickLabel(double tick, bool logScale) => tick.ToString("0.####", Invariant) + (logScale ? "×" : "");

    private static string Colour(List<string> layouts, string layout) =>
        LayoutColours.TryGetValue(layout, out var colour) ? colour : SpareColours[layouts.IndexOf(layout) % SpareColours.Length];

    private static string F(double value) => value.ToString("0.##", Invariant);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string FirstLine(string text)
    {
        text = text.Trim();
        int newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline];
    }
}
