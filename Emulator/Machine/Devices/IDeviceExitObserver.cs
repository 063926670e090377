// The hosted monitor's seam in the device bus (R4.Hosted, spec §11.2): told of every device
// exit — each `in`/`out` the guest makes, and each disk request the host carries out at its
// completion — so a hosted monitor can route it through a world switch to its user-level part
// and cost it. It observes only: what the devices do, and so what the guest sees, is unchanged.
namespace R4.Machine.Devices;

public interface IDeviceExitObserver
{
    /// <summary>An `in` (<paramref name="write"/> false) or `out` of <paramref name="port"/> is about to be served.</summary>
    void ExitStarted(ushort port, bool write);
    /// <summary>The exit begun by the last ExitStarted or DiskTransferStarted has been served.</summary>
    void ExitFinished();
    /// <summary>The disk's request in flight is due: its file I/O is about to happen.</summary>
    void DiskTransferStarted();
}
