// The whole machine: RAM, the device bus, the CPU. Load resets it and copies an image's
// segments into RAM (spec §6a); Run interprets until a stop and updates the statistics.
using System.Diagnostics;
using R4.Isa.Image;
using R4.Machine.Devices;

namespace R4.Machine;

public sealed class R4Machine : IDisposable
{
    public R4Machine(MachineOptions options) : this(options, options.MemoryBytes, memory => new PhysicalMemoryDma(memory)) { }

    /// <summary>A machine whose RAM is <paramref name="physicalMemoryBytes"/> (a host may keep
    /// memory of its own above what it shows a guest) and whose disk reaches memory through
    /// <paramref name="dmaMemory"/> (e.g. a monitor's guest partition).</summary>
    public R4Machine(MachineOptions options, uint physicalMemoryBytes, Func<PhysicalMemory, IDmaMemory> dmaMemory)
    {
        Options = options;
        if (physicalMemoryBytes == 0 || physicalMemoryBytes % Isa.PageBits.PageSize != 0)
            throw new ArgumentException($"RAM size {physicalMemoryBytes} bytes: give a non-zero multiple of 4096", nameof(options));
        Memory = new PhysicalMemory(physicalMemoryBytes);
        Interrupts = new InterruptRequests();
        Bus = new DeviceBus(options, dmaMemory(Memory), Interrupts);
        Cpu = new Cpu(Memory, Bus, Interrupts, options.Costs, Statistics) { Engine = options.Engine, JitWarmupInstructions = options.JitWarmupInstructions, JitWarmupExitWeight = options.JitWarmupExitWeight, IretIgnoresIeChangeAboveRing0 = options.Variant == MachineVariant.X86Flaw };
    }

    public MachineOptions Options { get; }
    public PhysicalMemory Memory { get; }
    public InterruptRequests Interrupts { get; }
    public DeviceBus Bus { get; }
    public Cpu Cpu { get; }
    public MachineStatistics Statistics { get; } = new();

    public ITraceSink? Trace { get => Cpu.Trace; set => Cpu.Trace = value; }

    /// <summary>Resets the machine (RAM zero, registers 0, CPL 0, IE 0, paging off, rmap
    /// identity) and loads the image's segments at their physical addresses; pc = entry.
    /// Throws <see cref="ImageFormatException"/> naming a segment that does not fit in RAM.</summary>
    public void Load(ProgramImage image)
    {
        for (int i = 0; i < image.Segments.Count; i++)
        {
            var segment = image.Segments[i];
            uint length = Math.Max(segment.MemorySize, (uint)segment.Data.Length);
            if (!Memory.Contains(segment.PhysicalAddress, length))
                throw new ImageFormatException(
                    $"segment {i} at physical 0x{segment.PhysicalAddress:x8} ({length} bytes) lies outside RAM (0x{Memory.SizeBytes:x} bytes)");
        }
        Memory.Clear();
        Bus.Reset();   // spec §6a: the timer stopped, no disk request, no interrupt pending
        foreach (var segment in image.Segments)
            Memory.Write(segment.PhysicalAddress, segment.Data);
        Cpu.Reset(image.Entry);
        Statistics.Clear();
    }

    /// <summary>Runs at most <paramref name="maxInstructions"/> more instructions.</summary>
    public RunResult Run(ulong maxInstructions = ulong.MaxValue)
    {
        var clock = Stopwatch.StartNew();
        var result = Cpu.Run(maxInstructions);
        Bus.Flush();   // the guest's console output, whatever the stop
        Statistics.HostSeconds += clock.Elapsed.TotalSeconds;
        Statistics.Instructions = Cpu.Instret;
        Statistics.Cycles = Cpu.Cycles;
        Statistics.TlbMisses = Cpu.Mmu.Misses;
        Statistics.TlbFlushes = Cpu.Mmu.Flushes;
        return result;
    }

    public void Dispose()
    {
        Cpu.Dispose();
        Bus.Dispose();
        Memory.Dispose();
    }
}
