// The compact form of a large, mostly empty byte range (guest RAM, a captured disk image):
// its length, a bitmap of the 4 KiB pages that hold any non-zero byte, then those pages only,
// deflated (System.IO.Compression, fastest level). A guest given 16 MiB that touched 2 MiB
// stores about 2 MiB before compression; zero pages cost one bit.
using System.Buffers.Binary;
using System.IO.Compression;

namespace R4.Snapshots;

public static unsafe class SparsePages
{
    public const int PageBytes = 4096;

    /// <summary>Encodes the <paramref name="length"/> bytes at <paramref name="data"/>.</summary>
    public static byte[] Encode(byte* data, ulong length) => Encode(data, length, null);

    /// <summary>Encodes the <paramref name="length"/> bytes at <paramref name="data"/>, looking
    /// only at <paramref name="candidatePages"/> (ascending; null: every page) — the caller
    /// knows the others are zero (RAM committed on first touch, PhysicalMemory.TouchedPages).</summary>
    public static byte[] Encode(byte* data, ulong length, IReadOnlyList<uint>? candidatePages)
    {
        ulong pages = (length + PageBytes - 1) / PageBytes;
        var bitmap = new byte[(pages + 7) / 8];
        using var output = new MemoryStream();
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(header, length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], pages);
        output.Write(header);
        long bitmapAt = output.Position;
        output.Write(bitmap);   // placeholder, rewritten below
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            int candidates = candidatePages?.Count ?? (int)Math.Min(pages, int.MaxValue);
            for (int i = 0; i < candidates; i++)
            {
                ulong page = candidatePages is null ? (ulong)i : candidatePages[i];
                if (page >= pages) break;
                ulong offset = page * PageBytes;
                var bytes = new ReadOnlySpan<byte>(data + offset, (int)Math.Min(PageBytes, length - offset));
                if (bytes.IndexOfAnyExcept((byte)0) < 0) continue;
                bitmap[page / 8] |= (byte)(1 << (int)(page % 8));
                deflate.Write(bytes);
            }
        }
        var encoded = output.ToArray();
        bitmap.CopyTo(encoded, (int)bitmapAt);
        return encoded;
    }

    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return Encode(p, (ulong)data.Length);
    }

    /// <summary>The length the encoded range had.</summary>
    public static ulong LengthOf(ReadOnlySpan<byte> encoded) =>
        encoded.Length < 16 ? throw new SnapshotFormatException("page image cut short") : BinaryPrimitives.ReadUInt64LittleEndian(encoded);

    /// <summary>Calls <paramref name="page"/> with the offset and bytes of every non-zero page
    /// (the others are zero). Throws <see cref="SnapshotFormatException"/> when malformed.</summary>
    public static void Decode(byte[] encoded, Action<ulong, ReadOnlySpan<byte>> page)
    {
        ulong length = LengthOf(encoded);
        ulong pages = BinaryPrimitives.ReadUInt64LittleEndian(encoded.AsSpan(8));
        if (pages != (length + PageBytes - 1) / PageBytes || 16 + (pages + 7) / 8 > (ulong)encoded.Length)
            throw new SnapshotFormatException("page image malformed (its bitmap does not fit)");
        var bitmap = encoded.AsSpan(16, (int)((pages + 7) / 8)).ToArray();
        using var deflate = new DeflateStream(new MemoryStream(encoded, 16 + bitmap.Length, encoded.Length - 16 - bitmap.Length), CompressionMode.Decompress);
        var buffer = new byte[PageBytes];
        try
        {
            for (ulong p = 0; p < pages; p++)
            {
                if ((bitmap[p / 8] & (1 << (int)(p % 8))) == 0) continue;
                ulong offset = p * PageBytes;
                int size = (int)Math.Min(PageBytes, length - offset);
                deflate.ReadExactly(buffer, 0, size);
                page(offset, buffer.AsSpan(0, size));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new SnapshotFormatException($"page image malformed ({e.Message})");
        }
    }
}
