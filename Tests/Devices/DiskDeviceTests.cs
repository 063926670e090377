// The disk through the bus, on a temporary image file: latency, DMA both ways, every error case,
// a command while busy, a partial last sector.
using R4.Isa;
using R4.Machine.Devices;

namespace R4.Tests.Devices;

public sealed class DiskDeviceTests : IDisposable
{
    private readonly string imagePath = Path.Combine(Path.GetTempPath(), $"r4-disk-{Guid.NewGuid():N}.img");

    public void Dispose() => File.Delete(imagePath);

    // Sector s holds bytes (s * 7 + i) & 0xFF.
    private void CreateImage(int sectors, int extraBytes = 0)
    {
        var bytes = new byte[sectors * 512 + extraBytes];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)((i / 512) * 7 + i % 512);
        File.WriteAllBytes(imagePath, bytes);
    }

    private static void Request(DeviceBus bus, uint sector, uint address, uint count, uint command, ulong instret)
    {
        bus.Out(Ports.DiskSector, sector, instret);
        bus.Out(Ports.DiskAddress, address, instret);
        bus.Out(Ports.DiskCount, count, instret);
        bus.Out(Ports.DiskCommand, command, instret);
    }

    [Fact]
    public void ReadCompletesAfterTheDocumentedLatencyThenTransfersAndRaisesIrq18()
    {
        CreateImage(8);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        Request(bench.Bus, sector: 2, address: 0x1000, count: 3, Ports.DiskCommandRead, instret: 50);
        ulong done = 50 + 1 + 1000 + 3 * 100;
        Assert.Equal(done, 51 + DiskDevice.LatencyInstructions(3));
        Assert.Equal(done, bench.Bus.NextEventInstret);
        Assert.Equal(Ports.DiskStatusBusy, bench.Bus.In(Ports.DiskStatus, 60));
        Assert.True(bench.Bus.CanInterrupt);

        bench.Bus.Tick(done - 1);
        Assert.Equal(0, bench.Memory.Bytes[0x1000]); // nothing moves before completion
        Assert.Equal(Ports.DiskStatusBusy, bench.Bus.In(Ports.DiskStatus, done - 1));

        Assert.Equal([done], bench.RunUntil(done - 1, done + 10, Vectors.Disk));
        byte[] expected = File.ReadAllBytes(imagePath)[(2 * 512)..(5 * 512)];
        Assert.Equal(expected, bench.Memory.Bytes[0x1000..(0x1000 + 3 * 512)]);
        Assert.Equal(0, bench.Memory.Bytes[0x1000 + 3 * 512]);
        Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, done + 11));
        Assert.False(bench.Bus.CanInterrupt);
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
    }

    [Fact]
    public void WriteGoesToTheFileAtCompletion()
    {
        CreateImage(4);
        byte[] original = File.ReadAllBytes(imagePath);
        using (var bench = new DeviceTestBench(diskImagePath: imagePath))
        {
            for (int i = 0; i < 1024; i++)
                bench.Memory.Bytes[0x200 + i] = (byte)(0xA0 ^ i);
            Request(bench.Bus, sector: 1, address: 0x200, count: 2, Ports.DiskCommandWrite, instret: 0);
            bench.Bus.Tick(1 + DiskDevice.LatencyInstructions(2));
            Assert.True(bench.Pending(Vectors.Disk));
            Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, 2000));
        }
        byte[] after = File.ReadAllBytes(imagePath);
        Assert.Equal(original.Length, after.Length);
        Assert.Equal(original[..512], after[..512]);
        for (int i = 0; i < 1024; i++)
            Assert.Equal((byte)(0xA0 ^ i), after[512 + i]);
        Assert.Equal(original[1536..], after[1536..]);
    }

    [Fact]
    public void RegistersReadBack()
    {
        CreateImage(1);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        Request(bench.Bus, 0, 0x40, 1, Ports.DiskCommandRead, 0);
        Assert.Equal(0u, bench.Bus.In(Ports.DiskSector, 1));
        Assert.Equal(0x40u, bench.Bus.In(Ports.DiskAddress, 1));
        Assert.Equal(1u, bench.Bus.In(Ports.DiskCount, 1));
        Assert.Equal(Ports.DiskCommandRead, bench.Bus.In(Ports.DiskCommand, 1));
    }

    public static TheoryData<string, uint, uint, uint, uint> BadRequests => new()
    {
        { "sector past the image", 4, 0, 1, Ports.DiskCommandRead },
        { "range running past the image", 2, 0, 3, Ports.DiskCommandWrite },
        { "memory past RAM", 0, 64 * 1024 - 511, 1, Ports.DiskCommandRead },
        { "memory range wrapping 2^32", 0, 0xFFFF_FF00, 1, Ports.DiskCommandWrite },
        { "huge count", 0, 0, 0x0100_0000, Ports.DiskCommandRead },
        { "count 0", 0, 0, 0, Ports.DiskCommandRead },
        { "unknown command", 0, 0, 1, 3 },
        { "command 0", 0, 0, 1, 0 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void ABadRequestSetsErrorAtOnceRaisesIrq18AndTransfersNothing(string why, uint sector, uint address, uint count, uint command)
    {
        CreateImage(4);
        byte[] original = File.ReadAllBytes(imagePath);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        bench.Memory.Bytes.AsSpan().Fill(0x5A);
        Request(bench.Bus, sector, address, count, command, instret: 10);
        Assert.True(bench.Pending(Vectors.Disk), why);
        Assert.Equal(Ports.DiskStatusError, bench.Bus.In(Ports.DiskStatus, 11));
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
        Assert.False(bench.Bus.CanInterrupt);
        Assert.All(bench.Memory.Bytes, b => Assert.Equal(0x5A, b));
        Assert.Equal(original, File.ReadAllBytes(imagePath));
    }

    [Fact]
    public void NoDiskAttachedIsAnError()
    {
        using var bench = new DeviceTestBench();
        Request(bench.Bus, 0, 0, 1, Ports.DiskCommandRead, 0);
        Assert.Equal(Ports.DiskStatusError, bench.Bus.In(Ports.DiskStatus, 1));
        Assert.True(bench.Pending(Vectors.Disk));
    }

    [Fact]
    public void AValidCommandClearsTheErrorBit()
    {
        CreateImage(1);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        Request(bench.Bus, 9, 0, 1, Ports.DiskCommandRead, 0);
        Assert.Equal(Ports.DiskStatusError, bench.Bus.In(Ports.DiskStatus, 1));
        Request(bench.Bus, 0, 0, 1, Ports.DiskCommandRead, 2);
        Assert.Equal(Ports.DiskStatusBusy, bench.Bus.In(Ports.DiskStatus, 3));
    }

    [Fact]
    public void ACommandWhileBusyIsIgnored()
    {
        CreateImage(4);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        Request(bench.Bus, 0, 0x100, 1, Ports.DiskCommandRead, 0);
        ulong done = 1 + DiskDevice.LatencyInstructions(1);
        // A second request (even a bad one) changes neither the status nor the one in flight.
        Request(bench.Bus, 3, 0x800, 1, Ports.DiskCommandRead, 20);
        Request(bench.Bus, 99, 0, 1, Ports.DiskCommandRead, 30);
        Assert.Equal(Ports.DiskStatusBusy, bench.Bus.In(Ports.DiskStatus, 31));
        Assert.False(bench.Pending(Vectors.Disk));
        Assert.Equal(done, bench.Bus.NextEventInstret);
        bench.Bus.Tick(done);
        Assert.Equal(File.ReadAllBytes(imagePath)[..512], bench.Memory.Bytes[0x100..0x300]);
        Assert.All(bench.Memory.Bytes[0x800..0xA00], b => Assert.Equal(0, b));
        Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, done));
    }

    [Fact]
    public void APartialLastSectorReadsAsZeroPaddingAndAWriteCompletesIt()
    {
        CreateImage(1, extraBytes: 100);
        using (var bench = new DeviceTestBench(diskImagePath: imagePath))
        {
            Assert.Equal(2UL, bench.Bus.Disk.SectorCount);
            bench.Memory.Bytes.AsSpan(0, 1024).Fill(0xEE);
            Request(bench.Bus, 1, 0, 1, Ports.DiskCommandRead, 0);
            bench.Bus.Tick(bench.Bus.NextEventInstret);
            Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, 5000));
            byte[] file = File.ReadAllBytes(imagePath);
            Assert.Equal(file[512..], bench.Memory.Bytes[..100]);
            Assert.All(bench.Memory.Bytes[100..512], b => Assert.Equal(0, b));

            Request(bench.Bus, 1, 512, 1, Ports.DiskCommandWrite, 6000);
            bench.Bus.Tick(bench.Bus.NextEventInstret);
        }
        byte[] after = File.ReadAllBytes(imagePath);
        Assert.Equal(1024, after.Length);
        Assert.All(after[512..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void AMissingImageFailsInTheConstructorNamingTheFile()
    {
        var e = Assert.Throws<DiskImageException>(() => new DeviceTestBench(diskImagePath: imagePath));
        Assert.StartsWith($"cannot open disk image '{imagePath}': ", e.Message);
    }

    [Fact]
    public void AReadOnlyImageServesReadsAndRejectsWrites()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
            return; // root ignores file permissions
        CreateImage(2);
        File.SetUnixFileMode(imagePath, UnixFileMode.UserRead);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        Assert.False(bench.Bus.Disk.Writable);
        Request(bench.Bus, 0, 0, 1, Ports.DiskCommandWrite, 0);
        Assert.Equal(Ports.DiskStatusError, bench.Bus.In(Ports.DiskStatus, 1));
        Request(bench.Bus, 1, 0, 1, Ports.DiskCommandRead, 2);
        bench.Bus.Tick(bench.Bus.NextEventInstret);
        Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, 5000));
        Assert.Equal(7, bench.Memory.Bytes[0]);
    }

    [Fact]
    public void StatusIsReadOnly()
    {
        CreateImage(1);
        using var bench = new DeviceTestBench(diskImagePath: imagePath);
        bench.Bus.Out(Ports.DiskStatus, 3, 0);
        Assert.Equal(0u, bench.Bus.In(Ports.DiskStatus, 1));
    }
}
