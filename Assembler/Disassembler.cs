// The disassembler. STUB: the real one replaces this file.
using R4.Isa.Image;

namespace R4.Assembler;

public static class Disassembler
{
    /// <summary>One instruction word at <paramref name="pc"/> as assembly text.</summary>
    public static string Format(uint word, uint pc, ProgramImage? image = null) => throw new NotImplementedException();

    /// <summary>Every loadable segment of an image, one line per word, with labels.</summary>
    public static IEnumerable<string> DisassembleImage(ProgramImage image) => throw new NotImplementedException();
}
