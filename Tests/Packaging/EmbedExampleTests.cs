// examples/embed/Program.cs — R4 embedded in a C# program — is compiled here with Roslyn
// against the R4 libraries this test project references, then run: it must build against the
// public API as it is today and print the run's statistics. docs/packages.md shows the same code.
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace R4.Tests.Packaging;

public sealed partial class EmbedExampleTests
{
    private static readonly string ProgramPath = RepositoryPaths.Combine("examples", "embed", "Program.cs");

    /// <summary>The example compiled in memory: its errors (none expected) and its bytes.</summary>
    private static (IReadOnlyList<string> Errors, byte[] Assembly) Compile()
    {
        string source = File.ReadAllText(ProgramPath);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), ProgramPath);
        // the implicit usings of an SDK console project
        var globalUsings = CSharpSyntaxTree.ParseText("global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic;");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(R4.Assembler.R4Assembler).Assembly.Location, typeof(R4.Machine.R4Machine).Assembly.Location,
                     typeof(R4.Monitor.GuestMachine).Assembly.Location, typeof(R4.Isa.InstructionTable).Assembly.Location])
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("embed", [tree, globalUsings], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error || d.Severity == DiagnosticSeverity.Warning)
            .Select(d => d.ToString()).ToList();
        return (errors, stream.ToArray());
    }

    [Fact]
    public void TheExampleCompilesWithoutWarningsAndPrintsTheStatsOfItsRun()
    {
        var (errors, bytes) = Compile();
        Assert.Empty(errors);
        var entry = Assembly.Load(bytes).EntryPoint!;
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try { entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]); }
        finally { Console.SetOut(previous); }
        // 1 li + 1000 × (addi, bnez) + 1 out = 2002 instructions; under ring3 the out is a monitor exit
        Assert.Matches(@"^PowerOff 0: 2002 instructions, \d+ cycles, \d+ monitor exits$", output.ToString().Trim());
    }

    [Fact]
    public void TheExampleIsAboutTenLinesAndDocsPackagesShowsItAsItIs()
    {
        var code = File.ReadAllLines(ProgramPath).SkipWhile(line => line.StartsWith("//")).ToList();
        Assert.InRange(code.Count(line => line.Trim().Length > 0), 8, 20);
        string docs = File.ReadAllText(RepositoryPaths.Combine("docs", "packages.md"));
        Assert.Contains(string.Join("\n", code).Trim(), docs);
    }
}
