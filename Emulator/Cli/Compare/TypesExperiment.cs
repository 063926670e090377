// The Type 1 vs Type 2 experiment of `r4 compare --type1-vs-type2` (issue 11 item 2, docs/hosted.md
// "The lecture's table, measured"): the lecture's comparison table with a measured figure in each
// row. Performance: each guest natively, together with the others on one Type 1 host (Type1Host,
// the experiment's layout) and alone as a hosted VM (HostedWorld: world switches and host calls);
// modelled cycles are exact, host time the median of --repeat. Guests that fit: machine RAM over
// a guest's slot (partition + monitor area, PartitionPlan — checked by placing them), Type 2 after
// the host OS's share (--host-os-mem, modelled; docs/hosted.md gives its source), and the host
// memory a hosted guest really commits (measured). Migration: R4.Snapshots.LiveMigration over an
// in-memory duplex stream, the guest that commits the most memory at half its run, under its monitor (Type 1) and
// hosted (Type 2), the received guest run to its end and checked against the native run.
using System.Globalization;
using R4.Cli.Charts;
using R4.Host;
using R4.Hosted;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Cli.Compare;

public sealed record TypesPerformance(string Guest, LayoutRun Native, LayoutRun Type1, LayoutRun Type2,
    IReadOnlyList<double> NativeHost, IReadOnlyList<double> Type1Host, IReadOnlyList<double> Type2Host)
{
    public double Type1CycleSlowdown => (double)Type1.Cycles / Math.Max(1, Native.Cycles);
    public double Type2CycleSlowdown => (double)Type2.Cycles / Math.Max(1, Native.Cycles);
    public double Type1HostSlowdown => LayoutRun.Median(Type1Host) / Math.Max(1e-9, LayoutRun.Median(NativeHost));
    public double Type2HostSlowdown => LayoutRun.Median(Type2Host) / Math.Max(1e-9, LayoutRun.Median(NativeHost));
}

/// <summary>How many guests of <see cref="GuestRamBytes"/> fit in <see cref="MachineRamBytes"/>.</summary>
public sealed record TypesFit(ulong MachineRamBytes, ulong HostOsBytes, uint GuestRamBytes, ulong SlotBytes, int Type1Guests, int Type2Guests,
    string CommittedGuest, long Type2CommittedBytes, int Type2GuestsByTouch);

public sealed record TypesMigration(string Guest, ulong AtInstruction, MigrationReport? Type1, MigrationReport? Type2,
    string? Type1Problem, string? Type2Problem, ulong DiskBytes);

public sealed record TypesResult(string Layout, IReadOnlyList<TypesPerformance> Performance, TypesFit Fit, TypesMigration Migration, IReadOnlyList<string> Disagreements);

public sealed class TypesSettings
{
    public required IReadOnlyList<ExperimentGuest> Guests { get; init; }
    public required Layout Layout { get; init; }
    public ulong MachineRamBytes { get; init; } = DefaultMachineRamBytes;
    /// <summary>The host OS's share of a Type 2 machine (docs/hosted.md: Debian's desktop minimum).</summary>
    public ulong HostOsBytes { get; init; } = DefaultHostOsBytes;
    public ExperimentSettings Run { get; init; } = new();

    public const ulong DefaultMachineRamBytes = 2UL << 30;
    public const ulong DefaultHostOsBytes = 1UL << 30;
}

public static class TypesExperiment
{
    public static TypesResult Run(TypesSettings settings)
    {
        var run = settings.Run;
        var guests = settings.Guests;
        var layout = settings.Layout;
        int rounds = run.Warmup + run.Repeat, total = rounds * 3 + 2, done = 0;
        var native = new LayoutRun[guests.Count];
        var type1 = new LayoutRun[guests.Count];
        var type2 = new LayoutRun[guests.Count];
        var nativeHost = guests.Select(_ => new List<double>()).ToArray();
        var type1Host = guests.Select(_ => new List<double>()).ToArray();
        var type2Host = guests.Select(_ => new List<double>()).ToArray();
        var type1Settings = new Type1Settings { Mix = guests, Layouts = [layout], GuestCounts = [guests.Count], Run = run };
        for (int round = 0; round < rounds; round++)
        {
            bool timed = round >= run.Warmup;
            run.Progress?.Invoke(done++, total, "every guest", "native");
            for (int i = 0; i < guests.Count; i++)
            {
                var r = LayoutExperiment.RunOnce(guests[i], Layouts.Native, run);
                native[i] ??= r;
                if (timed) nativeHost[i].Add(r.HostSeconds[0]);
            }
            run.Progress?.Invoke(done++, total, "every guest together", $"Type 1 host ({layout.Name})");
            var machine = Type1Experiment.RunMachine(type1Settings, guests.Select((_, i) => (i, layout)).ToList());
            for (int i = 0; i < guests.Count; i++)
            {
                type1[i] ??= machine.Guests[i].Run;
                if (timed) type1Host[i].Add(machine.Guests[i].Run.HostSeconds[0]);
            }
            run.Progress?.Invoke(done++, total, "each guest", $"hosted ({layout.Name})");
            for (int i = 0; i < guests.Count; i++)
            {
                var r = LayoutExperiment.RunOnce(guests[i], layout, run, hosted: true);
                type2[i] ??= r;
                if (timed) type2Host[i].Add(r.HostSeconds[0]);
            }
        }
        var disagreements = new List<string>();
        for (int i = 0; i < guests.Count; i++)
        {
            foreach (string what in LayoutExperiment.GuestVisibleDifferences(native[i], type1[i]))
                disagreements.Add($"{guests[i].Name}: on the Type 1 host it differs from native: {what}");
            foreach (string what in LayoutExperiment.GuestVisibleDifferences(native[i], type2[i]))
                disagreements.Add($"{guests[i].Name}: hosted it differs from native: {what}");
        }
        var performance = guests.Select((g, i) => new TypesPerformance(g.Name, native[i], type1[i], type2[i], nativeHost[i], type1Host[i], type2Host[i])).ToList();

        // the guest that commits the most host memory hosted: the one the memory and migration rows are about
        run.Progress?.Invoke(done++, total, "each guest", "host memory");
        var committed = guests.Select(g => Committed(settings, g)).ToList();
        int largest = Enumerable.Range(0, guests.Count).MaxBy(i => committed[i]);
        var fit = Fit(settings, guests[largest], committed[largest]);
        run.Progress?.Invoke(done++, total, guests[largest].Name, "live migration");
        ulong at = native[largest].Instructions / 2;
        if (run.Warmup > 0) Migrate(guests[largest], layout, hosted: false, run, at, native[largest]);   // untimed: the host's JIT tiers up
        var (report1, problem1) = Migrate(guests[largest], layout, hosted: false, run, at, native[largest]);
        var (report2, problem2) = Migrate(guests[largest], layout, hosted: true, run, at, native[largest]);
        run.Progress?.Invoke(total, total, "", "");
        var migration = new TypesMigration(guests[largest].Name, at, report1, report2, problem1, problem2, (ulong)(run.DiskImage?.LongLength ?? 0));
        return new TypesResult(layout.Name, performance, fit, migration, disagreements);
    }

    private static TypesFit Fit(TypesSettings settings, ExperimentGuest guest, long committedBytes)
    {
        var run = settings.Run;
        GuestSpec Spec(int i) => new() { Name = $"{guest.Name} {i + 1}", Image = guest.Image, Layout = settings.Layout, RamBytes = run.MemoryBytes };
        ulong slot = PartitionPlan.Needed([Spec(0)]);
        int type1 = (int)Math.Min(int.MaxValue, settings.MachineRamBytes / slot);
        // the division is what the Type 1 host itself decides: that many are placed, one more is refused
        if (settings.MachineRamBytes <= HostOptions.MaxMachineRamBytes && type1 is > 0 and < 4096)
        {
            var specs = Enumerable.Range(0, type1 + 1).Select(Spec).ToList();
            PartitionPlan.Place(specs[..type1], (uint)settings.MachineRamBytes, null);
            try
            {
                PartitionPlan.Place(specs, (uint)settings.MachineRamBytes, null);
                throw new InvalidOperationException($"{type1 + 1} guests were placed in {settings.MachineRamBytes} bytes");
            }
            catch (HostConfigurationException) { }
        }
        ulong left = settings.MachineRamBytes > settings.HostOsBytes ? settings.MachineRamBytes - settings.HostOsBytes : 0;
        int type2 = (int)Math.Min(int.MaxValue, left / slot);
        ulong perGuestByTouch = (ulong)committedBytes + (slot - run.MemoryBytes);
        int byTouch = (int)Math.Min(int.MaxValue, left / Math.Max(1, perGuestByTouch));
        return new TypesFit(settings.MachineRamBytes, settings.HostOsBytes, run.MemoryBytes, slot, type1, type2, guest.Name, committedBytes, byTouch);
    }

    /// <summary>What a hosted guest really commits: host memory on first touch (measured).</summary>
    private static long Committed(TypesSettings settings, ExperimentGuest guest)
    {
        var run = settings.Run;
        using var disk = run.DiskImage is null ? null : new LayoutExperiment.TemporaryDisk(run.DiskImage, run.DiskCopyName);
        return DesktopHost.RunOne(new HostedVmSpec(guest.Name, guest.Image, settings.Layout, new MachineOptions
        {
            MemoryBytes = run.MemoryBytes,
            Costs = run.Costs,
            Variant = run.Variant,
            ConsoleInput = new MemoryStream(run.ConsoleInput, writable: false),
            ConsoleOutput = Stream.Null,
            Diagnostics = TextWriter.Null,
            DiskImagePath = disk?.Path,
        }, run.MaxInstructions)).HostRamCommittedBytes;
    }

    /// <summary>Live migration of <paramref name="guest"/> at instruction <paramref name="at"/> to a
    /// receiver in this process over an in-memory duplex stream; the received guest runs to its end
    /// and must finish as the native run did (the two consoles together, the instruction count).</summary>
    private static (MigrationReport? Report, string? Problem) Migrate(ExperimentGuest guest, Layout layout, bool hosted, ExperimentSettings run, ulong at, LayoutRun native)
    {
        using var disk = run.DiskImage is null ? null : new LayoutExperiment.TemporaryDisk(run.DiskImage, run.DiskCopyName);
        var sourceConsole = new MemoryStream();
        var targetConsole = new MemoryStream();
        var options = new MachineOptions
        {
            MemoryBytes = run.MemoryBytes,
            Costs = run.Costs,
            Variant = run.Variant,
            ConsoleInput = new MemoryStream(run.ConsoleInput, writable: false),
            ConsoleOutput = sourceConsole,
            Diagnostics = TextWriter.Null,
            DiskImagePath = disk?.Path,
        };
        using var source = GuestMachine.Create(options, layout);
        source.Load(guest.Image);
        using var world = hosted ? new HostedWorld(source) : null;
        var first = source.Run(at);
        if (first.Reason != StopReason.InstructionLimit)
            return (null, $"the guest ended ({first.Reason}) before instruction {at}");

        var (sourceEnd, targetEnd) = InMemoryDuplex.CreatePair();
        RestoredGuest? received = null;
        string? receiveProblem = null;
        var receiver = new Thread(() =>
        {
            try
            {
                received = LiveMigration.Receive(targetEnd, new RestoreOptions
                {
                    ConsoleOutput = targetConsole,
                    Diagnostics = TextWriter.Null,
                    Costs = run.Costs,
                    CreateMachine = hosted ? (o, l) => Hosting(GuestMachine.Create(o, l)) : null,
                });
            }
            catch (Exception e) when (e is MigrationException or IOException or SnapshotFormatException) { receiveProblem = e.Message; }
            finally { targetEnd.Dispose(); }
        });
        receiver.Start();
        MigrationReport report;
        try
        {
            report = LiveMigration.Send(source, sourceEnd, new SnapshotMetadata
            {
                Layout = layout.Name,
                GuestRamBytes = run.MemoryBytes,
                Instret = source.Cpu.Instret,
                GuestPath = guest.Name,
                Reason = "migration",
            }, new MigrationSettings());
        }
        catch (MigrationException e)
        {
            sourceEnd.Dispose();
            receiver.Join();
            return (null, e.Message);
        }
        sourceEnd.Dispose();
        receiver.Join();
        source.Machine.Bus.Flush();
        if (received is null) return (report, receiveProblem ?? report.GuestStoppedFirst ?? "the receiver restored nothing");
        using (received)
        {
            var result = received.Guest.Run(run.MaxInstructions);
            received.Guest.Machine.Bus.Flush();
            var console = sourceConsole.ToArray().Concat(targetConsole.ToArray()).ToArray();
            if (!console.AsSpan().SequenceEqual(native.ConsoleOutput))
                return (report, "the migrated guest's console output differs from the native run's");
            if (result.Reason != native.Reason || received.Guest.Statistics.Instructions != native.Instructions)
                return (report, $"the migrated guest stopped with {result.Reason} after {received.Guest.Statistics.Instructions} instructions, natively {native.Reason} after {native.Instructions}");
        }
        return (report, null);
    }

    /// <summary>A received machine made hosted: its device exits go through the user-level part.</summary>
    private static GuestMachine Hosting(GuestMachine machine)
    {
        _ = new HostedWorld(machine);   // attaches itself to the machine's bus for the machine's life
        return machine;
    }

    // ---- the report: the lecture's table ------------------------------------------------------

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly TableColumn[] Columns =
    [
        new("row", "", RightAligned: false),
        new("native", "native", RightAligned: false),
        new("type1", "Type 1 (bare-metal host)", RightAligned: false),
        new("type2", "Type 2 (hosted)", RightAligned: false),
        new("lecture", "the lecture's table says", RightAligned: false),
    ];

    private static string Ms(IReadOnlyList<double> seconds) => (LayoutRun.Median(seconds) * 1000).ToString("F2", Invariant) + " ms";

    private static string Migration(MigrationReport? report, string? problem) =>
        report is null || !report.Completed ? $"not measured: {problem}"
        : $"{report.Rounds.Count} rounds, {report.Rounds.Sum(r => r.Pages)} pages, {report.TotalBytes} bytes; downtime {report.DowntimeMilliseconds.ToString("F2", Invariant)} ms " +
          $"≈ {report.DowntimeGuestInstructions} guest instructions" + (problem is null ? "" : $"; {problem}");

    public static IReadOnlyList<string[]> Rows(TypesResult result)
    {
        var rows = new List<string[]>();
        foreach (var p in result.Performance)
            rows.Add(
            [
                $"performance: {p.Guest}",
                $"{p.Native.Cycles} cycles, {Ms(p.NativeHost)}",
                $"{p.Type1CycleSlowdown.ToString("F3", Invariant)}× cycles, {p.Type1HostSlowdown.ToString("F2", Invariant)}× host",
                $"{p.Type2CycleSlowdown.ToString("F3", Invariant)}× cycles, {p.Type2HostSlowdown.ToString("F2", Invariant)}× host",
                "Type 1 faster: Type 2's host OS is a go-between for every device exit",
            ]);
        var f = result.Fit;
        rows.Add(
        [
            $"guests of {PartitionPlan.Size(f.GuestRamBytes)} that fit in {PartitionPlan.Size(f.MachineRamBytes)}",
            "1 (the machine is the guest's)",
            $"{f.Type1Guests} ({PartitionPlan.Size(f.SlotBytes)} each: partition + monitor area)",
            $"{f.Type2Guests} (after the host OS's {PartitionPlan.Size(f.HostOsBytes)})",
            "Type 1 hosts more VMs: Type 2 pays the host OS's share",
        ]);
        rows.Add(
        [
            $"host memory a guest holds ({f.CommittedGuest})",
            $"{PartitionPlan.Size(f.GuestRamBytes)}, all of the machine's",
            $"{PartitionPlan.Size(f.SlotBytes)}, reserved whole",
            $"{PartitionPlan.Size((ulong)f.Type2CommittedBytes)} committed on first touch (measured); so committed, {f.Type2GuestsByTouch} would fit",
            "(host virtual memory: Type 2 may overcommit)",
        ]);
        var m = result.Migration;
        rows.Add(
        [
            $"live migration ({m.Guest} at instruction {m.AtInstruction})",
            "-",
            Migration(m.Type1, m.Type1Problem),
            Migration(m.Type2, m.Type2Problem),
            "Type 2 migrates better: its VM is files and a process",
        ]);
        rows.Add(
        [
            "migration: the guest's disk",
            "-",
            m.DiskBytes == 0 ? "no disk" : $"{m.DiskBytes} bytes of the machine disk's sectors, copied",
            m.DiskBytes == 0 ? "no disk" : "a host file, referenced (moved as a file or left on shared storage)",
            "",
        ]);
        return rows;
    }

    public static string Format(TypesResult result, CompareFormat format)
    {
        if (format == CompareFormat.Json) return Json(result);
        string table = ExperimentTable.Format(Columns, Rows(result), format);
        if (format == CompareFormat.Csv) return table;
        string heading = $"Type 1 vs Type 2, measured (layout {result.Layout}; cycles exact, host time the median)";
        return (format == CompareFormat.Markdown ? "**" + heading + "**\n\n" : heading + "\n") + table;
    }

    private static object? MigrationJson(MigrationReport? report, string? problem) => new Dictionary<string, object?>
    {
        ["completed"] = report?.Completed ?? false,
        ["problem"] = problem,
        ["rounds"] = report?.Rounds.Select(r => new Dictionary<string, object> { ["pages"] = r.Pages, ["bytes"] = r.Bytes, ["foundBy"] = r.FoundBy }).ToArray(),
        ["bytes"] = report?.TotalBytes,
        ["downtimeMilliseconds"] = report?.DowntimeMilliseconds,
        ["downtimeGuestInstructions"] = report?.DowntimeGuestInstructions,
        ["pagesMissedByLog"] = report?.PagesMissedByLog,
    };

    private static string Json(TypesResult result)
    {
        var f = result.Fit;
        var m = result.Migration;
        var document = new Dictionary<string, object?>
        {
            ["experiment"] = "type1-vs-type2",
            ["layout"] = result.Layout,
            ["guestsAgree"] = result.Disagreements.Count == 0,
            ["disagreements"] = result.Disagreements,
            ["performance"] = result.Performance.Select(p => new Dictionary<string, object?>
            {
                ["guest"] = p.Guest,
                ["instructions"] = p.Native.Instructions,
                ["nativeCycles"] = p.Native.Cycles,
                ["type1Cycles"] = p.Type1.Cycles,
                ["type2Cycles"] = p.Type2.Cycles,
                ["type1CycleSlowdown"] = Math.Round(p.Type1CycleSlowdown, 6),
                ["type2CycleSlowdown"] = Math.Round(p.Type2CycleSlowdown, 6),
                ["nativeHostSeconds"] = LayoutRun.Median(p.NativeHost),
                ["type1HostSeconds"] = LayoutRun.Median(p.Type1Host),
                ["type2HostSeconds"] = LayoutRun.Median(p.Type2Host),
            }).ToArray(),
            ["fit"] = new Dictionary<string, object?>
            {
                ["machineRamBytes"] = f.MachineRamBytes,
                ["hostOsBytes"] = f.HostOsBytes,
                ["guestRamBytes"] = f.GuestRamBytes,
                ["slotBytes"] = f.SlotBytes,
                ["type1Guests"] = f.Type1Guests,
                ["type2Guests"] = f.Type2Guests,
                ["committedGuest"] = f.CommittedGuest,
                ["type2CommittedBytes"] = f.Type2CommittedBytes,
                ["type2GuestsByTouch"] = f.Type2GuestsByTouch,
            },
            ["migration"] = new Dictionary<string, object?>
            {
                ["guest"] = m.Guest,
                ["atInstruction"] = m.AtInstruction,
                ["diskBytes"] = m.DiskBytes,
                ["type1"] = MigrationJson(m.Type1, m.Type1Problem),
                ["type2"] = MigrationJson(m.Type2, m.Type2Problem),
            },
        };
        return JsonText.ToText(document) + "\n";
    }

    /// <summary>The chart: per guest, modelled cycles relative to native on the Type 1 host and hosted.</summary>
    public static BarChart Chart(TypesResult result) =>
        new($"Type 1 vs Type 2: modelled cycles relative to native ({result.Layout})", "guest", "slowdown vs native (modelled cycles, log scale)",
            result.Performance.Select(p => p.Guest).ToList(),
            [
                new ChartSeries("Type 1 (bare-metal host)", result.Performance.Select(p => p.Type1CycleSlowdown).ToList(), "#1f77b4"),
                new ChartSeries("Type 2 (hosted)", result.Performance.Select(p => p.Type2CycleSlowdown).ToList(), "#d62728"),
            ])
        { Scale = ValueScale.Log, ValueSuffix = "×", ValueFormat = "0.###" };
}
