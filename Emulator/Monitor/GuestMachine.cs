// A guest on a machine under a chosen layout: native (the bare R4Machine) or monitored (a
// machine with the monitor's reserve above the guest partition, disk DMA confined to the
// partition, and the monitor installed as ring-0 host). The one entry point for `r4 run
// --layout`, the equivalence tests, `r4 compare` and `r4 debug`: load, run, read the
// guest-visible state back.
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Monitor;

/// <summary>What the guest can see of the CPU at the end of a run (virtual ring and IE under a
/// monitor); equal across layouts for guests that use rings 0 and 3 only (spec §9.2).</summary>
public sealed record GuestState(uint Pc, ulong Instret, int Cpl, bool InterruptEnable, IReadOnlyList<uint> Registers)
{
    public bool Equals(GuestState? other) =>
        other is not null && Pc == other.Pc && Instret == other.Instret && Cpl == other.Cpl &&
        InterruptEnable == other.InterruptEnable && Registers.SequenceEqual(other.Registers);

    public override int GetHashCode() => HashCode.Combine(Pc, Instret, Cpl, InterruptEnable, Registers.Count > 1 ? Registers[1] : 0);

    public override string ToString() =>
        $"pc=0x{Pc:x8} instret={Instret} cpl={Cpl} ie={(InterruptEnable ? 1 : 0)} " +
        string.Join(" ", Registers.Select((value, r) => $"{Isa.Registers.Name(r)}=0x{value:x}"));
}

public sealed class GuestMachine : IDisposable
{
    private GuestMachine(Layout layout, R4Machine machine, uint guestRamBytes, VirtualMachineMonitor? monitor)
    {
        Layout = layout;
        Machine = machine;
        GuestRamBytes = guestRamBytes;
        Monitor = monitor;
    }

    /// <summary>A machine for <paramref name="layout"/>: the guest sees RAM of
    /// options.MemoryBytes in every layout.</summary>
    public static GuestMachine Create(MachineOptions options, Layout layout, int shadowPoolPages = MonitorMemoryMap.DefaultPoolPages)
    {
        if (!layout.Monitored)
        {
            var bare = new R4Machine(options);
            bare.Cpu.Mmu.Protection = layout.PageProtection;
            return new GuestMachine(layout, bare, options.MemoryBytes, null);
        }
        // hw keeps nested tables (one per 4 MiB of guest RAM) where the others keep the shadow pool
        int poolPages = layout.HardwareAssisted
            ? Math.Max(MonitorMemoryMap.MinimumPoolPages, VirtualMachineMonitor.NestedTablesFor(options.MemoryBytes))
            : shadowPoolPages;
        var map = new MonitorMemoryMap(options.MemoryBytes, layout.ViewCount, poolPages, layout.ShadowCacheSpaces, monitorWindow: layout.MonitorWindow);
        PartitionDma? dma = null;
        var machine = new R4Machine(options, map.MachineRamBytes, memory => dma = new PartitionDma(memory, map.GuestRamBytes));
        try
        {
            var monitor = new VirtualMachineMonitor(machine.Cpu, layout, map);
            // DMA into a write-protected guest page table must reach the shadow too, and a
            // migration's dirty log (no write fault tells it of a DMA write)
            if (dma is not null)
                dma.Written = word =>
                {
                    monitor.Shadow.GuestWrote(word);
                    monitor.DirtyLog?.MarkWritten(word >> PageBits.PageShift);
                };
            return new GuestMachine(layout, machine, map.GuestRamBytes, monitor);
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    public Layout Layout { get; }
    public R4Machine Machine { get; }
    /// <summary>Null for the native layout.</summary>
    public VirtualMachineMonitor? Monitor { get; }
    /// <summary>The RAM size the guest sees (its partition).</summary>
    public uint GuestRamBytes { get; }

    public Cpu Cpu => Machine.Cpu;
    public MachineStatistics Statistics => Machine.Statistics;
    public ExitAccounting? Exits => Monitor?.Exits;

    public ITraceSink? Trace { get => Machine.Trace; set => Machine.Trace = value; }

    /// <summary>Resets and loads <paramref name="image"/>; a segment outside the guest's RAM is
    /// rejected exactly as on a native machine of that size (never loaded into monitor memory).</summary>
    public void Load(ProgramImage image)
    {
        for (int i = 0; i < image.Segments.Count; i++)
        {
            var segment = image.Segments[i];
            uint length = Math.Max(segment.MemorySize, (uint)segment.Data.Length);
            if ((ulong)segment.PhysicalAddress + length > GuestRamBytes)
                throw new ImageFormatException(
                    $"segment {i} at physical 0x{segment.PhysicalAddress:x8} ({length} bytes) lies outside RAM (0x{GuestRamBytes:x} bytes)");
        }
        Machine.Load(image);
        Monitor?.Reset();
    }

    public RunResult Run(ulong maxInstructions = ulong.MaxValue) => Machine.Run(maxInstructions);

    /// <summary>The guest-visible CPU state: registers, pc, instret and the (virtual) CPL and IE.</summary>
    public GuestState CaptureState()
    {
        var registers = new uint[Registers.Count];
        for (int r = 0; r < Registers.Count; r++) registers[r] = Cpu.GetRegister(r);
        Monitor?.RefreshFromHardware();
        int cpl = Monitor?.Guest.Cpl ?? Cpu.Cpl;
        bool ie = Monitor?.Guest.InterruptEnable ?? Cpu.InterruptsEnabled;
        return new GuestState(Cpu.Pc, Cpu.Instret, cpl, ie, registers);
    }

    public void Dispose() => Machine.Dispose();
}
