// What a DMA-capable device (the disk) sees of memory: a bounds check and two copies. The
// machine passes physical RAM; a monitor can pass a window onto a guest's partition so that a
// guest never reaches memory outside it by DMA (spec 9); tests pass a plain array.
namespace R4.Machine.Devices;

/// <summary>Memory as seen by DMA: addresses are what the guest wrote into the device.</summary>
public interface IDmaMemory
{
    /// <summary>True when [address, address + length) may be transferred.</summary>
    bool Contains(uint address, uint length);
    void Read(uint address, Span<byte> destination);
    void Write(uint address, ReadOnlySpan<byte> source);
}

/// <summary>DMA straight into physical RAM.</summary>
public sealed class PhysicalMemoryDma(PhysicalMemory memory) : IDmaMemory
{
    public bool Contains(uint address, uint length) => memory.Contains(address, length);
    public void Read(uint address, Span<byte> destination) => memory.Read(address, destination);
    public void Write(uint address, ReadOnlySpan<byte> source) => memory.Write(address, source);
}
