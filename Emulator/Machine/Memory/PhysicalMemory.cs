// Physical RAM: one zeroed native allocation addressed through a byte* Base, so the
// interpreter (and a JIT) touch guest memory with plain pointer arithmetic. Bulk copies
// (loader, disk DMA, monitor) go through Read/Write, which keep the CPU's decoded-code
// cache coherent.
using System.Runtime.InteropServices;

namespace R4.Machine;

public sealed unsafe class PhysicalMemory : IDisposable
{
    public PhysicalMemory(uint sizeBytes)
    {
        if (sizeBytes == 0 || sizeBytes % Isa.PageBits.PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), $"RAM size {sizeBytes} bytes: give a non-zero multiple of 4096");
        SizeBytes = sizeBytes;
        Base = (byte*)NativeMemory.AllocZeroed(sizeBytes);
    }

    public uint SizeBytes { get; }

    /// <summary>Host address of physical address 0.</summary>
    public byte* Base { get; private set; }

    /// <summary>The decoded-code cache told about every bulk write (set by the CPU).</summary>
    internal DecodedCodeCache? CodeCache { get; set; }

    /// <summary>True when [address, address + length) lies inside RAM.</summary>
    public bool Contains(uint address, uint length) => (ulong)address + length <= SizeBytes;

    /// <summary>Copies RAM into <paramref name="destination"/> (DMA, loaders); the range must be inside RAM.</summary>
    public void Read(uint address, Span<byte> destination)
    {
        CheckRange(address, destination.Length);
        new ReadOnlySpan<byte>(Base + address, destination.Length).CopyTo(destination);
    }

    /// <summary>Copies bytes into RAM (DMA, loaders), keeping any decoded-code cache coherent.</summary>
    public void Write(uint address, ReadOnlySpan<byte> source)
    {
        CheckRange(address, source.Length);
        source.CopyTo(new Span<byte>(Base + address, source.Length));
        CodeCache?.InvalidateRange(address, (uint)source.Length);
    }

    /// <summary>Zeroes all of RAM (reset).</summary>
    public void Clear()
    {
        NativeMemory.Clear(Base, SizeBytes);
        CodeCache?.InvalidateRange(0, SizeBytes);
    }

    private void CheckRange(uint address, int length)
    {
        if (!Contains(address, (uint)length))
            throw new ArgumentOutOfRangeException(nameof(address),
                $"physical range 0x{address:x8}+{length} lies outside RAM ({SizeBytes} bytes)");
    }

    public void Dispose()
    {
        if (Base != null)
        {
            NativeMemory.Free(Base);
            Base = null;
        }
    }
}
