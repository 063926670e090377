// Writes the --trace lines: one per retired instruction (instret, ring, pc, symbol+offset,
// disassembly) and one per trap (vector, cause, error code decoded for #PF with the fault
// address, saved pc as symbol+offset and file:line, rings).
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Cli;

public sealed class TextTraceSink(TextWriter writer, ProgramImage image) : ITraceSink
{
    /// <summary>Reads the `fault` register (the #PF/#AC address) when a trap is reported; null: not shown.</summary>
    public Func<uint>? FaultAddress { get; init; }

    public void Instruction(ulong instret, int ring, uint pc, uint word)
    {
        string symbol = image.Symbolize(pc) ?? "";
        writer.WriteLine($"{instret,10} r{ring} {pc:x8} {symbol,-24} {Disassembler.Format(word, pc, image)}");
    }

    public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing)
    {
        string address = FaultAddress is { } read && vector is Vectors.PageFault or Vectors.Alignment ? $" address=0x{read():x8}" : "";
        string detail = vector == Vectors.PageFault ? $" [{PageBits.DescribeError(errorCode)}]" : "";
        string symbol = image.Symbolize(savedPc) is { } s ? $" ({s})" : "";
        string line = image.LineAt(savedPc) is { } l ? $" at {Path.GetFileName(l.File)}:{l.Line}" : "";
        writer.WriteLine($"{instret,10} trap {Vectors.Name(vector)} {Vectors.Describe(vector)} error=0x{errorCode:x}{detail}{address} saved pc=0x{savedPc:x8}{symbol}{line} ring {fromRing}->{toRing}");
    }
}
