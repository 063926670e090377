// The port-I/O bus of spec 8: routes `in`/`out` to the console, timer, disk, power and debug
// devices, and tells the CPU when a device next needs time (NextEventInstret) so the CPU's fast
// path compares one number per instruction.
//
// Time is the retired-instruction count. The `instret` passed to In and Out is the number of
// instructions retired BEFORE the `in`/`out` itself (what `rdtick` would read in its place);
// the `instret` passed to Tick is the count at the instruction boundary where the CPU noticed
// instret >= NextEventInstret. Times passed in never decrease. An interrupt a device requests
// in Tick(t) is taken at that same boundary when IE = 1; one requested by an `out` is taken at
// the boundary right after the `out`.
//
// Unknown ports (and reads of write-only ports) read 0xFFFFFFFF; writes to them are ignored.
using R4.Isa;

namespace R4.Machine.Devices;

public sealed class DeviceBus : IDisposable
{
    private ulong nextEventInstret = ulong.MaxValue;

    public DeviceBus(MachineOptions options, PhysicalMemory memory, InterruptRequests interrupts)
        : this(options, new PhysicalMemoryDma(memory), interrupts) { }

    /// <summary>A bus whose disk reaches memory through <paramref name="dmaMemory"/> (a monitor's
    /// guest partition, or a test's array).</summary>
    public DeviceBus(MachineOptions options, IDmaMemory dmaMemory, InterruptRequests interrupts)
        : this(options, interrupts, new DiskDevice(options.DiskImagePath, dmaMemory, interrupts, options.Diagnostics)) { }

    /// <summary>A bus with a disk built by the caller (a Type 1 host's window onto the machine
    /// disk); <paramref name="disk"/> must raise its IRQ through <paramref name="interrupts"/>.</summary>
    public DeviceBus(MachineOptions options, InterruptRequests interrupts, DiskDevice disk)
    {
        Interrupts = interrupts;
        Console = new ConsoleDevice(options.ConsoleInput, options.ConsoleInputInteractive, options.ConsoleOutput, interrupts);
        Timer = new TimerDevice(interrupts);
        Disk = disk;
        Power = new PowerDevice();
        Debug = new DebugPort(options.Diagnostics);
    }

    public InterruptRequests Interrupts { get; }
    public ConsoleDevice Console { get; }
    public TimerDevice Timer { get; }
    public DiskDevice Disk { get; }
    public PowerDevice Power { get; }
    public DebugPort Debug { get; }

    public ulong PortReads { get; private set; }
    public ulong PortWrites { get; private set; }

    /// <summary>Told of every device exit (the hosted monitor, R4.Hosted); null otherwise.</summary>
    public IDeviceExitObserver? ExitObserver { get; set; }

    public uint In(ushort port, ulong instret)
    {
        ExitObserver?.ExitStarted(port, write: false);
        PortReads++;
        uint value = port switch
        {
            Ports.ConsoleData => Console.ReadData(instret),
            Ports.ConsoleStatus => Console.ReadStatus(instret),
            Ports.TimerPeriod => Timer.PeriodInstructions,
            Ports.TimerCount => Timer.ReadCount(instret),
            >= Ports.DiskSector and <= Ports.DiskStatus => Disk.Read(port),
            _ => 0xFFFF_FFFF,
        };
        UpdateNextEvent();
        ExitObserver?.ExitFinished();
        return value;
    }

    public void Out(ushort port, uint value, ulong instret)
    {
        ExitObserver?.ExitStarted(port, write: true);
        PortWrites++;
        switch (port)
        {
            case Ports.ConsoleData: Console.WriteData(value); break;
            case Ports.ConsoleStatus: Console.WriteControl(value, instret); break;
            case Ports.TimerPeriod: Timer.WritePeriod(value, instret); break;
            case >= Ports.DiskSector and <= Ports.DiskStatus: Disk.Write(port, value, instret); break;
            case Ports.Power:
                Power.Write(value);
                Console.Flush();
                break;
            case Ports.Debug:
                Console.Flush(); // keep the guest's output and the debug lines in order on a terminal
                Debug.Write(value);
                break;
        }
        UpdateNextEvent();
        ExitObserver?.ExitFinished();
    }

    /// <summary>The devices' part of a machine reset (spec 6a; instret restarts at 0): the timer
    /// stopped, the disk idle with its registers 0, the console input IRQ disabled, power on,
    /// no interrupt requested. The streams and the disk image stay as they are.</summary>
    public void Reset()
    {
        Timer.Reset();
        Disk.Reset();
        Console.Reset();
        Power.Reset();
        Interrupts.Clear();
        UpdateNextEvent();
    }

    /// <summary>The earliest instret at which <see cref="Tick"/> must run (ulong.MaxValue: none).</summary>
    public ulong NextEventInstret => nextEventInstret;

    /// <summary>Lets every device act on the time <paramref name="instret"/>: requests every
    /// interrupt due at or before it.</summary>
    public void Tick(ulong instret)
    {
        Timer.Tick(instret);
        bool diskDue = ExitObserver is not null && instret >= Disk.CompletionInstret;
        if (diskDue) ExitObserver!.DiskTransferStarted();
        Disk.Tick(instret);
        if (diskDue) ExitObserver!.ExitFinished();
        Console.Tick(instret);
        UpdateNextEvent();
    }

    /// <summary>After a snapshot's device state was put back (R4.Snapshots): the port counters,
    /// and the next device event recomputed.</summary>
    public void AfterRestore(ulong portReads, ulong portWrites)
    {
        (PortReads, PortWrites) = (portReads, portWrites);
        UpdateNextEvent();
    }

    public bool PowerOffRequested => Power.PowerOffRequested;
    /// <summary>The console's output failed (a closed pipe): the run must stop.</summary>
    public bool OutputClosed => Console.OutputBroken;
    public uint ExitStatus => Power.ExitStatus;

    /// <summary>False when no device can ever request an interrupt again (timer stopped, disk
    /// idle, console input IRQ disabled or its non-interactive input used up): `hlt` with IE = 1
    /// then deadlocks. Requests already pending are not counted here.</summary>
    public bool CanInterrupt => Timer.Running || Disk.Busy || Console.CanInterrupt;

    /// <summary>How long an idle machine waits for typed input per console poll while another
    /// device (the timer, the disk) could still interrupt.</summary>
    public const int HaltedInputWaitMilliseconds = 10;

    /// <summary>For the CPU in `hlt` with IE = 1 and <see cref="CanInterrupt"/>, before it lets
    /// time pass up to <see cref="NextEventInstret"/> and calls <see cref="Tick"/>: when that next
    /// event is only a poll for interactive console input, blocks the host until something is
    /// typed — with no limit when no other device can interrupt, else for at most
    /// <see cref="HaltedInputWaitMilliseconds"/> — so an idle guest does not spin the host.
    /// Returns at once otherwise (never for non-interactive runs, which stay deterministic).</summary>
    public void WaitWhileHalted()
    {
        ulong consolePoll = Console.NextEventInstret;
        if (consolePoll == ulong.MaxValue || consolePoll > nextEventInstret)
            return;
        bool othersCanInterrupt = Timer.Running || Disk.Busy;
        Console.WaitForHostInput(othersCanInterrupt ? TimeSpan.FromMilliseconds(HaltedInputWaitMilliseconds) : Timeout.InfiniteTimeSpan);
    }

    /// <summary>Writes buffered console output to its stream.</summary>
    public void Flush() => Console.Flush();

    private void UpdateNextEvent() =>
        nextEventInstret = Math.Min(Timer.NextExpiryInstret, Math.Min(Disk.CompletionInstret, Console.NextEventInstret));

    public void Dispose()
    {
        Console.Dispose();
        Disk.Dispose();
    }
}
