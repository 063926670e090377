// The chart model drawn in-process (Emulator/Cli/Charts): PNG and SVG of bar and line charts,
// log and linear value axes, every label present, values that cannot be drawn left out.
using System.Globalization;
using System.Xml.Linq;
using R4.Cli.Charts;

namespace R4.Tests.Charts;

public sealed class ChartRendererTests
{
    private static readonly BarChart Bars = new("Slowdown per guest", "guest", "slowdown (log scale)", ["alpha", "beta"],
        [new ChartSeries("fast", [1, 1]), new ChartSeries("slow", [8.5, 42], "#d62728")])
    { Scale = ValueScale.Log, ValueSuffix = "×" };

    private static readonly LineChart Lines = new("Exits against N", "N", "exits", [1, 2, 4, 8],
        [new ChartSeries("ring3", [3, 5, 9, 17]), new ChartSeries("ring012", [1, 1, double.NaN, 1])]);

    private static List<string> Texts(string svg) =>
        XDocument.Parse(svg).Descendants((XNamespace)"http://www.w3.org/2000/svg" + "text").Select(t => t.Value.Trim()).ToList();

    /// <summary>The left and right edge of an SVG text element as ScottPlot's SVG writes it:
    /// translate(x y) plus a per-glyph x offset list (the first offset is the text's start).</summary>
    public static (double Left, double Right) HorizontalExtent(XElement text)
    {
        var invariant = CultureInfo.InvariantCulture;
        string transform = text.Attribute("transform")!.Value;   // translate(314.069 396)
        double origin = double.Parse(transform["translate(".Length..].Split(' ')[0], invariant);
        var offsets = text.Attribute("x")!.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => double.Parse(x, invariant)).ToList();
        double fontSize = double.Parse(text.Attribute("font-size")!.Value, invariant);
        return (origin + offsets[0], origin + offsets[^1] + fontSize);   // the last glyph is under a font size wide
    }

    [Fact]
    public void ABarChartIsARealPngOfItsSize()
    {
        var png = PngFacts.Read(ChartRenderer.Png(Bars with { WidthPixels = 800, HeightPixels = 500 }));
        Assert.Equal((800, 500), (png.Width, png.Height));
        Assert.True(png.DistinctColours > 8, $"{png.DistinctColours} colours");
    }

    [Fact]
    public void ALineChartIsARealPng()
    {
        var png = PngFacts.Read(ChartRenderer.Png(Lines));
        Assert.Equal(480, png.Height);
        Assert.True(png.DistinctColours > 8, $"{png.DistinctColours} colours");
    }

    [Fact]
    public void TheSvgHasTheTitleAxisTitlesCategoriesLegendAndValueLabels()
    {
        var texts = Texts(ChartRenderer.Svg(Bars));
        foreach (string text in new[] { "Slowdown per guest", "guest", "slowdown (log scale)", "alpha", "beta", "fast", "slow", "1×", "8.5×", "42×" })
            Assert.Contains(text, texts);
        // log ticks at 1-2-5 steps from below the smallest value to above the largest
        foreach (string tick in new[] { "0.5×", "1×", "2×", "5×", "10×", "20×", "50×" })
            Assert.Contains(tick, texts);
        Assert.DoesNotContain("100×", texts);
    }

    [Fact]
    public void ALinearAxisStartsAtZeroAndEndsJustAboveTheHighestValue()
    {
        var texts = Texts(ChartRenderer.Svg(Lines));
        foreach (string text in new[] { "Exits against N", "N", "exits", "ring3", "ring012", "0", "5", "10", "15", "20" })
            Assert.Contains(text, texts);
        Assert.DoesNotContain("25", texts);
    }

    [Fact]
    public void ValuesALogAxisCannotShowAreLeftOut()
    {
        var chart = new BarChart("t", "x", "y", ["a", "b"], [new ChartSeries("s", [0, 4])]) { Scale = ValueScale.Log };
        var texts = Texts(ChartRenderer.Svg(chart));
        Assert.Contains("4", texts);
        Assert.DoesNotContain("0", texts);
        Assert.True(PngFacts.Read(ChartRenderer.Png(chart)).DistinctColours > 8);
    }

    [Theory]
    [InlineData("chart.svg", true, false)]
    [InlineData("chart.PNG", false, true)]
    [InlineData("chart.gif", false, false)]
    public void TheFileExtensionChoosesTheFormat(string path, bool svg, bool png)
    {
        Assert.Equal((svg, png, svg || png), (ChartRenderer.IsSvg(path), ChartRenderer.IsPng(path), ChartRenderer.IsChartPath(path)));
        if (svg) Assert.StartsWith("<?xml", System.Text.Encoding.UTF8.GetString(ChartRenderer.Render(path, Bars)));
        if (png) PngFacts.Read(ChartRenderer.Render(path, Bars));
        if (!svg && !png) Assert.Throws<ArgumentException>(() => ChartRenderer.Render(path, Bars));
    }
}
