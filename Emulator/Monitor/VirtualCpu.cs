// The guest's virtual CPU: what the guest believes the privileged state of the machine is —
// its CPL, IE, every control register (status, ivt, ptbr, ksp0..2, fault, rmap, scratch0..1)
// and the copy of its vector table taken when it last wrote ivt. Plain data; the monitor
// keeps it in step with the real CPU at every exit.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed class VirtualCpu
{
    /// <summary>The ring the guest believes it runs in.</summary>
    public int Cpl { get; set; }

    /// <summary>The guest's interrupt enable. The real IE mirrors it while the guest runs.</summary>
    public bool InterruptEnable { get; set; }

    public uint Ivt { get; set; }
    public uint Ptbr { get; set; }
    public uint[] KernelStackPointers { get; } = new uint[3];
    public uint Fault { get; set; }
    public uint Rmap { get; set; } = RingMap.Identity;
    public uint Scratch0 { get; set; }
    public uint Scratch1 { get; set; }

    /// <summary>The guest's gates as read when it last wrote ivt (all absent at reset).</summary>
    public Gate[] Gates { get; } = new Gate[Vectors.Count];

    public bool PagingEnabled => (Ptbr & PageBits.PtbrEnable) != 0;
    public uint PageDirectory => Ptbr & PageBits.FrameMask;

    /// <summary>The status word as <c>mfcr status</c> shows it.</summary>
    public uint Status => (uint)Cpl | (InterruptEnable ? StatusBits.InterruptEnable : 0);

    /// <summary>The control register as the guest reads it with <c>mfcr</c>.</summary>
    public uint Read(ControlRegister register) => register switch
    {
        ControlRegister.Status => Status,
        ControlRegister.Ivt => Ivt,
        ControlRegister.Ptbr => Ptbr,
        ControlRegister.Ksp0 => KernelStackPointers[0],
        ControlRegister.Ksp1 => KernelStackPointers[1],
        ControlRegister.Ksp2 => KernelStackPointers[2],
        ControlRegister.Fault => Fault,
        ControlRegister.Rmap => Rmap,
        ControlRegister.Scratch0 => Scratch0,
        ControlRegister.Scratch1 => Scratch1,
        _ => throw new ArgumentOutOfRangeException(nameof(register), register, "not a control register"),
    };

    /// <summary>Stores a plain control register (status keeps its CPL: writes ignore it).
    /// The side effects of ivt, ptbr, ksp and rmap writes belong to the monitor.</summary>
    public void Write(ControlRegister register, uint value)
    {
        switch (register)
        {
            case ControlRegister.Status: InterruptEnable = (value & StatusBits.InterruptEnable) != 0; break;
            case ControlRegister.Ivt: Ivt = value; break;
            case ControlRegister.Ptbr: Ptbr = value; break;
            case ControlRegister.Ksp0: KernelStackPointers[0] = value; break;
            case ControlRegister.Ksp1: KernelStackPointers[1] = value; break;
            case ControlRegister.Ksp2: KernelStackPointers[2] = value; break;
            case ControlRegister.Fault: Fault = value; break;
            case ControlRegister.Rmap: Rmap = value; break;
            case ControlRegister.Scratch0: Scratch0 = value; break;
            case ControlRegister.Scratch1: Scratch1 = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(register), register, "not a control register");
        }
    }

    /// <summary>The state at reset (spec §6a): ring 0, IE off, paging off, identity rmap, all else 0.</summary>
    public void Reset()
    {
        Cpl = 0;
        InterruptEnable = false;
        Ivt = Ptbr = Fault = Scratch0 = Scratch1 = 0;
        Array.Clear(KernelStackPointers);
        Rmap = RingMap.Identity;
        Array.Clear(Gates);
    }
}
