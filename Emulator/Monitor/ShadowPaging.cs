// Shadow page tables: the tables the real MMU walks while a guest runs. They live in monitor
// memory (above the partition) and are filled lazily — one entry per hidden page fault, from a
// walk of the guest's own tables. Each shadow entry maps a guest frame to its machine frame
// (guest-physical + the partition base B; the partition is machine-physical [B, B + G)); its
// ring field is the layout's translation of the guest entry's ring. Layouts whose transitions switch views keep one directory per
// virtual ring and show each only the pages that ring may touch.
//
// How the shadow follows the guest's edits is the layout's ShadowSync:
//  - Invlpg: entries are dropped on the guest's tlbflush, invlpg and ptbr writes, so the
//    shadow never holds more than the guest's TLB could (one address space at a time);
//  - WriteProtect: every guest page-table page (directory or table) behind a shadow is
//    "protected" — every shadow entry that maps it is read-only — so each guest write to it
//    traps; the monitor performs the write and calls GuestWrote, which updates the shadow
//    entries derived from that word at once. The shadow is then never stale, survives
//    tlbflush, and can be kept per address space: the cache holds the shadows of the last
//    ShadowCacheSpaces guest ptbr values, so a ptbr write back to one of them is a lookup.
// A shared pool of shadow page tables serves every cached space; when it runs out, every
// shadow is dropped and refilled lazily.
// With a monitor window (Layout.MonitorWindow) every directory's last slot, while the guest maps
// nothing there, holds the window: a table mapping the monitor's own area, ring 0 (supervisor
// only). An "empty" directory is therefore one that holds only the window; a guest mapping in the
// window's region replaces it in that space, and dropping the region brings the window back.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed class ShadowPaging
{
    private const int EntriesPerTable = 1024;

    private readonly PhysicalMemory _memory;
    private readonly Layout _layout;
    private readonly MonitorMemoryMap _map;

    // the pool of shadow page tables
    private readonly bool[] _tableInUse;
    private readonly int[] _tableSpace;   // the cached space each table in use belongs to
    private readonly Stack<int> _freeTables = new();
    private int _tablesInUse;

    // the cached address spaces: guest ptbr value, valid, last use
    private readonly uint[] _spaceKey;
    private readonly bool[] _spaceValid;
    private readonly long[] _spaceLastUse;
    private long _useClock;
    // per space and directory index: the guest table frame the shadow table was made from (+1; 0 = none)
    private readonly uint[][] _guestTableOf;

    // WriteProtect: guest frames (guest-physical: keys and every caller's addresses are the
    // guest's; machine memory is read at MachinePhysical) holding page tables behind a shadow,
    // and who uses them
    private readonly Dictionary<uint, FrameUsers> _protected = new();

    private sealed class FrameUsers
    {
        /// <summary>Spaces whose guest page directory this frame is.</summary>
        public readonly List<int> DirectoryOf = [];
        /// <summary>(space &lt;&lt; 10 | directory index) whose shadow table was made from this frame.</summary>
        public readonly List<int> TableOf = [];
        public bool Unused => DirectoryOf.Count == 0 && TableOf.Count == 0;
    }

    public ShadowPaging(PhysicalMemory machineMemory, Layout layout, MonitorMemoryMap map)
    {
        _memory = machineMemory;
        _layout = layout;
        _map = map;
        _tableInUse = new bool[map.PoolPages];
        _tableSpace = new int[map.PoolPages];
        _spaceKey = new uint[map.AddressSpaces];
        _spaceValid = new bool[map.AddressSpaces];
        _spaceLastUse = new long[map.AddressSpaces];
        _guestTableOf = new uint[map.AddressSpaces][];
        for (int s = 0; s < map.AddressSpaces; s++) _guestTableOf[s] = new uint[EntriesPerTable];
        Reset();
    }

    /// <summary>Called with a virtual address whose real TLB entry may now be stale (the
    /// current space's shadow entry changed). Set by the monitor.</summary>
    public Action<uint>? InvalidateRealPage { get; set; }

    /// <summary>Called when shadow entries of the current space changed in bulk (write
    /// protection added, a directory entry dropped): the real TLB must be flushed.</summary>
    public Action? FlushRealTlb { get; set; }

    /// <summary>True when guest page-table pages are write-protected (ShadowSync.WriteProtect).</summary>
    public bool WriteProtect => _layout.ShadowSync == ShadowSync.WriteProtect;

    /// <summary>Shadow entries written since the start (fills and write-protect updates).</summary>
    public long Fills { get; private set; }

    /// <summary>Times the whole shadow was dropped (reset, an exhausted pool, a guest flush or
    /// ptbr write without write protection).</summary>
    public long Drops { get; private set; }

    /// <summary>Guest ptbr writes that found their space's shadow in the cache / that did not.</summary>
    public long CacheHits { get; private set; }
    public long CacheMisses { get; private set; }

    public int TablesInUse => _tablesInUse;

    /// <summary>The cached space the real MMU walks now.</summary>
    public int CurrentSpace { get; private set; }

    /// <summary>Changes whenever the set of cached spaces (or a key) changes: the monitor then
    /// gives the CPU a new ptbr-target list.</summary>
    public long SpacesVersion { get; private set; }

    /// <summary>The guest ptbr of cached space <paramref name="space"/>.</summary>
    public uint KeyOf(int space) => _spaceKey[space];

    /// <summary>Guest frames currently write-protected (WriteProtect only).</summary>
    public int ProtectedFrames => _protected.Count;

    public bool IsProtected(uint physicalAddress) =>
        _protected.ContainsKey(physicalAddress & PageBits.FrameMask) || (physicalAddress & PageBits.FrameMask) == _pinnedFrame;

    // A guest frame mapped read-only for a reason of the monitor's own (the paravirtual IE flag
    // while an interrupt is held back: the guest's store enabling IE must trap); kept apart from
    // the page-table frames above so that dropping shadows does not forget it. NoFrame = none.
    private const uint NoFrame = 1;
    private uint _pinnedFrame = NoFrame;

    /// <summary>Maps the frame of <paramref name="physicalAddress"/> read-only in every shadow
    /// until <see cref="UnpinReadOnly"/>, so that each guest store into it traps.</summary>
    public void PinReadOnly(uint physicalAddress)
    {
        uint frame = physicalAddress & PageBits.FrameMask;
        if (frame == _pinnedFrame) return;
        UnpinReadOnly();
        _pinnedFrame = frame;
        if (RemoveWritableMappings(_map.MachinePhysical(frame))) FlushRealTlb?.Invoke();
    }

    /// <summary>Ends <see cref="PinReadOnly"/>: the read-only entries mapping the frame are
    /// dropped (refilled writable as the guest allows).</summary>
    public void UnpinReadOnly()
    {
        if (_pinnedFrame == NoFrame) return;
        uint frame = _pinnedFrame;
        _pinnedFrame = NoFrame;
        if (!_protected.ContainsKey(frame) && RemoveMappings(_map.MachinePhysical(frame), onlyWritable: false)) FlushRealTlb?.Invoke();
    }

    /// <summary>The real ptbr value that makes the MMU walk view <paramref name="view"/> of the current space.</summary>
    public uint RealPtbr(int view) => RealPtbr(CurrentSpace, view);

    public uint RealPtbr(int space, int view) => _map.DirectoryAddress(space, view) | PageBits.PtbrEnable;

    /// <summary>The cached space whose directory <paramref name="realPtbr"/> points at, or -1.</summary>
    public int SpaceOfRealPtbr(uint realPtbr)
    {
        long offset = (long)(realPtbr & PageBits.FrameMask) - _map.DirectoryAddress(0, 0);
        if (offset < 0) return -1;
        long space = offset / PageBits.PageSize / _map.ViewCount;
        return space < _map.AddressSpaces ? (int)space : -1;
    }

    /// <summary>The guest ptbr values of every cached space and the real ptbr of their view
    /// 0, for the CPU's ptbr-target list.</summary>
    public int CachedSpaces(Span<uint> guestValues, Span<uint> realValues)
    {
        int count = 0;
        for (int s = 0; s < _map.AddressSpaces; s++)
        {
            if (!_spaceValid[s]) continue;
            guestValues[count] = _spaceKey[s];
            realValues[count] = RealPtbr(s, 0);
            count++;
        }
        return count;
    }

    /// <summary>The initial state: one space, the guest's reset ptbr (0, paging off), empty.</summary>
    public void Reset()
    {
        Array.Clear(_spaceValid);
        Array.Clear(_spaceKey);
        CurrentSpace = 0;
        _spaceValid[0] = true;
        _pinnedFrame = NoFrame;
        WriteWindowTable();
        DropAll();
        SpacesVersion++;
    }

    /// <summary>The guest wrote ptbr = <paramref name="guestPtbr"/>: makes its space current.
    /// True when its shadow was cached (a lookup); false when it starts empty (a rebuild).</summary>
    public bool SwitchTo(uint guestPtbr)
    {
        if (!WriteProtect)
        {
            // Without write protection the monitor cannot know what changed: drop everything.
            _spaceKey[CurrentSpace] = guestPtbr;
            DropAll();
            CacheMisses++;
            SpacesVersion++;
            return false;
        }
        for (int s = 0; s < _map.AddressSpaces; s++)
        {
            if (_spaceValid[s] && _spaceKey[s] == guestPtbr)
            {
                Select(s);
                CacheHits++;
                return true;
            }
        }
        int victim = -1;
        for (int s = 0; s < _map.AddressSpaces && victim < 0; s++)
            if (!_spaceValid[s]) victim = s;
        if (victim < 0)
        {
            victim = 0;
            for (int s = 1; s < _map.AddressSpaces; s++)
                if (_spaceLastUse[s] < _spaceLastUse[victim]) victim = s;
        }
        ClearSpace(victim);
        _spaceKey[victim] = guestPtbr;
        _spaceValid[victim] = true;
        Select(victim);
        CacheMisses++;
        SpacesVersion++;
        return false;
    }

    /// <summary>Makes cached space <paramref name="space"/> current (a ptbr-target switch the
    /// CPU made without an exit, or a cache hit).</summary>
    public void Select(int space)
    {
        CurrentSpace = space;
        _spaceLastUse[space] = ++_useClock;
    }

    /// <summary>The shadow entry for a successful guest walk, seen from view
    /// <paramref name="view"/>; 0 when that view must not show the page at all. A page that
    /// holds guest page tables behind a shadow is mapped read-only (WriteProtect).</summary>
    public uint ShadowEntryFor(in GuestTranslation translation, int view)
    {
        uint guestEntry = translation.PageEntry;
        int guestRing = translation.PageRing;
        if (!_layout.ViewShowsPage(view, guestRing)) return 0;
        uint realRing = (uint)_layout.ShadowPteRing[guestRing];
        uint writable = guestEntry & PageBits.Writable;
        if (writable != 0 && IsProtected(translation.PhysicalAddress))
            writable = 0;
        return (_map.MachinePhysical(translation.PhysicalAddress) & PageBits.FrameMask)
             | writable | (guestEntry & PageBits.Executable)
             | PageBits.Present
             | realRing << PageBits.RingShift;
    }

    /// <summary>Installs <paramref name="shadowEntry"/> for the page of
    /// <paramref name="virtualAddress"/> in view <paramref name="view"/> of the current space.
    /// Returns false when the pool was exhausted and the whole shadow was dropped first (the
    /// caller must then flush the real TLB, not just the one page).</summary>
    public bool Fill(int view, uint virtualAddress, uint shadowEntry)
    {
        bool keptOthers = true;
        int space = CurrentSpace;
        int directoryIndex = (int)(virtualAddress >> 22);
        uint directoryEntryAddress = _map.DirectoryAddress(space, view) + (uint)directoryIndex * 4;
        uint directoryEntry = ReadWord(directoryEntryAddress);
        if (!IsPoolTable(directoryEntry))
        {
            if (_freeTables.Count == 0)
            {
                DropAll();
                keptOthers = false;
            }
            int table = _freeTables.Pop();
            _tableInUse[table] = true;
            _tableSpace[table] = space;
            _tablesInUse++;
            uint tableAddress = _map.PoolPageAddress(table);
            ZeroPage(tableAddress);
            directoryEntry = tableAddress | PageBits.Present;
            WriteWord(directoryEntryAddress, directoryEntry);
        }
        WriteWord(TableEntryAddress(directoryEntry, virtualAddress), shadowEntry);
        Fills++;
        if (WriteProtect) ProtectTablesBehind(space, directoryIndex);
        return keptOthers;
    }

    /// <summary>Forgets the shadow entry of one page in every view of the current space (guest invlpg).</summary>
    public void DropPage(uint virtualAddress)
    {
        for (int view = 0; view < _map.ViewCount; view++)
        {
            uint directoryEntry = ReadWord(_map.DirectoryAddress(CurrentSpace, view) + (virtualAddress >> 22) * 4);
            if (!IsPoolTable(directoryEntry)) continue;
            WriteWord(TableEntryAddress(directoryEntry, virtualAddress), 0);
        }
    }

    /// <summary>Forgets every shadow entry of every view of every cached space; only the
    /// current space stays cached (empty).</summary>
    public void DropAll()
    {
        for (int s = 0; s < _map.AddressSpaces; s++)
        {
            for (int view = 0; view < _map.ViewCount; view++)
                ClearDirectory(_map.DirectoryAddress(s, view));
            Array.Clear(_guestTableOf[s]);
            if (s != CurrentSpace && _spaceValid[s])
            {
                _spaceValid[s] = false;
                SpacesVersion++;
            }
        }
        Array.Clear(_tableInUse);
        _freeTables.Clear();
        for (int t = _map.PoolPages - 1; t >= 0; t--) _freeTables.Push(t);
        _tablesInUse = 0;
        _protected.Clear();
        Drops++;
    }

    /// <summary>The shadow entry currently installed for a page in the current space (0 when
    /// none), for tests and the debugger.</summary>
    public uint EntryOf(int view, uint virtualAddress)
    {
        uint directoryEntry = ReadWord(_map.DirectoryAddress(CurrentSpace, view) + (virtualAddress >> 22) * 4);
        if ((directoryEntry & PageBits.Present) == 0) return 0;
        return ReadWord(TableEntryAddress(directoryEntry, virtualAddress));
    }

    // ---- write protection ---------------------------------------------------------------------

    /// <summary>The guest word at <paramref name="physicalAddress"/> (in a protected frame) has
    /// changed — a trapped store, a trap frame or DMA: every shadow entry made from it is
    /// brought up to date. A directory entry drops the shadow table made from the old entry;
    /// a table entry is rewritten in every space and view that uses that table.</summary>
    public void GuestWrote(uint physicalAddress)
    {
        if (!_protected.TryGetValue(physicalAddress & PageBits.FrameMask, out var users)) return;
        int index = (int)((physicalAddress & (PageBits.PageSize - 1)) >> 2);
        bool flush = false;
        foreach (int space in users.DirectoryOf.ToArray())
            if (_guestTableOf[space][index] != 0)
            {
                DropRegion(space, index);
                flush |= space == CurrentSpace;
            }
        if (!_protected.TryGetValue(physicalAddress & PageBits.FrameMask, out users)) { if (flush) FlushRealTlb?.Invoke(); return; }
        uint guestEntry = ReadWord(_map.MachinePhysical(physicalAddress & ~3u));
        foreach (int use in users.TableOf)
        {
            int space = use >> 10, directoryIndex = use & 0x3FF;
            uint virtualAddress = (uint)directoryIndex << 22 | (uint)index << PageBits.PageShift;
            for (int view = 0; view < _map.ViewCount; view++)
            {
                uint directoryEntry = ReadWord(_map.DirectoryAddress(space, view) + (uint)directoryIndex * 4);
                if (!IsPoolTable(directoryEntry)) continue;
                WriteWord(TableEntryAddress(directoryEntry, virtualAddress), ShadowEntryOfGuestEntry(guestEntry, view));
                Fills++;
            }
            if (space == CurrentSpace) InvalidateRealPage?.Invoke(virtualAddress);
        }
        if (flush) FlushRealTlb?.Invoke();
    }

    /// <summary>Stops protecting the frame of <paramref name="physicalAddress"/>: every shadow
    /// made from it is dropped (for a write the monitor cannot perform itself, such as the
    /// hardware's frame push onto a page-table page).</summary>
    public void Unprotect(uint physicalAddress)
    {
        if (!_protected.TryGetValue(physicalAddress & PageBits.FrameMask, out var users)) return;
        foreach (int space in users.DirectoryOf.ToArray())
            for (int i = 0; i < EntriesPerTable; i++)
                if (_guestTableOf[space][i] != 0) DropRegion(space, i);
        if (_protected.TryGetValue(physicalAddress & PageBits.FrameMask, out users))
            foreach (int use in users.TableOf.ToArray())
                DropRegion(use >> 10, use & 0x3FF);
        _protected.Remove(physicalAddress & PageBits.FrameMask);
        FlushRealTlb?.Invoke();
    }

    /// <summary>The shadow entry a fill would make from guest table entry <paramref name="guestEntry"/>.</summary>
    private uint ShadowEntryOfGuestEntry(uint guestEntry, int view)
    {
        if ((guestEntry & PageBits.Present) == 0) return 0;
        uint frame = guestEntry & PageBits.FrameMask;
        if (frame >= _map.GuestRamBytes) return 0;   // the access will fault and the walk give #MC
        return ShadowEntryFor(new GuestTranslation(WalkOutcome.Translated, frame, guestEntry, 0), view);
    }

    /// <summary>After a fill in region <paramref name="directoryIndex"/> of <paramref name="space"/>:
    /// the guest directory and the guest table it came from are protected.</summary>
    private void ProtectTablesBehind(int space, int directoryIndex)
    {
        uint guestPtbr = _spaceKey[space];
        if ((guestPtbr & PageBits.PtbrEnable) == 0) return;   // paging off: no guest tables
        uint directory = guestPtbr & PageBits.FrameMask;
        if (directory >= _map.GuestRamBytes) return;
        uint directoryEntry = ReadWord(_map.MachinePhysical(directory) + (uint)directoryIndex * 4);
        uint table = directoryEntry & PageBits.FrameMask;
        bool added = false;
        var directoryUsers = UsersOf(directory, ref added);
        if (!directoryUsers.DirectoryOf.Contains(space)) directoryUsers.DirectoryOf.Add(space);
        if (_guestTableOf[space][directoryIndex] == 0 && table < _map.GuestRamBytes)
        {
            _guestTableOf[space][directoryIndex] = table | 1;
            UsersOf(table, ref added).TableOf.Add(space << 10 | directoryIndex);
        }
        if (added) FlushRealTlb?.Invoke();
    }

    private FrameUsers UsersOf(uint frame, ref bool added)
    {
        if (_protected.TryGetValue(frame, out var users)) return users;
        users = new FrameUsers();
        _protected[frame] = users;
        added |= RemoveWritableMappings(_map.MachinePhysical(frame));   // shadow entries hold machine frames
        return users;
    }

    /// <summary>A frame became protected: every writable shadow entry mapping it, in every
    /// table in use, becomes read-only. True when any of the current space changed (only
    /// those can be in the real TLB).</summary>
    private bool RemoveWritableMappings(uint frame) => RemoveMappings(frame, onlyWritable: true);

    /// <summary>Makes every writable shadow entry mapping <paramref name="frame"/> read-only
    /// (<paramref name="onlyWritable"/>), or drops every entry mapping it.</summary>
    private bool RemoveMappings(uint frame, bool onlyWritable)
    {
        bool changed = false;
        Span<byte> page = stackalloc byte[PageBits.PageSize];
        for (int t = 0; t < _tableInUse.Length; t++)
        {
            if (!_tableInUse[t]) continue;
            uint address = _map.PoolPageAddress(t);
            _memory.Read(address, page);
            var entries = MemoryMarshal.Cast<byte, uint>(page);
            bool tableChanged = false;
            for (int i = 0; i < entries.Length; i++)
            {
                uint e = entries[i];
                uint needed = onlyWritable ? PageBits.Present | PageBits.Writable : PageBits.Present;
                if ((e & needed) == needed && (e & PageBits.FrameMask) == frame)
                {
                    entries[i] = onlyWritable ? e & ~PageBits.Writable : 0;
                    tableChanged = true;
                }
            }
            if (!tableChanged) continue;
            _memory.Write(address, page);
            changed |= _tableSpace[t] == CurrentSpace;
        }
        return changed;
    }

    // ---- spaces and regions -----------------------------------------------------------------

    /// <summary>Empties cached space <paramref name="space"/>: its directories, its tables
    /// (back to the pool) and its claims on protected frames.</summary>
    private void ClearSpace(int space)
    {
        for (int i = 0; i < EntriesPerTable; i++)
            if (_guestTableOf[space][i] != 0) DropRegion(space, i);
        for (int view = 0; view < _map.ViewCount; view++)
        {
            uint directory = _map.DirectoryAddress(space, view);
            for (int i = 0; i < EntriesPerTable; i++)
            {
                uint entry = ReadWord(directory + (uint)i * 4);
                if (IsPoolTable(entry)) FreeTable(entry);
            }
            ClearDirectory(directory);
        }
        foreach (var (frame, users) in _protected.ToArray())
        {
            users.DirectoryOf.Remove(space);
            if (users.Unused) _protected.Remove(frame);
        }
    }

    /// <summary>Drops the shadow tables of directory index <paramref name="directoryIndex"/> of
    /// <paramref name="space"/> in every view, and its claim on the guest table.</summary>
    private void DropRegion(int space, int directoryIndex)
    {
        for (int view = 0; view < _map.ViewCount; view++)
        {
            uint directoryEntryAddress = _map.DirectoryAddress(space, view) + (uint)directoryIndex * 4;
            uint entry = ReadWord(directoryEntryAddress);
            if (!IsPoolTable(entry)) continue;
            FreeTable(entry);
            WriteWord(directoryEntryAddress, EmptyDirectoryEntry(directoryIndex));
        }
        uint table = _guestTableOf[space][directoryIndex];
        _guestTableOf[space][directoryIndex] = 0;
        if (table == 0) return;
        uint frame = table & PageBits.FrameMask;
        if (_protected.TryGetValue(frame, out var users))
        {
            users.TableOf.Remove(space << 10 | directoryIndex);
            if (users.Unused) _protected.Remove(frame);
        }
    }

    private void FreeTable(uint directoryEntry)
    {
        int table = (int)(((directoryEntry & PageBits.FrameMask) - _map.PoolAddress) / PageBits.PageSize);
        if (!_tableInUse[table]) return;
        _tableInUse[table] = false;
        _tablesInUse--;
        _freeTables.Push(table);
    }

    // ---- the monitor's window ---------------------------------------------------------------

    /// <summary>What a directory slot holds when the guest maps nothing there: the window's table
    /// in the window's slot (with a window), else nothing.</summary>
    private uint EmptyDirectoryEntry(int directoryIndex) =>
        _map.HasWindow && directoryIndex == MonitorMemoryMap.WindowDirectoryIndex ? _map.WindowTableAddress | PageBits.Present : 0;

    /// <summary>True for a directory entry that points at a shadow table of the pool (not the window's).</summary>
    private bool IsPoolTable(uint directoryEntry) =>
        (directoryEntry & PageBits.Present) != 0 && (!_map.HasWindow || (directoryEntry & PageBits.FrameMask) != _map.WindowTableAddress);

    /// <summary>Empties a shadow directory: nothing but the window.</summary>
    private void ClearDirectory(uint directoryAddress)
    {
        ZeroPage(directoryAddress);
        if (_map.HasWindow)
            WriteWord(directoryAddress + MonitorMemoryMap.WindowDirectoryIndex * 4, EmptyDirectoryEntry(MonitorMemoryMap.WindowDirectoryIndex));
    }

    /// <summary>The window's table: every page of the monitor's area, writable, ring 0 — reachable by
    /// no real ring above 0 under spec §6's ring rule, but by rings 1 and 2 under user/supervisor
    /// protection (docs/monitor.md "Page protection and the monitor's window").</summary>
    private void WriteWindowTable()
    {
        if (!_map.HasWindow) return;
        ZeroPage(_map.WindowTableAddress);
        for (int page = 0; page < _map.WindowPages; page++)
            WriteWord(_map.WindowTableAddress + (uint)page * 4,
                (_map.MonitorAreaAddress + (uint)page * PageBits.PageSize) | PageBits.Present | PageBits.Writable);
    }

    private static uint TableEntryAddress(uint directoryEntry, uint virtualAddress) =>
        (directoryEntry & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 0x3FF) * 4;

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
