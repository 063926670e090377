// A gate of the vector table (spec §5.2): the handler address and the flags word. The CPU
// keeps an internal copy of all 64, read from memory when `ivt` is written.
using R4.Isa;

namespace R4.Machine;

public readonly record struct Gate(uint Handler, uint Flags)
{
    public bool Present => (Flags & GateBits.Present) != 0;
    public int TargetRing => (int)(Flags & GateBits.TargetRingMask);
    public int Dpl => (int)((Flags & GateBits.DplMask) >> GateBits.DplShift);
    public bool IsInterruptGate => (Flags & GateBits.InterruptGate) != 0;

    public static uint MakeFlags(int targetRing, int dpl, bool interruptGate, bool present = true) =>
        (uint)targetRing | (uint)dpl << GateBits.DplShift | (present ? GateBits.Present : 0) | (interruptGate ? GateBits.InterruptGate : 0);
}
