// One guest of the Type 1 machine: its place (the monitor memory map), its monitor, its
// devices (console, timer, disk window, power, debug on a DeviceBus of its own), the CPU
// context it keeps while another guest runs, and what the host measured for it. When it ends
// the host captures its result and guest-visible state at once, while its context is loaded.
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Host;

public sealed class HostedGuest
{
    internal HostedGuest(int index, GuestSpec spec, MonitorMemoryMap map, DeviceBus bus, MachineStatistics statistics)
    {
        Index = index;
        Spec = spec;
        Map = map;
        Bus = bus;
        Statistics = statistics;
        Context = new CpuContext(bus, statistics);
    }

    /// <summary>0-based position in the order given.</summary>
    public int Index { get; }
    public GuestSpec Spec { get; }
    public MonitorMemoryMap Map { get; }
    public DeviceBus Bus { get; }
    /// <summary>Set once the CPU exists (the monitor needs it).</summary>
    public VirtualMachineMonitor Monitor { get; internal set; } = null!;
    internal CpuContext Context { get; }

    /// <summary>The guest's own counters: instructions, cycles, traps, TLB misses and flushes, host time.</summary>
    public MachineStatistics Statistics { get; }

    /// <summary>Null while the guest runs.</summary>
    public RunResult? Result { get; internal set; }
    /// <summary>The guest-visible CPU at its end (registers, pc, instret, virtual CPL and IE).</summary>
    public GuestState? FinalState { get; internal set; }
    public bool Ended => Result is not null;

    /// <summary>Turns the guest got on the CPU.</summary>
    public long Slices { get; internal set; }
    /// <summary>World switches into this guest, and their modelled cost (guestSwitch + the TLB flush).</summary>
    public long WorldSwitches { get; internal set; }
    public ulong WorldSwitchCycles { get; internal set; }
    /// <summary>Of the guest's retired instructions, those that passed while it waited in hlt.</summary>
    public ulong IdleInstructions { get; internal set; }

    /// <summary>"guest 2 (hello.asm)".</summary>
    public string Description => PartitionPlan.Describe(Index, Spec);
}
