// The chart model every experiment plots with: what a chart says (title, axis titles, categories,
// series of values, linear or log value axis), with nothing about how it is drawn. An
// experiment builds a BarChart (values per category, one bar per series side by side) or a
// LineChart (y against x, one line per series) and hands it to ChartRenderer, which draws it
// as PNG or SVG in-process.
namespace R4.Cli.Charts;

/// <summary>How the value axis maps values: linearly from 0, or by powers of ten (for
/// slowdowns that span 1× to 100×; values must then be above 0).</summary>
public enum ValueScale { Linear, Log }

/// <summary>One named series: its values in category (or point) order, and an optional colour
/// as "#rrggbb" (null: the next colour of the renderer's palette).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> Values, string? Colour = null);

/// <summary>What every chart has: a title, the two axis titles, its series, the value scale,
/// how a value is written on the chart (a .NET numeric format plus a suffix such as "×"), and
/// its size in pixels (0: sized from its content).</summary>
public abstract record Chart(string Title, string XAxisTitle, string YAxisTitle, IReadOnlyList<ChartSeries> Series)
{
    public ValueScale Scale { get; init; } = ValueScale.Linear;
    public string ValueFormat { get; init; } = "0.##";
    public string ValueSuffix { get; init; } = "";
    public int WidthPixels { get; init; }
    public int HeightPixels { get; init; }

    /// <summary>A value as the chart writes it (tick and bar labels).</summary>
    public string Label(double value) => value.ToString(ValueFormat, System.Globalization.CultureInfo.InvariantCulture) + ValueSuffix;
}

/// <summary>Grouped bars: one group per category along the x axis, in each group one bar per
/// series (series.Values[i] belongs to Categories[i]); every bar is labelled with its value.
/// A value that is NaN or (on a log scale) not above 0 is left out.</summary>
public sealed record BarChart(string Title, string XAxisTitle, string YAxisTitle, IReadOnlyList<string> Categories, IReadOnlyList<ChartSeries> Series)
    : Chart(Title, XAxisTitle, YAxisTitle, Series);

/// <summary>Lines through points: every series has one value per entry of XValues (NaN: no
/// point there). The x axis is linear.</summary>
public sealed record LineChart(string Title, string XAxisTitle, string YAxisTitle, IReadOnlyList<double> XValues, IReadOnlyList<ChartSeries> Series)
    : Chart(Title, XAxisTitle, YAxisTitle, Series);
