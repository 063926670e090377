// Keeps docs/writing-a-kernel.md honest: every complete program in it (an asm block whose
// first line is "; NAME.asm — ... (exit status N)") assembles, runs, prints exactly the text
// block that follows it and exits with N, natively and under every monitor layout; every
// other asm snippet is a verbatim excerpt of the teaching kernel.
using System.Text.RegularExpressions;
using R4.Assembler;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Guests;

public sealed partial class WritingAKernelDocTests
{
    private static readonly string Document = File.ReadAllText(RepositoryPaths.Combine("docs", "writing-a-kernel.md"));

    [GeneratedRegex(@"```(?<kind>asm|text)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"^; (?<file>[\w-]+\.asm) — .*\(exit status (?<status>\d+)\)")]
    private static partial Regex ProgramHeader();

    private static IEnumerable<(string Kind, string Body)> Blocks() =>
        Block().Matches(Document).Select(m => (m.Groups["kind"].Value, m.Groups["body"].Value));

    private static List<string> ProgramFiles() =>
        Blocks().Where(b => b.Kind == "asm").Select(b => ProgramHeader().Match(b.Body))
            .Where(m => m.Success).Select(m => m.Groups["file"].Value).ToList();

    public static TheoryData<string> Programs() => new(ProgramFiles());

    [Fact]
    public void The_document_has_three_complete_programs() =>
        Assert.Equal(["step1.asm", "step2.asm", "step3.asm"], ProgramFiles());

    [Theory]
    [MemberData(nameof(Programs))]
    public void Each_program_prints_the_text_block_after_it_and_exits_with_its_status(string file)
    {
        var blocks = Blocks().ToList();
        int index = blocks.FindIndex(b => b.Kind == "asm" && ProgramHeader().Match(b.Body).Groups["file"].Value == file);
        string source = blocks[index].Body;
        Assert.True(index + 1 < blocks.Count && blocks[index + 1].Kind == "text", $"{file}: no text block follows it");
        string expected = blocks[index + 1].Body;
        uint status = uint.Parse(ProgramHeader().Match(source).Groups["status"].Value);

        // Assembled as if saved under docs/, so its includes resolve like a reader's copy.
        var assembly = R4Assembler.AssembleText(source, RepositoryPaths.Combine("docs", file));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        // The reader's kernel, too, is written for the architecture only: it must behave the
        // same natively and deprivileged under each of the monitor's layouts.
        foreach (var layout in Layouts.All)
        {
            var (run, _, _) = GuestRunner.RunUnderLayout(assembly.Image!, layout, budgetInstructions: 1_000_000);

            Assert.True(StopReason.PowerOff == run.Result.Reason, $"{file} under {layout.Name}: {run.Result}");
            Assert.Equal(expected, run.Text);
            Assert.Equal(status, run.Result.ExitStatus);
        }
    }

    [Fact]
    public void Every_other_snippet_is_an_excerpt_of_the_teaching_kernel()
    {
        string kernelSources = string.Join("\n", Directory.GetFiles(RepositoryPaths.Combine("Guests", "kernels", "teach"), "*.*",
            SearchOption.AllDirectories).Where(f => f.EndsWith(".asm") || f.EndsWith(".inc")).Order().Select(File.ReadAllText));
        var snippets = Blocks().Where(b => b.Kind == "asm" && !ProgramHeader().IsMatch(b.Body)).Select(b => b.Body).ToList();

        Assert.NotEmpty(snippets);
        foreach (string snippet in snippets)
            Assert.Contains(snippet, kernelSources);
    }
}
