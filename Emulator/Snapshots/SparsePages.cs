// The compact form of a large, mostly empty byte range (guest RAM, a captured disk image):
// its length, a bitmap of the 4 KiB pages that hold any non-zero byte, then those pages only,
// deflated (System.IO.Compression, fastest level). A guest given 16 MiB that touched 2 MiB
// stores about 2 MiB before compression; zero pages cost one bit. Each page goes in after a
// filter byte: 0 as it is, 1 as the differences of its 32-bit words (word i minus word i-1,
// as PNG filters rows and Blosc shuffles numbers): arrays of counters, addresses and page
// tables, which deflate's 3-byte matches hardly shrink, become runs of equal bytes. The
// filter that leaves more zero bytes is chosen per page (format version 2).
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
        var filtered = new byte[1 + PageBytes];
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
                WriteFiltered(deflate, bytes, filtered);
            }
        }
        var encoded = output.ToArray();
        bitmap.CopyTo(encoded, (int)bitmapAt);
        return encoded;
    }

    private const byte Unfiltered = 0, WordDelta = 1;

    /// <summary>Writes the filter byte and the page, word-delta filtered when that leaves more zero bytes.</summary>
    private static void WriteFiltered(Stream deflate, ReadOnlySpan<byte> page, byte[] scratch)
    {
        if (page.Length != PageBytes)
        {
            deflate.WriteByte(Unfiltered);
            deflate.Write(page);
            return;
        }
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(page);
        var deltas = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(scratch.AsSpan(1));
        uint previous = 0;
        for (int i = 0; i < words.Length; i++)
        {
            deltas[i] = words[i] - previous;
            previous = words[i];
        }
        if (scratch.AsSpan(1).Count((byte)0) > page.Count((byte)0))
        {
            scratch[0] = WordDelta;
            deflate.Write(scratch);
        }
        else
        {
            deflate.WriteByte(Unfiltered);
            deflate.Write(page);
        }
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
        // Not (length + PageBytes - 1) / PageBytes, nor 16 + (pages + 7) / 8: both wrap for a damaged length.
        if (pages != length / PageBytes + (length % PageBytes != 0 ? 1UL : 0) || pages / 8 >= (ulong)encoded.Length)
            throw new SnapshotFormatException("page image malformed (its bitmap does not fit)");
        if (16 + (pages + 7) / 8 > (ulong)encoded.Length)
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
                int filter = deflate.ReadByte();
                deflate.ReadExactly(buffer, 0, size);
                if (filter == WordDelta && size == PageBytes)
                {
                    var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(buffer.AsSpan());
                    for (int i = 1; i < words.Length; i++) words[i] += words[i - 1];
                }
                else if (filter != Unfiltered)
                    throw new SnapshotFormatException($"page image malformed (filter {filter} on the page at {offset})");
                page(offset, buffer.AsSpan(0, size));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new SnapshotFormatException($"page image malformed ({e.Message})");
        }
    }
}
