// Writes the --trace lines: one per retired instruction (instret, ring, pc, symbol+offset,
// disassembly) and one per trap (vector, cause, error code decoded for #PF with the fault
// address, why #GP/#UD/#DE was raised, saved pc as symbol+offset and file:line, rings).
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Cli;

public sealed class TextTraceSink(TextWriter writer, ProgramImage image) : ITraceSink
{
    /// <summary>Reads the `fault` register (the #PF/#AC address) when a trap is reported; null: not shown.</summary>
    public Func<uint>? FaultAddress { get; init; }

    /// <summary>The instruction traced last: a fault's saved pc is that instruction, and its
    /// word says why #GP, #UD or #DE was raised.</summary>
    private uint lastPc, lastWord;
    private int lastRing = -1;

    public void Instruction(ulong instret, int ring, uint pc, uint word)
    {
        (lastPc, lastWord, lastRing) = (pc, word, ring);
        string symbol = image.Symbolize(pc) ?? "";
        writer.WriteLine($"{instret,10} r{ring} {pc:x8} {symbol,-24} {Disassembler.Format(word, pc, image)}");
    }

    public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing)
    {
        string address = FaultAddress is { } read && vector is Vectors.PageFault or Vectors.Alignment ? $" address=0x{read():x8}" : "";
        string detail = vector == Vectors.PageFault ? $" [{PageBits.DescribeError(errorCode)}]"
            : savedPc == lastPc && fromRing == lastRing && FaultCause(vector, lastWord, fromRing) is { } cause ? $" [{cause}]"
            : "";
        string symbol = image.Symbolize(savedPc) is { } s ? $" ({s})" : "";
        string line = image.LineAt(savedPc) is { } l ? $" at {Path.GetFileName(l.File)}:{l.Line}" : "";
        writer.WriteLine($"{instret,10} trap {Vectors.Name(vector)} {Vectors.Describe(vector)} error=0x{errorCode:x}{detail}{address} saved pc=0x{savedPc:x8}{symbol}{line} ring {fromRing}->{toRing}");
    }

    /// <summary>Why the instruction <paramref name="word"/> at <paramref name="ring"/> raised
    /// #GP, #UD or #DE (spec §3, §5), or null when the word does not tell.</summary>
    public static string? FaultCause(int vector, uint word, int ring)
    {
        bool decoded = InstructionCodec.TryDecode(word, out var instruction);
        switch (vector)
        {
            case Vectors.UndefinedInstruction:
                return decoded ? null : $"0x{word:x8} is not an instruction";
            case Vectors.DivideError:
                return decoded ? $"{instruction.Info.Mnemonic} by zero" : null;
            case Vectors.GeneralProtection when decoded:
                var info = instruction.Info;
                if (info.Opcode == Opcode.Int)
                    return $"int {instruction.Imm} refused by its gate: not present, DPL below ring {ring}, or target ring above it";
                if (info.Opcode == Opcode.Iret)
                    return ring > (int)Privilege.Ring2OrBelow ? $"iret at ring {ring}"
                        : "iret to a more privileged ring, or changing IE at ring > 0";
                if (info.IsPrivileged && ring > 0)
                    return $"privileged '{info.Mnemonic}' at ring {ring}";
                return null;
            default:
                return null;
        }
    }
}
