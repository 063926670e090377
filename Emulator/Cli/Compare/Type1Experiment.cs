// The Type 1 scaling experiment of `r4 compare --type1` (issue 10, docs/host.md "The Type 1
// experiment"): the same guest mix on one machine at N = 1, 2, 4, … guests — guest i runs mix
// member i mod k in layout i mod (number of layouts) — measuring what sharing the machine
// costs: throughput per guest, the monitor's share of the cycles (its exits and the world
// switches), cycles per world switch, and the efficiency against the same guests each run
// alone on the machine. Every guest is also checked against its solo run (spec §11.1: the
// guest cannot tell), as `r4 compare` checks layouts. Everything but host time is exact.
using System.Globalization;
using R4.Cli.Charts;
using R4.Host;
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Cli.Compare;

/// <summary>One machine of the experiment: N guests together. Exact counters plus host time.</summary>
public sealed record Type1Point(
    int Guests,
    ulong Instructions,
    ulong IdleInstructions,
    ulong Cycles,
    ulong MonitorCycles,
    long WorldSwitches,
    ulong WorldSwitchCycles,
    ulong SoloCycles,
    IReadOnlyList<double> HostSeconds,
    IReadOnlyList<double> SwitchHostSeconds)
{
    public double HostSecondsMedian => LayoutRun.Median(HostSeconds);
    /// <summary>Guest instructions per 1000 machine cycles, per guest: the share of the machine each guest gets.</summary>
    public double InstructionsPerKiloCyclePerGuest => Cycles == 0 ? 0 : Instructions * 1000.0 / Cycles / Guests;
    /// <summary>The monitor's share of the machine's cycles: its exits and the world switches.</summary>
    public double MonitorShare => Cycles == 0 ? 0 : (double)MonitorCycles / Cycles;
    public double WorldSwitchShare => Cycles == 0 ? 0 : (double)WorldSwitchCycles / Cycles;
    public double CyclesPerWorldSwitch => WorldSwitches == 0 ? 0 : (double)WorldSwitchCycles / WorldSwitches;
    /// <summary>Cycles the N guests need each alone on the machine over the cycles they took together.</summary>
    public double Efficiency => Cycles == 0 ? 0 : (double)SoloCycles / Cycles;
    /// <summary>Millions of guest instructions per host second, per guest.</summary>
    public double HostMipsPerGuest => HostSecondsMedian <= 0 ? 0 : Instructions / HostSecondsMedian / 1e6 / Guests;
    public double HostMicrosecondsPerWorldSwitch => WorldSwitches == 0 ? 0 : LayoutRun.Median(SwitchHostSeconds) * 1e6 / WorldSwitches;
}

public sealed record Type1Result(IReadOnlyList<string> Mix, IReadOnlyList<Type1Point> Points, IReadOnlyList<string> Disagreements, ulong SliceInstructions);

public sealed class Type1Settings
{
    public required IReadOnlyList<ExperimentGuest> Mix { get; init; }
    /// <summary>Guest i runs in Layouts[i mod count].</summary>
    public required IReadOnlyList<Layout> Layouts { get; init; }
    public required IReadOnlyList<int> GuestCounts { get; init; }
    public ulong SliceInstructions { get; init; } = HostOptions.DefaultSliceInstructions;
    public ExperimentSettings Run { get; init; } = new();
}

public static class Type1Experiment
{
    /// <summary>1, 2, 4, …, 64: the issue's guest counts.</summary>
    public static IReadOnlyList<int> DefaultGuestCounts { get; } = [1, 2, 4, 8, 16, 32, 64];

    public static Type1Result Run(Type1Settings settings)
    {
        var run = settings.Run;
        // Each distinct (member, layout) alone on the machine: the oracle and the efficiency's baseline.
        var solo = new Dictionary<(int Member, string Layout), HostGuestRun>();
        HostGuestRun Solo(int member, Layout layout)
        {
            if (!solo.TryGetValue((member, layout.Name), out var result))
                solo[(member, layout.Name)] = result = RunMachine(settings, [(member, layout)]).Guests[0];
            return result;
        }
        var disagreements = new List<string>();
        var points = new List<Type1Point>();
        int total = settings.GuestCounts.Count * (run.Warmup + run.Repeat), done = 0;
        foreach (int count in settings.GuestCounts)
        {
            var guests = Enumerable.Range(0, count)
                .Select(i => (Member: i % settings.Mix.Count, Layout: settings.Layouts[i % settings.Layouts.Count])).ToList();
            MachineRun? first = null;
            var hostSeconds = new List<double>();
            var switchSeconds = new List<double>();
            for (int round = 0; round < run.Warmup + run.Repeat; round++)
            {
                run.Progress?.Invoke(done++, total, $"{count} guest{(count == 1 ? "" : "s")}", string.Join(",", settings.Layouts.Select(l => l.Name)));
                var machine = RunMachine(settings, guests);
                first ??= machine;
                if (round >= run.Warmup)
                {
                    hostSeconds.Add(machine.HostSeconds);
                    switchSeconds.Add(machine.SwitchHostSeconds);
                }
            }
            for (int i = 0; i < count; i++)
            {
                var (member, layout) = guests[i];
                var alone = Solo(member, layout);
                foreach (string what in LayoutExperiment.GuestVisibleDifferences(alone.Run, first!.Guests[i].Run))
                    disagreements.Add($"{count} guests: guest {i + 1} ({settings.Mix[member].Name}, {layout.Name}) differs from its solo run: {what}");
            }
            var g = first!.Guests;
            points.Add(new Type1Point(count,
                g.Aggregate(0UL, (s, x) => s + x.Run.Instructions),
                g.Aggregate(0UL, (s, x) => s + x.IdleInstructions),
                g.Aggregate(0UL, (s, x) => s + x.Run.Cycles),
                g.Aggregate(0UL, (s, x) => s + x.MonitorCycles),
                g.Sum(x => x.WorldSwitches),
                g.Aggregate(0UL, (s, x) => s + x.WorldSwitchCycles),
                guests.Aggregate(0UL, (s, x) => s + Solo(x.Member, x.Layout).Run.Cycles),
                hostSeconds, switchSeconds));
        }
        run.Progress?.Invoke(total, total, "", "");
        return new Type1Result(settings.Mix.Select(m => m.Name).ToList(), points, disagreements, settings.SliceInstructions);
    }

    /// <summary>One guest of a host run, as `r4 compare` records a run, plus the host's counters.</summary>
    internal sealed record HostGuestRun(LayoutRun Run, ulong IdleInstructions, ulong MonitorCycles, long WorldSwitches, ulong WorldSwitchCycles);

    internal sealed record MachineRun(IReadOnlyList<HostGuestRun> Guests, double HostSeconds, double SwitchHostSeconds);

    /// <summary>One fresh machine with these guests; with a disk image, the machine disk is one
    /// copy of it per guest, guest i's window the i-th copy.</summary>
    internal static MachineRun RunMachine(Type1Settings settings, IReadOnlyList<(int Member, Layout Layout)> guests)
    {
        var run = settings.Run;
        string? diskPath = null;
        ulong sectorsPerGuest = 0;
        if (run.DiskImage is { } image)
        {
            sectorsPerGuest = ((ulong)image.Length + DiskDevice.SectorBytes - 1) / DiskDevice.SectorBytes;
            diskPath = Path.Combine(Path.GetTempPath(), $"r4-type1-disk-{Environment.ProcessId}-{Guid.NewGuid():N}.img");
            using (var file = new FileStream(diskPath, FileMode.CreateNew))
                for (int i = 0; i < guests.Count; i++)
                {
                    file.Position = (long)((ulong)i * sectorsPerGuest * DiskDevice.SectorBytes);
                    file.Write(image);
                }
        }
        try
        {
            var consoles = guests.Select(_ => new MemoryStream()).ToList();
            var diagnostics = new StringWriter();
            var specs = guests.Select((g, i) => new GuestSpec
            {
                Name = settings.Mix[g.Member].Name,
                Image = settings.Mix[g.Member].Image,
                Layout = g.Layout,
                RamBytes = run.MemoryBytes,
                FirstSector = (ulong)i * sectorsPerGuest,
                SectorCount = sectorsPerGuest,
                ConsoleInput = new MemoryStream(run.ConsoleInput, writable: false),
                ConsoleOutput = consoles[i],
                MaxInstructions = run.MaxInstructions,
            }).ToList();
            var options = new HostOptions
            {
                DiskImagePath = diskPath,
                SliceInstructions = settings.SliceInstructions,
                Costs = run.Costs,
                Diagnostics = diagnostics,
            };
            Type1Host host;
            try { host = Type1Host.Create(options, specs); }
            catch (HostConfigurationException e) { throw new UserError(e.Message, ExitCodes.BadInput); }
            using (host)
            {
                host.Run();
                var results = host.Guests.Select((guest, i) =>
                {
                    var stats = guest.Statistics;
                    var exits = guest.Monitor.Exits;
                    var layoutRun = new LayoutRun(guest.Spec.Name, guest.Spec.Layout.Name, guest.Result!.Reason, guest.Result.ExitStatus,
                        consoles[i].ToArray(), guest.Result.Diagnostic ?? "", guest.FinalState!, stats.Instructions, stats.Cycles,
                        stats.TlbMisses, stats.TlbFlushes, exits.TotalExits, exits.PageTableSwitches, exits.ByName(), [stats.HostSeconds],
                        exits.CyclesByName());
                    return new HostGuestRun(layoutRun, guest.IdleInstructions, exits.ModelledCycles + guest.WorldSwitchCycles,
                        guest.WorldSwitches, guest.WorldSwitchCycles);
                }).ToList();
                return new MachineRun(results, host.HostSeconds, host.SwitchHostSeconds);
            }
        }
        finally
        {
            if (diskPath is not null)
                try { File.Delete(diskPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // ---- the report ----------------------------------------------------------------------

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly TableColumn[] Columns =
    [
        new("guests", "guests"),
        new("instructions", "instructions"),
        new("idle_instructions", "idle"),
        new("cycles", "cycles"),
        new("instructions_per_kcycle_per_guest", "instr/kcycle/guest"),
        new("efficiency", "efficiency"),
        new("monitor_share", "monitor share"),
        new("world_switches", "world switches"),
        new("cycles_per_world_switch", "cycles/switch"),
        new("world_switch_share", "switch share"),
        new("host_ms_median", "host ms"),
        new("host_mips_per_guest", "host MIPS/guest"),
        new("host_us_per_world_switch", "host µs/switch"),
    ];

    private static string Percent(double share) => (share * 100).ToString("F2", Invariant) + "%";

    private static string[] Row(Type1Point p) =>
    [
        p.Guests.ToString(Invariant),
        p.Instructions.ToString(Invariant),
        p.IdleInstructions.ToString(Invariant),
        p.Cycles.ToString(Invariant),
        p.InstructionsPerKiloCyclePerGuest.ToString("F2", Invariant),
        Percent(p.Efficiency),
        Percent(p.MonitorShare),
        p.WorldSwitches.ToString(Invariant),
        p.WorldSwitches == 0 ? "-" : p.CyclesPerWorldSwitch.ToString("F0", Invariant),
        Percent(p.WorldSwitchShare),
        (p.HostSecondsMedian * 1000).ToString("F2", Invariant),
        p.HostMipsPerGuest.ToString("F2", Invariant),
        p.WorldSwitches == 0 ? "-" : p.HostMicrosecondsPerWorldSwitch.ToString("F2", Invariant),
    ];

    public static string Format(Type1Result result, CompareFormat format)
    {
        if (format == CompareFormat.Json) return Json(result);
        string table = ExperimentTable.Format(Columns, result.Points.Select(Row).ToList(), format);
        if (format == CompareFormat.Csv) return table;
        string heading = $"Type 1: the mix {string.Join(", ", result.Mix)} at {string.Join(", ", result.Points.Select(p => p.Guests))} guests, slice {result.SliceInstructions} instructions";
        return (format == CompareFormat.Markdown ? "**" + heading + "**\n\n" : heading + "\n") + table;
    }

    private static string Json(Type1Result result)
    {
        var document = new Dictionary<string, object?>
        {
            ["experiment"] = "type1",
            ["mix"] = result.Mix,
            ["sliceInstructions"] = result.SliceInstructions,
            ["guestsAgree"] = result.Disagreements.Count == 0,
            ["disagreements"] = result.Disagreements,
            ["points"] = result.Points.Select(p => new Dictionary<string, object?>
            {
                ["guests"] = p.Guests,
                ["instructions"] = p.Instructions,
                ["idleInstructions"] = p.IdleInstructions,
                ["cycles"] = p.Cycles,
                ["soloCycles"] = p.SoloCycles,
                ["monitorCycles"] = p.MonitorCycles,
                ["worldSwitches"] = p.WorldSwitches,
                ["worldSwitchCycles"] = p.WorldSwitchCycles,
                ["instructionsPerKiloCyclePerGuest"] = Math.Round(p.InstructionsPerKiloCyclePerGuest, 6),
                ["efficiency"] = Math.Round(p.Efficiency, 6),
                ["monitorShare"] = Math.Round(p.MonitorShare, 6),
                ["worldSwitchShare"] = Math.Round(p.WorldSwitchShare, 6),
                ["cyclesPerWorldSwitch"] = Math.Round(p.CyclesPerWorldSwitch, 6),
                ["hostSeconds"] = new Dictionary<string, object> { ["median"] = p.HostSecondsMedian, ["samples"] = p.HostSeconds.ToArray() },
                ["hostMipsPerGuest"] = p.HostMipsPerGuest,
                ["hostMicrosecondsPerWorldSwitch"] = p.HostMicrosecondsPerWorldSwitch,
            }).ToArray(),
        };
        return JsonText.ToText(document) + "\n";
    }

    /// <summary>The chart: per guest count, the monitor's share, the world switches' share and the
    /// efficiency against solo runs, all in percent of the machine's cycles.</summary>
    public static BarChart Chart(Type1Result result) =>
        new("Type 1: sharing one machine among N guests (modelled cycles)", "guests on the machine", "% of the machine's cycles",
            result.Points.Select(p => p.Guests.ToString(Invariant)).ToList(),
            [
                new ChartSeries("efficiency vs solo runs", result.Points.Select(p => p.Efficiency * 100).ToList(), "#2ca02c"),
                new ChartSeries("monitor share (exits + world switches)", result.Points.Select(p => p.MonitorShare * 100).ToList(), "#d62728"),
                new ChartSeries("world switches", result.Points.Select(p => p.WorldSwitchShare * 100).ToList(), "#1f77b4"),
            ])
        { ValueSuffix = "%", ValueFormat = "0.##" };
}
