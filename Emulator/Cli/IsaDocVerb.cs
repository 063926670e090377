// `r4 isa-doc`: prints the generated ISA reference (docs/isa.md is this output); with --grammar
// the TextMate grammar of R4 assembly (editors/vscode), with --guest-constants FOLDER the
// reference of the constants its include files define (docs/guest-constants.md).
using CommandLine;
using CommandLine.Text;
using R4.Isa;

namespace R4.Cli;

[Verb("isa-doc", HelpText = "Print the ISA reference generated from the instruction table (docs/isa.md).")]
public sealed class IsaDocVerb
{
    [Option('o', "output", HelpText = "Write the reference to this file instead of standard output.")]
    public string? Output { get; set; }

    [Option("grammar", HelpText = "Print the TextMate grammar of R4 assembly instead (editors/vscode/syntaxes/r4asm.tmLanguage.json).")]
    public bool Grammar { get; set; }

    [Option("guest-constants", MetaValue = "FOLDER", HelpText = "Print the reference of the constants FOLDER's *.inc files define instead (docs/guest-constants.md from Guests/lib).")]
    public string? GuestConstants { get; set; }

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Print the ISA reference", new IsaDocVerb()),
        HelpExample.Of("Regenerate docs/isa.md (a test fails when it is stale)", new IsaDocVerb { Output = "docs/isa.md" }),
        HelpExample.Of("Regenerate the editor grammar", new IsaDocVerb { Grammar = true, Output = "editors/vscode/syntaxes/r4asm.tmLanguage.json" }),
        HelpExample.Of("Regenerate the include files' constants reference", new IsaDocVerb { GuestConstants = "Guests/lib", Output = "docs/guest-constants.md" }),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        if (Grammar && GuestConstants is not null)
            throw new UserError("--grammar and --guest-constants: give one of them", ExitCodes.Usage);
        if (GuestConstants is not null && !Directory.Exists(GuestConstants))
            throw new UserError($"cannot read '{GuestConstants}': no such directory", ExitCodes.CannotOpen);
        string markdown = Grammar ? R4.Assembler.TextMateGrammar.Generate()
            : GuestConstants is not null ? GuestConstantsReference.GenerateMarkdown(GuestConstants, GuestConstants.TrimEnd('/'))
            : IsaReference.GenerateMarkdown();
        if (Output is null)
            output.Write(markdown);
        else
            OutputFile.Write(Output, System.Text.Encoding.UTF8.GetBytes(markdown), output);
        return ExitCodes.Success;
    }
}
