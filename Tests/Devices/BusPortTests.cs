// The bus itself: unknown ports, write-only ports, power, debug, port counters, the IRQ lines.
using R4.Isa;
using R4.Machine.Devices;

namespace R4.Tests.Devices;

public class BusPortTests
{
    [Theory]
    [InlineData((ushort)0x02)]
    [InlineData((ushort)0x12)]
    [InlineData((ushort)0x1F)]
    [InlineData((ushort)0x25)]
    [InlineData((ushort)0xEF)]
    [InlineData((ushort)0xF2)]
    [InlineData((ushort)0xFFFF)]
    [InlineData(Ports.Power)]
    [InlineData(Ports.Debug)]
    public void UnknownAndWriteOnlyPortsReadAllOnes(ushort port)
    {
        using var bench = new DeviceTestBench();
        Assert.Equal(0xFFFF_FFFFu, bench.Bus.In(port, 0));
    }

    [Theory]
    [InlineData((ushort)0x02)]
    [InlineData((ushort)0x11)]
    [InlineData((ushort)0x30)]
    [InlineData((ushort)0xFFFF)]
    public void WritesToUnknownOrReadOnlyPortsChangeNothing(ushort port)
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(port, 0x1234_5678, 0);
        Assert.False(bench.Bus.PowerOffRequested);
        Assert.Equal(0UL, bench.Interrupts.PendingMask);
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
        Assert.Equal(0u, bench.Bus.In(Ports.TimerPeriod, 1));
        Assert.Equal(0u, bench.Bus.In(Ports.TimerCount, 1));
        Assert.Equal("", bench.Diagnostics.ToString());
        Assert.Equal(0, bench.Output.Length);
    }

    [Fact]
    public void PowerOffKeepsTheFirstStatus()
    {
        using var bench = new DeviceTestBench();
        Assert.False(bench.Bus.PowerOffRequested);
        bench.Bus.Out(Ports.Power, 0xDEAD_BEEF, 0);
        bench.Bus.Out(Ports.Power, 7, 1);
        Assert.True(bench.Bus.PowerOffRequested);
        Assert.Equal(0xDEAD_BEEFu, bench.Bus.ExitStatus);
    }

    [Fact]
    public void DebugPortPrintsEachValueAsAHexLineAfterTheConsoleOutputSoFar()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.ConsoleData, 'x', 0);
        bench.Bus.Out(Ports.Debug, 0x2A, 1);
        bench.Bus.Out(Ports.Debug, 0xFFFF_FFFF, 2);
        Assert.Equal("0x0000002a\n0xffffffff\n", bench.Diagnostics.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("x"u8.ToArray(), bench.Output.ToArray());
    }

    [Fact]
    public void PortAccessesAreCounted()
    {
        using var bench = new DeviceTestBench();
        bench.Bus.In(0x00, 0);
        bench.Bus.In(0x77, 0);
        bench.Bus.Out(0x77, 1, 0);
        Assert.Equal(2UL, bench.Bus.PortReads);
        Assert.Equal(1UL, bench.Bus.PortWrites);
    }

    [Fact]
    public void AQuietBusCannotInterrupt()
    {
        using var bench = new DeviceTestBench();
        Assert.False(bench.Bus.CanInterrupt);
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
    }

    [Fact]
    public void NextEventIsTheEarliestOfTimerAndDisk()
    {
        string image = Path.Combine(Path.GetTempPath(), $"r4-disk-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(image, new byte[512]);
        try
        {
            using var bench = new DeviceTestBench(diskImagePath: image);
            bench.Bus.Out(Ports.TimerPeriod, 5000, 0);  // 5001
            bench.Bus.Out(Ports.DiskCount, 1, 1);
            bench.Bus.Out(Ports.DiskCommand, Ports.DiskCommandRead, 2); // 3 + 1100 = 1103
            Assert.Equal(1103UL, bench.Bus.NextEventInstret);
            bench.Bus.Tick(1103);
            Assert.Equal(1UL << Vectors.Disk, bench.Interrupts.PendingMask);
            Assert.Equal(5001UL, bench.Bus.NextEventInstret);
        }
        finally { File.Delete(image); }
    }
}

public class InterruptRequestTests
{
    [Fact]
    public void EdgeRequestsAreLatchedUntilAcknowledgedLowestFirst()
    {
        var irq = new InterruptRequests();
        Assert.Equal(-1, irq.Lowest());
        irq.Raise(18);
        irq.Raise(16);
        Assert.Equal(16, irq.Lowest());
        irq.Acknowledge(16);
        Assert.Equal(18, irq.Lowest());
        irq.Acknowledge(18);
        Assert.Equal(0UL, irq.PendingMask);
    }

    [Fact]
    public void ALevelRequestSurvivesAcknowledgeUntilDeasserted()
    {
        var irq = new InterruptRequests();
        irq.SetLevel(17, true);
        irq.Acknowledge(17);
        Assert.Equal(1UL << 17, irq.PendingMask);
        irq.SetLevel(17, false);
        Assert.Equal(0UL, irq.PendingMask);
    }

    [Fact]
    public void DeassertingALineThatWasNeverAssertedKeepsAnEdgeRequest()
    {
        var irq = new InterruptRequests();
        irq.Raise(17);
        irq.SetLevel(17, false);
        Assert.Equal(1UL << 17, irq.PendingMask);
    }
}

public class BrokenOutputTests
{
    private sealed class ClosedPipe : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Broken pipe");
    }

    [Fact]
    public void AFailingConsoleOutputIsDroppedNotThrown()
    {
        var options = new R4.Machine.MachineOptions { ConsoleOutput = new ClosedPipe() };
        using var bus = new DeviceBus(options, new ArrayDmaMemory(4096), new InterruptRequests());
        bus.Out(Ports.ConsoleData, 'a', 0);
        bus.Out(Ports.Power, 0, 1);
        bus.Out(Ports.ConsoleData, 'b', 2);
        bus.Flush();
        Assert.True(bus.PowerOffRequested);
    }
}

public class ResetTests
{
    [Fact]
    public void ResetStopsTheTimerIdlesTheDiskDisablesTheConsoleIrqAndPowersOn()
    {
        string image = Path.Combine(Path.GetTempPath(), $"r4-disk-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(image, new byte[512]);
        try
        {
            using var bench = new DeviceTestBench(input: "ab"u8.ToArray(), diskImagePath: image);
            bench.Bus.Out(Ports.TimerPeriod, 10, 0);
            bench.Bus.Out(Ports.DiskCount, 1, 1);
            bench.Bus.Out(Ports.DiskCommand, Ports.DiskCommandRead, 2);
            bench.Bus.Out(Ports.ConsoleStatus, 1, 3);
            bench.Bus.Out(Ports.Power, 9, 4);
            bench.Interrupts.Raise(Vectors.Timer);

            bench.Bus.Reset();
            Assert.Equal(0UL, bench.Interrupts.PendingMask);
            Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
            Assert.False(bench.Bus.CanInterrupt);
            Assert.False(bench.Bus.PowerOffRequested);
            Assert.Equal(0u, bench.Bus.In(Ports.TimerPeriod, 0));
            Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, 0));
            Assert.Equal(0u, bench.Bus.In(Ports.DiskCount, 0));
            bench.Interrupts.Acknowledge(Vectors.ConsoleInput);
            Assert.Equal(0UL, bench.Interrupts.PendingMask); // the console line was de-asserted too
            Assert.Equal((uint)'a', bench.Bus.In(Ports.ConsoleData, 0)); // input is not rewound or lost
        }
        finally { File.Delete(image); }
    }
}
