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

    [Option('w', "words", HelpText = "Disassemble these instruction words instead (hex, e.g. 0x01123000).")]
    public IEnumerable<string> Words { get; set; } = [];

    [Option("base", Default = "0", HelpText = "Address of the first word (for --words and flat binaries).")]
    public string Base { get; set; } = "0";

    [Option('D', "define", HelpText = "Define a symbol when the input is an assembly source. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        new("Disassemble an image with its symbols", new DisasmVerb { Input = "hello.elf" }),
        new("Decode raw words", new DisasmVerb { Words = ["0x01123000", "0x20110005"] }),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        if (!GuestLoader.TryParseNumber(Base, out long baseAddress) || baseAddress < 0 || baseAddress > uint.MaxValue)
            throw new UserError($"--base {Base}: not an address", ExitCodes.Usage);
        if (Words.Any())
        {
            uint address = (uint)baseAddress;
            foreach (string text in Words)
            {
                if (!GuestLoader.TryParseNumber(text, out long word) || word < 0 || word > uint.MaxValue)
                    throw new UserError($"--words {text}: not a 32-bit word", ExitCodes.Usage);
                output.WriteLine($"{address:x8}:  {(uint)word:x8}  {Disassembler.Format((uint)word, address)}");
                address += 4;
            }
            return ExitCodes.Success;
        }
        if (Input is null)
            throw new UserError("disasm needs an input file or --words", ExitCodes.Usage);
        var image = GuestLoader.IsAssemblySource(Input) || Elf32Sniff(Input)
            ? GuestLoader.Load(Input, Defines, error)
            : GuestLoader.FlatImage(GuestLoader.ReadAll(Input), (uint)baseAddress);
        foreach (string line in Disassembler.DisassembleImage(image))
            output.WriteLine(line);
        return ExitCodes.Success;
    }

    private static bool Elf32Sniff(string path) => R4.Isa.Image.Elf32.LooksLikeElf(GuestLoader.ReadAll(path));
}
