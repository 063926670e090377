// Several hosted (Type 2) guests at once, as on a desktop host (spec §11.2, `r4 host --hosted`):
// each guest is its own VM — its own machine (RAM as host virtual memory committed on first
// touch, its own disk file), its own monitor and its own user-level part (HostedWorld) — run
// on a thread of its own, so the host OS, not a monitor, divides the CPU among them. Nothing
// is shared between the VMs, so each sees exactly what it sees alone.
using System.Diagnostics;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Hosted;

/// <summary>One hosted VM to run: its image, layout, machine options (RAM, console, disk file) and instruction limit.</summary>
public sealed record HostedVmSpec(string Name, ProgramImage Image, Layout Layout, MachineOptions Options, ulong MaxInstructions = ulong.MaxValue);

/// <summary>What one VM did, read before its machine was disposed.</summary>
public sealed record HostedVmResult(
    HostedVmSpec Spec,
    RunResult Result,
    GuestState FinalState,
    MachineStatistics Statistics,
    long MonitorExits,
    ulong MonitorCycles,
    IReadOnlyList<KeyValuePair<string, long>> ExitsByCause,
    Dictionary<string, object?> Hosted,
    long HostRamCommittedBytes);

public static class DesktopHost
{
    /// <summary>Runs every VM to its end, each on its own thread; returns them in order and the wall-clock host time.</summary>
    public static (IReadOnlyList<HostedVmResult> Vms, double HostSeconds) Run(IReadOnlyList<HostedVmSpec> vms)
    {
        var results = new HostedVmResult[vms.Count];
        long started = Stopwatch.GetTimestamp();
        var threads = vms.Select((spec, i) => new Thread(() => results[i] = RunOne(spec), 16 << 20) { Name = $"hosted VM {i + 1}" }).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        return (results, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>One VM alone: the machine, its monitor and its user-level part, to power-off or its limit.</summary>
    public static HostedVmResult RunOne(HostedVmSpec spec)
    {
        using var machine = GuestMachine.Create(spec.Options, spec.Layout);
        machine.Load(spec.Image);
        using var world = new HostedWorld(machine);
        var result = machine.Run(spec.MaxInstructions);
        machine.Machine.Bus.Flush();
        var exits = machine.Exits;
        return new HostedVmResult(spec, result, machine.CaptureState(), machine.Statistics,
            exits?.TotalExits ?? 0, exits?.ModelledCycles ?? 0, exits?.ByName() ?? [],
            world.ToJsonObject(), world.HostRamCommittedBytes);
    }
}
