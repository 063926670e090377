// The software TLB: 1024 direct-mapped entries indexed by virtual page number bits 9:0.
// Each entry keeps a snapshot of the page-table entry (spec §6's caching rule: only
// tlbflush, invlpg and a ptbr write drop it) plus a permission mask with one bit per
// (access kind, ring), so the interpreter's fast path checks tag, alignment and permission
// with a single compare: ((Tag ^ va) & (0xFFFFF000 | alignMask)) | (need & ~Perms) == 0.
// The JIT's fast path (as qemu's softmmu CPUTLBEntry, whose per-privilege TLBs become
// per-ring tags here, in one shared TLB so misses stay the interpreter's) uses per (kind,
// ring) tags and a host addend: ReadTags[cpl] == (va & (0xFFFFF000 | alignMask)) says "this
// page, aligned, readable from cpl", and the host address is then va + Addend. A tag is the
// page address when that access is allowed and the frame lies in RAM, else InvalidTag (never
// equal to a masked address); the write tags are also InvalidTag while the frame holds
// decoded code, so a store that may have to invalidate code leaves the fast path. Every
// entry is written through Make, so the views cannot disagree.
using System.Runtime.InteropServices;

namespace R4.Machine;

public enum AccessKind { Read = 0, Write = 1, Fetch = 2 }

[StructLayout(LayoutKind.Sequential, Size = 64)]   // one cache line
public unsafe struct TlbEntry
{
    /// <summary>Virtual page address (bits 31:12); 0xFFFFFFFF when invalid.</summary>
    public uint Tag;
    /// <summary>Physical frame address (bits 31:12).</summary>
    public uint Frame;
    /// <summary>Bit (4 * kind + ring) set when that access is allowed from that ring and the
    /// frame is inside RAM; <see cref="Tlb.ValidBit"/> when the entry holds a translation.</summary>
    public uint Perms;
    /// <summary>The page-table entry the translation came from (for fault error codes).</summary>
    public uint Pte;
    /// <summary>Per ring: the page address when that ring may read it and the frame is in RAM, else <see cref="Tlb.InvalidTag"/>.</summary>
    public fixed uint ReadTags[4];
    /// <summary>Per ring: as <see cref="ReadTags"/> for writes, and <see cref="Tlb.InvalidTag"/> while the frame holds decoded code.</summary>
    public fixed uint WriteTags[4];
    /// <summary>Host address of the frame's byte 0 minus the virtual page address: a permitted
    /// access at va touches host address (ulong)va + Addend.</summary>
    public ulong Addend;
}

public static unsafe class Tlb
{
    public const int EntryCount = 1024;
    public const uint IndexMask = EntryCount - 1;
    public const uint ValidBit = 1u << 31;
    public const uint InvalidTag = 0xFFFFFFFF;

    /// <summary>log2(sizeof(TlbEntry)): the JIT finds an entry at (va &gt;&gt; (12 - EntryShift)) &amp; (IndexMask &lt;&lt; EntryShift) bytes.</summary>
    public const int EntryShift = 6;
    /// <summary>Byte offsets in an entry for generated code.</summary>
    public const int OffsetTag = 0, OffsetFrame = 4, OffsetPerms = 8, OffsetReadTags = 16, OffsetWriteTags = 32, OffsetAddend = 48;

    /// <summary>A valid entry for virtual page <paramref name="page"/> → physical <paramref name="frame"/>
    /// with the permissions <paramref name="perms"/> (from <see cref="PermissionsOf"/>), its fast-path
    /// tags and its host addend into <paramref name="ram"/>.</summary>
    public static TlbEntry Make(uint page, uint frame, uint pte, uint perms, byte* ram, bool frameHasCode)
    {
        var e = new TlbEntry { Tag = page, Frame = frame, Pte = pte, Perms = perms, Addend = (ulong)(ram + frame) - page };
        for (int ring = 0; ring < 4; ring++)
        {
            e.ReadTags[ring] = (perms & PermissionBit(AccessKind.Read, ring)) != 0 ? page : InvalidTag;
            e.WriteTags[ring] = (perms & PermissionBit(AccessKind.Write, ring)) != 0 && !frameHasCode ? page : InvalidTag;
        }
        return e;
    }

    /// <summary>Takes the fast store path away from <paramref name="e"/> (its frame now holds decoded code).</summary>
    public static void ForbidFastWrites(TlbEntry* e)
    {
        for (int ring = 0; ring < 4; ring++) e->WriteTags[ring] = InvalidTag;
    }

    /// <summary>An entry that matches nothing.</summary>
    public static readonly TlbEntry Invalid = MakeInvalid();

    private static TlbEntry MakeInvalid()
    {
        var e = new TlbEntry { Tag = InvalidTag };
        for (int ring = 0; ring < 4; ring++) e.ReadTags[ring] = e.WriteTags[ring] = InvalidTag;
        return e;
    }

    /// <summary>The Perms bit for an access of <paramref name="kind"/> from <paramref name="ring"/>.</summary>
    public static uint PermissionBit(AccessKind kind, int ring) => 1u << (4 * (int)kind + ring);

    /// <summary>The Perms mask a page-table entry grants: the rings <paramref name="protection"/>
    /// admits to a page of its ring field (spec §6: every ring at or below the field).</summary>
    public static uint PermissionsOf(uint pte, bool frameInsideRam, PageProtection protection)
    {
        if (!frameInsideRam) return ValidBit;
        int pageRing = (int)((pte & Isa.PageBits.RingMask) >> Isa.PageBits.RingShift);
        uint perms = ValidBit;
        for (int ring = 0; ring < 4; ring++)
        {
            if (!protection.Allows(ring, pageRing)) continue;
            perms |= PermissionBit(AccessKind.Read, ring);
            if ((pte & Isa.PageBits.Writable) != 0) perms |= PermissionBit(AccessKind.Write, ring);
            if ((pte & Isa.PageBits.Executable) != 0) perms |= PermissionBit(AccessKind.Fetch, ring);
        }
        return perms;
    }

    public static TlbEntry* Allocate()
    {
        var entries = (TlbEntry*)NativeMemory.Alloc(EntryCount, (nuint)sizeof(TlbEntry));
        Clear(entries);
        return entries;
    }

    public static void Clear(TlbEntry* entries)
    {
        for (int i = 0; i < EntryCount; i++)
            entries[i] = Invalid;
    }
}
