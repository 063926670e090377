// The architectural state of the R4 CPU as one unmanaged struct in native memory, so that
// the interpreter, the monitor and the x86-64 JIT (Jit/) all address the same bytes: the JIT
// reaches every field at a fixed offset from one pointer (see the Offset* constants).
using System.Runtime.InteropServices;
using R4.Isa;

namespace R4.Machine;

[StructLayout(LayoutKind.Sequential)]
public unsafe struct CpuState
{
    /// <summary>Slot written by instructions whose rd is r0: the decoder redirects r0
    /// destinations here, so r0 stays 0 without a test on every write.</summary>
    public const int DiscardRegister = 16;

    /// <summary>r0..r15, then the discard slot (index 16); r0 is always 0.</summary>
    public fixed uint Registers[Isa.Registers.Count + 1];
    public uint Pc;
    /// <summary>The ten control registers, indexed by <see cref="ControlRegister"/>;
    /// Control[Status] holds CPL (bits 1:0) and IE (bit 2).</summary>
    public fixed uint Control[ControlRegisters.Count];
    /// <summary>Retired instructions (spec §7): the guest's time.</summary>
    public ulong Instret;
    /// <summary>Modelled cycles (host-side cost; never guest-visible).</summary>
    public ulong Cycles;
    /// <summary>The interpreter leaves its fast loop when Instret reaches this value: the
    /// minimum of the instruction limit, the next device event, and "now" when an interrupt,
    /// a stop or tracing needs attention.</summary>
    public ulong NextEventInstret;
    /// <summary>1 while the CPU waits in hlt for an interrupt.</summary>
    public uint Halted;

    // Offsets by pointer difference, not Marshal.OffsetOf: that one reflects over the type and
    // builds its marshalling layout, about a millisecond at a run's first JIT compile.
    public static readonly int OffsetRegisters, OffsetPc, OffsetControl, OffsetInstret, OffsetCycles, OffsetNextEventInstret;

    static CpuState()
    {
        CpuState s = default;
        byte* b = (byte*)&s;
        OffsetRegisters = (int)((byte*)s.Registers - b);
        OffsetPc = (int)((byte*)&s.Pc - b);
        OffsetControl = (int)((byte*)s.Control - b);
        OffsetInstret = (int)((byte*)&s.Instret - b);
        OffsetCycles = (int)((byte*)&s.Cycles - b);
        OffsetNextEventInstret = (int)((byte*)&s.NextEventInstret - b);
    }

    public readonly int Cpl => (int)(Control[(int)ControlRegister.Status] & StatusBits.CplMask);
    public readonly bool InterruptsEnabled => (Control[(int)ControlRegister.Status] & StatusBits.InterruptEnable) != 0;
}
