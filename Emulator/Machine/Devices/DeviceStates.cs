// Plain records of the devices' guest-visible state with their pending work, as a snapshot
// (R4.Snapshots) captures and restores it: the disk's registers and request in flight, the
// console's input position. The timer and interrupt lines are a few numbers read directly.
namespace R4.Machine.Devices;

public sealed record DiskDeviceState(uint Sector, uint Address, uint Count, uint Command, bool Busy, bool Error,
    ulong CompletionInstret, uint RequestCommand, uint RequestSector, uint RequestAddress, uint RequestCount, bool ImageWritten);

/// <summary><paramref name="PendingInput"/>: bytes taken from the input stream that the guest
/// has not read yet (they come first after a restore).</summary>
public sealed record ConsoleDeviceState(bool InputInterruptEnabled, ulong LastSampleInstret, ulong BytesRead, ulong BytesWritten,
    byte[] PendingInput, bool InputEnded);
