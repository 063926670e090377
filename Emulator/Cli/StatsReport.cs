// The --stats summary (human, on stderr) and the --stats-json document. Under a monitor the
// real CPU's traps ("machine traps": into the monitor, or into the guest through a direct gate)
// are kept apart from the traps the guest itself took ("guest traps"), exits carry their
// modelled cycles, and --exit-profile adds exits and cycles by guest pc and symbol.
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

public static class StatsReport
{
    /// <summary>Rows of the exit profile --stats prints (--stats-json has every pc).</summary>
    public const int ExitProfileRows = 20;

    public static void WriteSummary(TextWriter error, RunResult result, MachineStatistics stats, string layout = "native", ExitAccounting? exits = null,
        ProgramImage? image = null)
    {
        double mips = stats.HostSeconds > 0 ? stats.Instructions / stats.HostSeconds / 1e6 : 0;
        // Only a power-off has a guest exit status; any other stop is the host's decision.
        error.WriteLine(result.Reason == StopReason.PowerOff
            ? $"stop:          PowerOff (exit status {result.ExitStatus})"
            : $"stop:          {result.Reason} (no exit status; r4 exits {RunVerb.ExitCodeOf(result)})");
        error.WriteLine($"instructions:  {stats.Instructions:N0}");
        error.WriteLine($"cycles:        {stats.Cycles:N0}");
        error.WriteLine($"host time:     {stats.HostSeconds:F3} s ({mips:F1} MIPS)");
        error.WriteLine($"TLB:           {stats.TlbMisses:N0} misses, {stats.TlbFlushes:N0} flushes");
        if (exits is not null)
        {
            error.WriteLine("guest traps (taken by the guest: delivered by the monitor or through a direct gate):");
            for (int v = 0; v < Vectors.Count; v++)
                if (GuestTraps(stats, exits, v) is var taken and not 0)
                    error.WriteLine($"  trap {Vectors.Name(v),-8} {taken,12:N0}  {Vectors.Describe(v)}");
            error.WriteLine("machine traps (the real CPU's: into the monitor, or through a direct gate):");
        }
        string indent = exits is null ? "" : "  ";
        for (int v = 0; v < Vectors.Count; v++)
            if (stats.TrapsByVector[v] != 0)
                error.WriteLine($"{indent}trap {Vectors.Name(v),-8} {stats.TrapsByVector[v],12:N0}  {Vectors.Describe(v)}");
        if (exits is null) return;
        error.WriteLine($"monitor exits ({layout}): {exits.TotalExits:N0} exits, {exits.ModelledCycles:N0} cycles");
        var cycles = exits.CyclesByName();
        foreach (var (cause, count) in exits.ByName())
            error.WriteLine(cycles.TryGetValue(cause, out ulong c) ? $"  {cause,-17} {count,12:N0} {c,14:N0} cycles" : $"  {cause,-17} {count,12:N0}");
        var sites = exits.Sites();
        if (sites.Count == 0) return;
        error.WriteLine($"exit profile (guest pc, most cycles first; {Math.Min(sites.Count, ExitProfileRows)} of {sites.Count} pcs):");
        foreach (var site in sites.Take(ExitProfileRows))
            error.WriteLine($"  0x{site.Pc:x8} {Symbol(image, site.Pc),-28} {site.Exits,10:N0} exits {site.Cycles,14:N0} cycles");
    }

    /// <summary>Traps the guest took of vector v: the monitor's deliveries, plus the software
    /// interrupts hardware delivered through direct gates (the only real traps of vectors 32..63).</summary>
    private static long GuestTraps(MachineStatistics stats, ExitAccounting exits, int v) =>
        exits.GuestDeliveries(v) + (v >= Vectors.FirstSoftware ? stats.TrapsByVector[v] : 0);

    private static string Symbol(ProgramImage? image, uint pc) => image?.Symbolize(pc) ?? "";

    public static byte[] ToJson(RunResult result, MachineStatistics stats, string layout = "native", ExitAccounting? exits = null, int? exitCode = null,
        Dictionary<string, object?>? extra = null, ProgramImage? image = null)
    {
        var traps = new SortedDictionary<int, long>();
        for (int v = 0; v < Vectors.Count; v++)
            if (stats.TrapsByVector[v] != 0) traps[v] = stats.TrapsByVector[v];
        var document = new Dictionary<string, object?>
        {
            ["stopReason"] = result.Reason.ToString(),
            // the guest's power-off status; null when it did not power off (see exitCode)
            ["exitStatus"] = result.Reason == StopReason.PowerOff ? result.ExitStatus : null,
            ["exitCode"] = exitCode ?? RunVerb.ExitCodeOf(result),
            ["instructions"] = stats.Instructions,
            ["cycles"] = stats.Cycles,
            ["hostSeconds"] = stats.HostSeconds,
            ["traps"] = traps.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            ["tlbMisses"] = stats.TlbMisses,
            ["tlbFlushes"] = stats.TlbFlushes,
            ["layout"] = layout,
            // every layout has the key, so scripts compare layouts without special cases
            ["exits"] = (exits?.ByName() ?? []).ToDictionary(kv => kv.Key, kv => kv.Value),
        };
        if (exits is not null)
        {
            document["exitsTotal"] = exits.TotalExits;
            document["monitorCycles"] = exits.ModelledCycles;
            document["exitCycles"] = exits.CyclesByName();
            var guestTraps = new SortedDictionary<int, long>();
            for (int v = 0; v < Vectors.Count; v++)
                if (GuestTraps(stats, exits, v) is var taken and not 0) guestTraps[v] = taken;
            document["guestTraps"] = guestTraps.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value);
            if (exits.Sites() is { Count: > 0 } sites)
                document["exitProfile"] = sites.Select(site => new Dictionary<string, object?>
                {
                    ["pc"] = site.Pc, ["symbol"] = Symbol(image, site.Pc), ["exits"] = site.Exits, ["cycles"] = site.Cycles,
                }).ToList();
        }
        foreach (var (key, value) in extra ?? []) document[key] = value;
        return JsonText.ToUtf8(document);
    }
}
