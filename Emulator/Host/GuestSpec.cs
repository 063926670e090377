// What the Type 1 host needs to know about each guest (spec §11.1) and about the machine:
// the guest's image, RAM, layout, slice weight, its window of the machine disk, its console
// streams and its own instruction limit; the machine's RAM, disk, slice length, costs and
// engine. Plain data: the CLI builds it from flags or a machine description file.
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Host;

public sealed record GuestSpec
{
    /// <summary>How messages name the guest, e.g. "Guests/examples/hello.asm".</summary>
    public required string Name { get; init; }
    public required ProgramImage Image { get; init; }
    /// <summary>A monitored layout (ring012, ring013, ring3, ...).</summary>
    public required Layout Layout { get; init; }
    /// <summary>The RAM the guest sees (guest-physical [0, RamBytes)); a multiple of 4 KiB.</summary>
    public uint RamBytes { get; init; } = 16 << 20;
    /// <summary>Slice weight: the guest runs Weight × the host's slice per turn.</summary>
    public int Weight { get; init; } = 1;
    /// <summary>The guest's disk: sectors [FirstSector, FirstSector + SectorCount) of the
    /// machine disk; SectorCount 0 = no disk attached.</summary>
    public ulong FirstSector { get; init; }
    public ulong SectorCount { get; init; }
    public Stream? ConsoleInput { get; init; }
    public Stream? ConsoleOutput { get; init; }
    /// <summary>The guest stops (InstructionLimit) after this many of its own retired instructions.</summary>
    public ulong MaxInstructions { get; init; } = ulong.MaxValue;
    public int ShadowPoolPages { get; init; } = MonitorMemoryMap.DefaultPoolPages;
}

public sealed record HostOptions
{
    /// <summary>Machine RAM; null = exactly what the partitions and monitor areas need.</summary>
    public uint? MachineRamBytes { get; init; }
    /// <summary>The machine disk every guest's sector window lies in (null: no disk).</summary>
    public string? DiskImagePath { get; init; }
    /// <summary>A weight-1 guest's slice, in its own retired instructions.</summary>
    public ulong SliceInstructions { get; init; } = DefaultSliceInstructions;
    public CostTable Costs { get; init; } = CostTable.Default;
    public ExecutionEngine Engine { get; init; } = new MachineOptions().Engine;
    /// <summary>Where the guests' debug port and disk errors go.</summary>
    public TextWriter? Diagnostics { get; init; }

    public const ulong DefaultSliceInstructions = 100_000;

    /// <summary>The most machine RAM the host builds (as `r4 run --mem`).</summary>
    public const ulong MaxMachineRamBytes = 1UL << 31;
}

/// <summary>A machine description the host refuses before anything runs; the message names
/// the guest and the numbers.</summary>
public sealed class HostConfigurationException(string message) : Exception(message);
