// Every complete guest of the repository (Guests/examples, Guests/bench, Guests/kernels: each
// .asm with an .expected file beside it) under every layout vs native: same console output,
// stop, registers, pc, instret and per-instruction trace — plus the guests' documented -D
// variants. Sizes are kept small with -D N=40. Every other .asm under Guests/ must be part of
// such a guest (included by one), so no guest file escapes the comparison; a guest that does
// not assemble fails here instead of being skipped.
using System.Text.RegularExpressions;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Tests.Monitor;

public partial class GuestsEquivalenceTests
{
    private const long SmallN = 40;
    private const ulong MaxInstructions = 3_000_000;

    private static string GuestsRoot => RepositoryPaths.Combine("Guests");

    private static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');

    /// <summary>The complete guests: every .asm with an .expected file beside it.</summary>
    public static IEnumerable<object[]> Guests() =>
        Directory.EnumerateFiles(GuestsRoot, "*.expected", SearchOption.AllDirectories)
            .Select(expected => Path.ChangeExtension(expected, ".asm"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .Select(source => new object[] { Relative(source) });

    /// <summary>The -D knobs the guests document (Guests/README.md, Guests/kernels/README.md)
    /// that change what the guest does, not only how long: each variant is compared too (the
    /// teaching kernel's time slice on its shorter faults image, to keep the suite quick).</summary>
    public static TheoryData<string, string> Variants => new()
    {
        { "Guests/bench/ctxswitch.asm", "SAME_SPACE=1" },
        { "Guests/bench/timer.asm", "PERIOD=37" },
        { "Guests/kernels/teach/faults.asm", "TIME_SLICE_INSTRUCTIONS=1499" },
        { "Guests/hostile/monitor-window.asm", "MAP_TOP=1" },   // the guest's own mapping takes the monitor's window slot over
    };

    private static ProgramImage Assemble(string path, IEnumerable<KeyValuePair<string, long>>? extraDefines = null)
    {
        var defines = new Dictionary<string, long> { ["N"] = SmallN };
        foreach (var (name, value) in extraDefines ?? []) defines[name] = value;
        var result = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = defines });
        Assert.True(result.Succeeded, $"{Relative(path)} does not assemble:\n" + string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    [Fact]
    public void TheExamplesAndBenchmarksAreAmongTheGuests()
    {
        var names = Guests().Select(g => (string)g[0]).ToList();
        Assert.Contains("Guests/examples/hello.asm", names);
        Assert.Contains("Guests/examples/syscalls.asm", names);
        Assert.Contains("Guests/bench/nullcall.asm", names);
        Assert.Contains("Guests/bench/timer.asm", names);
        Assert.Contains("Guests/kernels/teach/kernel.asm", names);
    }

    [GeneratedRegex(@"^\s*\.include\s+""([^""]+)""", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex IncludeDirective();

    /// <summary>Every .asm under Guests/ is either a complete guest compared above or is
    /// included, directly or through other files, by one.</summary>
    [Fact]
    public void EveryAssemblyFileUnderGuestsIsPartOfAComparedGuest()
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(Guests().Select(g => Path.GetFullPath(RepositoryPaths.Combine((string)g[0])))
            // guests that see the monitor by design (the paravirtual interface): ParavirtTests runs them
            .Concat(Directory.EnumerateFiles(RepositoryPaths.Combine("Guests", "paravirt"), "*.asm").Select(Path.GetFullPath)));
        while (pending.Count > 0)
        {
            string file = pending.Pop();
            if (!covered.Add(file)) continue;
            foreach (Match include in IncludeDirective().Matches(File.ReadAllText(file)))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, include.Groups[1].Value)));
        }
        var uncovered = Directory.EnumerateFiles(GuestsRoot, "*.asm", SearchOption.AllDirectories)
            .Select(Path.GetFullPath).Where(file => !covered.Contains(file)).Select(Relative).Order().ToList();
        Assert.True(uncovered.Count == 0, "guest files no equivalence test runs: " + string.Join(", ", uncovered));
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void GuestRunsAsNativeUnderEveryLayout(string guest)
    {
        var image = Assemble(RepositoryPaths.Combine(guest));
        var runs = MonitorHarness.AssertEquivalent(image, MaxInstructions, memoryBytes: 16 << 20, input: "monitor\n"u8.ToArray());
        Assert.Equal(StopReason.PowerOff, runs[0].Result.Reason);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void GuestVariantRunsAsNativeUnderEveryLayout(string guest, string define)
    {
        string[] parts = define.Split('=');
        var image = Assemble(RepositoryPaths.Combine(guest), [new(parts[0], long.Parse(parts[1]))]);
        var runs = MonitorHarness.AssertEquivalent(image, MaxInstructions, memoryBytes: 16 << 20, input: "monitor\n"u8.ToArray());
        Assert.Equal(StopReason.PowerOff, runs[0].Result.Reason);
    }
}
