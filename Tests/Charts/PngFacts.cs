// What a test can check of a PNG without trusting the code that drew it: the signature, the
// width and height from the IHDR chunk, and (decoding it with SkiaSharp) how many distinct
// colours it has — a blank picture has one.
using System.Buffers.Binary;
using SkiaSharp;

namespace R4.Tests.Charts;

public sealed record PngFacts(int Width, int Height, int DistinctColours)
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngFacts Read(byte[] png)
    {
        Assert.True(png.Length > 33, $"{png.Length} bytes is too short for a PNG");
        Assert.Equal(Signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        var colours = new HashSet<uint>();
        foreach (var pixel in bitmap.Pixels)
            colours.Add((uint)pixel);
        return new PngFacts(width, height, colours.Count);
    }
}
