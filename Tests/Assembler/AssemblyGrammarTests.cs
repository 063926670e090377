// The TextMate grammar of R4 assembly (editors/vscode/syntaxes/r4asm.tmLanguage.json): the
// committed file is what `r4 isa-doc --grammar` generates from the instruction table, and a
// small tokenizer that applies its rules as a TextMate editor does (at each position the rule
// whose match starts first wins, ties to the earlier rule) gives every mnemonic of the table,
// every pseudo-instruction, register, control register, directive, number, string, comment,
// label and macro parameter the scope it should have.
using System.Text.Json;
using System.Text.RegularExpressions;
using R4.Assembler;
using R4.Isa;

namespace R4.Tests.AssemblerTests;

public sealed class AssemblyGrammarTests
{
    private static readonly string GrammarPath = RepositoryPaths.Combine("editors", "vscode", "syntaxes", "r4asm.tmLanguage.json");

    private sealed record Rule(string? Scope, Regex Regex, Regex? End, Dictionary<int, string> Captures);

    private static readonly Lazy<List<Rule>> Rules = new(() =>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(GrammarPath));
        var rules = new List<Rule>();
        foreach (var pattern in json.RootElement.GetProperty("patterns").EnumerateArray())
        {
            string? scope = pattern.TryGetProperty("name", out var name) ? name.GetString() : null;
            var captures = new Dictionary<int, string>();
            if (pattern.TryGetProperty("captures", out var captureList))
                foreach (var capture in captureList.EnumerateObject())
                    captures[int.Parse(capture.Name)] = capture.Value.GetProperty("name").GetString()!;
            if (pattern.TryGetProperty("match", out var match))
                rules.Add(new Rule(scope, new Regex(match.GetString()!), null, captures));
            else
                rules.Add(new Rule(scope, new Regex(pattern.GetProperty("begin").GetString()!), new Regex(pattern.GetProperty("end").GetString()!), captures));
        }
        return rules;
    });

    /// <summary>The scoped pieces of one line: (text, scope), unscoped text left out.</summary>
    private static List<(string Text, string Scope)> Tokenize(string line)
    {
        var tokens = new List<(string, string)>();
        int position = 0;
        while (position < line.Length)
        {
            (Rule Rule, Match Match)? best = null;
            foreach (var rule in Rules.Value)
            {
                var match = rule.Regex.Match(line, position);
                if (match.Success && match.Length > 0 && (best is null || match.Index < best.Value.Match.Index))
                    best = (rule, match);
            }
            if (best is null) break;
            var (chosen, found) = best.Value;
            int end = found.Index + found.Length;
            if (chosen.End is not null)
            {
                var close = chosen.End.Match(line, end);
                end = close.Success ? close.Index + close.Length : line.Length;
            }
            if (chosen.Captures.Count > 0)
            {
                foreach (var (group, scope) in chosen.Captures)
                    if (found.Groups[group].Success && found.Groups[group].Length > 0)
                        tokens.Add((found.Groups[group].Value.Trim(), scope));
            }
            else
                tokens.Add((line[found.Index..end], chosen.Scope!));
            position = end;
        }
        return tokens;
    }

    private static string ScopeOf(string line, string text) =>
        Tokenize(line).FirstOrDefault(t => t.Text == text).Scope ?? $"(no scope for '{text}' in: {string.Join(" ", Tokenize(line))})";

    [Fact]
    public void TheCommittedGrammarIsTheGeneratedOne()
    {
        Assert.Equal(TextMateGrammar.Generate(), File.ReadAllText(GrammarPath));
    }

    public static TheoryData<string> Mnemonics => new(InstructionTable.All.Select(i => i.Mnemonic));

    /// <summary>Every mnemonic of the instruction table, after a label and before its operands
    /// (and in capitals), is a keyword.</summary>
    [Theory]
    [MemberData(nameof(Mnemonics))]
    public void EveryMnemonicOfTheTableIsHighlighted(string mnemonic)
    {
        string expected = InstructionTable.ForMnemonic(mnemonic)!.IsPrivileged ? "keyword.other.instruction.privileged.r4asm" : "keyword.other.instruction.r4asm";
        Assert.Equal(expected, ScopeOf($"        {mnemonic} r1, r2, r3", mnemonic));
        Assert.Equal(expected, ScopeOf($"start:  {mnemonic}", mnemonic));
        Assert.Equal(expected, ScopeOf($"\t{mnemonic.ToUpperInvariant()}\t; comment", mnemonic.ToUpperInvariant()));
    }

    [Fact]
    public void EveryPseudoInstructionAndDirectiveIsHighlighted()
    {
        foreach (string pseudo in TextMateGrammar.PseudoInstructionMnemonics)
            Assert.Equal("keyword.other.instruction.pseudo.r4asm", ScopeOf($"        {pseudo} r1, 5", pseudo));
        foreach (string directive in TextMateGrammar.DirectiveNames)
            Assert.Equal("keyword.control.directive.r4asm", ScopeOf(directive == ".macro" ? ".macro name a" : $"        {directive} 4", directive));
    }

    [Fact]
    public void RegistersAliasesAndControlRegistersAreHighlighted()
    {
        for (int r = 0; r < Registers.Count; r++)
            Assert.Equal("variable.language.register.r4asm", ScopeOf($"        add r{r}, r1, r2", $"r{r}"));
        foreach (string alias in new[] { "zero", "fp", "sp", "lr", "SP" })
            Assert.Equal("variable.language.register.r4asm", ScopeOf($"        ldw r1, [{alias} + 4]", alias));
        for (int c = 0; c < ControlRegisters.Count; c++)
        {
            string name = ControlRegisters.Name((ControlRegister)c);
            Assert.Equal("variable.language.control-register.r4asm", ScopeOf($"        mtcr {name}, r1", name));
        }
        Assert.DoesNotContain(Tokenize("        jmp r16"), t => t.Text == "r16");   // a symbol, not a register
    }

    [Fact]
    public void NumbersStringsCharactersCommentsLabelsAndMacrosAreHighlighted()
    {
        var line = Tokenize("loop:   li r1, 0x1F_00 + 0b101 + 42 ; count \"down\"");
        Assert.Contains(("loop", "entity.name.label.r4asm"), line);
        Assert.Contains(("0x1F_00", "constant.numeric.hex.r4asm"), line);
        Assert.Contains(("0b101", "constant.numeric.binary.r4asm"), line);
        Assert.Contains(("42", "constant.numeric.decimal.r4asm"), line);
        Assert.Contains(("; count \"down\"", "comment.line.semicolon.r4asm"), line);
        Assert.Contains(("\"Hi; there\\n\"", "string.quoted.double.r4asm"), Tokenize("msg:    .asciz \"Hi; there\\n\""));
        Assert.Contains(("'\\n'", "constant.character.r4asm"), Tokenize("        li r2, '\\n'"));
        Assert.Contains((".next", "entity.name.label.r4asm"), Tokenize(".next:  ldbu r2, [r1]"));
        var macro = Tokenize(".macro push2 a, b");
        Assert.Contains((".macro", "keyword.control.directive.r4asm"), macro);
        Assert.Contains(("push2", "entity.name.function.macro.r4asm"), macro);
        Assert.Contains(("\\reg", "variable.parameter.macro.r4asm"), Tokenize(".wait\\@: bnez \\reg, .wait\\@"));
        Assert.Contains(("hi", "support.function.r4asm"), Tokenize("        lui r1, hi(message)"));
        Assert.DoesNotContain(Tokenize("        jmp main.loop"), t => t.Text == "loop");   // a local label's full name is no keyword
    }
}
