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

public sealed class CostTableException(string message) : Exception(message);

/// <summary>Modelled cycles (spec §7). STUB (owner: devices/costs helper): the real table is
/// documented in docs/costs.md and loaded from JSON with every key checked.</summary>
public sealed class CostTable
{
    public static CostTable Default { get; } = new();
    /// <summary>Cycles per retired instruction of each cost class, indexed by (int)CostClass.</summary>
    public IReadOnlyList<int> CyclesByClass { get; init; } = [1, 3, 20, 2, 2, 2, 1, 1, 5, 5, 30];
    /// <summary>Extra cycles to deliver a trap through a gate (frame push, stack switch).</summary>
    public int TrapCycles { get; init; } = 30;
    public int IretCycles { get; init; } = 20;
    public int TlbMissCycles { get; init; } = 20;
    public int TlbFlushCycles { get; init; } = 50;
    /// <summary>The monitor: a world switch into the monitor and back, and the emulation of one privileged instruction.</summary>
    public int MonitorExitCycles { get; init; } = 400;
    public int MonitorEmulationCycles { get; init; } = 50;
    public int ShadowPageFillCycles { get; init; } = 200;
    public static CostTable LoadJson(string path) => throw new NotImplementedException();
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
