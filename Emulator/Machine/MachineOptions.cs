// What the host chooses about a machine: RAM size, cost table, console streams, disk, and
// the execution engine (the interpreter, or the x86-64 JIT beside it).
namespace R4.Machine;

/// <summary>How the CPU executes guest code. Both give exactly the same guest-visible results,
/// instruction and cycle counts and statistics; the JIT is faster.</summary>
public enum ExecutionEngine
{
    /// <summary>The interpreter alone.</summary>
    Interpreter,
    /// <summary>Compiled x86-64 blocks, with the interpreter for system instructions, TLB misses,
    /// faults and event boundaries. Available on Linux x64; elsewhere the interpreter runs.</summary>
    Jit,
}

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
    /// <summary>The execution engine; the JIT when the platform supports it.</summary>
    public ExecutionEngine Engine { get; init; } = Jit.JitEngine.IsSupported ? ExecutionEngine.Jit : ExecutionEngine.Interpreter;
}
