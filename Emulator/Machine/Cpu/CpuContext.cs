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
    // What the guest's monitor set on the CPU (host state, no guest can see it): its ring-0
    // host, the translated rings of binary translation, guest mode with its nested tables
    // (hardware assist), the ptbr-target list. Each guest's monitor sets them once, so the
    // world switch carries them with the guest.
    internal IRing0Host? Ring0Host;
    internal byte TranslatedRingMask;
    internal ITranslationHost? TranslationHost;
    internal GuestModeControls? GuestMode;
    internal IGuestModeHost? GuestModeHost;
    internal readonly uint[] PtbrTargetGuest = new uint[Cpu.MaxPtbrTargets];
    internal readonly uint[] PtbrTargetReal = new uint[Cpu.MaxPtbrTargets];
    internal int PtbrTargetCount;
    internal int PtbrTargetMaxRing;

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
        context.Ring0Host = Ring0Host;
        context.TranslatedRingMask = TranslatedRingMask;
        context.TranslationHost = TranslationHost;
        context.GuestMode = guestMode;
        context.GuestModeHost = guestModeHost;
        Array.Copy(ptbrTargetGuest, context.PtbrTargetGuest, ptbrTargetCount);
        Array.Copy(ptbrTargetReal, context.PtbrTargetReal, ptbrTargetCount);
        context.PtbrTargetCount = ptbrTargetCount;
        context.PtbrTargetMaxRing = ptbrTargetMaxRing;
    }

    /// <summary>Makes <paramref name="context"/> the running guest: its state, gates, devices,
    /// statistics and the host state its monitor set (ring-0 host, translation, guest mode, ptbr targets); flushes the TLB (counted and costed like any flush, to the incoming guest).</summary>
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
        Ring0Host = context.Ring0Host;
        TranslatedRingMask = context.TranslatedRingMask;
        TranslationHost = context.TranslationHost;
        guestMode = context.GuestMode;
        guestModeHost = context.GuestModeHost;
        Mmu.NestedPageDirectory = guestMode?.NestedPageDirectory ?? 0;
        Array.Copy(context.PtbrTargetGuest, ptbrTargetGuest, context.PtbrTargetCount);
        Array.Copy(context.PtbrTargetReal, ptbrTargetReal, context.PtbrTargetCount);
        ptbrTargetCount = context.PtbrTargetCount;
        ptbrTargetMaxRing = context.PtbrTargetMaxRing;
        stop = null;
        Mmu.Flush();
        DropFetchPage();
        RequestBoundary();
    }
}
