// The hosted monitor's split (spec §11.2), in the manner of VMware Workstation (Sugerman et al.,
// USENIX 2001): the ring-0 part — the CPU, and under a layout the monitor that virtualizes it —
// runs the guest; every device exit (an `in` or `out`, and the completion of a disk request
// the host performed) leaves it through a world switch to this user-level part ("VMApp"),
// which serves it with host OS calls: terminal reads and writes for the console, file reads
// and writes of the disk image (a sparse host file), the process exit for power-off. Each
// world switch and each host call adds its cycles from the cost table (worldSwitch, hostCall;
// docs/costs.md) and the host time spent serving the exit is measured. Only costs change:
// the devices are the same objects, so the guest sees exactly what it sees unhosted.
using System.Diagnostics;
using R4.Isa;
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Hosted;

public sealed class HostedWorld : IDeviceExitObserver, IDisposable
{
    private readonly GuestMachine _guest;
    private long _serviceStartedTimestamp;

    /// <summary>Splits <paramref name="guest"/>'s monitor: from now on its device exits go
    /// through this user-level part.</summary>
    public HostedWorld(GuestMachine guest)
    {
        _guest = guest;
        guest.Machine.Bus.ExitObserver = this;
    }

    /// <summary>World switches from the ring-0 part to the user-level part (each one a round trip).</summary>
    public long WorldSwitches { get; private set; }
    /// <summary>Host OS calls made to serve them (terminal, disk file, exit).</summary>
    public long HostCalls { get; private set; }
    /// <summary>Cycles the world switches and host calls added to the guest's cycle count.</summary>
    public ulong HostedCycles { get; private set; }
    /// <summary>Host time spent in the user-level part serving exits (measured, not modelled).</summary>
    public double HostServiceSeconds { get; private set; }

    /// <summary>Bytes of host memory the guest's RAM has committed so far (pages touched).</summary>
    public long HostRamCommittedBytes => (long)_guest.Machine.Memory.TouchedPages().Count(page => ((ulong)page << PageBits.PageShift) < _guest.GuestRamBytes) * PageBits.PageSize;

    public void ExitStarted(ushort port, bool write)
    {
        WorldSwitches++;
        Charge(_guest.Cpu.Costs.WorldSwitchCycles);
        if (MakesHostCall(port, write)) HostCall();
        _serviceStartedTimestamp = Stopwatch.GetTimestamp();
    }

    public void ExitFinished() => HostServiceSeconds += Stopwatch.GetElapsedTime(_serviceStartedTimestamp).TotalSeconds;

    /// <summary>A disk request completed: the host read or wrote the image file; the user-level
    /// part switches back into the ring-0 part to raise the guest's interrupt.</summary>
    public void DiskTransferStarted()
    {
        WorldSwitches++;
        Charge(_guest.Cpu.Costs.WorldSwitchCycles);
        HostCall();
        _serviceStartedTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Which exits need the host OS: the console's data and status (the terminal),
    /// power (the process ends), the debug port (a line on stderr). Timer and disk registers
    /// are state the user-level part keeps itself (the disk's file I/O happens at completion).</summary>
    private static bool MakesHostCall(ushort port, bool write) => port switch
    {
        Ports.ConsoleData or Ports.ConsoleStatus => true,
        Ports.Power or Ports.Debug => write,
        _ => false,
    };

    private void HostCall()
    {
        HostCalls++;
        Charge(_guest.Cpu.Costs.HostCallCycles);
    }

    private void Charge(int cycles)
    {
        HostedCycles += (ulong)cycles;
        _guest.Cpu.AddCycles((ulong)cycles);
    }

    /// <summary>The counters as the stats JSON's "hosted" object.</summary>
    public Dictionary<string, object?> ToJsonObject() => new()
    {
        ["worldSwitches"] = WorldSwitches,
        ["hostCalls"] = HostCalls,
        ["hostedCycles"] = HostedCycles,
        ["hostServiceSeconds"] = HostServiceSeconds,
        ["hostRamCommittedBytes"] = HostRamCommittedBytes,
    };

    public void WriteSummary(TextWriter error) =>
        error.WriteLine($"hosted:        {WorldSwitches:N0} world switches, {HostCalls:N0} host calls, {HostedCycles:N0} cycles, " +
                        $"{HostServiceSeconds * 1000:F3} ms serving exits, {HostRamCommittedBytes / 1024:N0} KiB of host RAM committed");

    public void Dispose()
    {
        if (ReferenceEquals(_guest.Machine.Bus.ExitObserver, this)) _guest.Machine.Bus.ExitObserver = null;
    }
}
