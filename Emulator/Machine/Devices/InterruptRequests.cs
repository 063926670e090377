// The external interrupt request lines (vectors 16..18) between the devices and the CPU.
// Edge requests (timer, disk) are latched until the CPU takes them; level requests (console
// input) stay asserted for as long as the device's condition holds (see SetLevel).
using System.Numerics;

namespace R4.Machine.Devices;

/// <summary>External interrupt requests, latched until delivered (spec 5.2).</summary>
public sealed class InterruptRequests
{
    /// <summary>Bit v set = vector v requested. The CPU reads it at every instruction
    /// boundary; it must take a request with <see cref="Acknowledge"/>, never by clearing the
    /// bit itself, so that level requests are re-asserted.</summary>
    public ulong PendingMask;

    // Level-triggered lines currently asserted: a bit here is always also set in PendingMask.
    private ulong assertedLevels;

    /// <summary>Requests vector <paramref name="vector"/> once (an edge): it stays pending
    /// until the CPU acknowledges it. Raising an already pending vector changes nothing.</summary>
    public void Raise(int vector) => PendingMask |= 1UL << vector;

    /// <summary>The CPU takes vector <paramref name="vector"/>. An edge request is gone; a
    /// level request that is still asserted stays pending.</summary>
    public void Acknowledge(int vector)
    {
        ulong bit = 1UL << vector;
        PendingMask = (PendingMask & ~bit) | (assertedLevels & bit);
    }

    /// <summary>Drives a level-triggered line: asserted means requested until de-asserted.
    /// De-asserting withdraws a request the CPU has not taken yet.</summary>
    public void SetLevel(int vector, bool asserted)
    {
        ulong bit = 1UL << vector;
        if (asserted)
        {
            assertedLevels |= bit;
            PendingMask |= bit;
        }
        else if ((assertedLevels & bit) != 0)
        {
            assertedLevels &= ~bit;
            PendingMask &= ~bit;
        }
    }

    /// <summary>Drops every request and de-asserts every line (machine reset).</summary>
    public void Clear()
    {
        PendingMask = 0;
        assertedLevels = 0;
    }

    /// <summary>The level-triggered lines now asserted (for a snapshot).</summary>
    public ulong AssertedLevels => assertedLevels;

    /// <summary>Puts back the requests and lines of a snapshot (R4.Snapshots).</summary>
    public void Restore(ulong pendingMask, ulong asserted)
    {
        PendingMask = pendingMask | asserted;
        assertedLevels = asserted;
    }

    /// <summary>The lowest requested vector, or -1.</summary>
    public int Lowest() => PendingMask == 0 ? -1 : BitOperations.TrailingZeroCount(PendingMask);
}
