// Host time of every microbenchmark guest of Guests/bench under every layout of the monitor
// (native, ring012, ring013, ring3): the BenchmarkDotNet counterpart of `r4 compare`, with
// BenchmarkDotNet's statistics instead of a median of a few runs. Each guest runs with the
// N written in its file (the README's Results table uses the same). One invocation = load
// and run the guest to power-off on a machine made once per case, so the figure is the run
// alone. Short job, Markdown (GitHub) and CSV exports:
//   dotnet run -c Release --project Perf -- --filter '*LayoutBenchmarks*'
using BenchmarkDotNet.Attributes;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Perf;

[ShortRunJob]
[MarkdownExporterAttribute.GitHub]
[CsvExporter]
public class LayoutBenchmarks
{
    /// <summary>The microbenchmarks, in the order of the README's Results table.</summary>
    public static IEnumerable<string> Benches { get; } =
        ["nullcall", "ctxswitch", "pagefault", "portio", "clisti", "ptswitch", "compute", "divzero", "ptemod", "timer"];

    public static IEnumerable<string> LayoutNames { get; } = Layouts.All.Select(l => l.Name);

    [ParamsSource(nameof(Benches))]
    public string Bench { get; set; } = "nullcall";

    [ParamsSource(nameof(LayoutNames))]
    public string Layout { get; set; } = "native";

    private GuestMachine machine = null!;
    private ProgramImage image = null!;

    [GlobalSetup]
    public void Setup()
    {
        image = AssembleBench(Bench);
        if (!Layouts.TryParse(Layout, out var layout))
            throw new InvalidOperationException($"unknown layout '{Layout}'");
        machine = GuestMachine.Create(new MachineOptions
        {
            MemoryBytes = 1 << 20,
            ConsoleOutput = Stream.Null,
            ConsoleInput = new MemoryStream([], writable: false),
            Diagnostics = TextWriter.Null,
        }, layout);
        RunGuest();   // fails the case early if the guest does not finish
    }

    [GlobalCleanup]
    public void Cleanup() => machine.Dispose();

    [Benchmark(Description = "run to power-off")]
    public ulong RunGuest()
    {
        machine.Load(image);
        var result = machine.Run();
        if (result.Reason != StopReason.PowerOff || result.ExitStatus != 0)
            throw new InvalidOperationException($"{Bench} under {Layout} stopped with {result.Reason} (status {result.ExitStatus}) at 0x{result.Pc:x8}: {result.Diagnostic}");
        return machine.Statistics.Instructions;
    }

    /// <summary>Assembles Guests/bench/NAME.asm, found above the benchmark's folder (BenchmarkDotNet
    /// runs each case from a generated project under bin/).</summary>
    public static ProgramImage AssembleBench(string name) => AssembleGuest(Path.Combine("Guests", "bench", name + ".asm"));

    /// <summary>Assembles a guest source given by its path from the repository root.</summary>
    public static ProgramImage AssembleGuest(string repositoryPath)
    {
        string path = Path.Combine(FindRepositoryRoot(), repositoryPath);
        var result = R4Assembler.AssembleFile(path);
        if (!result.Succeeded)
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    internal static string FindRepositoryRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Emulator.sln")) && Directory.Exists(Path.Combine(dir.FullName, "Guests", "bench")))
                    return dir.FullName;
        throw new InvalidOperationException("Guests/bench not found above " + AppContext.BaseDirectory);
    }
}
