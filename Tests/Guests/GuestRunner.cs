// Runs a guest source file for tests: assembles it (with -D style defines), runs it on a
// fresh R4Machine with the console captured, under an instruction budget, and returns the
// outcome, the exact console bytes and the machine's statistics.
using R4.Assembler;
using R4.Machine;

namespace R4.Tests.Guests;

public sealed record GuestRun(RunResult Result, byte[] ConsoleBytes, MachineStatistics Statistics)
{
    public string ConsoleText => System.Text.Encoding.UTF8.GetString(ConsoleBytes);
}

public static class GuestRunner
{
    /// <summary>Budget for a test run: far above what any bundled guest needs with its default N.</summary>
    public const ulong DefaultInstructionBudget = 200_000_000;

    /// <summary>Assembles and runs <paramref name="relativePath"/> (from the repository root).
    /// Assembly errors fail the test with the assembler's own messages.</summary>
    public static GuestRun Run(string relativePath, IReadOnlyDictionary<string, long>? defines = null,
        ulong maxInstructions = DefaultInstructionBudget, byte[]? consoleInput = null)
    {
        var path = RepositoryPaths.Combine(relativePath.Split('/'));
        var assembly = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = defines ?? new Dictionary<string, long>() });
        if (!assembly.Succeeded)
            throw new Xunit.Sdk.XunitException(
                $"{relativePath} does not assemble:\n" + string.Join("\n", assembly.Errors.Select(e => e.Format())));

        var output = new MemoryStream();
        using var machine = new R4Machine(new MachineOptions
        {
            ConsoleOutput = output,
            ConsoleInput = new MemoryStream(consoleInput ?? []),
        });
        machine.Load(assembly.Image!);
        var result = machine.Run(maxInstructions);
        return new GuestRun(result, output.ToArray(), machine.Statistics);
    }

    /// <summary>Defines for <see cref="Run"/>: pairs of name and value.</summary>
    public static IReadOnlyDictionary<string, long> Defines(params (string Name, long Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);
}
