// Division by space (spec §11.1): where each guest's partition and its monitor's area lie in
// machine RAM, and which sectors of the machine disk each guest owns. Guests are placed in
// the order given, each slot being the guest's partition (guest-physical 0..size at base B)
// followed by its monitor's area (shadow vector table, shadow directories, shadow table
// pool). Everything is checked before anything runs: a description that does not fit is
// refused with a message naming the guest and the numbers.
using R4.Isa;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Host;

public sealed class PartitionPlan
{
    private PartitionPlan(IReadOnlyList<MonitorMemoryMap> maps, uint machineRamBytes, ulong diskSectors)
    {
        Maps = maps;
        MachineRamBytes = machineRamBytes;
        DiskSectors = diskSectors;
    }

    /// <summary>One memory map per guest, in order: its partition base and its monitor's area.</summary>
    public IReadOnlyList<MonitorMemoryMap> Maps { get; }
    public uint MachineRamBytes { get; }
    /// <summary>Sectors of the machine disk (0 without one).</summary>
    public ulong DiskSectors { get; }

    /// <summary>"guest 2 (hello.asm)": how every message names a guest (numbered from 1).</summary>
    public static string Describe(int index, GuestSpec spec) => $"guest {index + 1} ({spec.Name})";

    /// <summary>Places the guests; throws <see cref="HostConfigurationException"/> naming the
    /// guest and the numbers when they do not fit.</summary>
    public static PartitionPlan Place(IReadOnlyList<GuestSpec> guests, uint? machineRamBytes, ulong? diskSectors)
    {
        if (guests.Count == 0) throw new HostConfigurationException("no guests: give at least one");
        var maps = new List<MonitorMemoryMap>(guests.Count);
        ulong next = 0;
        for (int i = 0; i < guests.Count; i++)
        {
            var guest = guests[i];
            string who = Describe(i, guest);
            if (!guest.Layout.Monitored)
                throw new HostConfigurationException(
                    $"{who}: layout {guest.Layout.Name} runs without a monitor; every guest of a Type 1 machine runs under one (give ring012, ring013, ring3, bt or hw)");
            if (guest.RamBytes == 0 || guest.RamBytes % PageBits.PageSize != 0)
                throw new HostConfigurationException($"{who}: RAM {guest.RamBytes} bytes: give a non-zero multiple of 4 KiB");
            if (guest.Weight < 1)
                throw new HostConfigurationException($"{who}: weight {guest.Weight}: give a whole number, 1 or more");
            CheckImageFits(who, guest);
            ulong reserve = ReserveBytes(guest);
            ulong end = next + guest.RamBytes + reserve;
            ulong limit = machineRamBytes ?? HostOptions.MaxMachineRamBytes;
            if (end > limit)
                throw new HostConfigurationException(
                    $"{who}: its partition ({Size(guest.RamBytes)}) and monitor area ({Size(reserve)}) at machine-physical 0x{next:x8} end at 0x{end:x8}, past the machine's {Size(limit)} of RAM" +
                    $" (all {guests.Count} guests need {Size(Needed(guests))})");
            maps.Add(new MonitorMemoryMap(guest.RamBytes, guest.Layout.ViewCount, PoolPages(guest), AddressSpaces(guest), partitionBase: (uint)next,
                monitorWindow: guest.Layout.MonitorWindow));
            next = end;
        }
        CheckDisk(guests, diskSectors);
        return new PartitionPlan(maps, machineRamBytes ?? (uint)next, diskSectors ?? 0);
    }

    /// <summary>Bytes of machine RAM the guests need: each partition plus its monitor's area.</summary>
    public static ulong Needed(IReadOnlyList<GuestSpec> guests) =>
        guests.Aggregate(0UL, (sum, g) => sum + g.RamBytes + ReserveBytes(g));

    /// <summary>The monitor's area of a guest, as MonitorMemoryMap lays it out: the shadow vector
    /// table, the window's table (Layout.MonitorWindow), one directory per view and cached address
    /// space, the pool (for hw: the nested tables).</summary>
    private static ulong ReserveBytes(GuestSpec guest) =>
        (ulong)(1 + (guest.Layout.MonitorWindow ? 1 : 0) + guest.Layout.ViewCount * AddressSpaces(guest) + PoolPages(guest)) * PageBits.PageSize;

    /// <summary>The shadow-table cache's address spaces (Layout.ShadowCacheSpaces), as GuestMachine lays a solo guest out.</summary>
    private static int AddressSpaces(GuestSpec guest) => guest.Layout.ShadowCacheSpaces;

    /// <summary>Hardware assist keeps nested tables, not shadows: one per 4 MiB of guest RAM (as GuestMachine).</summary>
    private static int PoolPages(GuestSpec guest) => guest.Layout.HardwareAssisted
        ? Math.Max(MonitorMemoryMap.MinimumPoolPages, VirtualMachineMonitor.NestedTablesFor(guest.RamBytes))
        : guest.ShadowPoolPages;

    private static void CheckImageFits(string who, GuestSpec guest)
    {
        for (int s = 0; s < guest.Image.Segments.Count; s++)
        {
            var segment = guest.Image.Segments[s];
            uint length = Math.Max(segment.MemorySize, (uint)segment.Data.Length);
            if ((ulong)segment.PhysicalAddress + length > guest.RamBytes)
                throw new HostConfigurationException(
                    $"{who}: segment {s} at physical 0x{segment.PhysicalAddress:x8} ({length} bytes) lies outside its RAM ({Size(guest.RamBytes)})");
        }
    }

    private static void CheckDisk(IReadOnlyList<GuestSpec> guests, ulong? diskSectors)
    {
        for (int i = 0; i < guests.Count; i++)
        {
            var guest = guests[i];
            if (guest.SectorCount == 0) continue;
            string who = Describe(i, guest);
            ulong end = guest.FirstSector + guest.SectorCount;
            if (diskSectors is null)
                throw new HostConfigurationException($"{who}: sectors {guest.FirstSector}..{end - 1} asked for, but the machine has no disk (give one)");
            if (end > diskSectors || end < guest.FirstSector)
                throw new HostConfigurationException(
                    $"{who}: sectors {guest.FirstSector}..{end - 1} lie past the end of the machine disk ({diskSectors} sectors of {DiskDevice.SectorBytes} bytes)");
            for (int j = 0; j < i; j++)
            {
                var other = guests[j];
                if (other.SectorCount == 0) continue;
                ulong otherEnd = other.FirstSector + other.SectorCount;
                if (guest.FirstSector < otherEnd && other.FirstSector < end)
                    throw new HostConfigurationException(
                        $"{who}: sectors {guest.FirstSector}..{end - 1} overlap {Describe(j, other)}'s sectors {other.FirstSector}..{otherEnd - 1}; each guest's disk is its own");
            }
        }
    }

    /// <summary>"16 MiB", "1028 KiB", "4096 bytes": exact, in the largest unit that divides.</summary>
    public static string Size(ulong bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";
}
