// The power port (0xF0, write only): a write powers the machine off; the value written is the
// machine's exit status. The CPU stops at the end of the `out` that requested it; the first
// request wins.
namespace R4.Machine.Devices;

public sealed class PowerDevice
{
    public bool PowerOffRequested { get; private set; }
    public uint ExitStatus { get; private set; }

    /// <summary>Reset: powered on again.</summary>
    public void Reset() => (PowerOffRequested, ExitStatus) = (false, 0);

    public void Write(uint value)
    {
        if (PowerOffRequested)
            return;
        PowerOffRequested = true;
        ExitStatus = value;
    }
}
