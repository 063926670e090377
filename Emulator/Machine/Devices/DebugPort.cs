// The debug port (0xF1, write only): each write prints the value as one line "0x%08x" on the
// host's diagnostic stream (MachineOptions.Diagnostics; discarded when there is none).
namespace R4.Machine.Devices;

public sealed class DebugPort(TextWriter? diagnostics)
{
    public ulong LinesWritten { get; private set; }

    public void Write(uint value)
    {
        LinesWritten++;
        diagnostics?.WriteLine($"0x{value:x8}");
    }
}
