// The assembler's limits (issue 16, point 2; docs/assembly.md "Limits"): a source larger
// than a file may be, a macro chain that doubles 60 times, a line that grows past the
// longest allowed, and an endless stream of errors each end in one file:line:col error
// (exit 65 from r4) instead of taking the host's memory or time.
using R4.Assembler;
using R4.Tests.Cli;

namespace R4.Tests.AssemblerTests;

public sealed class AssemblerLimitsTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>60 macros, each calling the next twice: 2^60 lines if nothing stopped it.</summary>
    public static string ExponentialMacroChain()
    {
        var text = new System.Text.StringBuilder(".org 0x1000\n.macro m60\n    nop\n.endm\n");
        for (int i = 59; i >= 1; i--)
            text.Append($".macro m{i}\n    m{i + 1}\n    m{i + 1}\n.endm\n");
        text.Append("    m1\n");
        return text.ToString();
    }

    [Fact]
    public void ExponentialMacroChainStopsAtTheLineLimitWithOneError()
    {
        // The limit lowered so the test stays quick; `r4 asm` of the same chain stops at the
        // documented limit the same way (docs/assembly.md).
        var result = R4Assembler.AssembleText(ExponentialMacroChain(), "chain.asm", new AssemblyOptions { MaximumExpandedLines = 20_000 });
        var error = Assert.Single(result.Errors);
        Assert.Equal("chain.asm", error.File);
        Assert.True(error.Line > 0 && error.Column > 0);
        Assert.StartsWith("more than 20000 lines after includes and macro expansion", error.Message);
        Assert.Null(result.Image);
    }

    [Fact]
    public void ASourceLargerThanTheFileLimitIsOneErrorWithItsPosition()
    {
        // A sparse file of zeros, like /dev/zero cut short: the limit is checked while reading.
        string path = cli.PathOf("zeros.asm");
        using (var file = File.Create(path)) file.SetLength(AssemblerLimits.MaximumSourceFileBytes + 4096L);
        var run = cli.Run("asm", path, "-o", cli.PathOf("zeros.elf"));
        Assert.Equal(65, run.ExitCode);
        Assert.StartsWith($"{path}:1:{AssemblerLimits.MaximumSourceFileBytes + 1}: error: the file is larger than 16 MiB", run.Stderr);
    }

    [Fact]
    public void AnIncludeLargerThanTheFileLimitIsAnErrorAtTheInclude()
    {
        using (var file = File.Create(cli.PathOf("big.inc"))) file.SetLength(AssemblerLimits.MaximumSourceFileBytes + 1L);
        var result = R4Assembler.AssembleFile(cli.Write("main.asm", "    nop\n    .include \"big.inc\"\n"));
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("cannot read include 'big.inc': the file is larger than 16 MiB", error.Message);
    }

    [Fact]
    public void ErrorsStopAfterTheLimitWithTooManyErrors()
    {
        string source = string.Concat(Enumerable.Repeat("    bogus r1\n", 5000));
        var result = R4Assembler.AssembleText(source, "noise.asm");
        Assert.Equal(AssemblerLimits.MaximumErrors + 1, result.Errors.Count);
        Assert.Equal($"too many errors ({AssemblerLimits.MaximumErrors}); stopping here", result.Errors[^1].Message);
        Assert.Equal(AssemblerLimits.MaximumErrors + 1, result.Errors[^1].Line);
    }

    [Fact]
    public void AMacroThatDoublesItsArgumentStopsAtTheLineLengthLimit()
    {
        var text = new System.Text.StringBuilder(".macro g30 a\n    .word 1\n.endm\n");
        for (int i = 29; i >= 1; i--)
            text.Append($".macro g{i} a\n    g{i + 1} \\a\\a\n.endm\n");
        text.Append("    g1 x\n");
        var result = R4Assembler.AssembleText(text.ToString(), "grow.asm");
        Assert.NotEmpty(result.Errors);
        Assert.Contains($"longer than {AssemblerLimits.MaximumLineCharacters} characters after macro parameter substitution", result.Errors[0].Message);
    }

    [Fact]
    public void AnErrorInAVeryLongLineShowsAWindowAroundTheColumn()
    {
        string line = "    .word 1" + new string(' ', 100_000) + "+ bogus";
        var result = R4Assembler.AssembleText(line, "long.asm");
        string shown = Assert.Single(result.Errors).Format();
        Assert.True(shown.Length < 600, $"{shown.Length} characters");
        Assert.StartsWith("long.asm:1:", shown);
    }

    [Fact]
    public void MoreForwardReferencesThanTheErrorLimitStillAssemble()
    {
        // The first pass sees every forward reference as undefined: that must not count.
        var text = new System.Text.StringBuilder(".org 0x1000\n");
        for (int i = 0; i < 3 * AssemblerLimits.MaximumErrors; i++) text.Append($"    .word later{i}\n");
        for (int i = 0; i < 3 * AssemblerLimits.MaximumErrors; i++) text.Append($"later{i}: nop\n");
        var result = R4Assembler.AssembleText(text.ToString(), "forward.asm");
        Assert.Empty(result.Errors);
    }
}
