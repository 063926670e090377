// The timer through the bus: exact IRQ instrets relative to the `out`, count reads, stop, restart.
using R4.Isa;

namespace R4.Tests.Devices;

public class TimerDeviceTests
{
    [Fact]
    public void FirstIrqComesAfterExactlyPeriodInstructionsRetireAfterTheOut()
    {
        using var bench = new DeviceTestBench();
        // The `out` is instruction number 100 (100 retired before it): it retires at 101.
        bench.Bus.Out(Ports.TimerPeriod, 10, instret: 100);
        Assert.Equal(111UL, bench.Bus.NextEventInstret);
        var raised = bench.RunUntil(101, 145, Vectors.Timer);
        Assert.Equal([111UL, 121UL, 131UL, 141UL], raised);
    }

    [Fact]
    public void CountReadsInstructionsLeftIncludingTheReadingInstruction()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.TimerPeriod, 10, instret: 100);
        Assert.Equal(10u, bench.Bus.In(Ports.TimerCount, 101));
        Assert.Equal(1u, bench.Bus.In(Ports.TimerCount, 110));
        bench.Bus.Tick(111);
        Assert.Equal(10u, bench.Bus.In(Ports.TimerCount, 111));
        Assert.Equal(3u, bench.Bus.In(Ports.TimerCount, 118));
        Assert.Equal(10u, bench.Bus.In(Ports.TimerPeriod, 118));
    }

    [Fact]
    public void ZeroStopsTheTimerAndNothingIsDueAnyMore()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.TimerPeriod, 5, 0);
        Assert.True(bench.Bus.CanInterrupt);
        bench.Bus.Out(Ports.TimerPeriod, 0, 3);
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
        Assert.Equal(0u, bench.Bus.In(Ports.TimerCount, 4));
        Assert.Equal(0u, bench.Bus.In(Ports.TimerPeriod, 4));
        Assert.False(bench.Bus.CanInterrupt);
        Assert.Empty(bench.RunUntil(4, 100, Vectors.Timer));
    }

    [Fact]
    public void RewritingThePeriodRestartsItFromThatOut()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.TimerPeriod, 10, 0);
        bench.Bus.Out(Ports.TimerPeriod, 4, 7);
        Assert.Equal([12UL, 16UL], bench.RunUntil(8, 19, Vectors.Timer));
    }

    [Fact]
    public void ALateTickRaisesOnceAndKeepsTheGrid()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.TimerPeriod, 10, 0); // expiries at 11, 21, 31, ...
        bench.Bus.Tick(35);
        Assert.True(bench.Pending(Vectors.Timer));
        Assert.Equal(41UL, bench.Bus.NextEventInstret);
        Assert.Equal(6u, bench.Bus.In(Ports.TimerCount, 35));
    }

    [Fact]
    public void PeriodsEndingWhileTheIrqIsPendingCoalesce()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.TimerPeriod, 2, 0);
        bench.Bus.Tick(3);
        bench.Bus.Tick(5);
        bench.Bus.Tick(7);
        Assert.Equal(1UL << Vectors.Timer, bench.Interrupts.PendingMask);
        bench.Interrupts.Acknowledge(Vectors.Timer);
        Assert.Equal(0UL, bench.Interrupts.PendingMask);
    }
}
