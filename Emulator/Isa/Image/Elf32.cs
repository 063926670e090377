// ELF32 little-endian executables: the file format of R4 images. STUB: the real reader
// and writer replace this file (owner: the ELF/disassembler work).
namespace R4.Isa.Image;

public static class Elf32
{
    /// <summary>True when the bytes start with the ELF magic.</summary>
    public static bool LooksLikeElf(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 0x7F && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F';

    /// <summary>Reads an R4 ELF32 executable; throws ImageFormatException naming <paramref name="fileName"/>.</summary>
    public static ProgramImage Read(byte[] bytes, string fileName) => throw new NotImplementedException();

    /// <summary>Writes an ELF32 executable: segments, entry point, symbol table, line table.</summary>
    public static byte[] Write(ProgramImage image) => throw new NotImplementedException();
}
