// The assembler's public face. STUB: the real assembler replaces this file.
using R4.Isa.Image;

namespace R4.Assembler;

public sealed class AssemblyOptions
{
    /// <summary>Symbols defined before the first line (-D NAME=VALUE).</summary>
    public IReadOnlyDictionary<string, long> Defines { get; init; } = new Dictionary<string, long>();
}

/// <summary>One error: <c>file:line:col: error: message</c>, the source line and a caret.</summary>
public sealed record AssemblyDiagnostic(string File, int Line, int Column, string Message, string SourceText)
{
    public string Format() =>
        $"{File}:{Line}:{Column}: error: {Message}\n{SourceText}\n{new string(' ', Math.Max(0, Column - 1))}^";
}

public sealed class AssemblyResult
{
    public bool Succeeded => Errors.Count == 0 && Image is not null;
    public IReadOnlyList<AssemblyDiagnostic> Errors { get; init; } = [];
    public ProgramImage? Image { get; init; }
    public string Listing { get; init; } = "";
    public byte[] ToElf() => Elf32.Write(Image!);
    public byte[] ToFlatBinary(out uint baseAddress) => throw new NotImplementedException();
}

public static class R4Assembler
{
    public static AssemblyResult AssembleFile(string path, AssemblyOptions? options = null) => throw new NotImplementedException();

    /// <summary>Assembles text; includes are resolved relative to <paramref name="fileName"/>'s folder.</summary>
    public static AssemblyResult AssembleText(string source, string fileName = "<input>", AssemblyOptions? options = null) =>
        throw new NotImplementedException();
}
