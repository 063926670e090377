// `r4 isa-doc`: prints the generated ISA reference (docs/isa.md is this output).
using CommandLine;
using CommandLine.Text;
using R4.Isa;

namespace R4.Cli;

[Verb("isa-doc", HelpText = "Print the ISA reference generated from the instruction table (docs/isa.md).")]
public sealed class IsaDocVerb
{
    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        new("Regenerate the ISA reference", new IsaDocVerb()),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        output.Write(IsaReference.GenerateMarkdown());
        return ExitCodes.Success;
    }
}
