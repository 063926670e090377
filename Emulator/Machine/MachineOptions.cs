// What the host chooses about a machine: RAM size, cost table, console streams, disk, and
// the execution engine (the interpreter, or the x86-64 JIT beside it), and the machine variant
// (R4 as specified, or with the Popek–Goldberg flaw of spec §11.5).
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

/// <summary>Which machine the CPU implements: R4 as specified, or R4 with the Popek–Goldberg
/// flaw of spec §11.5 (an `iret` at CPL &gt; 0 that would change IE silently leaves IE as it was,
/// as x86 `popf` does, instead of raising #GP).</summary>
public enum MachineVariant
{
    /// <summary>The machine of the spec: every sensitive instruction traps outside ring 0.</summary>
    R4,
    /// <summary>x86 before VT-x: `iret` is sensitive but not privileged (spec §11.5).</summary>
    X86Flaw,
}

public static class MachineVariants
{
    /// <summary>The names given to <c>--machine</c>, for messages.</summary>
    public const string Names = "r4|x86-flaw";

    public static string Name(MachineVariant variant) => variant == MachineVariant.X86Flaw ? "x86-flaw" : "r4";

    public static bool TryParse(string name, out MachineVariant variant)
    {
        variant = name.ToLowerInvariant() switch { "r4" => MachineVariant.R4, "x86-flaw" => MachineVariant.X86Flaw, _ => (MachineVariant)(-1) };
        return variant is MachineVariant.R4 or MachineVariant.X86Flaw;   // not Enum.IsDefined: reflection at start-up
    }
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
    /// <summary>Instructions' worth of interpreter work the JIT lets pass before it compiles anything (Cpu.JitWarmupInstructions; default 0).</summary>
    public ulong JitWarmupInstructions { get; init; }
    /// <summary>Instructions' worth each interpreter slow-path exit adds to the warm-up's work (Cpu.JitWarmupExitWeight; default 0).</summary>
    public ulong JitWarmupExitWeight { get; init; }
    /// <summary>The machine: R4 as specified (default) or with the x86 flaw (`--machine x86-flaw`).</summary>
    public MachineVariant Variant { get; init; } = MachineVariant.R4;
}
