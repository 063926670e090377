// Regression tests for the crashes the fuzz targets found (Fuzz/, docs/fuzzing.md): each is the
// smallest input that reproduces one, rebuilt here by hand, with the exact error R4 now gives
// instead of the host exception it threw.
using System.Buffers.Binary;
using System.Security.Cryptography;
using R4.Snapshots;
using R4.Tests.Cli;
using R4.Tests.Snapshots;

namespace R4.Tests.Fuzz;

public class FuzzFindingsTests
{
    /// <summary>A snapshot file of the given sections, its header and SHA-256 intact, with
    /// <paramref name="patch"/> applied before the checksum is computed (as the fuzz target does).</summary>
    private static byte[] Snapshot(Action<byte[]> patch, params (string Tag, byte[] Bytes)[] sections)
    {
        var file = SnapshotContainer.Pack(sections);
        patch(file);
        SHA256.HashData(file.AsSpan(0, file.Length - 32), file.AsSpan(file.Length - 32));
        return file;
    }

    /// <summary>Found by `Fuzz/run.sh snapshot`: a section length of long.MaxValue wrapped the
    /// bounds check (offset + 12 + length) to a negative number, and the slice threw
    /// ArgumentOutOfRangeException out of SnapshotContainer.Unpack.</summary>
    [Fact]
    public void ASectionLengthNearLongMaxValueIsMalformedNotAHostException()
    {
        var file = Snapshot(f => BinaryPrimitives.WriteInt64LittleEndian(f.AsSpan(26 + 12 + 2 + 4), long.MaxValue),
            ("META", [1, 2]), ("ABCD", [3, 4, 5]));
        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotContainer.Unpack(file, "fuzz.r4snap"));
        Assert.Equal("fuzz.r4snap: snapshot malformed (section 'ABCD' runs past the end)", e.Message);
    }

    /// <summary>The same wrap in the payload length of the header: the file was called damaged
    /// with a negative count of bytes after its checksum; now it is cut short.</summary>
    [Fact]
    public void APayloadLengthNearLongMaxValueIsCutShort()
    {
        var file = Snapshot(f => BinaryPrimitives.WriteInt64LittleEndian(f.AsSpan(18), long.MaxValue - 20), ("META", [1, 2]));
        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotContainer.Unpack(file, "fuzz.r4snap"));
        Assert.Equal($"fuzz.r4snap: snapshot cut short ({file.Length} bytes of 9223372036854775845)", e.Message);
    }

    /// <summary>hello.asm saved after 20 instructions, its DISK section replaced (the snapshot
    /// fuzz target mutates sections and re-seals the checksum, Fuzz/FuzzTargets.cs).</summary>
    private static byte[] HelloSnapshotWithDisk(byte[] disk)
    {
        var image = R4.Tests.Guests.GuestRunner.Assemble("Guests/examples/hello.asm");
        var (file, _, _) = SnapshotHarness.Save(image, R4.Monitor.Layouts.Native, R4.Machine.ExecutionEngine.Interpreter, 20);
        var sections = SnapshotContainer.Unpack(file, "hello.r4snap");
        sections["DISK"] = disk;
        return SnapshotContainer.Pack(sections.Select(s => (s.Key, s.Value)).ToList());
    }

    /// <summary>Found by `Fuzz/run.sh snapshot`: a referenced disk whose path length is near
    /// int.MaxValue wrapped SpanReader's bounds check (at + count), so restoring threw
    /// ArgumentOutOfRangeException and `r4 resume` printed a stack trace; and the section was
    /// only parsed at restore, in a message without the file's name. Now reading the file
    /// refuses it, naming the file and the section.</summary>
    [Fact]
    public void AReferencedDiskPathLengthNearIntMaxValueIsRefusedWhenTheFileIsRead()
    {
        var file = HelloSnapshotWithDisk([1, 0xFF, 0xFF, 0xFF, 0x7F]);
        var e = Assert.Throws<SnapshotFormatException>(() => GuestSnapshot.Read(file, "fuzz.r4snap"));
        Assert.Equal("fuzz.r4snap: snapshot malformed (DISK: a section ends early)", e.Message);

        using var cli = new CliHarness();
        string path = cli.PathOf("fuzz.r4snap");
        File.WriteAllBytes(path, file);
        var resume = cli.Run("resume", path);
        Assert.Equal(65, resume.ExitCode);
        Assert.Equal($"r4: {path}: snapshot malformed (DISK: a section ends early)\n", resume.Stderr);
    }

    /// <summary>The same file, a captured disk claiming 2^64 - 1 bytes: the page count check
    /// (length + 4095) / 4096 wrapped to 0 pages, and the restore's SetLength threw. A captured
    /// disk may be as large as the disk device addresses, no larger.</summary>
    [Fact]
    public void ACapturedDiskLargerThanTheDeviceAddressesIsRefused()
    {
        var disk = new byte[17];
        disk[0] = 2;
        BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(1), ulong.MaxValue);
        var e = Assert.Throws<SnapshotFormatException>(() => GuestSnapshot.Read(HelloSnapshotWithDisk(disk), "fuzz.r4snap"));
        Assert.Equal("fuzz.r4snap: snapshot malformed (DISK: a captured disk of 18446744073709551615 bytes, " +
                     "more than the disk device addresses (2199023255040))", e.Message);
        Assert.Throws<SnapshotFormatException>(() => SparsePages.Decode(disk[1..], (_, _) => { }));
    }

    /// <summary>Found by `Fuzz/run.sh snapshot` as a hang that killed the fork server: hello.asm's
    /// snapshot with its timer period set but no next expiry. Restored, the guest's `hlt` with
    /// interrupts on saw a device that "can interrupt" and no event to wait for, so the machine
    /// slept in host time forever with instret standing still (`r4 resume --max-instructions`
    /// never returned). No running machine has that state: reading the file refuses it.</summary>
    [Fact]
    public void ARunningTimerWithNoNextExpiryIsRefusedNotAnEndlessHostWait()
    {
        var image = R4.Tests.Guests.GuestRunner.Assemble("Guests/examples/hello.asm");
        var (file, _, _) = SnapshotHarness.Save(image, R4.Monitor.Layouts.Native, R4.Machine.ExecutionEngine.Interpreter, 20);
        var sections = SnapshotContainer.Unpack(file, "hello.r4snap");
        var devices = sections["DEVS"];
        BinaryPrimitives.WriteUInt32LittleEndian(devices.AsSpan(16), 1000);            // timer period
        BinaryPrimitives.WriteUInt64LittleEndian(devices.AsSpan(20), ulong.MaxValue);  // next expiry: never
        var damaged = SnapshotContainer.Pack(sections.Select(s => (s.Key, s.Value)).ToList());
        var e = Assert.Throws<SnapshotFormatException>(() => GuestSnapshot.Read(damaged, "fuzz.r4snap"));
        Assert.Equal("fuzz.r4snap: snapshot malformed (DEVS: the timer runs (period 1000) with no next expiry)", e.Message);
    }
}
