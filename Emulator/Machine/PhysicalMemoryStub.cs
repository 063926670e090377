// Physical RAM. STUB (owner: machine core helper), replaced by Memory/PhysicalMemory.cs.
namespace R4.Machine;

public sealed unsafe class PhysicalMemory : IDisposable
{
    public PhysicalMemory(uint sizeBytes) { SizeBytes = sizeBytes; }
    public uint SizeBytes { get; }
    /// <summary>True when [address, address + length) lies inside RAM.</summary>
    public bool Contains(uint address, uint length) => (ulong)address + length <= SizeBytes;
    /// <summary>Copies RAM into <paramref name="destination"/> (DMA, loaders); the range must be inside RAM.</summary>
    public void Read(uint address, Span<byte> destination) => throw new NotImplementedException();
    /// <summary>Copies bytes into RAM (DMA, loaders), keeping any decoded-code cache coherent.</summary>
    public void Write(uint address, ReadOnlySpan<byte> source) => throw new NotImplementedException();
    public void Dispose() { }
}
