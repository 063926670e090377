// What a run measured (spec §9.3): retired instructions, modelled cycles, host time,
// traps by vector, TLB misses and flushes. Updated at the end of every Run.
namespace R4.Machine;

public sealed class MachineStatistics
{
    public ulong Instructions { get; set; }
    public ulong Cycles { get; set; }
    public double HostSeconds { get; set; }
    /// <summary>Traps delivered (or handed to the monitor), indexed by vector (64 entries).</summary>
    public long[] TrapsByVector { get; } = new long[64];
    public ulong TlbMisses { get; set; }
    public ulong TlbFlushes { get; set; }

    public void Clear()
    {
        Instructions = Cycles = TlbMisses = TlbFlushes = 0;
        HostSeconds = 0;
        Array.Clear(TrapsByVector);
    }
}
