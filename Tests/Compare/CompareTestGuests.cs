// Loads the microbenchmark guests of Guests/bench for the compare tests and runs the
// layout experiment on them with one untimed-free run per layout (host time is not tested).
using R4.Cli;
using R4.Cli.Compare;
using R4.Monitor;

namespace R4.Tests.Compare;

public static class CompareTestGuests
{
    public static string BenchPath(string name) => RepositoryPaths.Combine("Guests", "bench", name + ".asm");

    public static ExperimentGuest Bench(string name, long? iterations = null) =>
        new(name, GuestLoader.Load(BenchPath(name), iterations is null ? [] : [$"N={iterations}"], TextWriter.Null));

    /// <summary>One run per layout (no warm-up): the deterministic fields only.</summary>
    public static GuestComparison Compare(ExperimentGuest guest, params Layout[] layouts)
    {
        var result = LayoutExperiment.Run([guest], new ExperimentSettings
        {
            Layouts = layouts.Length == 0 ? Layouts.All : layouts,
            Repeat = 1,
            Warmup = 0,
        });
        Assert.Empty(result.Disagreements);
        return result.Guests[0];
    }

    public static LayoutRun Run(this GuestComparison comparison, Layout layout) =>
        comparison.Runs.Single(r => r.Layout == layout.Name);
}
