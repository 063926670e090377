// The layouts of spec §9.1 as DATA: which real ring runs each virtual ring, the ring map the
// real CPU runs with, how a guest page-table entry's ring becomes a shadow entry's ring,
// whether system calls get direct gates and whether every user<->kernel transition goes
// through the monitor (and switches shadow views). The monitor reads these fields; it never
// asks which layout it runs under.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed record Layout
{
    /// <summary>The name given to <c>r4 run --layout</c>.</summary>
    public required string Name { get; init; }

    /// <summary>False for <c>native</c>: the guest runs on the bare machine, no monitor.</summary>
    public required bool Monitored { get; init; }

    /// <summary>The real ring that runs guest code while the guest believes it is in ring v
    /// (index v = 0..3); -1 where the layout has no ring left for v (ring compression: a guest
    /// that enters such a ring is stopped with a diagnostic).</summary>
    public required IReadOnlyList<int> RealRingOfVirtual { get; init; }

    /// <summary>The ring map loaded into the real CPU. Its reverse half maps the real ring a
    /// trap came from to the ring the guest sees in its frame; its forward half maps the ring
    /// of a guest <c>iret</c> frame to the real ring entered, with every ring the layout cannot
    /// host forwarded to 0, which no <c>iret</c> at ring &gt; 0 may enter (so the monitor sees it).</summary>
    public required uint RealRmap { get; init; }

    /// <summary>Ring field of a shadow page-table entry, indexed by the guest entry's ring.</summary>
    public required IReadOnlyList<int> ShadowPteRing { get; init; }

    /// <summary>Guest gates that user code may <c>int</c> to (system calls) become real gates
    /// straight to the guest handler, so the call and its <c>iret</c> run in hardware.</summary>
    public required bool DirectSystemCalls { get; init; }

    /// <summary>Real rings cannot separate guest kernel from guest user: every ring transition
    /// goes through the monitor, which keeps the virtual CPL itself and switches between shadow
    /// views (one per virtual ring; a view shows only the pages that ring may touch).</summary>
    public required bool TransitionsSwitchViews { get; init; }

    /// <summary>The monitor builds every guest trap frame and emulates every guest <c>iret</c>
    /// itself, so it can honour a ring map the guest writes. Where hardware moves between guest
    /// rings through the real ring map, a guest ring map cannot be composed with it and a
    /// guest that changes rmap is stopped (ring compression, spec §9.2).</summary>
    public required bool GuestRingMapEmulated { get; init; }

    /// <summary>Binary translation (spec §11.6): code fetched in these real rings runs translated —
    /// the CPU hands each sensitive instruction (privileged ones and <c>iret</c>) to the monitor's
    /// emulation as a call, with no trap (<c>Cpu.TranslatedRingMask</c>). Empty: nothing translated.</summary>
    public IReadOnlyList<int> TranslatedRealRings { get; init; } = [];

    /// <summary>Hardware assistance (spec §11.7): the guest runs in the CPU's guest mode, in its own
    /// rings with its own control registers, and memory is nested-paged; the monitor keeps no shadow
    /// structures and sees only VM exits.</summary>
    public bool HardwareAssisted { get; init; }

    /// <summary>With <see cref="HardwareAssisted"/>: the control registers whose writes exit to the
    /// monitor (observed, then performed). Empty by default: nested paging needs no ptbr exits.</summary>
    public IReadOnlyList<ControlRegister> ExitingControlRegisters { get; init; } = [];

    /// <summary>True when code in real ring <paramref name="realRing"/> runs translated.</summary>
    public bool RunsTranslated(int realRing) => TranslatedRealRings.Contains(realRing);

    /// <summary>The bit mask of <see cref="TranslatedRealRings"/> for the CPU (bit r = real ring r).</summary>
    public byte TranslatedRingMask => (byte)TranslatedRealRings.Aggregate(0, (mask, ring) => mask | 1 << ring);

    /// <summary>The guest kernel's <c>iret</c> runs in hardware at a real ring above 0, untranslated,
    /// so the layout relies on the machine trapping every <c>iret</c> that changes IE there (spec
    /// §5.2). On the flawed machine (spec §11.5) such an iret neither traps nor takes effect.</summary>
    public bool KernelIretMustTrap => RealRingOfVirtual[0] is 1 or 2 && !RunsTranslated(RealRingOfVirtual[0]);

    /// <summary>One line for --help and the docs.</summary>
    public required string Summary { get; init; }

    // ---- experiment knobs (r4 run/compare options; docs/monitor.md "Knobs") --------------

    /// <summary>Address spaces (guest page directories) whose shadow tables the monitor keeps:
    /// a ptbr write back to one of them is a lookup, not a rebuild. 1 = no cache (every ptbr
    /// write to another space drops the shadow). More than 1 needs <see cref="ShadowSync.WriteProtect"/>,
    /// since the guest may edit an inactive space's tables while no invlpg tells the monitor.</summary>
    public int ShadowCacheSpaces { get; init; } = 1;

    /// <summary>How the shadow tables learn of guest page-table edits.</summary>
    public ShadowSync ShadowSync { get; init; } = ShadowSync.Invlpg;

    /// <summary>The ptbr-target assist (VT-x's CR3-target list): the monitor gives the CPU the
    /// guest ptbr values of its cached spaces with their shadow directories, and a guest kernel's
    /// <c>mtcr ptbr</c> to one of them switches in hardware without an exit. Only where a real
    /// ring separates guest kernel from guest user (not ring3).</summary>
    public bool PtbrTargets { get; init; }

    /// <summary>The machine's page-protection rule under this layout (knob --page-protection): spec
    /// §6's ring rule, or x86-64's user/supervisor rule, under which rings 0-2 are alike.</summary>
    public PageProtection PageProtection { get; init; } = PageProtection.Rings;

    /// <summary>The monitor maps its own area (shadow vector table, window table, shadow directories
    /// and tables) into every shadow address space at <see cref="MonitorMemoryMap.WindowVirtualAddress"/>,
    /// supervisor-only (page ring 0), where a monitor that runs in the guest's address space keeps
    /// itself (Xen's hypervisor hole, VMware's and lguest's switcher pages). A guest that maps that
    /// region itself takes it over in that address space.</summary>
    public bool MonitorWindow { get; init; }

    /// <summary>True when guest kernel code could read and write the monitor's window: it runs in a
    /// real ring other than 0 that the page-protection rule admits to ring-0 pages (ring012, ring013
    /// and bt under user/supervisor protection — why Xen on x86-64 moved guest kernels to ring 3).</summary>
    public bool MonitorReachableFromGuestKernel =>
        MonitorWindow && RealRingOfVirtual[0] > 0 && PageProtection.Allows(RealRingOfVirtual[0], 0);

    /// <summary>True when the layout has a real ring for virtual ring <paramref name="virtualRing"/>.</summary>
    public bool HostsVirtualRing(int virtualRing) => RealRingOfVirtual[virtualRing] >= 0;

    /// <summary>The virtual ring of code found running in real ring <paramref name="realRing"/>
    /// (the reverse half of the real ring map). Meaningless when the monitor tracks the CPL
    /// itself (<see cref="TransitionsSwitchViews"/>).</summary>
    public int VirtualRingOfReal(int realRing) => RingMap.Reverse(RealRmap, realRing);

    /// <summary>Number of shadow page-table views: one per virtual ring when transitions switch
    /// views, else a single view shared by every ring (real ring checks separate them).</summary>
    public int ViewCount => TransitionsSwitchViews ? 4 : 1;

    /// <summary>The shadow view used while the guest runs in virtual ring <paramref name="virtualCpl"/>.</summary>
    public int ViewOf(int virtualCpl) => TransitionsSwitchViews ? virtualCpl : 0;

    /// <summary>Whether a guest page of ring <paramref name="guestPageRing"/> appears in view
    /// <paramref name="view"/> at all. With a single view every page appears and the shadow
    /// entry's ring field does the separating.</summary>
    public bool ViewShowsPage(int view, int guestPageRing) => !TransitionsSwitchViews || PageProtection.Allows(view, guestPageRing);

    /// <summary>DPL of the real gate for a guest gate of DPL <paramref name="guestDpl"/>: the
    /// highest real ring r such that every guest ring hosted at a real ring &lt;= r may itself
    /// <c>int</c> to the gate. Hardware then raises #GP (to the monitor) exactly when it cannot
    /// tell; the monitor decides those cases against the virtual CPL.</summary>
    public int ShadowGateDpl(int guestDpl)
    {
        for (int real = 3; real >= 0; real--)
        {
            bool allAllowed = true;
            for (int virtualRing = 0; virtualRing < 4; virtualRing++)
            {
                int hosted = RealRingOfVirtual[virtualRing];
                if (hosted >= 0 && hosted <= real && virtualRing > guestDpl)
                    allAllowed = false;
            }
            if (allAllowed) return real;
        }
        return 0;
    }

    public override string ToString() => Name;
}

/// <summary>How shadow page tables follow the guest's page-table edits (knob --shadow-sync).</summary>
public enum ShadowSync
{
    /// <summary>As the guest's TLB would: entries are dropped on the guest's invlpg, tlbflush and
    /// ptbr writes, and refilled by hidden page faults.</summary>
    Invlpg,
    /// <summary>Every guest page-table page behind a shadow is mapped read-only: each guest PTE
    /// or directory write traps, and the monitor performs it and updates the shadow at once, so
    /// the shadow is never stale and survives tlbflush and ptbr writes (Xen's and KVM's shadow
    /// mode; what the shadow-table cache needs).</summary>
    WriteProtect,
}

/// <summary>The four layouts of spec §9.1.</summary>
public static class Layouts
{
    /// <summary>Shadow-table cache size of the monitored layouts: VT-x has four CR3-target
    /// values, and four spaces cover a kernel switching among a few processes.</summary>
    public const int DefaultShadowCacheSpaces = 4;

    public static readonly Layout Native = new()
    {
        Name = "native",
        Monitored = false,
        RealRingOfVirtual = [0, 1, 2, 3],
        RealRmap = RingMap.Identity,
        ShadowPteRing = [0, 1, 2, 3],
        DirectSystemCalls = false,
        TransitionsSwitchViews = false,
        GuestRingMapEmulated = false,
        Summary = "no monitor: the guest kernel runs in ring 0, its user code in ring 3",
    };

    /// <summary>Guest kernel in ring 1, guest user in ring 2. rmap forward 0->1, 3->2, 1,2->0;
    /// reverse 1->0, 2->3 (0xF081).</summary>
    public static readonly Layout Ring012 = new()
    {
        Name = "ring012",
        Monitored = true,
        RealRingOfVirtual = [1, -1, -1, 2],
        RealRmap = Pack(forward: [1, 0, 0, 2], reverse: [0, 0, 3, 3]),
        ShadowPteRing = [1, 1, 1, 2],
        DirectSystemCalls = true,
        TransitionsSwitchViews = false,
        GuestRingMapEmulated = false,
        ShadowCacheSpaces = DefaultShadowCacheSpaces,
        ShadowSync = ShadowSync.WriteProtect,
        PtbrTargets = true,
        MonitorWindow = true,
        Summary = "guest kernel in ring 1, user in ring 2; system calls and their iret in hardware",
    };

    /// <summary>Guest kernel in ring 1, guest user in ring 3 (Xen on 32-bit x86). rmap forward
    /// 0->1, 3->3, 1,2->0; reverse 1->0, 3->3 (0xE0C1).</summary>
    public static readonly Layout Ring013 = new()
    {
        Name = "ring013",
        Monitored = true,
        RealRingOfVirtual = [1, -1, -1, 3],
        RealRmap = Pack(forward: [1, 0, 0, 3], reverse: [0, 0, 2, 3]),
        ShadowPteRing = [1, 1, 1, 3],
        DirectSystemCalls = true,
        TransitionsSwitchViews = false,
        GuestRingMapEmulated = false,
        ShadowCacheSpaces = DefaultShadowCacheSpaces,
        ShadowSync = ShadowSync.WriteProtect,
        PtbrTargets = true,
        MonitorWindow = true,
        Summary = "guest kernel in ring 1, user in ring 3; system calls and their iret in hardware",
    };

    /// <summary>Everything in ring 3: the monitor reflects every system call, emulates every
    /// iret and switches shadow views on each transition. The only layout with room for a
    /// guest that uses rings 1 and 2 itself.</summary>
    public static readonly Layout Ring3 = new()
    {
        Name = "ring3",
        Monitored = true,
        RealRingOfVirtual = [3, 3, 3, 3],
        RealRmap = RingMap.Identity,
        ShadowPteRing = [3, 3, 3, 3],
        DirectSystemCalls = false,
        TransitionsSwitchViews = true,
        GuestRingMapEmulated = true,
        ShadowCacheSpaces = DefaultShadowCacheSpaces,
        ShadowSync = ShadowSync.WriteProtect,
        MonitorWindow = true,
        Summary = "guest kernel and user in ring 3; every transition through the monitor, kernel/user shadow views",
    };

    /// <summary>Binary translation, as VMware's monitor ran x86 kernels (spec §11.6): the guest
    /// kernel runs in ring 1 as ring013's does, but translated — each of its sensitive instructions
    /// is a direct call into the monitor's emulation, with no trap, so even the flawed iret of
    /// spec §11.5 is emulated; guest user code runs unchanged in ring 3.</summary>
    public static readonly Layout Bt = new()
    {
        Name = "bt",
        Monitored = true,
        RealRingOfVirtual = [1, -1, -1, 3],
        RealRmap = Pack(forward: [1, 0, 0, 3], reverse: [0, 0, 2, 3]),
        ShadowPteRing = [1, 1, 1, 3],
        DirectSystemCalls = true,
        TransitionsSwitchViews = false,
        GuestRingMapEmulated = false,
        TranslatedRealRings = [1],
        MonitorWindow = true,
        Summary = "binary translation: guest kernel in ring 1 runs translated (each sensitive instruction a call into the monitor), user in ring 3 unchanged",
    };

    /// <summary>Hardware assistance with nested paging (spec §11.7): the guest runs in guest mode in
    /// its own rings 0-3 (rmap, rings 1 and 2 included); only port I/O, hlt, external interrupts and a
    /// triple fault exit.</summary>
    public static readonly Layout Hw = new()
    {
        Name = "hw",
        Monitored = true,
        RealRingOfVirtual = [0, 1, 2, 3],
        RealRmap = RingMap.Identity,
        ShadowPteRing = [0, 1, 2, 3],
        DirectSystemCalls = false,
        TransitionsSwitchViews = false,
        GuestRingMapEmulated = true,
        HardwareAssisted = true,
        Summary = "hardware assist: the guest runs in the CPU's guest mode in its own rings 0-3 with nested paging; port I/O, hlt and interrupts exit",
    };

    /// <summary>The four layouts of spec §9.1 (the default of r4 compare).</summary>
    public static IReadOnlyList<Layout> All { get; } = [Native, Ring012, Ring013, Ring3];

    public static IReadOnlyList<Layout> MonitoredLayouts { get; } = [Ring012, Ring013, Ring3];

    /// <summary>The layouts of the other two techniques (spec §11.6, §11.7).</summary>
    public static IReadOnlyList<Layout> Techniques { get; } = [Bt, Hw];

    /// <summary>Every layout --layout accepts: spec §9.1's four, then the techniques.</summary>
    public static IReadOnlyList<Layout> Known { get; } = [.. All, .. Techniques];

    /// <summary>The names accepted by --layout, for messages.</summary>
    public static string Names => string.Join("|", Known.Select(l => l.Name));

    public static bool TryParse(string name, out Layout layout)
    {
        layout = Known.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return layout is not null;
    }

    /// <summary>Packs a ring map: 2 bits per ring, forward in bits 7:0, reverse in 15:8.</summary>
    public static uint Pack(int[] forward, int[] reverse)
    {
        uint rmap = 0;
        for (int ring = 0; ring < 4; ring++)
            rmap |= (uint)forward[ring] << (2 * ring) | (uint)reverse[ring] << (8 + 2 * ring);
        return rmap;
    }
}
