// The --stats summary (human, on stderr) and the --stats-json document.
using System.Text.Json;
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

public static class StatsReport
{
    public static void WriteSummary(TextWriter error, RunResult result, MachineStatistics stats, string layout = "native", ExitAccounting? exits = null)
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
        for (int v = 0; v < Vectors.Count; v++)
            if (stats.TrapsByVector[v] != 0)
                error.WriteLine($"trap {Vectors.Name(v),-8} {stats.TrapsByVector[v],12:N0}  {Vectors.Describe(v)}");
        if (exits is null) return;
        error.WriteLine($"monitor exits ({layout}): {exits.TotalExits:N0} exits, {exits.ModelledCycles:N0} cycles");
        foreach (var (cause, count) in exits.ByName())
            error.WriteLine($"  {cause,-16} {count,12:N0}");
    }

    public static byte[] ToJson(RunResult result, MachineStatistics stats, string layout = "native", ExitAccounting? exits = null, int? exitCode = null,
        Dictionary<string, object?>? extra = null)
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
        }
        foreach (var (key, value) in extra ?? []) document[key] = value;
        return JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true });
    }
}
