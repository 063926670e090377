// The facts the layout comparison is meant to show, measured (never forced) on the
// microbenchmarks of Guests/bench: computation runs at native cost under every layout; a
// null system call costs no monitor exit in ring012/ring013 and two in ring3; ring3 switches
// page tables on every kernel entry and exit. Per-iteration figures are the difference of
// two runs with different N, so the fixed cost of booting the guest kernel cancels out.
using R4.Cli.Compare;
using R4.Monitor;

namespace R4.Tests.Compare;

public class MeasuredFactsTests
{
    /// <summary>(run with 2N) minus (run with N), divided by N, for one counter.</summary>
    private static double PerIteration(GuestComparison small, GuestComparison large, Layout layout, Func<LayoutRun, double> counter, int n) =>
        (counter(large.Run(layout)) - counter(small.Run(layout))) / n;

    [Fact]
    public void NullSystemCallCostsNoExitInRing012AndRing013AndExactlyTwoInRing3()
    {
        const int n = 10;
        var small = CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", n));
        var large = CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", 2 * n));
        foreach (var layout in Layouts.All)
            Assert.Equal(48, PerIteration(small, large, layout, r => r.Instructions, n));   // as nullcall.asm documents

        foreach (var layout in new[] { Layouts.Ring012, Layouts.Ring013 })
        {
            Assert.Equal(0, PerIteration(small, large, layout, r => r.MonitorExits, n));
            Assert.Equal(0, PerIteration(small, large, layout, r => r.PageTableSwitches, n));
            // with no exit in the loop, an iteration costs exactly what it costs natively
            Assert.Equal(PerIteration(small, large, Layouts.Native, r => r.Cycles, n), PerIteration(small, large, layout, r => r.Cycles, n));
        }

        var ring3 = Layouts.Ring3;
        Assert.Equal(2, PerIteration(small, large, ring3, r => r.MonitorExits, n));
        Assert.Equal(1, PerIteration(small, large, ring3, r => r.Exits("syscall"), n));
        Assert.Equal(1, PerIteration(small, large, ring3, r => r.Exits("iret"), n));
        Assert.Equal(2, PerIteration(small, large, ring3, r => r.PageTableSwitches, n));
        Assert.Equal(2, PerIteration(small, large, ring3, r => r.TlbFlushes, n));
    }

    [Theory]
    [InlineData("nullcall")]
    [InlineData("ctxswitch")]
    [InlineData("pagefault")]
    [InlineData("divzero")]
    [InlineData("timer")]
    [InlineData("clisti")]
    [InlineData("portio")]
    [InlineData("ptswitch")]
    [InlineData("ptemod")]
    [InlineData("compute")]
    public void Ring3SwitchesPageTablesOnEveryKernelEntryAndExit(string bench)
    {
        var run = CompareTestGuests.Compare(CompareTestGuests.Bench(bench, 10), Layouts.Native, Layouts.Ring3).Run(Layouts.Ring3);
        long faults = run.ExitsByCause.Where(kv => kv.Key.StartsWith("fault.", StringComparison.Ordinal)).Sum(kv => kv.Value);
        long entries = run.Exits("syscall") + faults + run.Exits("interrupt");
        long exits = run.Exits("iret");
        Assert.True(entries > 0 && exits > 0, CompareReport.ExitsByCause(run));
        Assert.Equal(entries + exits, run.PageTableSwitches);
    }

    [Fact]
    public void ComputeRunsWithinOnePercentOfNativeCyclesInEveryLayout()
    {
        var comparison = CompareTestGuests.Compare(CompareTestGuests.Bench("compute"));   // the file's own N
        var native = comparison.Run(Layouts.Native);
        Assert.True(native.Instructions > 5_000_000, $"compute ran only {native.Instructions} instructions");
        foreach (var run in comparison.Runs)
            Assert.InRange(comparison.CycleSlowdown(run), 1.0, 1.01);
    }

    [Fact]
    public void ComputeIterationsCostTheSameCyclesInEveryLayoutAndNoExit()
    {
        const int n = 100;
        var small = CompareTestGuests.Compare(CompareTestGuests.Bench("compute", n));
        var large = CompareTestGuests.Compare(CompareTestGuests.Bench("compute", 2 * n));
        double nativeCycles = PerIteration(small, large, Layouts.Native, r => r.Cycles, n);
        foreach (var layout in Layouts.All)
        {
            Assert.Equal(8, PerIteration(small, large, layout, r => r.Instructions, n));
            Assert.Equal(nativeCycles, PerIteration(small, large, layout, r => r.Cycles, n));
            Assert.Equal(0, PerIteration(small, large, layout, r => r.MonitorExits, n));
        }
    }
}
