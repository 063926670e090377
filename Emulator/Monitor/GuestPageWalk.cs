// The guest's own view of memory: translates a guest virtual address through the GUEST's page
// tables exactly as the native MMU would (spec §6) — paging off = identity, present / ring /
// writable / executable checks, the #PF error code, and #MC for any physical access outside
// the partition [0, guest RAM). Pure: reads guest-physical words through a delegate, so the
// shadow pager, the frame builder and the tests share one definition of "what native does".
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public enum WalkOutcome
{
    /// <summary>The guest's tables allow the access; <see cref="GuestTranslation.PhysicalAddress"/> is inside the partition.</summary>
    Translated,
    /// <summary>Native would raise #PF with <see cref="GuestTranslation.ErrorCode"/>.</summary>
    PageFault,
    /// <summary>Native would raise #MC: a directory, table or data access outside guest RAM.</summary>
    MachineCheck,
}

/// <summary>The result of a guest walk. <see cref="PageEntry"/> is the guest table entry used
/// (paging off: a synthetic present, writable, executable ring-3 entry for the identity page).</summary>
public readonly record struct GuestTranslation(WalkOutcome Outcome, uint PhysicalAddress, uint PageEntry, uint ErrorCode)
{
    public bool Succeeded => Outcome == WalkOutcome.Translated;
    public int PageRing => (int)((PageEntry & PageBits.RingMask) >> PageBits.RingShift);
}

public static class GuestPageWalk
{
    /// <summary>The entry paging-off memory behaves as: present, writable, executable, any ring.</summary>
    public const uint IdentityEntryBits = PageBits.Present | PageBits.Writable | PageBits.Executable | (3u << PageBits.RingShift);

    /// <summary>Translates <paramref name="virtualAddress"/> for an access of kind
    /// <paramref name="access"/> by code in (virtual) ring <paramref name="cpl"/>.</summary>
    /// <param name="readPhysicalWord">Reads an aligned word of guest-physical memory; only
    /// called for addresses inside the partition.</param>
    /// <param name="protection">The machine's page-protection rule (spec §6's ring rule when null).</param>
    public static GuestTranslation Translate(uint ptbr, uint virtualAddress, int cpl, AccessKind access,
        uint guestRamBytes, Func<uint, uint> readPhysicalWord, PageProtection? protection = null) =>
        Translate(ptbr, virtualAddress, cpl, access, guestRamBytes, new DelegateReader(readPhysicalWord), protection);

    /// <summary>Reads an aligned word of guest-physical memory (only called inside the partition).</summary>
    public interface IPhysicalWordReader
    {
        uint Read(uint guestPhysical);
    }

    private readonly struct DelegateReader(Func<uint, uint> read) : IPhysicalWordReader
    {
        public uint Read(uint guestPhysical) => read(guestPhysical);
    }

    /// <summary>The walk with a reader struct: the monitor's reads each PTE straight from RAM at
    /// every exit; a delegate and the CPU's checked physical read were ~10% of an exit.</summary>
    public static GuestTranslation Translate<TReader>(uint ptbr, uint virtualAddress, int cpl, AccessKind access,
        uint guestRamBytes, TReader readPhysicalWord, PageProtection? protection = null) where TReader : struct, IPhysicalWordReader
    {
        if ((ptbr & PageBits.PtbrEnable) == 0)
        {
            uint identity = (virtualAddress & PageBits.FrameMask) | IdentityEntryBits;
            return virtualAddress < guestRamBytes
                ? new(WalkOutcome.Translated, virtualAddress, identity, 0)
                : new(WalkOutcome.MachineCheck, virtualAddress, identity, 0);
        }

        uint accessBits = access switch
        {
            AccessKind.Write => PageBits.ErrorWrite,
            AccessKind.Fetch => PageBits.ErrorFetch,
            _ => 0,
        };
        uint directoryEntryAddress = (ptbr & PageBits.FrameMask) + (virtualAddress >> 22) * 4;
        if (directoryEntryAddress >= guestRamBytes)
            return new(WalkOutcome.MachineCheck, directoryEntryAddress, 0, 0);
        uint directoryEntry = readPhysicalWord.Read(directoryEntryAddress);
        if ((directoryEntry & PageBits.Present) == 0)
            return new(WalkOutcome.PageFault, 0, 0, accessBits);

        uint tableEntryAddress = (directoryEntry & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 0x3FF) * 4;
        if (tableEntryAddress >= guestRamBytes)
            return new(WalkOutcome.MachineCheck, tableEntryAddress, 0, 0);
        uint entry = readPhysicalWord.Read(tableEntryAddress);
        if ((entry & PageBits.Present) == 0)
            return new(WalkOutcome.PageFault, 0, entry, accessBits);

        int pageRing = (int)((entry & PageBits.RingMask) >> PageBits.RingShift);
        bool ringViolation = !(protection ?? PageProtection.Rings).Allows(cpl, pageRing);
        bool permissionViolation = access switch
        {
            AccessKind.Write => (entry & PageBits.Writable) == 0,
            AccessKind.Fetch => (entry & PageBits.Executable) == 0,
            _ => false,
        };
        if (ringViolation || permissionViolation)
            return new(WalkOutcome.PageFault, 0, entry, PageBits.ErrorPresent | accessBits | (ringViolation ? PageBits.ErrorRing : 0));

        uint physical = (entry & PageBits.FrameMask) | (virtualAddress & (PageBits.PageSize - 1));
        return physical < guestRamBytes
            ? new(WalkOutcome.Translated, physical, entry, 0)
            : new(WalkOutcome.MachineCheck, physical, entry, 0);
    }
}
