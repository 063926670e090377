// Architectural constants of R4 (spec sections 2, 4, 5, 6 and 8): registers, control
// registers, trap vectors, gate and page-table bits, I/O ports. The CPU, the assembler,
// the disassembler, the monitor and the guests' include files all take them from here.
namespace R4.Isa;

public static class Registers
{
    public const int Count = 16;
    public const int Zero = 0, FramePointer = 13, StackPointer = 14, LinkRegister = 15;

    /// <summary>Canonical name of a register as the disassembler prints it.</summary>
    public static string Name(int r) => r switch
    {
        0 => "r0",
        FramePointer => "fp",
        StackPointer => "sp",
        LinkRegister => "lr",
        _ => "r" + r,
    };

    /// <summary>Parses r0..r15 and the aliases zero, fp, sp, lr (case-insensitive).</summary>
    public static bool TryParse(string text, out int register)
    {
        register = -1;
        switch (text.ToLowerInvariant())
        {
            case "zero": register = 0; return true;
            case "fp": register = FramePointer; return true;
            case "sp": register = StackPointer; return true;
            case "lr": register = LinkRegister; return true;
        }
        if (text.Length is >= 2 and <= 3 && (text[0] == 'r' || text[0] == 'R') &&
            int.TryParse(text.AsSpan(1), System.Globalization.NumberStyles.None, null, out int n) &&
            n < Count && (text.Length == 2 || text[1] != '0'))
        {
            register = n;
            return true;
        }
        return false;
    }
}

/// <summary>Control register numbers, as encoded in mfcr/mtcr.</summary>
public enum ControlRegister : byte
{
    Status = 0, Ivt = 1, Ptbr = 2, Ksp0 = 3, Ksp1 = 4, Ksp2 = 5, Fault = 6, Rmap = 7, Scratch0 = 8, Scratch1 = 9,
}

public static class ControlRegisters
{
    public const int Count = 10;

    public static bool IsDefined(uint number) => number < Count;

    public static string Name(ControlRegister cr) => cr.ToString().ToLowerInvariant();

    public static bool TryParse(string text, out ControlRegister cr)
    {
        for (int i = 0; i < Count; i++)
        {
            if (string.Equals(Name((ControlRegister)i), text, StringComparison.OrdinalIgnoreCase))
            {
                cr = (ControlRegister)i;
                return true;
            }
        }
        cr = default;
        return false;
    }

    /// <summary>What each control register holds, for the ISA reference.</summary>
    public static string Describe(ControlRegister cr) => cr switch
    {
        ControlRegister.Status => "bits 1:0 CPL (read-only: writes ignore them), bit 2 IE; other bits read 0",
        ControlRegister.Ivt => "virtual address of the vector table (64 gates x 8 bytes), read when ivt is written",
        ControlRegister.Ptbr => "bits 31:12 physical address of the page directory; bit 0 paging enable",
        ControlRegister.Ksp0 => "stack pointer loaded on a trap into ring 0 from a less privileged ring",
        ControlRegister.Ksp1 => "stack pointer loaded on a trap into ring 1 from a less privileged ring",
        ControlRegister.Ksp2 => "stack pointer loaded on a trap into ring 2 from a less privileged ring",
        ControlRegister.Fault => "virtual address of the last #PF or #AC",
        ControlRegister.Rmap => "ring map: bits 7:0 forward map, bits 15:8 reverse map, 2 bits per ring; identity (0xE4E4) at reset",
        ControlRegister.Scratch0 => "a free word for kernels",
        ControlRegister.Scratch1 => "a free word for kernels",
        _ => "",
    };
}

/// <summary>Bits of the status register.</summary>
public static class StatusBits
{
    public const uint CplMask = 0x3;
    public const uint InterruptEnable = 0x4;
    /// <summary>The bits a status word can hold; the rest read as zero.</summary>
    public const uint Defined = CplMask | InterruptEnable;
}

/// <summary>Trap vectors (spec 5.1).</summary>
public static class Vectors
{
    public const int DivideError = 0, Breakpoint = 3, UndefinedInstruction = 4, GeneralProtection = 5,
        PageFault = 6, Alignment = 7, DoubleFault = 8, MachineCheck = 9,
        Timer = 16, ConsoleInput = 17, Disk = 18, SystemCall = 32, Count = 64, FirstSoftware = 32;

    public static string Name(int vector) => vector switch
    {
        DivideError => "#DE",
        Breakpoint => "#BP",
        UndefinedInstruction => "#UD",
        GeneralProtection => "#GP",
        PageFault => "#PF",
        Alignment => "#AC",
        DoubleFault => "#DF",
        MachineCheck => "#MC",
        Timer => "timer",
        ConsoleInput => "console",
        Disk => "disk",
        _ => vector >= FirstSoftware && vector < Count ? $"int {vector}" : $"vector {vector}",
    };

    /// <summary>The vector's name with its error code decoded where it means something:
    /// "#PF [page not present, write]"; other vectors as <see cref="Name"/>.</summary>
    public static string NameWithError(int vector, uint errorCode) =>
        vector == PageFault ? $"#PF [{PageBits.DescribeError(errorCode)}]" : Name(vector);

    /// <summary>A fault as a diagnostic names it: #PF with its decoded error code and the
    /// faulting address, #AC with the address, other vectors by name
    /// ("#PF [page not present, write] at 0x00005004").</summary>
    public static string DescribeFault(int vector, uint errorCode, uint faultAddress) =>
        vector is PageFault or Alignment ? $"{NameWithError(vector, errorCode)} at 0x{faultAddress:x8}" : Name(vector);

    public static string Describe(int vector) => vector switch
    {
        DivideError => "divide error",
        Breakpoint => "breakpoint",
        UndefinedInstruction => "undefined instruction",
        GeneralProtection => "general protection",
        PageFault => "page fault",
        Alignment => "alignment check",
        DoubleFault => "double fault",
        MachineCheck => "machine check (physical access outside RAM)",
        Timer => "timer interrupt",
        ConsoleInput => "console input interrupt",
        Disk => "disk interrupt",
        SystemCall => "system call",
        _ => vector >= FirstSoftware && vector < Count ? "software interrupt" : "reserved",
    };
}

/// <summary>Gate flag bits (the second word of a gate).</summary>
public static class GateBits
{
    public const uint TargetRingMask = 0x3;
    public const int DplShift = 2;
    public const uint DplMask = 0xC;
    public const uint Present = 0x10;
    public const uint InterruptGate = 0x20;
    public const int SizeBytes = 8;
}

/// <summary>Page directory and page table entry bits; page-fault error code bits.</summary>
public static class PageBits
{
    public const int PageSize = 4096, PageShift = 12;
    public const uint FrameMask = 0xFFFFF000;
    public const uint Present = 0x1, Writable = 0x2, Executable = 0x4;
    public const int RingShift = 3;
    public const uint RingMask = 0x18;
    public const uint PtbrEnable = 0x1;

    public const uint ErrorPresent = 0x1, ErrorWrite = 0x2, ErrorFetch = 0x4, ErrorRing = 0x8;

    /// <summary>Decodes a #PF error code, e.g. "present, write, ring violation".</summary>
    public static string DescribeError(uint error)
    {
        var parts = new List<string> { (error & ErrorPresent) != 0 ? "page present" : "page not present" };
        parts.Add((error & ErrorFetch) != 0 ? "fetch" : (error & ErrorWrite) != 0 ? "write" : "read");
        if ((error & ErrorRing) != 0) parts.Add("ring violation");
        return string.Join(", ", parts);
    }
}

/// <summary>I/O ports (spec 8).</summary>
public static class Ports
{
    public const ushort ConsoleData = 0x00, ConsoleStatus = 0x01, TimerPeriod = 0x10, TimerCount = 0x11,
        DiskSector = 0x20, DiskAddress = 0x21, DiskCount = 0x22, DiskCommand = 0x23, DiskStatus = 0x24,
        Power = 0xF0, Debug = 0xF1;

    public const uint DiskCommandRead = 1, DiskCommandWrite = 2;
    public const uint DiskStatusBusy = 1, DiskStatusError = 2;
    public const int SectorSize = 512;
}

/// <summary>The ring map register's packing (spec 5.3).</summary>
public static class RingMap
{
    public const uint Identity = 0xE4E4;

    public static int Forward(uint rmap, int ring) => (int)(rmap >> (2 * ring)) & 3;
    public static int Reverse(uint rmap, int ring) => (int)(rmap >> (8 + 2 * ring)) & 3;
}
