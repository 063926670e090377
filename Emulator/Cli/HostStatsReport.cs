// `r4 host --stats` (a summary on stderr) and `--stats-json` (one JSON document): per guest,
// in the order given, what `r4 run --stats-json` reports for a run (stop, exit status and
// code, instructions, cycles, host time, traps, TLB, layout, exits by cause) plus what the
// Type 1 host adds (partition, slices, world switches and their cycles, idle instructions);
// for the machine, the totals, the monitor's share of the modelled cycles and idle time.
using R4.Host;
using R4.Isa;
using R4.Machine;

namespace R4.Cli;

public static class HostStatsReport
{
    /// <summary>Modelled cycles the monitor spent for a guest: its exits plus the world switches into it.</summary>
    private static ulong MonitorCycles(HostedGuest guest) => guest.Monitor.Exits.ModelledCycles + guest.WorldSwitchCycles;

    public static void WriteSummary(TextWriter error, Type1Host host)
    {
        foreach (var guest in host.Guests)
        {
            var stats = guest.Statistics;
            var result = guest.Result!;
            string stop = result.Reason == StopReason.PowerOff ? $"PowerOff (exit status {result.ExitStatus})" : $"{result.Reason} (exit code {RunVerb.ExitCodeOf(result)})";
            error.WriteLine($"{guest.Description} [{guest.Spec.Layout.Name}]: {stop}");
            error.WriteLine($"  instructions: {stats.Instructions:N0} ({guest.IdleInstructions:N0} idle in hlt), cycles: {stats.Cycles:N0}, host time: {stats.HostSeconds:F3} s");
            error.WriteLine($"  slices: {guest.Slices:N0}, world switches: {guest.WorldSwitches:N0} ({guest.WorldSwitchCycles:N0} cycles), monitor exits: {guest.Monitor.Exits.TotalExits:N0} ({guest.Monitor.Exits.ModelledCycles:N0} cycles)");
            string exits = string.Join(", ", guest.Monitor.Exits.ByName().Select(kv => $"{kv.Key} {kv.Value:N0}"));
            if (exits.Length > 0) error.WriteLine($"  exits: {exits}");
        }
        var (instructions, cycles, monitor, idle) = Totals(host);
        error.WriteLine($"machine: {host.Guests.Count} guests, {PartitionPlan.Size(host.Plan.MachineRamBytes)} RAM, {instructions:N0} instructions ({idle:N0} idle), {cycles:N0} cycles, host time {host.HostSeconds:F3} s");
        error.WriteLine($"  world switches: {host.WorldSwitches:N0} ({host.SwitchHostSeconds:F3} s host), monitor share: {Share(monitor, cycles):P1} of the cycles");
    }

    public static byte[] ToJson(Type1Host host)
    {
        var guests = host.Guests.Select(guest =>
        {
            var stats = guest.Statistics;
            var result = guest.Result!;
            var traps = new SortedDictionary<int, long>();
            for (int v = 0; v < Vectors.Count; v++)
                if (stats.TrapsByVector[v] != 0) traps[v] = stats.TrapsByVector[v];
            return new Dictionary<string, object?>
            {
                ["guest"] = guest.Spec.Name,
                ["layout"] = guest.Spec.Layout.Name,
                ["stopReason"] = result.Reason.ToString(),
                ["exitStatus"] = result.Reason == StopReason.PowerOff ? result.ExitStatus : null,
                ["exitCode"] = RunVerb.ExitCodeOf(result),
                ["instructions"] = stats.Instructions,
                ["cycles"] = stats.Cycles,
                ["hostSeconds"] = stats.HostSeconds,
                ["idleInstructions"] = guest.IdleInstructions,
                ["slices"] = guest.Slices,
                ["weight"] = guest.Spec.Weight,
                ["worldSwitches"] = guest.WorldSwitches,
                ["worldSwitchCycles"] = guest.WorldSwitchCycles,
                ["exits"] = guest.Monitor.Exits.ByName().ToDictionary(kv => kv.Key, kv => kv.Value),
                ["exitsTotal"] = guest.Monitor.Exits.TotalExits,
                ["monitorCycles"] = MonitorCycles(guest),
                ["traps"] = traps.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
                ["tlbMisses"] = stats.TlbMisses,
                ["tlbFlushes"] = stats.TlbFlushes,
                ["ramBytes"] = guest.Map.GuestRamBytes,
                ["partitionBase"] = guest.Map.PartitionBase,
                ["firstSector"] = guest.Spec.FirstSector,
                ["sectors"] = guest.Spec.SectorCount,
            };
        }).ToList();
        var (instructions, cycles, monitor, idle) = Totals(host);
        var document = new Dictionary<string, object?>
        {
            ["guests"] = guests,
            ["hostSeconds"] = host.HostSeconds,
            ["instructions"] = instructions,
            ["cycles"] = cycles,
            ["monitorCycles"] = monitor,
            ["monitorShare"] = Share(monitor, cycles),
            ["idleInstructions"] = idle,
            ["idleShare"] = Share(idle, instructions),
            ["worldSwitches"] = host.WorldSwitches,
            ["worldSwitchHostSeconds"] = host.SwitchHostSeconds,
            ["sliceInstructions"] = host.SliceInstructions,
            ["machineRamBytes"] = host.Plan.MachineRamBytes,
        };
        return JsonText.ToUtf8(document);
    }

    // ---- r4 host --hosted: several Type 2 VMs, each alone on the host OS ------------------------

    public static void WriteHostedSummary(TextWriter error, IReadOnlyList<R4.Hosted.HostedVmResult> vms, double hostSeconds)
    {
        for (int i = 0; i < vms.Count; i++)
        {
            var vm = vms[i];
            var result = vm.Result;
            string stop = result.Reason == StopReason.PowerOff ? $"PowerOff (exit status {result.ExitStatus})" : $"{result.Reason} (exit code {RunVerb.ExitCodeOf(result)})";
            error.WriteLine($"guest {i + 1} ({vm.Spec.Name}) [{vm.Spec.Layout.Name}, hosted]: {stop}");
            error.WriteLine($"  instructions: {vm.Statistics.Instructions:N0}, cycles: {vm.Statistics.Cycles:N0}, host time: {vm.Statistics.HostSeconds:F3} s");
            error.WriteLine($"  world switches: {vm.Hosted["worldSwitches"]:N0}, host calls: {vm.Hosted["hostCalls"]:N0} ({vm.Hosted["hostedCycles"]:N0} cycles), " +
                            $"monitor exits: {vm.MonitorExits:N0}, host RAM committed: {vm.HostRamCommittedBytes / 1024:N0} KiB");
        }
        ulong instructions = vms.Aggregate(0UL, (sum, vm) => sum + vm.Statistics.Instructions);
        ulong cycles = vms.Aggregate(0UL, (sum, vm) => sum + vm.Statistics.Cycles);
        error.WriteLine($"host: {vms.Count} hosted VMs, {instructions:N0} instructions, {cycles:N0} cycles, host time {hostSeconds:F3} s, " +
                        $"{vms.Sum(vm => vm.HostRamCommittedBytes) / 1024:N0} KiB of host RAM committed");
    }

    /// <summary>The same document as a Type 1 run's where the keys mean the same; per guest a
    /// "hosted" object (world switches, host calls, their cycles, host RAM committed).</summary>
    public static byte[] HostedToJson(IReadOnlyList<R4.Hosted.HostedVmResult> vms, double hostSeconds)
    {
        var guests = vms.Select(vm => new Dictionary<string, object?>
        {
            ["guest"] = vm.Spec.Name,
            ["layout"] = vm.Spec.Layout.Name,
            ["stopReason"] = vm.Result.Reason.ToString(),
            ["exitStatus"] = vm.Result.Reason == StopReason.PowerOff ? vm.Result.ExitStatus : null,
            ["exitCode"] = RunVerb.ExitCodeOf(vm.Result),
            ["instructions"] = vm.Statistics.Instructions,
            ["cycles"] = vm.Statistics.Cycles,
            ["hostSeconds"] = vm.Statistics.HostSeconds,
            ["exits"] = vm.ExitsByCause.ToDictionary(kv => kv.Key, kv => kv.Value),
            ["exitsTotal"] = vm.MonitorExits,
            ["monitorCycles"] = vm.MonitorCycles,
            ["tlbMisses"] = vm.Statistics.TlbMisses,
            ["tlbFlushes"] = vm.Statistics.TlbFlushes,
            ["ramBytes"] = vm.Spec.Options.MemoryBytes,
            ["hosted"] = vm.Hosted,
        }).ToList();
        var document = new Dictionary<string, object?>
        {
            ["hosted"] = true,
            ["guests"] = guests,
            ["hostSeconds"] = hostSeconds,
            ["instructions"] = vms.Aggregate(0UL, (sum, vm) => sum + vm.Statistics.Instructions),
            ["cycles"] = vms.Aggregate(0UL, (sum, vm) => sum + vm.Statistics.Cycles),
            ["hostRamCommittedBytes"] = vms.Sum(vm => vm.HostRamCommittedBytes),
        };
        return JsonText.ToUtf8(document);
    }

    private static (ulong Instructions, ulong Cycles, ulong Monitor, ulong Idle) Totals(Type1Host host) =>
        host.Guests.Aggregate((0UL, 0UL, 0UL, 0UL), (sum, g) =>
            (sum.Item1 + g.Statistics.Instructions, sum.Item2 + g.Statistics.Cycles, sum.Item3 + MonitorCycles(g), sum.Item4 + g.IdleInstructions));

    private static double Share(ulong part, ulong whole) => whole == 0 ? 0 : (double)part / whole;
}
