// The layout comparison experiment behind `r4 compare`: runs each guest under each layout
// (fresh machine per run, the same console input and a fresh copy of the same disk image for
// every run, so every run is deterministic), repeats the
// runs for host time, and checks that every layout showed the guest the same machine
// (spec §9.2: console output, stop reason and exit status, retired instructions, final
// registers). It owns no formatting: CompareReport and ComparePlot read its results.
using System.Text;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli.Compare;

/// <summary>A guest to compare: a short label for reports and its loaded image.</summary>
public sealed record ExperimentGuest(string Name, ProgramImage Image);

/// <summary>What one run of one guest under one layout produced. Everything but the host
/// time is deterministic; repeats must agree on it exactly.</summary>
public sealed record LayoutRun(
    string Guest,
    string Layout,
    StopReason Reason,
    uint ExitStatus,
    byte[] ConsoleOutput,
    string Diagnostics,
    GuestState FinalState,
    ulong Instructions,
    ulong Cycles,
    ulong TlbMisses,
    ulong TlbFlushes,
    long MonitorExits,
    long PageTableSwitches,
    IReadOnlyList<KeyValuePair<string, long>> ExitsByCause,
    IReadOnlyList<double> HostSeconds,
    IReadOnlyDictionary<string, ulong>? ExitCyclesByCause = null)
{
    /// <summary>Modelled monitor cycles of each exit cause, by the names of ExitsByCause
    /// (empty natively): where a layout's extra cycles go.</summary>
    public IReadOnlyDictionary<string, ulong> ExitCycles => ExitCyclesByCause ?? new Dictionary<string, ulong>();

    public double HostSecondsMedian => Median(HostSeconds);
    public double HostSecondsMin => HostSeconds.Min();
    public double HostSecondsMax => HostSeconds.Max();

    /// <summary>Monitor exits per 1000 retired instructions.</summary>
    public double ExitsPerThousandInstructions => Instructions == 0 ? 0 : MonitorExits * 1000.0 / Instructions;

    /// <summary>Exits of one cause by its --stats name ("syscall", "iret", "fault.PF"...); 0 if none.</summary>
    public long Exits(string cause) => ExitsByCause.FirstOrDefault(kv => kv.Key == cause).Value;

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>One guest-visible difference between a layout and the reference layout.</summary>
public sealed record Disagreement(string Guest, string Layout, string ReferenceLayout, string What)
{
    public override string ToString() => $"{Guest}: {Layout} disagrees with {ReferenceLayout}: {What}";
}

/// <summary>All runs of one guest, in the order of the layouts compared.</summary>
public sealed record GuestComparison(string Guest, IReadOnlyList<LayoutRun> Runs)
{
    /// <summary>The run every slowdown is measured against: native when it was compared,
    /// else the first layout.</summary>
    public LayoutRun Baseline => Runs.FirstOrDefault(r => r.Layout == Layouts.Native.Name) ?? Runs[0];

    public double CycleSlowdown(LayoutRun run) => Baseline.Cycles == 0 ? 0 : (double)run.Cycles / Baseline.Cycles;

    public double HostSlowdown(LayoutRun run) =>
        Baseline.HostSecondsMedian <= 0 ? 0 : run.HostSecondsMedian / Baseline.HostSecondsMedian;

    /// <summary>The 95% confidence interval of the host-time ratio run / baseline, from the
    /// --repeat samples of both: Welch's t interval of the difference of mean log times,
    /// exponentiated (host times are positive and their noise multiplicative). Null with fewer
    /// than 2 samples on either side.</summary>
    public (double Low, double High)? HostSlowdownInterval(LayoutRun run)
    {
        var a = run.HostSeconds; var b = Baseline.HostSeconds;
        if (a.Count < 2 || b.Count < 2 || a.Any(x => x <= 0) || b.Any(x => x <= 0)) return null;
        var (meanA, varA) = MeanAndVariance(a.Select(x => Math.Log(x)));
        var (meanB, varB) = MeanAndVariance(b.Select(x => Math.Log(x)));
        double seA = varA / a.Count, seB = varB / b.Count, se = Math.Sqrt(seA + seB);
        // Welch–Satterthwaite degrees of freedom (all samples equal: no spread, take n - 1)
        double df = se == 0 ? a.Count + b.Count - 2
            : (seA + seB) * (seA + seB) / (seA * seA / (a.Count - 1) + seB * seB / (b.Count - 1));
        double half = StudentT975(df) * se, centre = meanA - meanB;
        return (Math.Exp(centre - half), Math.Exp(centre + half));
    }

    /// <summary>True when the host-time ratio's 95% interval excludes 1.0.</summary>
    public bool HostSlowdownSignificant(LayoutRun run) => HostSlowdownInterval(run) is { } ci && (ci.Low > 1 || ci.High < 1);

    private static (double Mean, double Variance) MeanAndVariance(IEnumerable<double> values)
    {
        var list = values.ToList();
        double mean = list.Average();
        return (mean, list.Sum(x => (x - mean) * (x - mean)) / (list.Count - 1));
    }

    /// <summary>The 97.5th percentile of Student's t with <paramref name="df"/> degrees of freedom
    /// (rounded down to a whole df, so the interval errs wide).</summary>
    private static double StudentT975(double df)
    {
        ReadOnlySpan<double> table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];
        int whole = (int)Math.Floor(df);
        return whole < 1 ? table[0] : whole <= table.Length ? table[whole - 1] : whole <= 60 ? 2.000 : 1.960;
    }
}

public sealed record ExperimentResult(IReadOnlyList<Layout> Layouts, IReadOnlyList<GuestComparison> Guests, IReadOnlyList<Disagreement> Disagreements)
{
    public bool LayoutsAgree => Disagreements.Count == 0;
}

public sealed class ExperimentSettings
{
    public IReadOnlyList<Layout> Layouts { get; init; } = R4.Monitor.Layouts.All;
    /// <summary>Timed runs per guest × layout (host time is their median).</summary>
    public int Repeat { get; init; } = 3;
    /// <summary>Untimed runs per guest × layout first, so the host's JIT has tiered up.</summary>
    public int Warmup { get; init; } = 1;
    public ulong MaxInstructions { get; init; } = ulong.MaxValue;
    public uint MemoryBytes { get; init; } = 16 << 20;
    public CostTable Costs { get; init; } = CostTable.Default;
    /// <summary>The machine every run uses (--machine).</summary>
    public MachineVariant Variant { get; init; } = MachineVariant.R4;
    /// <summary>The console input every run reads (the same bytes each time).</summary>
    public byte[] ConsoleInput { get; init; } = [];
    /// <summary>The disk image's bytes, or null for no disk: each run gets a fresh temporary
    /// copy, so runs cannot see each other's writes.</summary>
    public byte[]? DiskImage { get; init; }
    /// <summary>Names the runs' disk copies ("r4-NAME-disk-…" in the temporary folder), so that
    /// each experiment's are told apart.</summary>
    public string DiskCopyName { get; init; } = "compare";
    /// <summary>Every run hosted (Type 2, `--hosted`): device exits through the world switch to
    /// the user-level part (R4.Hosted.HostedWorld), costed in cycles and measured.</summary>
    public bool Hosted { get; init; }
    /// <summary>Called before each run: (runs done, runs in all, guest, layout).</summary>
    public Action<int, int, string, string>? Progress { get; init; }
}

public static class LayoutExperiment
{
    public static ExperimentResult Run(IReadOnlyList<ExperimentGuest> guests, ExperimentSettings settings)
    {
        if (settings.Layouts.Count == 0) throw new ArgumentException("no layout to compare", nameof(settings));
        if (settings.Repeat < 1) throw new ArgumentOutOfRangeException(nameof(settings), "repeat must be at least 1");
        int total = guests.Count * settings.Layouts.Count * (settings.Warmup + settings.Repeat);
        int done = 0;
        var comparisons = new List<GuestComparison>();
        var disagreements = new List<Disagreement>();
        foreach (var guest in guests)
        {
            var first = new LayoutRun?[settings.Layouts.Count];
            var hostSeconds = settings.Layouts.Select(_ => new List<double>()).ToArray();
            // Rounds interleave the layouts so that a change in the host's load hits every
            // layout alike (the shared machine is rarely quiet).
            for (int round = 0; round < settings.Warmup + settings.Repeat; round++)
            {
                for (int i = 0; i < settings.Layouts.Count; i++)
                {
                    settings.Progress?.Invoke(done++, total, guest.Name, settings.Layouts[i].Name);
                    var run = RunOnce(guest, settings.Layouts[i], settings);
                    if (first[i] is null)
                        first[i] = run;
                    else
                        foreach (string what in Differences(first[i]!, run))
                            disagreements.Add(new Disagreement(guest.Name, run.Layout, $"its own first run (run {round + 1} is not deterministic)", what));
                    if (round >= settings.Warmup)
                        hostSeconds[i].Add(run.HostSeconds[0]);
                }
            }
            var runs = first.Select((run, i) => run! with { HostSeconds = hostSeconds[i] }).ToList();
            disagreements.AddRange(WithFirstDifferingInstructions(guest, CheckAgreement(runs), settings));
            comparisons.Add(new GuestComparison(guest.Name, runs));
        }
        settings.Progress?.Invoke(total, total, "", "");
        return new ExperimentResult(settings.Layouts, comparisons, disagreements);
    }

    /// <summary>One run on a fresh machine.</summary>
    public static LayoutRun RunOnce(ExperimentGuest guest, Layout layout, ExperimentSettings settings, ITraceSink? trace = null, bool hosted = false)
    {
        using var console = new MemoryStream();
        using var input = new MemoryStream(settings.ConsoleInput, writable: false);
        using var disk = settings.DiskImage is null ? null : new TemporaryDisk(settings.DiskImage, settings.DiskCopyName);
        var diagnostics = new StringWriter();
        var options = new MachineOptions
        {
            MemoryBytes = settings.MemoryBytes,
            Costs = settings.Costs,
            Variant = settings.Variant,
            ConsoleInput = input,
            ConsoleOutput = console,
            Diagnostics = diagnostics,
            DiskImagePath = disk?.Path,
        };
        using var machine = GuestMachine.Create(options, layout);
        machine.Load(guest.Image);
        using var world = settings.Hosted || hosted ? new R4.Hosted.HostedWorld(machine) : null;
        machine.Trace = trace;
        var result = machine.Run(settings.MaxInstructions);
        var stats = machine.Statistics;
        var exits = machine.Exits;
        return new LayoutRun(
            guest.Name, layout.Name, result.Reason, result.ExitStatus, console.ToArray(),
            diagnostics.ToString() + (result.Diagnostic ?? ""),
            machine.CaptureState(), stats.Instructions, stats.Cycles, stats.TlbMisses, stats.TlbFlushes,
            exits?.TotalExits ?? 0, exits?.PageTableSwitches ?? 0, exits?.ByName() ?? [],
            [stats.HostSeconds], exits?.CyclesByName());
    }

    /// <summary>After each layout's disagreements, the first instruction where its trace leaves
    /// the reference layout's (both runs repeated with a per-instruction trace, which only a
    /// disagreeing guest pays for; exact however long the runs): "first differing instruction:
    /// traces diverge at entry ...".</summary>
    private static IEnumerable<Disagreement> WithFirstDifferingInstructions(ExperimentGuest guest, IReadOnlyList<Disagreement> disagreements, ExperimentSettings settings)
    {
        foreach (var group in disagreements.GroupBy(d => d.Layout))
        {
            foreach (var disagreement in group) yield return disagreement;
            var first = group.First();
            var reference = settings.Layouts.Single(l => l.Name == first.ReferenceLayout);
            var layout = settings.Layouts.Single(l => l.Name == first.Layout);
            if (TraceComparison.FirstDivergence(trace => RunOnce(guest, reference, settings, trace), trace => RunOnce(guest, layout, settings, trace)) is { } divergence)
                yield return first with { What = "first differing instruction: " + divergence.Describe(
                    (word, pc) => R4.Assembler.Disassembler.Format(word, pc, guest.Image), first.ReferenceLayout, first.Layout) };
        }
    }

    /// <summary>A run's own copy of the disk image, deleted after the run.</summary>
    internal sealed class TemporaryDisk : IDisposable
    {
        /// <param name="experiment">Names the file ("r4-compare-disk-…"), so each experiment's copies are told apart.</param>
        public TemporaryDisk(byte[] image, string experiment = "compare")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"r4-{experiment}-disk-{Environment.ProcessId}-{Guid.NewGuid():N}.img");
            File.WriteAllBytes(Path, image);
        }

        public string Path { get; }

        public void Dispose()
        {
            try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Compares every run of one guest with its first run (spec §9.2); each
    /// difference names the guest, the layout and what differs.</summary>
    public static IReadOnlyList<Disagreement> CheckAgreement(IReadOnlyList<LayoutRun> runs)
    {
        var list = new List<Disagreement>();
        if (runs.Count == 0) return list;
        var reference = runs[0];
        foreach (var run in runs.Skip(1))
            foreach (string what in GuestVisibleDifferences(reference, run))
                list.Add(new Disagreement(run.Guest, run.Layout, reference.Layout, what));
        return list;
    }

    /// <summary>What the guest could tell apart between two runs: console output, how it
    /// stopped, retired instructions and — for guests that finished — the final registers.</summary>
    public static IEnumerable<string> GuestVisibleDifferences(LayoutRun expected, LayoutRun actual)
    {
        if (!expected.ConsoleOutput.AsSpan().SequenceEqual(actual.ConsoleOutput))
            yield return "console output " + DescribeOutputDifference(expected, actual);
        if (expected.Reason != actual.Reason)
            yield return $"stop reason {actual.Reason} instead of {expected.Reason}" +
                         (actual.Diagnostics.Length > 0 ? $" ({FirstLine(actual.Diagnostics)})" : "");
        else if (expected.ExitStatus != actual.ExitStatus)
            yield return $"exit status {actual.ExitStatus} instead of {expected.ExitStatus}";
        if (expected.Instructions != actual.Instructions)
            yield return $"retired instructions {actual.Instructions} instead of {expected.Instructions}";
        if (expected.Reason == StopReason.PowerOff && actual.Reason == StopReason.PowerOff)
        {
            var a = expected.FinalState;
            var b = actual.FinalState;
            if (a.Pc != b.Pc) yield return $"final pc 0x{b.Pc:x8} instead of 0x{a.Pc:x8}";
            for (int r = 0; r < Math.Min(a.Registers.Count, b.Registers.Count); r++)
                if (a.Registers[r] != b.Registers[r])
                    yield return $"final {R4.Isa.Registers.Name(r)} 0x{b.Registers[r]:x} instead of 0x{a.Registers[r]:x}";
            if (a.Cpl != b.Cpl) yield return $"final ring {b.Cpl} instead of {a.Cpl}";
            if (a.InterruptEnable != b.InterruptEnable) yield return $"final IE {(b.InterruptEnable ? 1 : 0)} instead of {(a.InterruptEnable ? 1 : 0)}";
        }
    }

    /// <summary>Every difference between two runs except host time (for the repeat check).</summary>
    private static IEnumerable<string> Differences(LayoutRun expected, LayoutRun actual)
    {
        foreach (string what in GuestVisibleDifferences(expected, actual)) yield return what;
        if (expected.Cycles != actual.Cycles) yield return $"cycles {actual.Cycles} instead of {expected.Cycles}";
        if (expected.MonitorExits != actual.MonitorExits) yield return $"monitor exits {actual.MonitorExits} instead of {expected.MonitorExits}";
    }

    private static string DescribeOutputDifference(LayoutRun expected, LayoutRun actual)
    {
        var a = expected.ConsoleOutput;
        var b = actual.ConsoleOutput;
        int at = 0;
        while (at < a.Length && at < b.Length && a[at] == b[at]) at++;
        return $"differs at byte {at}: {Excerpt(b, at)} instead of {Excerpt(a, at)} ({b.Length} bytes instead of {a.Length})";
    }

    private static string Excerpt(byte[] bytes, int at)
    {
        if (at >= bytes.Length) return "<end>";
        var text = Encoding.UTF8.GetString(bytes, at, Math.Min(24, bytes.Length - at));
        return "\"" + text.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";
    }

    private static string FirstLine(string text)
    {
        text = text.Trim();
        int newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline].TrimEnd();
    }
}
