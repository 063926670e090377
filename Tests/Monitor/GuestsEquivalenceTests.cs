// Every complete guest of the repository (Guests/examples, Guests/bench, Guests/kernels: each
// .asm with an .expected file beside it) under every layout vs native: same console output,
// stop, registers, pc, instret and per-instruction trace. Sizes are kept small with -D N=40.
// A guest that does not assemble (yet) is left out here; the guests' own tests report it.
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Tests.Monitor;

public class GuestsEquivalenceTests
{
    private const long SmallN = 40;
    private const ulong MaxInstructions = 3_000_000;

    public static IEnumerable<object[]> Guests()
    {
        string root = RepositoryPaths.Combine("Guests");
        foreach (string expected in Directory.EnumerateFiles(root, "*.expected", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string source = Path.ChangeExtension(expected, ".asm");
            if (File.Exists(source) && Assemble(source) is not null)
                yield return [Path.GetRelativePath(RepositoryPaths.Root, source).Replace('\\', '/')];
        }
    }

    private static ProgramImage? Assemble(string path)
    {
        var result = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = new Dictionary<string, long> { ["N"] = SmallN } });
        return result.Succeeded ? result.Image : null;
    }

    [Fact]
    public void TheExamplesAndBenchmarksAreAmongTheGuests()
    {
        var names = Guests().Select(g => (string)g[0]).ToList();
        Assert.Contains("Guests/examples/hello.asm", names);
        Assert.Contains("Guests/examples/syscalls.asm", names);
        Assert.Contains("Guests/bench/nullcall.asm", names);
        Assert.Contains("Guests/bench/timer.asm", names);
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void GuestRunsAsNativeUnderEveryLayout(string guest)
    {
        var image = Assemble(RepositoryPaths.Combine(guest))!;
        var runs = MonitorHarness.AssertEquivalent(image, MaxInstructions, memoryBytes: 16 << 20, input: "monitor\n"u8.ToArray());
        Assert.NotEqual(R4.Machine.StopReason.Shutdown, runs[0].Result.Reason);
    }
}
