// What the host chooses about a machine: RAM size, cost table, console streams, disk.
namespace R4.Machine;

public sealed class MachineOptions
{
    /// <summary>RAM size in bytes: a non-zero multiple of 4096 (default 16 MiB).</summary>
    public uint MemoryBytes { get; init; } = 16 << 20;
    public CostTable Costs { get; init; } = CostTable.Default;
    public Stream? ConsoleInput { get; init; }
    public bool ConsoleInputInteractive { get; init; }
    public Stream? ConsoleOutput { get; init; }
    public TextWriter? Diagnostics { get; init; }
    public string? DiskImagePath { get; init; }
}
