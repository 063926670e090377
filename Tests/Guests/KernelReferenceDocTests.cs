// docs/kernel-reference.md and docs/guest-constants.md stay true: the constants page is what
// `r4 isa-doc --guest-constants Guests/lib` generates; every ring-0 library routine changes
// no register beyond those its row of the routines table names (run with marker values in
// every other register); and the figures quoted for Guests/examples/ticks.asm (its output,
// one iret exit per system call through an interrupt gate in ring012, none through a trap
// gate) are what the monitor measures.
using System.Globalization;
using System.Text.RegularExpressions;
using R4.Assembler;
using R4.Cli.Compare;
using R4.Monitor;
using R4.Tests.Compare;

namespace R4.Tests.Guests;

public sealed class KernelReferenceDocTests
{
    private static string Doc => File.ReadAllText(RepositoryPaths.Combine("docs", "kernel-reference.md"));

    [Fact]
    public void TheConstantsPageIsGeneratedFromTheIncludeFiles()
    {
        string generated = R4.Cli.GuestConstantsReference.GenerateMarkdown(RepositoryPaths.Combine("Guests", "lib"), "Guests/lib");
        Assert.Equal(generated, File.ReadAllText(RepositoryPaths.Combine("docs", "guest-constants.md")));
        foreach (string name in new[] { "STATUS_IE", "FRAME_PC", "FRAME_STATUS", "VEC_TIMER", "USER_STATUS", "GATE_INTERRUPT", "PORT_TIMER_PERIOD", "SYS_WRITE" })
            Assert.Contains($"| `{name}` |", generated);
        Assert.Contains("| `USER_STATUS` | `USER_RING \\| STATUS_IE` | 7 |", generated);
    }

    /// <summary>How each ring-0 routine of the table is called: its arguments.</summary>
    private static readonly Dictionary<string, string> Calls = new()
    {
        ["kputc"] = "li r1, 'x'",
        ["kputs"] = "la r1, text",
        ["kput_uint"] = "li r1, 4000000000",
        ["kput_int"] = "li r1, -12345",
        ["kput_hex"] = "li r1, 0xC0FFEE",
        ["kprintf"] = "la r1, format\n    li r2, -7\n    la r3, text\n    li r4, 42\n    li r5, 0xBEEF\n    li r6, 'z'",
        ["strlen"] = "la r1, text",
        ["memset"] = "la r1, buffer\n    li r2, 0x55\n    li r3, 13",
        ["memcpy"] = "la r1, buffer\n    la r2, text\n    li r3, 6",
        ["memzero_words"] = "la r1, buffer\n    li r2, 16",
    };

    public static TheoryData<string, string> RingZeroRoutines()
    {
        var rows = new TheoryData<string, string>();
        foreach (Match row in Regex.Matches(Doc, @"^\| `(\w+)` \| (kprintf|string)\.inc \| [^|]* \| ([^|]*) \|$", RegexOptions.Multiline))
            rows.Add(row.Groups[1].Value, row.Groups[3].Value.Trim());
        return rows;
    }

    [Fact]
    public void TheTableNamesEveryRingZeroRoutineOfTheLibrary()
    {
        var documented = RingZeroRoutines().Select(row => (string)row[0]).Order().ToList();
        var defined = new[] { "kprintf.inc", "string.inc" }
            .SelectMany(file => Regex.Matches(File.ReadAllText(RepositoryPaths.Combine("Guests", "lib", file)), @"^([a-z_]+):", RegexOptions.Multiline))
            .Select(m => m.Groups[1].Value).Order().ToList();
        Assert.Equal(defined, documented);
        Assert.Equal(defined, Calls.Keys.Order().ToList());
    }

    private static IReadOnlyList<uint> RegistersAfter(string body)
    {
        string source = $$"""
            .include "ports.inc"
            .org 0x1000
            .entry start
            start:
                li sp, 0x8000
                {{string.Join("\n    ", Enumerable.Range(1, 13).Select(r => $"li r{r}, 0x{r:X2}{r:X2}{r:X2}{r:X2}"))}}
                {{body}}
                out PORT_POWER, zero
            .include "kprintf.inc"
            .include "string.inc"
            .org 0x6000                 ; the data at a fixed address, however long the code
            text:   .asciz "marker"
            format: .asciz "%d %s %u %x %c%%\n"
            .align 4
            buffer: .space 64
            """;
        var assembly = R4Assembler.AssembleText(source, RepositoryPaths.Combine("Guests", "lib", "clobber-test.asm"));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        var (run, state, _) = GuestRunner.RunUnderLayout(assembly.Image!, Layouts.Native, budgetInstructions: 100_000);
        Assert.Equal(R4.Machine.StopReason.PowerOff, run.Result.Reason);
        return state.Registers;
    }

    [Theory]
    [MemberData(nameof(RingZeroRoutines))]
    public void ARoutineChangesOnlyTheRegistersItsRowNames(string routine, string changes)
    {
        var before = RegistersAfter(Calls[routine]);
        var after = RegistersAfter(Calls[routine] + "\n    call " + routine);
        var changed = Enumerable.Range(1, 14).Where(r => before[r] != after[r]).Select(r => "r" + r.ToString(CultureInfo.InvariantCulture)).ToList();
        var named = changes == "none" ? [] : changes.Split(", ").ToList();
        Assert.True(changed.All(named.Contains), $"{routine} changed {string.Join(", ", changed)}; the table names {changes}");
        Assert.Equal(0x8000u, after[14]);   // sp, balanced
    }

    [Fact]
    public void TheTicksExampleCostsAnIretExitPerSystemCallOnlyThroughAnInterruptGate()
    {
        var trapGate = Measure(new Dictionary<string, long>());
        var interruptGate = Measure(new Dictionary<string, long> { ["SYSCALL_INTERRUPT_GATE"] = 1 });
        string doc = Doc;
        Assert.Contains($"| trap gate (`ticks.asm` as it is) | {trapGate.Iret} (the timer's: its interrupt gate cleared IE) | {trapGate.Slowdown:F3} |", doc);
        Assert.Contains($"| interrupt gate (`-D SYSCALL_INTERRUPT_GATE=1`) | {interruptGate.Iret} = {trapGate.Iret} + one per system call that returns | {interruptGate.Slowdown:F3} |", doc);
        Assert.Equal(201, interruptGate.Iret - trapGate.Iret);   // 200 getpid + 1 write; exit does not return
        string expected = File.ReadAllText(RepositoryPaths.Combine("Guests", "examples", "ticks.expected"));
        Assert.Contains("```text\n" + expected + "```", doc);
    }

    private static (long Iret, double Slowdown) Measure(Dictionary<string, long> defines)
    {
        var guest = new ExperimentGuest("ticks", GuestRunner.Assemble("Guests/examples/ticks.asm", defines));
        var comparison = CompareTestGuests.Compare(guest, Layouts.Native, Layouts.Ring012);
        var ring012 = comparison.Run(Layouts.Ring012);
        return (ring012.Exits("iret"), comparison.CycleSlowdown(ring012));
    }
}
