// Honest host-time figures (r4 compare): the host-time ratio of a layout to the baseline gets a
// 95% confidence interval over the --repeat samples (Welch's t on log times), and a ratio whose
// interval includes 1.0 is marked not significant — in the text table and CSV ("n.s.") and in
// JSON (hostSlowdownCi95, hostSlowdownSignificant); the README's Markdown table keeps its columns.
using R4.Cli.Compare;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Compare;

public sealed class HostIntervalTests
{
    private static LayoutRun Run(string layout, params double[] hostSeconds) =>
        new("g", layout, StopReason.PowerOff, 0, [], "", new GuestState(0, 1, 0, false, new uint[16]), 1, 1, 0, 0, 0, 0, [], hostSeconds);

    [Fact]
    public void ARatioWhoseIntervalIncludesOneIsNotSignificant()
    {
        var native = Run("native", 0.010, 0.012, 0.009, 0.011, 0.010);
        var noisy = Run("ring012", 0.011, 0.009, 0.012, 0.010, 0.010);
        var guest = new GuestComparison("g", [native, noisy]);
        var interval = guest.HostSlowdownInterval(noisy)!.Value;
        Assert.True(interval.Low < 1 && interval.High > 1, $"{interval}");
        Assert.False(guest.HostSlowdownSignificant(noisy));
    }

    [Fact]
    public void AClearSlowdownIsSignificantAndItsIntervalHoldsTheRatio()
    {
        var native = Run("native", 0.010, 0.0102, 0.0099, 0.0101);
        var slow = Run("ring3", 0.020, 0.0203, 0.0198, 0.0201);
        var guest = new GuestComparison("g", [native, slow]);
        var interval = guest.HostSlowdownInterval(slow)!.Value;
        Assert.InRange(2.0, interval.Low, interval.High);
        Assert.True(interval.Low > 1.9 && interval.High < 2.1, $"{interval}");
        Assert.True(guest.HostSlowdownSignificant(slow));
    }

    [Fact]
    public void OneSampleGivesNoInterval()
    {
        var guest = new GuestComparison("g", [Run("native", 0.01), Run("ring012", 0.02)]);
        Assert.Null(guest.HostSlowdownInterval(guest.Runs[1]));
        Assert.False(guest.HostSlowdownSignificant(guest.Runs[1]));
    }

    [Fact]
    public void TheTableAndJsonCarryTheIntervalAndTheMarkdownTableDoesNot()
    {
        var native = Run("native", 0.010, 0.012, 0.009, 0.011, 0.010);
        var noisy = Run("ring012", 0.011, 0.009, 0.012, 0.010, 0.010);
        var result = new ExperimentResult([Layouts.Native, Layouts.Ring012], [new GuestComparison("g", [native, noisy])], []);
        Assert.Contains("× host 95% CI", CompareReport.Format(result, CompareFormat.Table));
        Assert.Matches(@"\d\.\d\d-\d\.\d\d n\.s\.", CompareReport.Format(result, CompareFormat.Table));
        Assert.DoesNotContain("95% CI", CompareReport.Format(result, CompareFormat.Markdown));
        string json = CompareReport.Format(result, CompareFormat.Json);
        Assert.Contains("\"hostSlowdownSignificant\": false", json);
        Assert.Contains("\"hostSlowdownCi95\": null", json);   // the baseline's own
    }
}
