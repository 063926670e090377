// Where a guest's partition lies in machine RAM and where its monitor keeps its own
// structures: the partition is machine-physical [B, B + G) (B = PartitionBase: 0 for one
// guest, the host's choice for each guest of a Type 1 machine, spec §11.1), the monitor's
// area right above it. The guest sees RAM of size G at guest-physical 0; the shadow page
// tables never map anything outside [B, B + G), so no guest access (direct or by DMA) can
// reach this area or another partition.
//   B + G + 0          the shadow vector table (64 real gates, 512 bytes, one page)
//   B + G + 4 KiB      with a monitor window (Layout.MonitorWindow): the window's page table,
//                      which maps this whole area, ring 0, at virtual 0xFFC00000 in every shadow
//   then               one shadow page directory per view (1 or 4 pages) for each address
//                      space of the shadow-table cache (Layout.ShadowCacheSpaces)
//   then               the pool of shadow page tables
using R4.Isa;

namespace R4.Monitor;

public sealed record MonitorMemoryMap
{
    /// <summary>Default number of shadow page tables; when they run out the monitor drops the
    /// whole shadow and refills it lazily (each table maps 4 MiB of guest virtual space).</summary>
    public const int DefaultPoolPages = 256;

    /// <summary>The fewest shadow page tables that still guarantee progress: one instruction
    /// touches at most four pages in four different 4 MiB regions (its fetch, a frame or iret
    /// read spanning two pages, a direct gate's handler), and a fill must not evict them.</summary>
    public const int MinimumPoolPages = 4;

    public MonitorMemoryMap(uint guestRamBytes, int viewCount, int poolPages = DefaultPoolPages, int addressSpaces = 1, uint partitionBase = 0,
        bool monitorWindow = false)
    {
        HasWindow = monitorWindow;
        if (partitionBase % PageBits.PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(partitionBase), partitionBase, "a partition starts on a 4 KiB boundary");
        if (guestRamBytes == 0 || guestRamBytes % PageBits.PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(guestRamBytes), guestRamBytes, "guest RAM must be a positive multiple of 4 KiB");
        if (viewCount is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(viewCount));
        if (addressSpaces is < 1 or > MaximumAddressSpaces) throw new ArgumentOutOfRangeException(nameof(addressSpaces), addressSpaces, $"give 1 to {MaximumAddressSpaces} address spaces");
        if (poolPages < MinimumPoolPages)
            throw new ArgumentOutOfRangeException(nameof(poolPages), poolPages, $"the monitor needs at least {MinimumPoolPages} shadow page tables");
        GuestRamBytes = guestRamBytes;
        ViewCount = viewCount;
        PoolPages = poolPages;
        AddressSpaces = addressSpaces;
        PartitionBase = partitionBase;
        ulong end = (ulong)partitionBase + guestRamBytes + (ulong)(1 + WindowTablePages + viewCount * addressSpaces + poolPages) * PageBits.PageSize;
        if (end > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(guestRamBytes), guestRamBytes, "guest RAM too large to leave room for the monitor");
    }

    /// <summary>G: the RAM the guest sees, guest-physical [0, G).</summary>
    public uint GuestRamBytes { get; }
    /// <summary>B: machine-physical address of guest-physical 0; the partition is [B, B + G).</summary>
    public uint PartitionBase { get; }
    public int ViewCount { get; }
    public int PoolPages { get; }
    /// <summary>Address spaces the shadow-table cache holds (a set of view directories each).</summary>
    public int AddressSpaces { get; }

    /// <summary>The most address spaces a shadow-table cache may hold.</summary>
    public const int MaximumAddressSpaces = 64;

    /// <summary>The machine-physical address of guest-physical <paramref name="guestPhysical"/>.</summary>
    public uint MachinePhysical(uint guestPhysical) => PartitionBase + guestPhysical;

    /// <summary>Where the monitor's own area starts: right above the partition.</summary>
    public uint MonitorAreaAddress => PartitionBase + GuestRamBytes;
    public uint GateTableAddress => MonitorAreaAddress;

    /// <summary>The monitor's window (Layout.MonitorWindow): its area mapped supervisor-only into
    /// every shadow address space at <see cref="WindowVirtualAddress"/>, the top 4 MiB.</summary>
    public bool HasWindow { get; }
    /// <summary>Where the window shows the monitor's area: the last directory slot (Xen kept its
    /// hypervisor at the top of every address space too).</summary>
    public const uint WindowVirtualAddress = 0xFFC00000;
    public const int WindowDirectoryIndex = (int)(WindowVirtualAddress >> 22);
    private int WindowTablePages => HasWindow ? 1 : 0;
    /// <summary>The window's page table (with a window), right after the gate table.</summary>
    public uint WindowTableAddress => MonitorAreaAddress + PageBits.PageSize;
    /// <summary>Pages of the monitor's area the window shows (at most one table's worth).</summary>
    public int WindowPages => (int)Math.Min(1024, ReservedBytes / PageBits.PageSize);
    /// <summary>The window's virtual address of monitor-area address <paramref name="machineAddress"/>.</summary>
    public uint WindowAddressOf(uint machineAddress) => WindowVirtualAddress + (machineAddress - MonitorAreaAddress);
    /// <summary>The shadow directory of view <paramref name="view"/> of the first cached address space.</summary>
    public uint DirectoryAddress(int view) => DirectoryAddress(0, view);
    public uint DirectoryAddress(int space, int view) => MonitorAreaAddress + (uint)(1 + WindowTablePages + space * ViewCount + view) * PageBits.PageSize;
    public uint PoolAddress => DirectoryAddress(AddressSpaces, 0);
    public uint PoolPageAddress(int index) => PoolAddress + (uint)index * PageBits.PageSize;

    /// <summary>Bytes the monitor reserves above the guest.</summary>
    public uint ReservedBytes => (uint)(1 + WindowTablePages + ViewCount * AddressSpaces + PoolPages) * PageBits.PageSize;

    /// <summary>The end of this guest's slot (partition plus the monitor's reserve): the
    /// machine's RAM size when the partition starts at 0.</summary>
    public uint MachineRamBytes => PartitionBase + GuestRamBytes + ReservedBytes;

    public bool InPartition(uint address, ulong length) => address + length <= GuestRamBytes;
}
