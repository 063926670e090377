// What `r4 compare` shows a person on a terminal and nothing else: colour only on a terminal
// and never with NO_COLOR (or TERM=dumb), a progress bar that fits the terminal's width, and a
// text table whose columns stay aligned with or without colour.
using R4.Cli;
using R4.Cli.Compare;
using R4.Monitor;
using R4.Tests.Compare;

namespace R4.Tests.Cli;

public sealed class TerminalTests
{
    [Theory]
    [InlineData(true, null, null, true)]
    [InlineData(true, "1", null, false)]
    [InlineData(true, "anything", "xterm-256color", false)]
    [InlineData(true, "", "xterm", true)]          // NO_COLOR set but empty does not count (no-color.org)
    [InlineData(true, null, "dumb", false)]
    [InlineData(false, null, "xterm", false)]      // piped or redirected: never
    public void ColourOnlyOnATerminalAndNeverWithNoColor(bool isTerminal, string? noColor, string? term, bool allowed)
    {
        string? Environment(string name) => name switch { "NO_COLOR" => noColor, "TERM" => term, _ => null };
        Assert.Equal(allowed, Terminal.ColourAllowed(isTerminal, Environment));
    }

    [Fact]
    public void ATestsWriterIsNoTerminal()
    {
        Assert.False(Terminal.IsTerminal(new StringWriter()));
        Assert.False(Terminal.ColourAllowed(new StringWriter()));
    }

    [Theory]
    [InlineData(0, 56)]
    [InlineData(14, 56)]
    [InlineData(56, 56)]
    public void TheProgressBarFillsInProportionAndFitsTheWidth(int done, int total)
    {
        string line = Terminal.ProgressLine("r4 compare", done, total, "run 15: nullcall under ring3", 80);
        Assert.StartsWith("r4 compare [", line);
        Assert.True(line.Length <= 79, line);
        string bar = line[(line.IndexOf('[') + 1)..line.IndexOf(']')];
        Assert.Equal(20, bar.Length);   // a quarter of 80 columns
        Assert.Equal(20 * done / total, bar.Count(c => c == '#'));
        Assert.Contains($"{done}/{total}", line);
        Assert.EndsWith("nullcall under ring3", line);
    }

    [Fact]
    public void ANarrowTerminalCutsTheLabelNotTheBar()
    {
        string line = Terminal.ProgressLine("r4 compare", 3, 8, "run 4: a-guest-with-a-very-long-name under ring012", 40);
        Assert.Equal(39, line.Length);
        Assert.StartsWith("r4 compare [###-------]", line);
        Assert.EndsWith("…", line);
    }

    private static readonly Lazy<ExperimentResult> Result = new(() =>
        new ExperimentResult([Layouts.Native, Layouts.Ring012, Layouts.Ring3],
            [CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", 20), Layouts.Native, Layouts.Ring012, Layouts.Ring3),
             CompareTestGuests.Compare(CompareTestGuests.Bench("portio", 2000), Layouts.Native, Layouts.Ring012, Layouts.Ring3)], []));

    /// <summary>The coloured table is the plain one plus escape codes: every column starts at
    /// the same place in every line, which the dashes under the heading mark.</summary>
    [Fact]
    public void TheTableStaysAlignedWithAndWithoutColour()
    {
        string plain = CompareReport.Format(Result.Value, CompareFormat.Table);
        string coloured = CompareReport.Format(Result.Value, CompareFormat.Table, colour: true);
        Assert.DoesNotContain("\u001b", plain);
        Assert.Contains("\u001b[1m", coloured);        // the bold heading
        Assert.Contains("\u001b[31m", coloured);       // portio's slowdown is over 10×
        Assert.Equal(plain, Terminal.Plain(coloured));

        var lines = plain.TrimEnd('\n').Split('\n');
        var gaps = Enumerable.Range(1, lines[1].Length - 2).Where(i => lines[1][i] == ' ' && lines[1][i - 1] == '-').ToList();
        Assert.Equal(CompareReport.CsvColumns.Count - 1, gaps.Count);
        foreach (string line in lines)
            foreach (int gap in gaps.Where(g => g < line.Length))
                Assert.True(line[gap] == ' ' && line[gap + 1] == ' ', $"column gap at {gap} in: {line}");
    }

    [Fact]
    public void CompareIntoAWriterHasNoColourAndNoProgress()
    {
        using var cli = new CliHarness();
        var run = cli.Run("compare", CompareTestGuests.BenchPath("nullcall"), "-D", "N=2", "--repeat", "1", "--warmup", "0");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.DoesNotContain("\u001b", run.Stdout);
    }
}
