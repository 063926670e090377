// The software TLB: 1024 direct-mapped entries indexed by virtual page number bits 9:0.
// Each entry keeps a snapshot of the page-table entry (spec §6's caching rule: only
// tlbflush, invlpg and a ptbr write drop it) plus a permission mask with one bit per
// (access kind, ring), so the interpreter's fast path checks tag, alignment and permission
// with a single compare: ((Tag ^ va) & (0xFFFFF000 | alignMask)) | (need & ~Perms) == 0.
using System.Runtime.InteropServices;

namespace R4.Machine;

public enum AccessKind { Read = 0, Write = 1, Fetch = 2 }

[StructLayout(LayoutKind.Sequential, Size = 16)]
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
}

public static unsafe class Tlb
{
    public const int EntryCount = 1024;
    public const uint IndexMask = EntryCount - 1;
    public const uint ValidBit = 1u << 31;
    public const uint InvalidTag = 0xFFFFFFFF;

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
            entries[i] = new TlbEntry { Tag = InvalidTag };
    }
}
