// A device bus on an array-backed DMA memory, with captured console output and diagnostics,
// so each device test drives ports directly and compares exact bytes, counts and IRQs.
using R4.Machine;
using R4.Machine.Devices;

namespace R4.Tests.Devices;

/// <summary>RAM for DMA tests: a plain array.</summary>
public sealed class ArrayDmaMemory(uint sizeBytes) : IDmaMemory
{
    public byte[] Bytes { get; } = new byte[sizeBytes];
    public bool Contains(uint address, uint length) => (ulong)address + length <= (ulong)Bytes.Length;
    public void Read(uint address, Span<byte> destination) => Bytes.AsSpan((int)address, destination.Length).CopyTo(destination);
    public void Write(uint address, ReadOnlySpan<byte> source) => source.CopyTo(Bytes.AsSpan((int)address));
}

public sealed class DeviceTestBench : IDisposable
{
    public DeviceTestBench(byte[]? input = null, string? diskImagePath = null, uint memoryBytes = 64 * 1024, Stream? inputStream = null, bool interactive = false)
    {
        Memory = new ArrayDmaMemory(memoryBytes);
        var options = new MachineOptions
        {
            MemoryBytes = memoryBytes,
            ConsoleInput = inputStream ?? (input is null ? null : new MemoryStream(input, writable: false)),
            ConsoleInputInteractive = interactive,
            ConsoleOutput = Output,
            Diagnostics = Diagnostics,
            DiskImagePath = diskImagePath,
        };
        Bus = new DeviceBus(options, Memory, Interrupts);
    }

    public ArrayDmaMemory Memory { get; }
    public InterruptRequests Interrupts { get; } = new();
    public MemoryStream Output { get; } = new();
    public StringWriter Diagnostics { get; } = new();
    public DeviceBus Bus { get; }

    public bool Pending(int vector) => (Interrupts.PendingMask & (1UL << vector)) != 0;

    /// <summary>Plays the CPU: calls Tick whenever instret reaches NextEventInstret, from
    /// <paramref name="fromInstret"/> up to <paramref name="toInstret"/>; returns the
    /// instrets at which <paramref name="vector"/> became pending (and acknowledges it).</summary>
    public List<ulong> RunUntil(ulong fromInstret, ulong toInstret, int vector)
    {
        var raised = new List<ulong>();
        for (ulong instret = fromInstret; instret <= toInstret; instret++)
        {
            if (instret >= Bus.NextEventInstret)
                Bus.Tick(instret);
            if (Pending(vector))
            {
                raised.Add(instret);
                Interrupts.Acknowledge(vector);
            }
        }
        return raised;
    }

    public void Dispose() => Bus.Dispose();
}
