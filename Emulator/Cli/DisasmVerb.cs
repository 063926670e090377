// `r4 disasm`: disassembles an image (ELF, flat binary or assembly source) or raw words
// given on the command line, naming symbols where the image has them.
using CommandLine;
using CommandLine.Text;
using R4.Assembler;

namespace R4.Cli;

[Verb("disasm", HelpText = "Disassemble an image (ELF, flat binary or .asm) or raw instruction words.")]
public sealed class DisasmVerb : IDefinesSymbols
{
    [Value(0, MetaName = "input", HelpText = "An ELF image, a flat binary or an assembly source.")]
    public string? Input { get; set; }

    [Option('w', "words", HelpText = "Disassemble these instruction words instead, in hex with or without 0x (e.g. 0x01123000 or 20110005, as listings print them).")]
    public IEnumerable<string> Words { get; set; } = [];

    [Option("base", HelpText = "Address of the first word, for --words and flat binaries (default 0).")]
    public string? Base { get; set; }

    [Option('s', "source", HelpText = "Print assembly source instead of a listing: it assembles back (r4 asm) to the same entry point and loaded bytes.")]
    public bool AsSource { get; set; }

    [Option('D', "define", HelpText = "Define a symbol when the input is an assembly source. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Disassemble an image with its symbols (made by r4 asm Guests/examples/hello.asm)", new DisasmVerb { Input = "Guests/examples/hello.elf" }),
        HelpExample.Of("Turn an image back into source that assembles to the same bytes", new DisasmVerb { Input = "Guests/examples/hello.elf", AsSource = true }),
        HelpExample.Of("Decode raw words (hex, as a listing shows them)", new DisasmVerb { Words = ["0x01123000", "20110005"] }),
        HelpExample.Of("Disassemble a flat binary made from code at 0x1000 (r4 asm --flat)", new DisasmVerb { Input = "syscalls.bin", Base = "0x1000" }),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        long baseAddress = 0;
        if (Base is not null && (!GuestLoader.TryParseNumber(Base, out baseAddress) || baseAddress < 0 || baseAddress > uint.MaxValue))
            throw new UserError($"--base {Base}: not an address", ExitCodes.Usage);
        if (Words.Any() && Input is not null)
            throw new UserError($"give either an input file ({Input}) or --words, not both", ExitCodes.Usage);
        if (Words.Any())
        {
            // every word is checked before any is printed
            var words = Words.Select(text => TryParseHexWord(text, out uint word) ? word
                : throw new UserError($"--words {text}: not a 32-bit word in hex (1 to 8 hex digits, e.g. 0x01123000)", ExitCodes.Usage)).ToArray();
            uint address = (uint)baseAddress;
            foreach (uint word in words)
            {
                output.WriteLine($"{address:x8}:  {word:x8}  {Disassembler.Format(word, address)}");
                address += 4;
            }
            return ExitCodes.Success;
        }
        if (Input is null)
            throw new UserError("disasm needs an input file or --words", ExitCodes.Usage);
        bool flat = !GuestLoader.IsAssemblySource(Input) && !Elf32Sniff(Input);
        if (!flat && Base is not null)
            throw new UserError($"{Input}: --base applies to flat binaries and --words only (this input has its own addresses)", ExitCodes.Usage);
        var image = flat ? FlatBinary(Input, (uint)baseAddress) : GuestLoader.Load(Input, Defines, error);
        foreach (string line in Disassembler.DisassembleImage(image, AsSource))
            output.WriteLine(line);
        return ExitCodes.Success;
    }

    /// <summary>A word as listings and traces print it: hex digits, 0x optional, '_' allowed.</summary>
    public static bool TryParseHexWord(string text, out uint word)
    {
        string digits = text.Trim().Replace("_", "");
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) digits = digits[2..];
        word = 0;
        return digits.Length is >= 1 and <= 8 && uint.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier,
            System.Globalization.CultureInfo.InvariantCulture, out word);
    }

    private static R4.Isa.Image.ProgramImage FlatBinary(string path, uint baseAddress)
    {
        byte[] bytes = GuestLoader.ReadAll(path);
        GuestLoader.RequireBinary(path, bytes);
        return GuestLoader.FlatImage(bytes, baseAddress);
    }

    private static bool Elf32Sniff(string path) => R4.Isa.Image.Elf32.LooksLikeElf(GuestLoader.ReadAll(path));
}
