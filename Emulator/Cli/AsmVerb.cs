// `r4 asm`: assembles a source file into an ELF32 executable or a flat binary, optionally
// with a listing. Nothing is written when the source has errors.
using System.Text;
using CommandLine;
using CommandLine.Text;
using R4.Assembler;

namespace R4.Cli;

[Verb("asm", HelpText = "Assemble an R4 source file into an ELF32 executable (or a flat binary).")]
public sealed class AsmVerb : IDefinesSymbols
{
    [Value(0, MetaName = "source", Required = true, HelpText = "The assembly source (.asm).")]
    public string Source { get; set; } = "";

    [Option('o', "output", HelpText = "Output file (default: the source name with .elf, or .bin with --flat).")]
    public string? Output { get; set; }

    [Option("flat", HelpText = "Write a flat binary: the bytes from the lowest to the highest address, gaps zero-filled.")]
    public bool Flat { get; set; }

    [Option('l', "listing", HelpText = "Also write a listing (address, words, source line) to this file.")]
    public string? Listing { get; set; }

    [Option('D', "define", HelpText = "Define a symbol: -D NAME=VALUE (or -D NAME for 1). Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Assemble to hello.elf", new AsmVerb { Source = "Guests/examples/hello.asm" }),
        HelpExample.Of("Assemble with a define and a listing", new AsmVerb { Source = "Guests/examples/compute.asm", Defines = ["N=1000"], Listing = "compute.lst" }),
        HelpExample.Of("Write a flat binary (syscalls.asm's code starts at 0x1000)", new AsmVerb { Source = "Guests/examples/syscalls.asm", Flat = true, Output = "syscalls.bin" }),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        string outputPath = Output ?? Path.ChangeExtension(Source, Flat ? ".bin" : ".elf");
        RefuseToOverwrite(outputPath, Listing);
        var result = GuestLoader.Assemble(Source, Defines, error);
        byte[] bytes;
        try { bytes = Flat ? FlatBinary(result, error) : result.ToElf(); }
        catch (FlatBinaryException e) { throw new UserError($"{Source}: {e.Message}; nothing written", ExitCodes.BadInput); }
        if (Listing is null)
            OutputFile.Write(outputPath, bytes, output);
        else
            OutputFile.WriteAll(output, (outputPath, bytes), (Listing, Encoding.UTF8.GetBytes(result.Listing)));
        return ExitCodes.Success;
    }

    /// <summary>The image and the listing must not land on the source (`r4 asm prog.elf`, a
    /// text file so named, would otherwise replace it) nor on each other.</summary>
    private void RefuseToOverwrite(string outputPath, string? listingPath)
    {
        static string Full(string path) => Path.GetFullPath(path);
        if (Full(outputPath) == Full(Source))
            throw new UserError($"{outputPath}: the output would overwrite the source; give another name with -o", ExitCodes.Usage);
        if (listingPath is null) return;
        if (Full(listingPath) == Full(Source))
            throw new UserError($"{listingPath}: the listing would overwrite the source; give another name with --listing", ExitCodes.Usage);
        if (Full(listingPath) == Full(outputPath))
            throw new UserError($"{listingPath}: the listing and the output are the same file; give them different names", ExitCodes.Usage);
    }

    /// <summary>The flat binary; a flat binary has no header, so execution starts at its first
    /// byte: a note says so when the program's entry point is elsewhere.</summary>
    private byte[] FlatBinary(R4.Assembler.AssemblyResult result, TextWriter error)
    {
        byte[] bytes = result.ToFlatBinary(out uint baseAddress);
        uint entry = result.Image!.Entry;
        if (bytes.Length > 0 && entry != baseAddress)
            error.WriteLine($"r4: note: {Source}: the entry point 0x{entry:x8} is not the first byte of the flat binary (0x{baseAddress:x8}); " +
                            $"a flat binary runs from its first byte (r4 run --base 0x{baseAddress:x8}), so put the entry code first or write an ELF image");
        return bytes;
    }
}
