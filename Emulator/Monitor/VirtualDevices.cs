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
        if (Written is { } written)
            for (uint word = address & ~3u; word < address + (uint)source.Length; word += 4)
                written(word);
    }

    /// <summary>Told the address of every guest word a DMA transfer wrote (the monitor's shadow
    /// paging, which must see writes into write-protected guest page tables).</summary>
    public Action<uint>? Written { get; set; }

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

    /// <summary>The hypercall port of the paravirtual interface (spec §11.4): unknown on the bare
    /// machine, so a guest learns at run time whether a monitor runs it.</summary>
    public const ushort HypercallPort = 0xE0;

    /// <summary>What `in 0xE0` reads under the monitor: the ASCII bytes "R4VM", first byte lowest.</summary>
    public const uint HypercallSignature = 0x4D563452;

    /// <summary>`in rd, port` at time <paramref name="instretBefore"/> (instructions retired before it).</summary>
    public uint In(ushort port, ulong instretBefore)
    {
        PortReads++;
        if (port == HypercallPort) return HypercallSignature;
        return Bus.In(port, instretBefore);
    }

    /// <summary>An `out 0xE0` the monitor performed as a hypercall (counted as a port write).</summary>
    public void CountHypercall() => PortWrites++;

    /// <summary>`out port, value` at time <paramref name="instretBefore"/>.</summary>
    public void Out(ushort port, uint value, ulong instretBefore)
    {
        PortWrites++;
        Bus.Out(port, value, instretBefore);
    }
}
