// A growable run of bytes for the assembler's regions and listing lines. Not a List<byte>:
// List<byte>.AddRange(ReadOnlySpan<byte>) and Enumerable.ToList<byte> have no ReadyToRun code,
// so the .NET JIT compiled them in every `r4 run` before the guest started (docs/performance.md).
namespace R4.Assembler;

internal sealed class ByteBuffer
{
    private byte[] bytes = [];

    public int Count { get; private set; }

    public byte this[int index] => index < Count ? bytes[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public void Append(ReadOnlySpan<byte> more)
    {
        if (Count + more.Length > bytes.Length)
            Array.Resize(ref bytes, Math.Max(Math.Max(16, 2 * bytes.Length), Count + more.Length));
        more.CopyTo(bytes.AsSpan(Count));
        Count += more.Length;
    }

    public ReadOnlySpan<byte> AsSpan() => bytes.AsSpan(0, Count);

    public byte[] ToArray() => AsSpan().ToArray();
}
