// `r4 isa-doc`: prints the generated ISA reference (docs/isa.md is this output).
using CommandLine;
using R4.Isa;

namespace R4.Cli;

[Verb("isa-doc", HelpText = "Print the ISA reference generated from the instruction table (docs/isa.md).")]
public sealed class IsaDocVerb
{
    public int Execute(TextWriter output, TextWriter error)
    {
        output.Write(IsaReference.GenerateMarkdown());
        return ExitCodes.Success;
    }
}
