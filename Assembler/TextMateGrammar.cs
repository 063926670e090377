// Generates the TextMate grammar of R4 assembly (editors/vscode/syntaxes/r4asm.tmLanguage.json)
// from the tables the assembler itself uses: the instruction table (mnemonics, split into
// ordinary and privileged), the pseudo-instructions, the directives, the register names and
// aliases and the control registers. `r4 isa-doc --grammar` prints it; a test checks that the
// committed file is this output and that every mnemonic is highlighted.
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using R4.Isa;

namespace R4.Assembler;

public static class TextMateGrammar
{
    public const string ScopeName = "source.r4asm";

    /// <summary>Every mnemonic the assembler accepts as an operation, real and pseudo.</summary>
    public static IReadOnlyList<string> PseudoInstructionMnemonics => PseudoInstructions.All.Select(p => p.Mnemonic).ToList();

    public static IReadOnlyList<string> DirectiveNames => AssemblyPass.DirectiveNames;

    /// <summary>The grammar as indented JSON, ending with a newline.</summary>
    public static string Generate()
    {
        // A word of the language: not part of a longer name, a local label (.x) or a full local name (a.x).
        static string Words(IEnumerable<string> words) =>
            @"(?i)(?<![\w.\\])(?:" + string.Join("|", words.OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal)) + @")(?![\w.])";

        var instructions = InstructionTable.All.Where(i => !i.IsPrivileged).Select(i => i.Mnemonic);
        var privileged = InstructionTable.All.Where(i => i.IsPrivileged).Select(i => i.Mnemonic);
        var registers = Enumerable.Range(0, Registers.Count).Select(r => "r" + r).Concat(["zero", "fp", "sp", "lr"]);
        var controlRegisters = Enumerable.Range(0, ControlRegisters.Count).Select(c => ControlRegisters.Name((ControlRegister)c));
        var directives = AssemblyPass.DirectiveNames.Where(d => d is not ".macro").Select(d => Regex(d));

        var patterns = new List<Dictionary<string, object>>
        {
            Match("comment.line.semicolon.r4asm", @";.*$"),
            new()
            {
                ["name"] = "string.quoted.double.r4asm",
                ["begin"] = "\"",
                ["end"] = "\"",
                ["patterns"] = new[] { Match("constant.character.escape.r4asm", @"\\[ntr0\\'""]") },
            },
            Match("constant.character.r4asm", @"'(?:\\[ntr0\\'""]|[^'\\])'"),
            new()
            {
                ["match"] = @"(?i)^\s*(\.macro)\s+([A-Za-z_][A-Za-z0-9_]*)(.*?)(?=;|$)",
                ["captures"] = new Dictionary<string, object>
                {
                    ["1"] = Name("keyword.control.directive.r4asm"),
                    ["2"] = Name("entity.name.function.macro.r4asm"),
                    ["3"] = Name("variable.parameter.macro.r4asm"),
                },
            },
            Match("variable.parameter.macro.r4asm", @"\\(?:@|[A-Za-z_][A-Za-z0-9_]*)"),
            new()
            {
                ["match"] = @"(?:^|(?<=:))\s*(\.?[A-Za-z_][A-Za-z0-9_]*(?:\\@)?(?:\.[A-Za-z_][A-Za-z0-9_]*)?)(:)",
                ["captures"] = new Dictionary<string, object>
                {
                    ["1"] = Name("entity.name.label.r4asm"),
                    ["2"] = Name("punctuation.separator.label.r4asm"),
                },
            },
            Match("keyword.control.directive.r4asm", @"(?i)(?<![\w.])(?:" + string.Join("|", directives.OrderByDescending(d => d.Length)) + @")(?![\w.])"),
            Match("keyword.other.instruction.privileged.r4asm", Words(privileged)),
            Match("keyword.other.instruction.r4asm", Words(instructions)),
            Match("keyword.other.instruction.pseudo.r4asm", Words(PseudoInstructions.All.Select(p => p.Mnemonic))),
            Match("variable.language.register.r4asm", Words(registers)),
            Match("variable.language.control-register.r4asm", Words(controlRegisters)),
            Match("support.function.r4asm", @"(?i)(?<![\w.])(?:hi|lo|defined)(?=\s*\()"),
            Match("constant.numeric.hex.r4asm", @"(?<![\w.])0[xX][0-9A-Fa-f][0-9A-Fa-f_]*(?![\w.])"),
            Match("constant.numeric.binary.r4asm", @"(?<![\w.])0[bB][01][01_]*(?![\w.])"),
            Match("constant.numeric.decimal.r4asm", @"(?<![\w.])[0-9][0-9_]*(?![\w.])"),
            Match("keyword.operator.r4asm", @"<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>=]"),
        };

        var grammar = new Dictionary<string, object>
        {
            ["$schema"] = "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
            ["name"] = "R4 Assembly",
            ["scopeName"] = ScopeName,
            ["fileTypes"] = new[] { "asm", "inc", "r4", "s" },
            ["comment"] = "Generated from the R4 instruction table by `r4 isa-doc --grammar` (R4.Assembler.TextMateGrammar). Do not edit.",
            ["patterns"] = patterns,
        };
        var context = new GrammarJsonContext(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        string json = JsonSerializer.Serialize(grammar, context.DictionaryStringObject);
        return json.Replace("\r\n", "\n") + "\n";
    }

    private static Dictionary<string, object> Match(string scope, string regex) => new() { ["name"] = scope, ["match"] = regex };

    private static Dictionary<string, object> Name(string scope) => new() { ["name"] = scope };

    private static string Regex(string word) => System.Text.RegularExpressions.Regex.Escape(word);
}

/// <summary>The grammar's JSON by the System.Text.Json source generator, not reflection (the
/// Native AOT build of r4 prints it too): the kinds of value its dictionaries hold.</summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(List<Dictionary<string, object>>))]
[JsonSerializable(typeof(Dictionary<string, object>[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(string))]
internal sealed partial class GrammarJsonContext : JsonSerializerContext;
