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

/// <param name="maxKeptEntries">How many entries to keep for a divergence report.</param>
/// <param name="keepFrom">The index of the first entry kept (0: from the start).</param>
/// <param name="checkpointInterval">When positive, the running hash is noted after every
/// this many entries (<see cref="Checkpoints"/>), so two long traces can be told apart block by
/// block (<see cref="TraceComparison.FirstDivergence(Action{ITraceSink}, Action{ITraceSink}, int)"/>).</param>
public sealed class InstructionTraceRecorder(int maxKeptEntries = 100_000, long keepFrom = 0, int checkpointInterval = 0) : ITraceSink
{
    private const ulong FnvOffset = 14695981039346656037, FnvPrime = 1099511628211;
    private readonly List<TracedInstruction> _kept = [];
    private readonly List<ulong> _checkpoints = [];
    private TracedInstruction? _pending;
    private ulong _hash = FnvOffset;

    /// <summary>Entries folded so far (pending one excluded until <see cref="Finish"/>).</summary>
    public long Count { get; private set; }

    /// <summary>Up to <c>maxKeptEntries</c> entries from index <see cref="KeptFrom"/> on, for the divergence report.</summary>
    public IReadOnlyList<TracedInstruction> Kept => _kept;

    /// <summary>The index of <c>Kept[0]</c> in the whole trace.</summary>
    public long KeptFrom => keepFrom;

    /// <summary>The running hash after every <c>checkpointInterval</c> entries (empty when 0).</summary>
    public IReadOnlyList<ulong> Checkpoints => _checkpoints;

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
        if (Count >= keepFrom && _kept.Count < maxKeptEntries) _kept.Add(entry);
        Count++;
        if (checkpointInterval > 0 && Count % checkpointInterval == 0) _checkpoints.Add(_hash);
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
        if (expected.KeptFrom != actual.KeptFrom)
            throw new ArgumentException("the two traces keep entries from different indices", nameof(actual));
        long from = expected.KeptFrom;
        int kept = Math.Min(expected.Kept.Count, actual.Kept.Count);
        for (int i = 0; i < kept; i++)
            if (expected.Kept[i] != actual.Kept[i])
                return new TraceDivergence(from + i, expected.Kept[i], actual.Kept[i]);
        TracedInstruction? At(InstructionTraceRecorder r) => kept < r.Kept.Count ? r.Kept[kept] : null;
        return new TraceDivergence(from + kept, At(expected), At(actual));
    }

    /// <summary>The exact first difference of two deterministic runs of any length, or null
    /// when their traces are equal. Each run is made twice: first with a hash checkpoint every
    /// <paramref name="blockEntries"/> entries (and that many entries kept), then — when the
    /// difference lies past the first block — keeping only the block where the checkpoints
    /// first part, so memory stays bounded whatever the length.</summary>
    /// <param name="runExpected">Runs the reference with the given trace sink attached.</param>
    public static TraceDivergence? FirstDivergence(Action<ITraceSink> runExpected, Action<ITraceSink> runActual, int blockEntries = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockEntries, 1);
        InstructionTraceRecorder Record(Action<ITraceSink> run, long keepFrom)
        {
            var recorder = new InstructionTraceRecorder(blockEntries, keepFrom, blockEntries);
            run(recorder);
            recorder.Finish();
            return recorder;
        }
        var expected = Record(runExpected, 0);
        var actual = Record(runActual, 0);
        if (expected.Hash == actual.Hash && expected.Count == actual.Count) return null;
        int compared = Math.Min(expected.Checkpoints.Count, actual.Checkpoints.Count);
        int block = 0;
        while (block < compared && expected.Checkpoints[block] == actual.Checkpoints[block]) block++;
        if (block == 0) return FirstDivergence(expected, actual);
        long keepFrom = (long)block * blockEntries;
        return FirstDivergence(Record(runExpected, keepFrom), Record(runActual, keepFrom));
    }
}
