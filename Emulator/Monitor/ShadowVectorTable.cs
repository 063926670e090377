// The shadow vector table: the 64 real gates the CPU uses while a guest runs, rebuilt from
// the guest's gate copy whenever the guest writes ivt, kept in monitor memory and loaded into
// the CPU's gate copy. Three kinds of real gate:
//  - direct: a guest software-interrupt gate (32..63) that user code may `int` to (a system
//    call), when the layout allows: handler = the guest's, target = the real ring of the guest
//    kernel, so the call and its `iret` run in hardware without the monitor;
//  - monitor: every other vector targets ring 0 = the monitor, with DPL 0, so hardware faults
//    and interrupts reach it as themselves, and every `int` the hardware cannot decide arrives
//    as a #GP on the `int` itself, not yet retired — the monitor then emulates it exactly;
//  - absent, for #BP: `brk` (which checks no DPL) then raises #DF on the `brk` itself, not yet
//    retired, and the monitor emulates it exactly too.
using System.Buffers.Binary;
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed class ShadowVectorTable(Layout layout, MonitorMemoryMap map)
{
    /// <summary>The guest keeps its kernel's IE in the paravirtual flag (docs/monitor.md): a
    /// direct gate then leaves the real IE on, as the monitor keeps it while the guest kernel
    /// runs, so that the kernel's iret back to user code changes no real IE and needs no exit.</summary>
    public bool SharedInterruptFlag { get; set; }

    /// <summary>Number of direct gates in the table last installed.</summary>
    public int DirectGateCount { get; private set; }

    /// <summary>True when vector <paramref name="vector"/>'s real gate leads straight to guest code.</summary>
    public bool IsDirect(int vector, in Gate guestGate) =>
        vector >= Vectors.FirstSoftware && layout.DirectSystemCalls && guestGate.Present &&
        guestGate.TargetRing == 0 && guestGate.Dpl == 3 && layout.HostsVirtualRing(0);

    /// <summary>The real gate for <paramref name="vector"/> given the guest's gate.</summary>
    public Gate RealGate(int vector, in Gate guestGate)
    {
        if (IsDirect(vector, guestGate))
            return new Gate(guestGate.Handler,
                Gate.MakeFlags(layout.RealRingOfVirtual[0], layout.ShadowGateDpl(guestGate.Dpl), guestGate.IsInterruptGate && !SharedInterruptFlag));
        if (vector == Vectors.Breakpoint)
            return new Gate(0, Gate.MakeFlags(0, 0, interruptGate: true, present: false));
        return new Gate(0, Gate.MakeFlags(0, 0, interruptGate: true));
    }

    /// <summary>Writes the real gates for <paramref name="guestGates"/> into monitor memory and
    /// into the CPU's gate copy.</summary>
    public void Install(Cpu cpu, ReadOnlySpan<Gate> guestGates)
    {
        Span<byte> table = stackalloc byte[Vectors.Count * GateBits.SizeBytes];
        int direct = 0;
        for (int v = 0; v < Vectors.Count; v++)
        {
            var gate = RealGate(v, guestGates[v]);
            if (IsDirect(v, guestGates[v])) direct++;
            BinaryPrimitives.WriteUInt32LittleEndian(table[(v * GateBits.SizeBytes)..], gate.Handler);
            BinaryPrimitives.WriteUInt32LittleEndian(table[(v * GateBits.SizeBytes + 4)..], gate.Flags);
            cpu.SetGate(v, gate);
        }
        cpu.Memory.Write(map.GateTableAddress, table);
        DirectGateCount = direct;
    }
}
