// The software TLB: 1024 direct-mapped entries indexed by virtual page number bits 9:0.
// Each entry keeps a snapshot of the page-table entry (spec §6's caching rule: only
// tlbflush, invlpg and a ptbr write drop it) plus a permission mask with one bit per
// (access kind, ring), so the interpreter's fast path checks tag, alignment and permission
// with a single compare: ((Tag ^ va) & (0xFFFFF000 | alignMask)) | (need & ~Perms) == 0.
// The JIT's fast path (as qemu's softmmu CPUTLBEntry) uses two more per-kind tags and a host
// addend: ((va & (0xFFFFF000 | alignMask)) ^ ReadTag) & (0xFFFFF000 | alignMask | RingDenied(cpl))
// == 0 says "this page, aligned, readable from cpl", and the host address is then va + Addend.
// The tags carry the rings an access is refused to in bits 2..5 (bits a masked address never
// has), and WriteTag the CodeFrame bit while the frame holds decoded code, so a store that
// may have to invalidate code leaves the fast path. Every entry is written through Make, so the
// three views cannot disagree.
using System.Runtime.InteropServices;

namespace R4.Machine;

public enum AccessKind { Read = 0, Write = 1, Fetch = 2 }

[StructLayout(LayoutKind.Sequential, Size = 32)]
public struct TlbEntry
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
    /// <summary>Tag for reads: the page address | <see cref="Tlb.RingDenied"/> bits of the rings that may not read it
    /// (all four when the entry is invalid or the frame lies outside RAM).</summary>
    public uint ReadTag;
    /// <summary>Tag for writes: as <see cref="ReadTag"/>, plus <see cref="Tlb.CodeFrame"/> while the frame holds decoded code.</summary>
    public uint WriteTag;
    /// <summary>Host address of the page's byte 0 minus the virtual page address: a permitted
    /// access at va touches host address (ulong)va + Addend.</summary>
    public ulong Addend;
}

public static unsafe class Tlb
{
    public const int EntryCount = 1024;
    public const uint IndexMask = EntryCount - 1;
    public const uint ValidBit = 1u << 31;
    public const uint InvalidTag = 0xFFFFFFFF;

    /// <summary>Bit of <see cref="TlbEntry.ReadTag"/>/<see cref="TlbEntry.WriteTag"/> set when
    /// <paramref name="ring"/> may not make that access (bits 2..5: a page address masked to its
    /// page and alignment bits never has them).</summary>
    public static uint RingDenied(int ring) => 4u << ring;
    public const uint AllRingsDenied = 0xFu << 2;
    /// <summary>WriteTag bit: the frame holds decoded code (a store must check the decoded word).</summary>
    public const uint CodeFrame = 1u << 6;
    /// <summary>log2(sizeof(TlbEntry)): the JIT finds an entry at (va &gt;&gt; (12 - EntryShift)) &amp; (IndexMask &lt;&lt; EntryShift) bytes.</summary>
    public const int EntryShift = 5;

    /// <summary>A valid entry for virtual page <paramref name="page"/> → physical <paramref name="frame"/>
    /// with the permissions <paramref name="perms"/> (from <see cref="PermissionsOf"/>), its fast-path
    /// tags and its host addend into <paramref name="ram"/>.</summary>
    public static TlbEntry Make(uint page, uint frame, uint pte, uint perms, byte* ram, bool frameHasCode) => new()
    {
        Tag = page, Frame = frame, Pte = pte, Perms = perms,
        ReadTag = page | DeniedRings(perms, AccessKind.Read),
        WriteTag = page | DeniedRings(perms, AccessKind.Write) | (frameHasCode ? CodeFrame : 0),
        Addend = (ulong)(ram + frame) - page,
    };

    private static uint DeniedRings(uint perms, AccessKind kind)
    {
        uint denied = 0;
        for (int ring = 0; ring < 4; ring++)
            if ((perms & PermissionBit(kind, ring)) == 0) denied |= RingDenied(ring);
        return denied;
    }

    /// <summary>An entry that matches nothing.</summary>
    public static readonly TlbEntry Invalid = new() { Tag = InvalidTag, ReadTag = InvalidTag, WriteTag = InvalidTag };

    /// <summary>The Perms bit for an access of <paramref name="kind"/> from <paramref name="ring"/>.</summary>
    public static uint PermissionBit(AccessKind kind, int ring) => 1u << (4 * (int)kind + ring);

    /// <summary>The Perms mask a page-table entry grants (all rings at or above its ring field).</summary>
    public static uint PermissionsOf(uint pte, bool frameInsideRam)
    {
        if (!frameInsideRam) return ValidBit;
        int pageRing = (int)((pte & Isa.PageBits.RingMask) >> Isa.PageBits.RingShift);
        uint perms = ValidBit;
        for (int ring = 0; ring <= pageRing; ring++)
        {
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
