// Where the monitor keeps its own structures: machine-physical memory above the guest's
// partition [0, G). The guest sees RAM of size G; the shadow page tables never map anything
// at or above G, so no guest access (direct or by DMA) can reach this area.
//   G + 0              the shadow vector table (64 real gates, 512 bytes, one page)
//   G + 4 KiB          one shadow page directory per view (1 or 4 pages) for each address
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

    public MonitorMemoryMap(uint guestRamBytes, int viewCount, int poolPages = DefaultPoolPages, int addressSpaces = 1)
    {
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
        ulong end = (ulong)guestRamBytes + (ulong)(1 + viewCount * addressSpaces + poolPages) * PageBits.PageSize;
        if (end > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(guestRamBytes), guestRamBytes, "guest RAM too large to leave room for the monitor");
    }

    /// <summary>G: the guest partition is machine-physical [0, G).</summary>
    public uint GuestRamBytes { get; }
    public int ViewCount { get; }
    public int PoolPages { get; }
    /// <summary>Address spaces the shadow-table cache holds (a set of view directories each).</summary>
    public int AddressSpaces { get; }

    /// <summary>The most address spaces a shadow-table cache may hold.</summary>
    public const int MaximumAddressSpaces = 64;

    public uint GateTableAddress => GuestRamBytes;
    /// <summary>The shadow directory of view <paramref name="view"/> of the first cached address space.</summary>
    public uint DirectoryAddress(int view) => DirectoryAddress(0, view);
    public uint DirectoryAddress(int space, int view) => GuestRamBytes + (uint)(1 + space * ViewCount + view) * PageBits.PageSize;
    public uint PoolAddress => DirectoryAddress(AddressSpaces, 0);
    public uint PoolPageAddress(int index) => PoolAddress + (uint)index * PageBits.PageSize;

    /// <summary>Bytes the monitor reserves above the guest.</summary>
    public uint ReservedBytes => (uint)(1 + ViewCount * AddressSpaces + PoolPages) * PageBits.PageSize;

    /// <summary>The machine's RAM size: guest partition plus the monitor's reserve.</summary>
    public uint MachineRamBytes => GuestRamBytes + ReservedBytes;

    public bool InPartition(uint address, ulong length) => address + length <= GuestRamBytes;
}
