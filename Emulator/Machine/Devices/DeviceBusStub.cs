// The port-I/O devices of spec §8. STUB (owner: devices helper), replaced by the real bus.
namespace R4.Machine.Devices;

/// <summary>External interrupt requests (vectors 16..18), latched until delivered.</summary>
public sealed class InterruptRequests
{
    /// <summary>Bit v set = vector v requested.</summary>
    public ulong PendingMask;
    public void Raise(int vector) => PendingMask |= 1UL << vector;
    public void Acknowledge(int vector) => PendingMask &= ~(1UL << vector);
    /// <summary>The lowest requested vector, or -1.</summary>
    public int Lowest() => PendingMask == 0 ? -1 : System.Numerics.BitOperations.TrailingZeroCount(PendingMask);
}

/// <summary>All devices behind the `in`/`out` ports. Time is the retired-instruction count.</summary>
public sealed class DeviceBus(MachineOptions options, PhysicalMemory memory, InterruptRequests interrupts) : IDisposable
{
    public InterruptRequests Interrupts { get; } = interrupts;
    public uint In(ushort port, ulong instret) => throw new NotImplementedException();
    public void Out(ushort port, uint value, ulong instret) => throw new NotImplementedException();
    /// <summary>The earliest instret at which <see cref="Tick"/> must run (ulong.MaxValue: none).</summary>
    public ulong NextEventInstret => ulong.MaxValue;
    /// <summary>Raises every interrupt due at or before <paramref name="instret"/>.</summary>
    public void Tick(ulong instret) { }
    public bool PowerOffRequested { get; private set; }
    public uint ExitStatus { get; private set; }
    /// <summary>False when no device can ever raise an interrupt again (hlt then deadlocks).</summary>
    public bool CanInterrupt => false;
    public void Dispose() { _ = options; _ = memory; }
}
