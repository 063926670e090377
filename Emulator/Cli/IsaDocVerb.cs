// `r4 isa-doc`: prints the generated ISA reference (docs/isa.md is this output).
using CommandLine;
using CommandLine.Text;
using R4.Isa;

namespace R4.Cli;

[Verb("isa-doc", HelpText = "Print the ISA reference generated from the instruction table (docs/isa.md).")]
public sealed class IsaDocVerb
{
    [Option('o', "output", HelpText = "Write the reference to this file instead of standard output.")]
    public string? Output { get; set; }

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Print the ISA reference", new IsaDocVerb()),
        HelpExample.Of("Regenerate docs/isa.md (a test fails when it is stale)", new IsaDocVerb { Output = "docs/isa.md" }),
    ];

    public int Execute(TextWriter output, TextWriter error)
    {
        string markdown = IsaReference.GenerateMarkdown();
        if (Output is null)
            output.Write(markdown);
        else
            OutputFile.Write(Output, System.Text.Encoding.UTF8.GetBytes(markdown), output);
        return ExitCodes.Success;
    }
}
