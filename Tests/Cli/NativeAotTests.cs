// The Native AOT build of r4 (docs/performance.md, "Issue 14, aot stream"; README.md): what it
// changed in the CLI that the ordinary build runs too, and the published binary itself.
using System.Diagnostics;
using System.Text.Json;
using R4.Cli;
using R4.Cli.Charts;

namespace R4.Tests.Cli;

public sealed class NativeAotTests
{
    [Fact]
    public void JsonTextWritesWhatJsonSerializerWrote()
    {
        // The reports' documents: nested dictionaries (string and int keys), lists, arrays,
        // nulls and every number kind the reports hold, and a JsonNode (the migration object).
        var document = new Dictionary<string, object?>
        {
            ["text"] = "a \"quoted\" <tag> é\n",
            ["null"] = null,
            ["flag"] = true,
            ["int"] = -3, ["uint"] = 4u, ["long"] = long.MinValue, ["ulong"] = ulong.MaxValue,
            ["double"] = 0.1, ["whole"] = 2.0, ["rounded"] = Math.Round(1.0 / 3, 6), ["float"] = 1.5f,
            ["byName"] = new Dictionary<string, ulong> { ["emulated"] = 5, ["fault.PF"] = 7 },
            ["sorted"] = new SortedDictionary<int, long> { [14] = 2, [3] = 1 },
            ["list"] = new List<Dictionary<string, object?>> { new() { ["pc"] = 0x1000u, ["symbol"] = "" } },
            ["array"] = new[] { 1.25, 2.5 },
            ["strings"] = Array.Empty<string>(),
            ["node"] = new System.Text.Json.Nodes.JsonObject { ["round"] = 1, ["foundBy"] = "touched pages" },
        };
        string expected = JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
        Assert.Equal(expected, JsonText.ToText(document));
    }

    [Fact]
    public void JsonTextRefusesWhatItHasNoFormFor()
    {
        var error = Assert.Throws<NotSupportedException>(() => JsonText.ToText(new Dictionary<string, object?> { ["pair"] = new KeyValuePair<string, int>("a", 1) }));
        Assert.Contains("KeyValuePair", error.Message);
    }

    [Fact]
    public void AChartWithoutSkiaSharpsNativeLibraryIsAOneLineError()
    {
        var failure = new TypeInitializationException("SkiaSharp.SKObject",
            new TypeInitializationException("SkiaSharp.SkiaApi", new DllNotFoundException("Unable to load shared library 'libSkiaSharp' or one of its dependencies.\nmore")));
        var error = ChartRenderer.MissingNativeLibrary("c.png", failure);
        Assert.NotNull(error);
        Assert.Equal(ExitCodes.CannotWrite, error.ExitCode);
        Assert.Equal("--plot c.png: cannot draw the chart: SkiaSharp's native library did not load (Unable to load shared library 'libSkiaSharp' or one of its dependencies.); " +
                     "keep libSkiaSharp.so beside r4, as its build or publish folder has it", error.Message);
        Assert.Null(ChartRenderer.MissingNativeLibrary("c.png", new InvalidOperationException("other")));
    }
}
