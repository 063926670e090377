// The power port (0xF0, write only): a write powers the machine off; the value written is the
// machine's exit status. The CPU stops at the end of the `out` that requested it; the first
// request wins.
namespace R4.Machine.Devices;

public sealed class PowerDevice
{
    public bool PowerOffRequested { get; private set; }
    public uint ExitStatus { get; private set; }

    public void Write(uint value)
    {
        if (PowerOffRequested)
            return;
        PowerOffRequested = true;
        ExitStatus = value;
    }
}
