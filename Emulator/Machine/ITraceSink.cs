// The --trace hook: told about every instruction and every trap when attached.
namespace R4.Machine;

/// <summary>Receives --trace events. Called only when a sink is attached (off the fast path).
/// <see cref="Instruction"/> is called before each instruction executes (an instruction that
/// faults is reported too, followed by its trap, and the instret column does not advance).</summary>
public interface ITraceSink
{
    void Instruction(ulong instret, int ring, uint pc, uint word);
    void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing);
}
