// The MMU of spec §6: the two-level page walk, permission checks and #PF error codes,
// backed by the software TLB. With paging off it fills identity entries (no ring checks,
// not counted as misses) so the interpreter's fast path is the same in both modes.
// Every physical access of a walk outside RAM is a machine check (#MC).
using R4.Isa;

namespace R4.Machine;

public sealed unsafe class Mmu : IDisposable
{
    /// <summary>Translation succeeded.</summary>
    public const int NoFault = -1;

    private readonly PhysicalMemory memory;
    private readonly CpuState* state;
    private readonly CostTable costs;

    public Mmu(PhysicalMemory memory, CpuState* state, CostTable costs)
    {
        this.memory = memory;
        this.state = state;
        this.costs = costs;
        Entries = Tlb.Allocate();
    }

    /// <summary>One byte per physical page, non-zero while the page holds decoded code (the CPU's
    /// DecodedCodeCache.PageHasCode): fills keep the fast write tags of such frames invalid.</summary>
    internal byte* CodePages { get; set; }

    /// <summary>Entries that may have been filled since the last clear (every valid entry is
    /// listed; an entry may be listed twice, or listed and invalid): a flush invalidates only
    /// these instead of all 1024 (a monitor that switches page tables on every exit flushes
    /// hundreds of thousands of times with two or three entries filled in between). Past
    /// Tlb.EntryCount the next clear clears everything. The JIT's code-frame marking walks the same list.</summary>
    private readonly ushort[] filled = new ushort[Tlb.EntryCount];
    private int filledCount;
    private bool filledOverflow;

    /// <summary>Writes a fill into <paramref name="e"/>, remembering it for the next clear.</summary>
    private void Store(TlbEntry* e, uint page, uint frame, uint pte, bool frameInsideRam)
    {
        if (e->Tag == Tlb.InvalidTag)
        {
            if (filledCount < filled.Length) filled[filledCount++] = (ushort)(e - Entries);
            else filledOverflow = true;
        }
        bool hasCode = frameInsideRam && CodePages != null && CodePages[frame >> PageBits.PageShift] != 0;
        *e = Tlb.Make(page, frame, pte, Tlb.PermissionsOf(pte, frameInsideRam, Protection), memory.Base, hasCode);
    }

    /// <summary>Drops every cached translation without counting a flush (reset, guest-mode entry and exit).</summary>
    public void ClearEntries()
    {
        if (filledOverflow) Tlb.Clear(Entries);
        else
            for (int i = 0; i < filledCount; i++)
                Entries[filled[i]] = Tlb.Invalid;
        filledCount = 0;
        filledOverflow = false;
    }

    /// <summary>Physical page <paramref name="frame"/> now holds decoded code: entries mapping it lose
    /// the JIT's fast store path (their stores must check the decoded word first).</summary>
    internal void MarkCodeFrame(uint frame)
    {
        for (int i = 0; i < filledCount; i++)
            MarkIfFrame(Entries + filled[i], frame);
        if (filledOverflow)
            for (int i = 0; i < Tlb.EntryCount; i++)
                MarkIfFrame(Entries + i, frame);
    }

    private static void MarkIfFrame(TlbEntry* e, uint frame)
    {
        if (e->Tag != Tlb.InvalidTag && e->Frame == frame) Tlb.ForbidFastWrites(e);
    }

    public TlbEntry* Entries { get; private set; }
    public bool PagingEnabled => (state->Control[(int)ControlRegister.Ptbr] & PageBits.PtbrEnable) != 0;

    /// <summary>Guest mode's nested paging (spec §11.7): the machine-physical page directory of the
    /// host's guest-physical → machine-physical tables; 0 outside guest mode.</summary>
    public uint NestedPageDirectory { get; set; }
    /// <summary>Which rings a page's ring field admits (spec §6's rule, or x86-64's user/supervisor
    /// one: knob --page-protection). Setting it drops every cached translation, whose permission
    /// masks were computed under the old rule (not counted as a guest flush).</summary>
    public PageProtection Protection
    {
        get => protection;
        set
        {
            protection = value;
            ClearEntries();
            Invalidated?.Invoke();
        }
    }
    private PageProtection protection = PageProtection.Rings;

    public ulong Misses { get; set; }
    public ulong Flushes { get; set; }

    /// <summary>Raised after every flush or invalidation (the CPU drops its cached fetch page).</summary>
    public event Action? Invalidated;

    /// <summary>Translates <paramref name="virtualAddress"/> for an access of <paramref name="kind"/>
    /// from <paramref name="ring"/>. Returns <see cref="NoFault"/>, <see cref="Vectors.PageFault"/>
    /// (with the error code in <paramref name="pageFaultError"/>) or <see cref="Vectors.MachineCheck"/>.
    /// Alignment is the caller's business.</summary>
    public int Translate(uint virtualAddress, int ring, AccessKind kind, out uint physicalAddress, out uint pageFaultError)
    {
        physicalAddress = 0;
        pageFaultError = 0;
        uint page = virtualAddress & PageBits.FrameMask;
        TlbEntry* e = Entries + ((virtualAddress >> PageBits.PageShift) & Tlb.IndexMask);
        if (e->Tag != page || (e->Perms & Tlb.ValidBit) == 0)
        {
            int walk = Fill(e, virtualAddress, kind, out pageFaultError);
            if (walk != NoFault) return walk;
        }
        if ((e->Perms & Tlb.PermissionBit(kind, ring)) != 0)
        {
            physicalAddress = e->Frame | (virtualAddress & ~PageBits.FrameMask);
            return NoFault;
        }
        uint error = PermissionError(e->Pte, ring, kind);
        if (error != 0)
        {
            pageFaultError = error;
            return Vectors.PageFault;
        }
        return Vectors.MachineCheck;   // allowed, but the frame lies outside RAM
    }

    /// <summary>The #PF error code for a present page that refuses the access, or 0 when it allows it.</summary>
    private uint PermissionError(uint pte, int ring, AccessKind kind)
    {
        int pageRing = (int)((pte & PageBits.RingMask) >> PageBits.RingShift);
        bool ringViolation = !Protection.Allows(ring, pageRing);
        bool refused = ringViolation
            || (kind == AccessKind.Write && (pte & PageBits.Writable) == 0)
            || (kind == AccessKind.Fetch && (pte & PageBits.Executable) == 0);
        if (!refused) return 0;
        return PageBits.ErrorPresent | KindBits(kind) | (ringViolation ? PageBits.ErrorRing : 0);
    }

    private static uint KindBits(AccessKind kind) =>
        kind == AccessKind.Write ? PageBits.ErrorWrite : kind == AccessKind.Fetch ? PageBits.ErrorFetch : 0;

    private int Fill(TlbEntry* e, uint virtualAddress, AccessKind kind, out uint pageFaultError)
    {
        if (NestedPageDirectory != 0) return FillNested(e, virtualAddress, kind, out pageFaultError);
        pageFaultError = 0;
        uint page = virtualAddress & PageBits.FrameMask;
        if (!PagingEnabled)
        {
            // Identity, every ring and access allowed; outside RAM every access is #MC.
            uint all = PageBits.Present | PageBits.Writable | PageBits.Executable | PageBits.RingMask;
            Store(e, page, page, page | all, memory.Contains(page, PageBits.PageSize));
            return NoFault;
        }
        Misses++;
        state->Cycles += (ulong)costs.TlbMissCycles;
        uint ptbr = state->Control[(int)ControlRegister.Ptbr];
        uint pdeAddress = (ptbr & PageBits.FrameMask) + (virtualAddress >> 22) * 4;
        if (!memory.Contains(pdeAddress, 4)) return Vectors.MachineCheck;
        uint pde = *(uint*)(memory.Base + pdeAddress);
        if ((pde & PageBits.Present) == 0)
        {
            pageFaultError = KindBits(kind);
            return Vectors.PageFault;
        }
        uint pteAddress = (pde & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 1023) * 4;
        if (!memory.Contains(pteAddress, 4)) return Vectors.MachineCheck;
        uint pte = *(uint*)(memory.Base + pteAddress);
        if ((pte & PageBits.Present) == 0)
        {
            pageFaultError = KindBits(kind);
            return Vectors.PageFault;
        }
        uint frame = pte & PageBits.FrameMask;
        Store(e, page, frame, pte, memory.Contains(frame, PageBits.PageSize));
        return NoFault;
    }

    /// <summary>The miss path in guest mode: a two-dimensional walk. Guest-virtual → guest-physical
    /// through the guest's own tables (or identity with its paging off) exactly as <see cref="Fill"/>
    /// does natively — same order of checks, same #PF error codes, #MC where native RAM would end —
    /// except that every guest-physical address (the directory entry, the table entry, the frame) is
    /// first translated to machine-physical through the host's tables: 2 + 1 + 2 + 1 + 2 = up to 8
    /// memory references, each costing NestedWalkReferenceCycles. The TLB then holds the final
    /// guest-virtual → machine-physical translation, so hits cost what they cost natively.</summary>
    private int FillNested(TlbEntry* e, uint virtualAddress, AccessKind kind, out uint pageFaultError)
    {
        pageFaultError = 0;
        uint page = virtualAddress & PageBits.FrameMask;
        int references = 0;
        Misses++;
        try
        {
            if (!PagingEnabled)
            {
                uint all = PageBits.Present | PageBits.Writable | PageBits.Executable | PageBits.RingMask;
                bool inside = TryNestedTranslate(page, ref references, out uint machineFrame);
                Store(e, page, inside ? machineFrame : page, page | all, inside);
                return NoFault;
            }
            uint ptbr = state->Control[(int)ControlRegister.Ptbr];
            uint pdeAddress = (ptbr & PageBits.FrameMask) + (virtualAddress >> 22) * 4;
            if (!TryNestedTranslate(pdeAddress, ref references, out uint pdeMachine)) return Vectors.MachineCheck;
            references++;
            uint pde = *(uint*)(memory.Base + pdeMachine);
            if ((pde & PageBits.Present) == 0)
            {
                pageFaultError = KindBits(kind);
                return Vectors.PageFault;
            }
            uint pteAddress = (pde & PageBits.FrameMask) + ((virtualAddress >> PageBits.PageShift) & 1023) * 4;
            if (!TryNestedTranslate(pteAddress, ref references, out uint pteMachine)) return Vectors.MachineCheck;
            references++;
            uint pte = *(uint*)(memory.Base + pteMachine);
            if ((pte & PageBits.Present) == 0)
            {
                pageFaultError = KindBits(kind);
                return Vectors.PageFault;
            }
            uint frame = pte & PageBits.FrameMask;
            bool frameInside = TryNestedTranslate(frame, ref references, out uint frameMachine);
            Store(e, page, frameInside ? frameMachine : frame, pte, frameInside);
            return NoFault;
        }
        finally
        {
            state->Cycles += (ulong)(references * costs.NestedWalkReferenceCycles);
        }
    }

    /// <summary>Guest-physical → machine-physical through the host's two-level tables (two
    /// references); false when the host maps nothing there (outside the guest's RAM). The aligned
    /// word at the result is inside machine RAM.</summary>
    private bool TryNestedTranslate(uint guestPhysical, ref int references, out uint machinePhysical)
    {
        machinePhysical = 0;
        uint pdeAddress = NestedPageDirectory + (guestPhysical >> 22) * 4;
        references++;
        uint pde = *(uint*)(memory.Base + pdeAddress);   // the host's tables lie in machine RAM
        if ((pde & PageBits.Present) == 0) return false;
        uint pteAddress = (pde & PageBits.FrameMask) + ((guestPhysical >> PageBits.PageShift) & 1023) * 4;
        references++;
        if (!memory.Contains(pteAddress, 4)) return false;
        uint pte = *(uint*)(memory.Base + pteAddress);
        if ((pte & PageBits.Present) == 0 || !memory.Contains(pte & PageBits.FrameMask, PageBits.PageSize)) return false;
        machinePhysical = (pte & PageBits.FrameMask) | (guestPhysical & ~PageBits.FrameMask);
        return true;
    }

    /// <summary>tlbflush / ptbr write: drops every cached translation (counted and costed).</summary>
    public void Flush()
    {
        ClearEntries();
        Flushes++;
        state->Cycles += (ulong)costs.TlbFlushCycles;
        Invalidated?.Invoke();
    }

    /// <summary>invlpg: drops the cached translation of one page.</summary>
    public void InvalidatePage(uint virtualAddress)
    {
        TlbEntry* e = Entries + ((virtualAddress >> PageBits.PageShift) & Tlb.IndexMask);
        if (e->Tag == (virtualAddress & PageBits.FrameMask))
            *e = Tlb.Invalid;
        Invalidated?.Invoke();
    }

    /// <summary>Reset: no translations, no counters.</summary>
    public void Reset()
    {
        ClearEntries();
        Misses = 0;
        Flushes = 0;
        Invalidated?.Invoke();
    }

    public void Dispose()
    {
        if (Entries == null) return;
        System.Runtime.InteropServices.NativeMemory.AlignedFree(Entries);
        Entries = null;
    }
}
