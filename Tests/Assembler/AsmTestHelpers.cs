// Helpers for the assembler tests: assemble text and read back words, or the diagnostics.
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Tests.AssemblerTests;

internal static class Asm
{
    /// <summary>Assembles and asserts success; returns the result.</summary>
    public static AssemblyResult Ok(string source, IReadOnlyDictionary<string, long>? defines = null, string fileName = "t.asm")
    {
        var result = R4Assembler.AssembleText(source, fileName, defines is null ? null : new AssemblyOptions { Defines = defines });
        Assert.True(result.Succeeded, "expected success, got:\n" + string.Join("\n", result.Errors.Select(e => e.Format())));
        return result;
    }

    /// <summary>The little-endian words of the flat binary from the lowest address.</summary>
    public static uint[] Words(string source, IReadOnlyDictionary<string, long>? defines = null)
    {
        var bytes = Ok(source, defines).ToFlatBinary(out _);
        Assert.Equal(0, bytes.Length % 4);
        var words = new uint[bytes.Length / 4];
        for (int i = 0; i < words.Length; i++) words[i] = BitConverter.ToUInt32(bytes, 4 * i);
        return words;
    }

    public static byte[] Bytes(string source, IReadOnlyDictionary<string, long>? defines = null) => Ok(source, defines).ToFlatBinary(out _);

    /// <summary>Assembles expecting errors; returns the formatted diagnostics.</summary>
    public static string[] Errors(string source, string fileName = "t.asm", IReadOnlyDictionary<string, long>? defines = null)
    {
        var result = R4Assembler.AssembleText(source, fileName, defines is null ? null : new AssemblyOptions { Defines = defines });
        Assert.False(result.Succeeded);
        Assert.Null(result.Image);
        return result.Errors.Select(e => e.Format()).ToArray();
    }

    /// <summary>The single error's formatted text.</summary>
    public static string Error(string source, string fileName = "t.asm") => Assert.Single(Errors(source, fileName));

    public static long Symbol(AssemblyResult result, string name) =>
        result.Image!.Symbols.Single(s => s.Name == name).Value;
}
