// The world switch of a Type 1 host (spec §11.1): one real CPU shared by several guests in
// turn. A CpuContext holds everything of the CPU that belongs to the guest running on it —
// the architectural state (CpuState: registers, pc, control registers, instret, cycles,
// halted), the gate copy, the trap-loop counter, the final stop, the devices and the
// statistics — so that SaveContext/RestoreContext move the CPU from one guest to another.
// Restoring flushes the TLB (the incoming guest's real ptbr names other shadow tables) and
// drops the fetch page; the decoded-code cache and the JIT's regions are keyed by PHYSICAL
// page, and guests never share a physical page, so they stay valid across switches.
using R4.Isa;
using R4.Machine.Devices;

namespace R4.Machine;

/// <summary>The CPU-side state of one guest while another runs.</summary>
public sealed class CpuContext(DeviceBus bus, MachineStatistics statistics)
{
    internal CpuState State;
    internal readonly Gate[] Gates = new Gate[Vectors.Count];
    internal ulong TrapsWithoutProgress;
    internal ulong LastTrapInstret = ulong.MaxValue;
    internal RunResult? FinalStop;
    internal ulong HaltedInstructions;

    public DeviceBus Bus { get; } = bus;
    public MachineStatistics Statistics { get; } = statistics;

    /// <summary>The guest's retired instructions as of its last save (its time).</summary>
    public ulong Instret => State.Instret;
    /// <summary>The guest's modelled cycles as of its last save.</summary>
    public ulong Cycles => State.Cycles;
}

public sealed unsafe partial class Cpu
{
    /// <summary>Instructions that passed while the CPU waited in hlt (time jumping to the next
    /// device event): idle time, part of <see cref="Instret"/>.</summary>
    public ulong HaltedInstructions { get; private set; }

    /// <summary>Copies the running guest's CPU state into <paramref name="context"/>.</summary>
    public void SaveContext(CpuContext context)
    {
        context.State = *st;
        gates.CopyTo(context.Gates, 0);
        context.TrapsWithoutProgress = trapsWithoutProgress;
        context.LastTrapInstret = lastTrapInstret;
        context.FinalStop = finalStop;
        context.HaltedInstructions = HaltedInstructions;
    }

    /// <summary>Makes <paramref name="context"/> the running guest: its state, gates, devices
    /// and statistics; flushes the TLB (counted and costed like any flush, to the incoming guest).</summary>
    public void RestoreContext(CpuContext context)
    {
        *st = context.State;
        context.Gates.CopyTo(gates, 0);
        trapsWithoutProgress = context.TrapsWithoutProgress;
        lastTrapInstret = context.LastTrapInstret;
        finalStop = context.FinalStop;
        HaltedInstructions = context.HaltedInstructions;
        Bus = context.Bus;
        Interrupts = context.Bus.Interrupts;
        statistics = context.Statistics;
        stop = null;
        Mmu.Flush();
        DropFetchPage();
        RequestBoundary();
    }
}
