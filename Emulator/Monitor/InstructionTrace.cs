// Per-instruction traces for comparing layouts: an ITraceSink that keeps, for every retired-
// instruction count, the last (pc, word) the CPU reported at that boundary — the instruction
// that actually retired there — folded into a running hash, with the first entries kept for a
// divergence report. Ring numbers are left out: they are real rings and differ by layout on
// purpose. Repeats of one instret (a hidden page fault retried, a fault whose handler starts
// at the same count) collapse to the last one, so native and monitored traces line up.
using R4.Machine;

namespace R4.Monitor;

/// <summary>One traced instruction: the instret before it retired, its pc and word.</summary>
public readonly record struct TracedInstruction(ulong Instret, uint Pc, uint Word);

public sealed class InstructionTraceRecorder(int maxKeptEntries = 100_000) : ITraceSink
{
    private const ulong FnvOffset = 14695981039346656037, FnvPrime = 1099511628211;
    private readonly List<TracedInstruction> _kept = [];
    private TracedInstruction? _pending;
    private ulong _hash = FnvOffset;

    /// <summary>Entries folded so far (pending one excluded until <see cref="Finish"/>).</summary>
    public long Count { get; private set; }

    /// <summary>The first <c>maxKeptEntries</c> entries, for the divergence report.</summary>
    public IReadOnlyList<TracedInstruction> Kept => _kept;

    public ulong Hash => _hash;

    public void Instruction(ulong instret, int ring, uint pc, uint word)
    {
        if (_pending is { } pending && pending.Instret != instret) Commit(pending);
        _pending = new TracedInstruction(instret, pc, word);
    }

    public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing) { }

    /// <summary>Folds the last pending entry; call once the run is over.</summary>
    public void Finish()
    {
        if (_pending is { } pending) Commit(pending);
        _pending = null;
    }

    private void Commit(in TracedInstruction entry)
    {
        _hash = Mix(Mix(Mix(_hash, entry.Instret), entry.Pc), entry.Word);
        if (_kept.Count < maxKeptEntries) _kept.Add(entry);
        Count++;
    }

    private static ulong Mix(ulong hash, ulong value)
    {
        for (int i = 0; i < 8; i++)
        {
            hash = (hash ^ (value & 0xFF)) * FnvPrime;
            value >>= 8;
        }
        return hash;
    }
}

/// <summary>Where two traces part: the entry index, and each side's instruction there (null
/// when that trace ended first).</summary>
public sealed record TraceDivergence(long Index, TracedInstruction? Expected, TracedInstruction? Actual)
{
    /// <summary>"instret 41: pc 0x00001010 `mtcr ivt, r1` vs pc 0x00001014 `sti`", with the
    /// caller's disassembler.</summary>
    public string Describe(Func<uint, uint, string> disassemble, string expectedName = "native", string actualName = "monitored")
    {
        string Side(TracedInstruction? t) => t is { } i ? $"pc 0x{i.Pc:x8} `{disassemble(i.Word, i.Pc)}` (instret {i.Instret})" : "end of trace";
        return $"traces diverge at entry {Index}: {expectedName} {Side(Expected)}, {actualName} {Side(Actual)}";
    }
}

public static class TraceComparison
{
    /// <summary>The first difference of two finished traces, or null when they are equal
    /// (same hash and count). When the difference lies past the kept entries, the report
    /// names the first entry not kept.</summary>
    public static TraceDivergence? FirstDivergence(InstructionTraceRecorder expected, InstructionTraceRecorder actual)
    {
        if (expected.Hash == actual.Hash && expected.Count == actual.Count) return null;
        int kept = Math.Min(expected.Kept.Count, actual.Kept.Count);
        for (int i = 0; i < kept; i++)
            if (expected.Kept[i] != actual.Kept[i])
                return new TraceDivergence(i, expected.Kept[i], actual.Kept[i]);
        TracedInstruction? At(InstructionTraceRecorder r) => kept < r.Kept.Count ? r.Kept[kept] : null;
        return new TraceDivergence(kept, At(expected), At(actual));
    }
}
