// The guest's devices: its `in`/`out` (emulated by the monitor, since they are privileged)
// go to the guest's DeviceBus at the instret native would pass, and the disk's DMA reaches
// memory only through PartitionDma, whose bounds are the guest partition (guest-physical
// [0, G) at machine-physical base B): a request
// touching monitor memory gets the error bit and transfers nothing, exactly as a request past
// the end of RAM does on a native machine with RAM = G.
using R4.Machine;
using R4.Machine.Devices;

namespace R4.Monitor;

/// <summary>DMA as a guest sees it: guest-physical addresses, limited to the partition, which
/// lies at machine-physical <paramref name="partitionBase"/>.</summary>
public sealed class PartitionDma(PhysicalMemory memory, uint guestRamBytes, uint partitionBase = 0) : IDmaMemory
{
    public uint GuestRamBytes { get; } = guestRamBytes;
    public uint PartitionBase { get; } = partitionBase;

    public bool Contains(uint address, uint length) => (ulong)address + length <= GuestRamBytes;

    public void Read(uint address, Span<byte> destination)
    {
        Check(address, destination.Length);
        memory.Read(PartitionBase + address, destination);
    }

    public void Write(uint address, ReadOnlySpan<byte> source)
    {
        Check(address, source.Length);
        memory.Write(PartitionBase + address, source);
    }

    // The disk checks Contains when it accepts a command; this is the last line of defence.
    private void Check(uint address, int length)
    {
        if (!Contains(address, (uint)length))
            throw new InvalidOperationException(
                $"monitor: DMA at 0x{address:x8}+{length} would leave the guest partition (0x{GuestRamBytes:x} bytes)");
    }
}

public sealed class VirtualDevices(DeviceBus bus)
{
    public DeviceBus Bus { get; } = bus;

    /// <summary>Port reads and writes the guest made.</summary>
    public long PortReads { get; private set; }
    public long PortWrites { get; private set; }

    /// <summary>`in rd, port` at time <paramref name="instretBefore"/> (instructions retired before it).</summary>
    public uint In(ushort port, ulong instretBefore)
    {
        PortReads++;
        return Bus.In(port, instretBefore);
    }

    /// <summary>`out port, value` at time <paramref name="instretBefore"/>.</summary>
    public void Out(ushort port, uint value, ulong instretBefore)
    {
        PortWrites++;
        Bus.Out(port, value, instretBefore);
    }
}
