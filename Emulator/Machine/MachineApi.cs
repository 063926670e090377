// The machine's public face used by the CLI, the tests and Perf. STUB: the real machine
// replaces these types (each may move to a file of its own).
using R4.Isa.Image;

namespace R4.Machine;

public enum StopReason { PowerOff, InstructionLimit, Shutdown, Deadlock }

/// <summary>How a run ended: the reason, the guest's power-off status, the pc at the stop and
/// a one-line diagnostic (shutdown cause, ...) or null.</summary>
public sealed record RunResult(StopReason Reason, uint ExitStatus, uint Pc, string? Diagnostic);

public sealed class MachineStatistics
{
    public ulong Instructions { get; set; }
    public ulong Cycles { get; set; }
    public double HostSeconds { get; set; }
    /// <summary>Traps delivered, indexed by vector (64 entries).</summary>
    public long[] TrapsByVector { get; } = new long[64];
    public ulong TlbMisses { get; set; }
    public ulong TlbFlushes { get; set; }
}

/// <summary>Receives --trace events. Called only when a sink is attached (off the fast path).</summary>
public interface ITraceSink
{
    void Instruction(ulong instret, int ring, uint pc, uint word);
    void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing);
}

public sealed class MachineOptions
{
    public uint MemoryBytes { get; init; } = 16 << 20;
    public CostTable Costs { get; init; } = CostTable.Default;
    public Stream? ConsoleInput { get; init; }
    public bool ConsoleInputInteractive { get; init; }
    public Stream? ConsoleOutput { get; init; }
    public TextWriter? Diagnostics { get; init; }
    public string? DiskImagePath { get; init; }
}

public sealed class R4Machine(MachineOptions options) : IDisposable
{
    public MachineOptions Options { get; } = options;
    public ITraceSink? Trace { get; set; }
    public MachineStatistics Statistics { get; } = new();
    public void Load(ProgramImage image) => throw new NotImplementedException();
    public RunResult Run(ulong maxInstructions = ulong.MaxValue) => throw new NotImplementedException();
    public void Dispose() { }
}
