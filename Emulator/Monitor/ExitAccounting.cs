// Counts monitor exits by cause (spec §9.3) and prices them in modelled cycles from the
// machine's cost table: an exit (world switch into the monitor and back) costs
// MonitorExitCycles; emulating an instruction or building a trap frame adds
// MonitorEmulationCycles; filling a shadow page-table entry adds ShadowPageFillCycles.
// Page-table switches and the monitor's TLB flushes are events inside an exit, not exits.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

/// <summary>Why the monitor ran. The privileged mnemonics and <c>iret</c> are emulated
/// instructions; the rest are deliveries into the guest.</summary>
public enum ExitCause
{
    Hlt, Cli, Sti, Tlbflush, Invlpg, Mfcr, Mtcr, In, Out, Iret,
    /// <summary>A fault reflected to the guest's own handler (counted by vector too).</summary>
    ReflectedFault,
    /// <summary>A software interrupt (`int`, normally a system call) the monitor delivered to
    /// the guest kernel itself (in ring012/ring013 only those without a direct gate).</summary>
    SystemCall,
    /// <summary>An external interrupt injected into the guest.</summary>
    Interrupt,
    /// <summary>A hidden page fault: the guest's tables allowed the access, the shadow lacked it.</summary>
    ShadowFill,
    /// <summary>A guest store into one of its write-protected page-table pages, performed by
    /// the monitor, which updated the shadow (ShadowSync.WriteProtect).</summary>
    PageTableWrite,
    /// <summary>A hypercall: the guest's <c>out 0xE0, rs</c> (spec §11.4, docs/monitor.md).</summary>
    Hypercall,
    /// <summary>An external interrupt that arrived while the guest kernel's paravirtual IE flag
    /// was 0: held back (latched again) until the guest enables IE.</summary>
    InterruptDeferred,
    /// <summary>The monitor stopped the VM with a diagnostic (ring compression, a shadow fill
    /// that does not resolve). A guest's own triple fault stops the machine as natively and is
    /// not counted here.</summary>
    Stop,
}

/// <summary>How control reached the monitor: a trap into ring 0 (trap-and-emulate), a call from
/// translated code (binary translation), or a VM exit of the CPU's guest mode (hardware assist).</summary>
public enum ExitKind { Trap, TranslatedCall, VmExit }

public sealed class ExitAccounting(CostTable costs)
{
    private readonly long[] _exitsByCause = new long[Enum.GetValues<ExitCause>().Length];
    private readonly long[] _reflectedFaultsByVector = new long[Vectors.Count];

    public CostTable Costs { get; } = costs;

    /// <summary>Every exit, all causes together.</summary>
    public long TotalExits { get; private set; }

    /// <summary>Switches of the real page directory between shadow views (ring3 layout).</summary>
    public long PageTableSwitches { get; private set; }

    /// <summary>Whole real-TLB flushes the monitor issued for the guest (its tlbflush, its ptbr
    /// writes, an exhausted shadow pool). Single-page invalidations are not counted; the flush
    /// of each shadow-view switch is counted as a page-table switch instead.</summary>
    public long TlbFlushes { get; private set; }

    /// <summary>Exits that were calls from translated code (layout bt), among <see cref="TotalExits"/>.</summary>
    public long TranslatedCalls { get; private set; }

    /// <summary>Exits that were VM exits of the CPU's guest mode (layout hw), among <see cref="TotalExits"/>.</summary>
    public long VmExits { get; private set; }

    /// <summary>Cycles the monitor added to the machine's modelled cycle count.</summary>
    public ulong ModelledCycles { get; private set; }

    public long this[ExitCause cause] => _exitsByCause[(int)cause];

    public long ReflectedFaults(int vector) => _reflectedFaultsByVector[vector];

    /// <summary>Forgets every count (the guest was loaded again).</summary>
    public void Clear()
    {
        Array.Clear(_exitsByCause);
        Array.Clear(_reflectedFaultsByVector);
        TotalExits = PageTableSwitches = TlbFlushes = TranslatedCalls = VmExits = ShadowCacheHits = ShadowCacheMisses = 0;
        ModelledCycles = 0;
    }

    /// <summary>Records one exit and returns the cycles it costs: the way into the monitor — a trap
    /// and world switch, a call from translated code, or a VM exit — plus the work.</summary>
    public int RecordExit(ExitCause cause, int vector = -1, ExitKind kind = ExitKind.Trap)
    {
        _exitsByCause[(int)cause]++;
        TotalExits++;
        if (cause == ExitCause.ReflectedFault && vector >= 0)
            _reflectedFaultsByVector[vector]++;
        if (kind == ExitKind.TranslatedCall) TranslatedCalls++;
        if (kind == ExitKind.VmExit) VmExits++;
        int entry = kind switch
        {
            ExitKind.TranslatedCall => Costs.TranslatedCallCycles,
            ExitKind.VmExit => Costs.VmExitCycles,
            _ => Costs.MonitorExitCycles,
        };
        int cycles = entry + cause switch
        {
            ExitCause.ShadowFill => Costs.ShadowPageFillCycles,
            ExitCause.Stop => 0,
            _ => Costs.MonitorEmulationCycles,
        };
        ModelledCycles += (ulong)cycles;
        return cycles;
    }

    /// <summary>Work inside an exit beyond its own emulation (each further entry of a batched
    /// hypercall): returns the cycles, counted in <see cref="ModelledCycles"/>.</summary>
    public int RecordWork(int cycles)
    {
        ModelledCycles += (ulong)cycles;
        return cycles;
    }

    /// <summary>Records a switch of the real page directory (priced by the TLB flush it causes).</summary>
    public void RecordPageTableSwitch() => PageTableSwitches++;

    public void RecordTlbFlush() => TlbFlushes++;

    /// <summary>Guest ptbr writes the monitor emulated that found their address space's shadow
    /// in the cache (a lookup) / that started an empty shadow (a rebuild).</summary>
    public long ShadowCacheHits { get; private set; }
    public long ShadowCacheMisses { get; private set; }

    /// <summary>Guest ptbr writes the CPU completed without an exit through the ptbr-target
    /// list (read from the CPU; not exits).</summary>
    public Func<long> PtbrTargetSwitches { get; set; } = () => 0;

    public void RecordAddressSpaceSwitch(bool cacheHit)
    {
        if (cacheHit) ShadowCacheHits++;
        else ShadowCacheMisses++;
    }

    /// <summary>True for the names of ByName that count events inside exits or without one
    /// (page-table switches, TLB flushes, shadow-cache lookups, ptbr-target switches), not exits.</summary>
    public static bool IsEvent(string name) => name is "pageTableSwitch" or "tlbFlush" or "shadowCacheHit" or "shadowCacheMiss" or "ptbrTarget";

    /// <summary>The exit cause of a privileged instruction (or iret) the monitor emulates.</summary>
    public static ExitCause CauseOf(Opcode opcode) => opcode switch
    {
        Opcode.Hlt => ExitCause.Hlt,
        Opcode.Cli => ExitCause.Cli,
        Opcode.Sti => ExitCause.Sti,
        Opcode.Tlbflush => ExitCause.Tlbflush,
        Opcode.Invlpg => ExitCause.Invlpg,
        Opcode.Mfcr => ExitCause.Mfcr,
        Opcode.Mtcr => ExitCause.Mtcr,
        Opcode.In => ExitCause.In,
        Opcode.Out => ExitCause.Out,
        Opcode.Iret => ExitCause.Iret,
        _ => throw new ArgumentOutOfRangeException(nameof(opcode), opcode, "not an instruction the monitor emulates"),
    };

    /// <summary>Stable name of a cause for --stats and --stats-json ("mtcr", "fault.PF", "syscall", ...).</summary>
    public static string NameOf(ExitCause cause) => cause switch
    {
        ExitCause.ReflectedFault => "fault",
        ExitCause.SystemCall => "syscall",
        ExitCause.Interrupt => "interrupt",
        ExitCause.ShadowFill => "shadowFill",
        ExitCause.PageTableWrite => "ptWrite",
        ExitCause.InterruptDeferred => "interruptDeferred",
        ExitCause.Stop => "stop",
        _ => cause.ToString().ToLowerInvariant(),
    };

    /// <summary>The nonzero counters by name, in a fixed order: emulated instructions,
    /// reflected faults by vector ("fault.PF"), system calls, interrupts, shadow fills, stops,
    /// then how many of those were "translatedCall"s (bt) or "vmExit"s (hw), then the events
    /// "pageTableSwitch" and "tlbFlush".</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ByName()
    {
        var list = new List<KeyValuePair<string, long>>();
        foreach (var cause in Enum.GetValues<ExitCause>())
        {
            if (cause == ExitCause.ReflectedFault)
            {
                for (int v = 0; v < Vectors.Count; v++)
                    if (_reflectedFaultsByVector[v] != 0)
                        list.Add(new("fault." + Vectors.Name(v).TrimStart('#').Replace(' ', '.'), _reflectedFaultsByVector[v]));
                continue;
            }
            if (_exitsByCause[(int)cause] != 0)
                list.Add(new(NameOf(cause), _exitsByCause[(int)cause]));
        }
        if (TranslatedCalls != 0) list.Add(new("translatedCall", TranslatedCalls));
        if (VmExits != 0) list.Add(new("vmExit", VmExits));
        if (PageTableSwitches != 0) list.Add(new("pageTableSwitch", PageTableSwitches));
        if (TlbFlushes != 0) list.Add(new("tlbFlush", TlbFlushes));
        if (ShadowCacheHits != 0) list.Add(new("shadowCacheHit", ShadowCacheHits));
        if (ShadowCacheMisses != 0) list.Add(new("shadowCacheMiss", ShadowCacheMisses));
        if (PtbrTargetSwitches() is var targetSwitches and not 0) list.Add(new("ptbrTarget", targetSwitches));
        return list;
    }
}
