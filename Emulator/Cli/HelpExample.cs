// The examples every verb's --help shows, rendered without the options left at their
// defaults: "r4 run hello.asm", not "r4 run --engine jit --layout native --mem 16M hello.asm".
using CommandLine;
using CommandLine.Text;

namespace R4.Cli;

public static class HelpExample
{
    private static readonly UnParserSettings DefaultsOmitted = new() { SkipDefault = true, PreferShortName = true };

    /// <summary>One example: a caption and a verb object holding the options to show.</summary>
    public static Example Of(string caption, object sample) => new(caption, DefaultsOmitted, sample);
}
