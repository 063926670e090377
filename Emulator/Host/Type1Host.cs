// The Type 1 host (spec §11.1): ONE machine — one PhysicalMemory holding every guest's
// partition and every monitor's area, one Cpu — shared by N guests, each under its own
// monitor. Space: PartitionPlan places the partitions and disk windows. Time: round-robin
// slices of the running guest's own retired instructions (the CPU's instruction-count
// deadline is the host's timer), a weight-w guest running w slices' worth per turn; a guest
// in hlt lets its idle time pass at no host cost, which gives the CPU up at once. The world
// switch saves the outgoing guest's CPU context (registers, control registers — its shadow
// ptbr among them —, instret, gate copy), restores the incoming one's with its devices,
// with the host state its monitor set on the CPU (ring-0 host, binary translation, guest mode
// and nested tables, the ptbr-target list) and flushes the TLB; it costs guestSwitch +
// tlbFlush cycles, charged to the incoming guest. A guest that ends (power-off, shutdown,
// a monitor stop, deadlock, its instruction limit) ends alone; the machine stops when the
// last one ends.
using System.Diagnostics;
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Host;

public sealed class Type1Host : IDisposable
{
    private readonly HostOptions _options;
    private readonly PhysicalMemory _memory;
    private readonly FileStream? _disk;
    private readonly List<HostedGuest> _guests = [];
    private HostedGuest? _current;

    private Type1Host(HostOptions options, PartitionPlan plan, FileStream? disk, bool diskWritable, IReadOnlyList<GuestSpec> specs)
    {
        _options = options;
        Plan = plan;
        _disk = disk;
        _memory = new PhysicalMemory(plan.MachineRamBytes);
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i];
                var map = plan.Maps[i];
                var interrupts = new InterruptRequests();
                var dma = new PartitionDma(_memory, map.GuestRamBytes, map.PartitionBase);
                var diskDevice = spec.SectorCount == 0 || disk is null
                    ? new DiskDevice(null, dma, interrupts, options.Diagnostics)
                    : new DiskDevice(disk, options.DiskImagePath!, diskWritable, spec.FirstSector, spec.SectorCount, dma, interrupts, options.Diagnostics);
                var deviceOptions = new MachineOptions
                {
                    MemoryBytes = map.GuestRamBytes,
                    Costs = options.Costs,
                    ConsoleInput = spec.ConsoleInput,
                    ConsoleOutput = spec.ConsoleOutput,
                    Diagnostics = options.Diagnostics,
                    Engine = options.Engine,
                };
                _guests.Add(new HostedGuest(i, spec, map, new DeviceBus(deviceOptions, interrupts, diskDevice), new MachineStatistics()));
            }
            var first = _guests[0];
            Cpu = new Cpu(_memory, first.Bus, first.Bus.Interrupts, options.Costs, first.Statistics) { Engine = options.Engine };
            foreach (var guest in _guests)
                guest.Monitor = new VirtualMachineMonitor(Cpu, guest.Spec.Layout, guest.Map, guest.Bus);
            foreach (var guest in _guests)
                Load(guest);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Checks the description (RAM, disk, images) and builds the machine with every
    /// guest loaded and reset; throws <see cref="HostConfigurationException"/> before anything
    /// runs when it does not fit, <see cref="DiskImageException"/> when the disk cannot be opened.</summary>
    public static Type1Host Create(HostOptions options, IReadOnlyList<GuestSpec> guests)
    {
        FileStream? disk = null;
        bool writable = false;
        if (options.DiskImagePath is { } path)
            disk = OpenDisk(path, out writable);
        try
        {
            ulong? sectors = disk is null ? null : ((ulong)disk.Length + DiskDevice.SectorBytes - 1) / DiskDevice.SectorBytes;
            var plan = PartitionPlan.Place(guests, options.MachineRamBytes, sectors);
            return new Type1Host(options, plan, disk, writable, guests);
        }
        catch
        {
            disk?.Dispose();
            throw;
        }
    }

    private static FileStream OpenDisk(string path, out bool writable)
    {
        try
        {
            writable = true;
            return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (UnauthorizedAccessException)
        {
            writable = false;
            try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new DiskImageException($"cannot open disk image '{path}': {e.Message}", e);
            }
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new DiskImageException($"cannot open disk image '{path}': {e.Message}", e);
        }
    }

    public PartitionPlan Plan { get; }
    public Cpu Cpu { get; } = null!;
    public PhysicalMemory Memory => _memory;
    public IReadOnlyList<HostedGuest> Guests => _guests;

    /// <summary>Host time of the whole run (every guest, every switch, the scheduler).</summary>
    public double HostSeconds { get; private set; }
    /// <summary>Host time spent in world switches (saving and restoring contexts).</summary>
    public double SwitchHostSeconds { get; private set; }
    public long WorldSwitches { get; private set; }
    public ulong SliceInstructions => _options.SliceInstructions;

    /// <summary>Resets the guest (spec §6a) inside its partition: its image at base + its
    /// physical addresses, its devices reset, the CPU reset at its entry under its monitor.</summary>
    private void Load(HostedGuest guest)
    {
        Cpu.RestoreContext(guest.Context);   // its devices and statistics
        foreach (var segment in guest.Spec.Image.Segments)
            _memory.Write(guest.Map.MachinePhysical(segment.PhysicalAddress), segment.Data);
        guest.Bus.Reset();
        Cpu.Reset(guest.Spec.Image.Entry);
        guest.Monitor.Reset();                // real rmap, shadow gates, shadow ptbr, Ring0Host; or guest mode (hw)
        Cpu.SaveContext(guest.Context);
        _current = guest;
    }

    /// <summary>Runs every guest to its end, round-robin.</summary>
    public void Run()
    {
        long started = Stopwatch.GetTimestamp();
        ulong missesBefore, flushesBefore;
        while (true)
        {
            bool anyRan = false;
            foreach (var guest in _guests)
            {
                if (guest.Ended) continue;
                anyRan = true;
                if (_current != guest) SwitchTo(guest);
                ulong slice = _options.SliceInstructions * (ulong)guest.Spec.Weight;
                ulong left = guest.Spec.MaxInstructions > Cpu.Instret ? guest.Spec.MaxInstructions - Cpu.Instret : 0;
                missesBefore = Cpu.Mmu.Misses;
                flushesBefore = Cpu.Mmu.Flushes;
                ulong idleBefore = Cpu.HaltedInstructions;
                long sliceStarted = Stopwatch.GetTimestamp();
                var result = Cpu.Run(Math.Min(slice, left));
                guest.Bus.Flush();
                var stats = guest.Statistics;
                stats.HostSeconds += Stopwatch.GetElapsedTime(sliceStarted).TotalSeconds;
                stats.TlbMisses += Cpu.Mmu.Misses - missesBefore;
                stats.TlbFlushes += Cpu.Mmu.Flushes - flushesBefore;
                stats.Instructions = Cpu.Instret;
                stats.Cycles = Cpu.Cycles;
                guest.IdleInstructions += Cpu.HaltedInstructions - idleBefore;
                guest.Slices++;
                if (result.Reason != StopReason.InstructionLimit || Cpu.Instret >= guest.Spec.MaxInstructions)
                    End(guest, result);
            }
            if (!anyRan) break;
        }
        HostSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The world switch: the outgoing guest's CPU context saved, the incoming one's
    /// restored with its devices (TLB flushed), its monitor installed as the ring-0 host.</summary>
    private void SwitchTo(HostedGuest guest)
    {
        long started = Stopwatch.GetTimestamp();
        if (_current is not null) Cpu.SaveContext(_current.Context);
        Cpu.RestoreContext(guest.Context);   // with the host state its monitor set: ring-0 host, translation, guest mode, ptbr targets
        ulong flushCycles = Cpu.Cycles - guest.Context.Cycles;   // the TLB flush of the restore
        Cpu.AddCycles((ulong)_options.Costs.GuestSwitchCycles);
        guest.WorldSwitches++;
        guest.WorldSwitchCycles += flushCycles + (ulong)_options.Costs.GuestSwitchCycles;
        WorldSwitches++;
        _current = guest;
        SwitchHostSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>A guest ended: its result and guest-visible state, read while it is loaded.</summary>
    private void End(HostedGuest guest, RunResult result)
    {
        guest.Result = result;
        var registers = new uint[Isa.Registers.Count];
        for (int r = 0; r < registers.Length; r++) registers[r] = Cpu.GetRegister(r);
        guest.Monitor.RefreshFromHardware();
        guest.FinalState = new GuestState(Cpu.Pc, Cpu.Instret, guest.Monitor.Guest.Cpl, guest.Monitor.Guest.InterruptEnable, registers);
        guest.Bus.Flush();
    }

    public void Dispose()
    {
        Cpu?.Dispose();
        foreach (var guest in _guests) guest.Bus.Dispose();
        _memory?.Dispose();
        _disk?.Dispose();
    }
}
