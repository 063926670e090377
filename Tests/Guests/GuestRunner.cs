// Assembles and runs guests for the tests: the console captured in memory, a budget of
// retired instructions, an optional trace sink. Shared by every test of Guests/.
using System.Text;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Guests;

/// <summary>One finished run: how it stopped, the console bytes and the machine's counters.</summary>
public sealed record GuestRun(RunResult Result, byte[] Output, MachineStatistics Statistics)
{
    public string Text => Encoding.UTF8.GetString(Output);
    public ulong Instructions => Statistics.Instructions;
}

public static class GuestRunner
{
    /// <summary>Generous for every bundled guest, small enough that a runaway fails fast.</summary>
    public const ulong DefaultBudgetInstructions = 100_000_000;

    /// <summary>Assembles a guest given relative to the repository root (e.g.
    /// "Guests/kernels/teach/kernel.asm"); fails the test with the formatted errors.</summary>
    public static ProgramImage Assemble(string repositoryRelativePath, IReadOnlyDictionary<string, long>? defines = null)
    {
        string path = RepositoryPaths.Combine(repositoryRelativePath.Split('/'));
        var result = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = defines ?? new Dictionary<string, long>() });
        if (!result.Succeeded)
            throw new Xunit.Sdk.XunitException($"{repositoryRelativePath} does not assemble:\n" +
                string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    public static GuestRun Run(ProgramImage image, ulong budgetInstructions = DefaultBudgetInstructions,
        ITraceSink? trace = null, uint memoryBytes = 16 << 20, byte[]? consoleInput = null)
    {
        using var output = new MemoryStream();
        using var input = new MemoryStream(consoleInput ?? []);
        using var machine = new R4Machine(new MachineOptions
        {
            MemoryBytes = memoryBytes,
            ConsoleInput = input,
            ConsoleOutput = output,
            Diagnostics = TextWriter.Null,
        });
        machine.Trace = trace;
        machine.Load(image);
        var result = machine.Run(budgetInstructions);
        return new GuestRun(result, output.ToArray(), machine.Statistics);
    }

    /// <summary>Runs under a layout (native, or deprivileged under the monitor) and also
    /// returns the guest-visible CPU state at the end and the monitor's exit count (0 native).</summary>
    public static (GuestRun Run, GuestState State, long MonitorExits) RunUnderLayout(ProgramImage image, Layout layout,
        ulong budgetInstructions = DefaultBudgetInstructions, uint memoryBytes = 16 << 20)
    {
        using var output = new MemoryStream();
        using var input = new MemoryStream();
        using var machine = GuestMachine.Create(new MachineOptions
        {
            MemoryBytes = memoryBytes,
            ConsoleInput = input,
            ConsoleOutput = output,
            Diagnostics = TextWriter.Null,
        }, layout);
        machine.Load(image);
        var result = machine.Run(budgetInstructions);
        return (new GuestRun(result, output.ToArray(), machine.Statistics), machine.CaptureState(), machine.Exits?.TotalExits ?? 0);
    }

    public static GuestRun AssembleAndRun(string repositoryRelativePath, ulong budgetInstructions = DefaultBudgetInstructions,
        ITraceSink? trace = null, IReadOnlyDictionary<string, long>? defines = null) =>
        Run(Assemble(repositoryRelativePath, defines), budgetInstructions, trace);

    /// <summary>The start of a test image for the teaching kernel (assembled as if it lived in
    /// Guests/kernels/teach): the kernel, a process per label (LABEL .. LABEL_end, named
    /// LABEL) and the user library at ULIB_BASE. The caller may add shared user code, then
    /// writes `ulib_end:` and places each program at USER_IMAGE_BASE + k * USER_SLOT_BYTES.</summary>
    public static string TeachKernelWith(params string[] programLabels) =>
        ".include \"core.inc\"\nboot_programs:\n" +
        string.Concat(programLabels.Select(l => $"    .word {l}, {l}_end, {l}_name\n")) +
        "    .word 0\n" +
        string.Concat(programLabels.Select(l => $"{l}_name: .asciz \"{l}\"\n")) +
        ".align 4\nkernel_end:\n.org ULIB_BASE\nuser_space:\n.include \"../../lib/ulib.inc\"\n";

    /// <summary>The exact bytes of a golden file beside the guest (e.g. kernel.expected).</summary>
    public static byte[] Expected(string repositoryRelativePath) =>
        File.ReadAllBytes(RepositoryPaths.Combine(repositoryRelativePath.Split('/')));
}

/// <summary>Hashes every retired instruction (instret, ring, pc, word) and every trap with
/// 64-bit FNV-1a, so two runs can be compared step by step without storing the trace.</summary>
public sealed class HashingTraceSink : ITraceSink
{
    private const ulong Prime = 1099511628211;
    public ulong Hash { get; private set; } = 14695981039346656037;
    public ulong InstructionCount { get; private set; }
    public long TrapCount { get; private set; }

    private void Mix(ulong value)
    {
        ulong h = Hash;
        for (int i = 0; i < 8; i++)
        {
            h = (h ^ (value & 0xFF)) * Prime;
            value >>= 8;
        }
        Hash = h;
    }

    public void Instruction(ulong instret, int ring, uint pc, uint word)
    {
        InstructionCount++;
        Mix(instret);
        Mix(((ulong)(uint)ring << 32) | pc);
        Mix(word);
    }

    public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing)
    {
        TrapCount++;
        Mix(instret);
        Mix(((ulong)(uint)vector << 32) | errorCode);
        Mix(((ulong)savedPc << 8) | ((uint)fromRing << 4) | (uint)toRing);
    }
}
