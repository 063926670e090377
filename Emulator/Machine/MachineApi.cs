// The cost table (spec §7). STUB (owner: devices/costs helper): the real table is
// documented in docs/costs.md and loaded from JSON with every key checked. The machine's
// own public types moved to files of their own (R4Machine.cs, RunResult.cs, ...).
namespace R4.Machine;

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
