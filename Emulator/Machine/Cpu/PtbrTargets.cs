// The ptbr-target assist: R4's counterpart of VT-x's CR3-target list (Intel SDM vol. 3,
// "CR3-target controls"). A monitor that caches shadow page tables per guest address space
// gives the CPU up to MaxPtbrTargets pairs (guest ptbr value -> real ptbr of its shadow) and
// the most privileged ring allowed to use them; an `mtcr ptbr` at a ring > 0 but <= that ring
// whose value is in the list then loads the paired real ptbr (flushing the TLB as any ptbr
// write does) and retires, instead of raising #GP for the monitor. It is host state, not a
// control register: no guest can read or write it, and with an empty list (the reset state)
// every privileged instruction at ring > 0 raises #GP exactly as spec §3 says.
using R4.Isa;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    /// <summary>VT-x has four CR3-target values; R4 allows a few more for larger caches.</summary>
    public const int MaxPtbrTargets = 64;

    private readonly uint[] ptbrTargetGuest = new uint[MaxPtbrTargets];
    private readonly uint[] ptbrTargetReal = new uint[MaxPtbrTargets];
    private int ptbrTargetCount;
    private int ptbrTargetMaxRing;

    /// <summary>`mtcr ptbr` writes the CPU completed through the target list since the last Reset.</summary>
    public long PtbrTargetHits { get; private set; }

    /// <summary>Replaces the target list: an `mtcr ptbr, rs` at a ring from 1 to
    /// <paramref name="maxRing"/> with rs = guestValues[i] loads realValues[i] into ptbr.
    /// An empty list turns the assist off.</summary>
    public void SetPtbrTargets(int maxRing, ReadOnlySpan<uint> guestValues, ReadOnlySpan<uint> realValues)
    {
        if (guestValues.Length != realValues.Length || guestValues.Length > MaxPtbrTargets)
            throw new ArgumentException($"give as many real as guest values, at most {MaxPtbrTargets}");
        guestValues.CopyTo(ptbrTargetGuest);
        realValues.CopyTo(ptbrTargetReal);
        ptbrTargetCount = guestValues.Length;
        ptbrTargetMaxRing = maxRing;
    }

    /// <summary>The `mtcr` that was about to raise #GP at ring > 0: completed when it writes
    /// ptbr with a listed value from a ring the list allows.</summary>
    private bool TryPtbrTarget(in DecodedOp d)
    {
        if (d.Imm != (int)ControlRegister.Ptbr || st->Cpl > ptbrTargetMaxRing) return false;
        uint value = st->Registers[d.Rs];
        for (int i = 0; i < ptbrTargetCount; i++)
        {
            if (ptbrTargetGuest[i] != value) continue;
            WritePtbr(ptbrTargetReal[i]);
            PtbrTargetHits++;
            Retire(d, st->Pc + 4);
            return true;
        }
        return false;
    }
}
