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

    /// <summary>Why this gate cannot take a trap for <paramref name="vector"/> at CPL
    /// <paramref name="cpl"/> (spec §5.2: the delivery raises #GP), or null when it can.
    /// Shared by the CPU's delivery and a monitor's reflection into a guest.</summary>
    public string? RefusalAt(int vector, int cpl) =>
        !Present ? $"gate {vector} not present"
        : TargetRing > cpl ? $"gate {vector} targets ring {TargetRing}, less privileged than CPL {cpl}"
        : null;

    /// <summary>The status word a trap frame saves (spec §5.2, §5.3): IE and the CPL seen
    /// through the ring map's reverse half.</summary>
    public static uint SavedStatus(bool interruptEnable, uint rmap, int cpl) =>
        (interruptEnable ? StatusBits.InterruptEnable : 0) | (uint)RingMap.Reverse(rmap, cpl);

    public static uint MakeFlags(int targetRing, int dpl, bool interruptGate, bool present = true) =>
        (uint)targetRing | (uint)dpl << GateBits.DplShift | (present ? GateBits.Present : 0) | (interruptGate ? GateBits.InterruptGate : 0);
}
