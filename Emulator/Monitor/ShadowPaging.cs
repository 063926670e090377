// Shadow page tables: the tables the real MMU walks while a guest runs. They live in monitor
// memory (above the partition), are filled lazily — one entry per hidden page fault, from a
// walk of the guest's own tables — and are dropped on the guest's tlbflush, invlpg and ptbr
// writes, so they never hold more than the guest's TLB could. Each shadow entry maps a guest
// frame to its machine frame (guest-physical + the partition base; the partition is
// machine-physical [B, B + G)); its ring field
// is the layout's translation of the guest entry's ring. Layouts whose transitions switch
// views keep one directory per virtual ring and show each only the pages that ring may touch.
using System.Buffers.Binary;
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed class ShadowPaging
{
    private readonly PhysicalMemory _memory;
    private readonly Layout _layout;
    private readonly MonitorMemoryMap _map;
    private int _poolPagesUsed;

    public ShadowPaging(PhysicalMemory machineMemory, Layout layout, MonitorMemoryMap map)
    {
        _memory = machineMemory;
        _layout = layout;
        _map = map;
        DropAll();
    }

    /// <summary>Shadow entries written since the start.</summary>
    public long Fills { get; private set; }

    /// <summary>Times the whole shadow was dropped (guest flush, ptbr write or exhausted pool).</summary>
    public long Drops { get; private set; }

    public int TablesInUse => _poolPagesUsed;

    /// <summary>The real ptbr value that makes the MMU walk view <paramref name="view"/>.</summary>
    public uint RealPtbr(int view) => _map.DirectoryAddress(view) | PageBits.PtbrEnable;

    /// <summary>The shadow entry for a successful guest walk, seen from view
    /// <paramref name="view"/>; 0 when that view must not show the page at all.</summary>
    public uint ShadowEntryFor(in GuestTranslation translation, int view)
    {
        uint guestEntry = translation.PageEntry;
        int guestRing = translation.PageRing;
        if (!_layout.ViewShowsPage(view, guestRing)) return 0;
        uint realRing = (uint)_layout.ShadowPteRing[guestRing];
        return (_map.MachinePhysical(translation.PhysicalAddress) & PageBits.FrameMask)
             | (guestEntry & (PageBits.Writable | PageBits.Executable))
             | PageBits.Present
             | realRing << PageBits.RingShift;
    }

    /// <summary>Installs <paramref name="shadowEntry"/> for the page of
    /// <paramref name="virtualAddress"/> in view <paramref name="view"/>. Returns false when
    /// the pool was exhausted and the whole shadow was dropped first (the caller must then
    /// flush the real TLB, not just the one page).</summary>
    public bool Fill(int view, uint virtualAddress, uint shadowEntry)
    {
        bool keptOthers = true;
        uint directoryEntryAddress = _map.DirectoryAddress(view) + (virtualAddress >> 22) * 4;
        uint directoryEntry = ReadWord(directoryEntryAddress);
        if ((directoryEntry & PageBits.Present) == 0)
        {
            if (_poolPagesUsed == _map.PoolPages)
            {
                DropAll();
                keptOthers = false;
            }
            uint table = _map.PoolPageAddress(_poolPagesUsed++);
            ZeroPage(table);
            directoryEntry = table | PageBits.Present;
            WriteWord(directoryEntryAddress, directoryEntry);
        }
        uint tableEntryAddress = (directoryEntry & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 0x3FF) * 4;
        WriteWord(tableEntryAddress, shadowEntry);
        Fills++;
        return keptOthers;
    }

    /// <summary>Forgets the shadow entry of one page in every view (guest invlpg).</summary>
    public void DropPage(uint virtualAddress)
    {
        for (int view = 0; view < _map.ViewCount; view++)
        {
            uint directoryEntry = ReadWord(_map.DirectoryAddress(view) + (virtualAddress >> 22) * 4);
            if ((directoryEntry & PageBits.Present) == 0) continue;
            WriteWord((directoryEntry & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 0x3FF) * 4, 0);
        }
    }

    /// <summary>Forgets every shadow entry of every view (guest tlbflush or ptbr write).</summary>
    public void DropAll()
    {
        for (int view = 0; view < _map.ViewCount; view++)
            ZeroPage(_map.DirectoryAddress(view));
        _poolPagesUsed = 0;
        Drops++;
    }

    /// <summary>The shadow entry currently installed for a page (0 when none), for tests and the debugger.</summary>
    public uint EntryOf(int view, uint virtualAddress)
    {
        uint directoryEntry = ReadWord(_map.DirectoryAddress(view) + (virtualAddress >> 22) * 4);
        if ((directoryEntry & PageBits.Present) == 0) return 0;
        return ReadWord((directoryEntry & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 0x3FF) * 4);
    }

    private uint ReadWord(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        _memory.Read(address, bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    private void WriteWord(uint address, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        _memory.Write(address, bytes);
    }

    private static readonly byte[] ZeroPageBytes = new byte[PageBits.PageSize];

    private void ZeroPage(uint address) => _memory.Write(address, ZeroPageBytes);
}
