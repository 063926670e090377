// `r4 compare --type1` (issue 10 point 5): the same mix at several guest counts on one machine.
// Instructions, cycles and world switches are exact and pinned; host time is only present.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Host;

public class Type1ExperimentTests
{
    private static string Abs(string repositoryPath) => RepositoryPaths.Combine(repositoryPath);

    private static readonly string[] Mix = [Abs("Guests/bench/compute.asm"), Abs("Guests/examples/hello.asm")];

    [Fact]
    public void TheMixAtOneTwoAndFourGuestsGivesExactCounters()
    {
        using var cli = new CliHarness();
        var run = cli.Run(["compare", "--type1", .. Mix, "-D", "N=3000", "--guests", "1,2,4", "--slice", "1000",
            "--repeat", "1", "--warmup", "0", "--format", "json"]);
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement;
        Assert.True(root.GetProperty("guestsAgree").GetBoolean());
        var points = root.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal([1, 2, 4], points.Select(p => p.GetProperty("guests").GetInt32()));
        ulong U(int i, string key) => points[i].GetProperty(key).GetUInt64();

        // guest i runs mix member i mod 2: 1 guest = compute; 2 = compute + hello; 4 = twice that
        Assert.Equal([26040UL, 26115UL, 52230UL], Enumerable.Range(0, 3).Select(i => U(i, "instructions")));
        Assert.Equal([61446UL, 73221UL, 210102UL], Enumerable.Range(0, 3).Select(i => U(i, "cycles")));
        Assert.Equal([61446UL, 69411UL, 138822UL], Enumerable.Range(0, 3).Select(i => U(i, "soloCycles")));
        Assert.Equal([0UL, 3UL, 56UL], Enumerable.Range(0, 3).Select(i => U(i, "worldSwitches")));
        // each world switch costs guestSwitch (1200) + the TLB flush (50)
        Assert.Equal([0UL, 3750UL, 70000UL], Enumerable.Range(0, 3).Select(i => U(i, "worldSwitchCycles")));
        Assert.Equal(1250, points[2].GetProperty("cyclesPerWorldSwitch").GetDouble());
        // one guest alone is exactly `r4 run` under its layout: same cycles, no switch
        var solo = cli.Run("run", Mix[0], "-D", "N=3000", "--layout", "ring012", "--stats-json", cli.PathOf("solo.json"));
        Assert.Equal(0, solo.ExitCode);
        using var soloDocument = JsonDocument.Parse(File.ReadAllBytes(cli.PathOf("solo.json")));
        Assert.Equal(soloDocument.RootElement.GetProperty("cycles").GetUInt64(), U(0, "cycles"));
        Assert.Equal(1.0, points[0].GetProperty("efficiency").GetDouble());
        Assert.Equal(Math.Round(138822.0 / 210102, 6), points[2].GetProperty("efficiency").GetDouble());
        Assert.True(points[2].GetProperty("hostSeconds").GetProperty("median").GetDouble() > 0);
    }

    [Fact]
    public void TheTableAndTheChartAreWrittenTogether()
    {
        using var cli = new CliHarness();
        string report = cli.PathOf("type1.md"), chart = cli.PathOf("type1.svg");
        var run = cli.Run(["compare", "--type1", .. Mix, "-D", "N=3000", "--guests", "1,2", "--layouts", "ring3,ring013",
            "--repeat", "1", "--warmup", "0", "--format", "markdown", "-o", report, "--plot", chart]);
        Assert.Equal(0, run.ExitCode);
        string text = File.ReadAllText(report);
        Assert.Contains("| guests | instructions |", text);
        Assert.Contains("cycles/switch", text);
        Assert.Contains("Type 1: sharing one machine among N guests", File.ReadAllText(chart));
    }

    [Theory]
    [InlineData(new[] { "--guests", "1,2" }, "--guests 1,2: only with --type1")]
    [InlineData(new[] { "--type1", "--guests", "1,x" }, "--guests 1,x: 'x' is not a guest count")]
    [InlineData(new[] { "--type1", "--layouts", "native" }, "'native' cannot run under the Type 1 host")]
    [InlineData(new[] { "--type1", "--slice", "0" }, "--slice 0: give at least 1 instruction")]
    public void UsageErrorsNameTheOption(string[] options, string message)
    {
        using var cli = new CliHarness();
        var run = cli.Run(["compare", Mix[1], .. options]);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }
}
