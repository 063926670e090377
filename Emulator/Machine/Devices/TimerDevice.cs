// The interval timer (ports 0x10 period, 0x11 count; IRQ 16), counting retired instructions.
//
// Timing, exactly: let the `out 0x10` that writes period P > 0 be executed with instret = N
// (N instructions retired before it; the `instret` argument of DeviceBus.Out). The period
// starts when that `out` retires, at instret N + 1, and IRQ 16 is requested at the
// instruction boundary where instret = N + 1 + k*P for k = 1, 2, ... — i.e. after exactly P
// more instructions have retired — so with IE = 1 the handler runs before the instruction
// that would have been number N + 1 + P. An `in 0x11` executed with instret = M reads the
// instructions still to retire before the next request, counting itself: 1..P (P when read
// right after the `out`). Writing the period again restarts the period from that `out`;
// writing 0 stops the timer (count reads 0). Periods that end while IRQ 16 is still pending
// coalesce into the one latched request; if Tick arrives late (e.g. the CPU skipped ahead in
// `hlt`) the next request stays on the original grid.
using R4.Isa;

namespace R4.Machine.Devices;

public sealed class TimerDevice(InterruptRequests interrupts)
{
    public uint PeriodInstructions { get; private set; }

    /// <summary>The instret at which the next IRQ 16 is requested (ulong.MaxValue: stopped).</summary>
    public ulong NextExpiryInstret { get; private set; } = ulong.MaxValue;

    public bool Running => PeriodInstructions != 0;

    /// <summary>Reset: stopped (spec 6a).</summary>
    public void Reset() => WritePeriod(0, 0);

    public void WritePeriod(uint periodInstructions, ulong instret)
    {
        PeriodInstructions = periodInstructions;
        NextExpiryInstret = periodInstructions == 0 ? ulong.MaxValue : instret + 1 + periodInstructions;
    }

    /// <summary>Instructions left in the current period as seen by an `in` at <paramref name="instret"/>.</summary>
    public uint ReadCount(ulong instret) =>
        !Running ? 0 : NextExpiryInstret > instret ? (uint)(NextExpiryInstret - instret) : 0;

    /// <summary>Puts back a snapshot's period and phase (R4.Snapshots): the next request stays
    /// on the grid the guest started.</summary>
    public void Restore(uint periodInstructions, ulong nextExpiryInstret)
    {
        PeriodInstructions = periodInstructions;
        NextExpiryInstret = periodInstructions == 0 ? ulong.MaxValue : nextExpiryInstret;
    }

    public void Tick(ulong instret)
    {
        if (instret < NextExpiryInstret)
            return;
        interrupts.Raise(Vectors.Timer);
        ulong periodsElapsed = (instret - NextExpiryInstret) / PeriodInstructions + 1;
        NextExpiryInstret += periodsElapsed * PeriodInstructions;
    }
}
