// Regression tests for the crashes the fuzz targets found (Fuzz/, docs/fuzzing.md): each is the
// smallest input that reproduces one, rebuilt here by hand, with the exact error R4 now gives
// instead of the host exception it threw.
using System.Buffers.Binary;
using System.Security.Cryptography;
using R4.Snapshots;

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
}
