// Issue 10's scale figure: 64 teaching kernels on one Type 1 machine against the same 64 run
// one after another, each alone on a machine of its own (as 64 `r4 run --layout ring012`
// would, minus process start). Both sides include making the machine(s), loading, running to
// power-off and disposing; the target is host ≤ 1.10 × solo. Short job:
//   dotnet run -c Release --project Perf -- --filter '*HostBenchmarks*'
using BenchmarkDotNet.Attributes;
using R4.Host;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Perf;

[ShortRunJob]
[MarkdownExporterAttribute.GitHub]
public class HostBenchmarks
{
    public const int Guests = 64;
    private const uint GuestRamBytes = 16 << 20;
    private ProgramImage kernel = null!;

    [GlobalSetup]
    public void Setup()
    {
        kernel = LayoutBenchmarks.AssembleGuest(Path.Combine("Guests", "kernels", "teach", "kernel.asm"));
        if (SoloOneAfterAnother() != OnOneHost())
            throw new InvalidOperationException("the 64 guests retired a different number of instructions together than alone");
    }

    [Benchmark(Baseline = true, Description = "64 teaching kernels, one after another, each alone")]
    public ulong SoloOneAfterAnother()
    {
        ulong instructions = 0;
        for (int i = 0; i < Guests; i++)
        {
            using var machine = GuestMachine.Create(new MachineOptions
            {
                MemoryBytes = GuestRamBytes,
                ConsoleOutput = Stream.Null,
                ConsoleInput = new MemoryStream([], writable: false),
                Diagnostics = TextWriter.Null,
            }, Layouts.Ring012);
            machine.Load(kernel);
            var result = machine.Run();
            if (result.Reason != StopReason.PowerOff) throw new InvalidOperationException($"solo guest {i + 1}: {result.Reason}");
            instructions += machine.Statistics.Instructions;
        }
        return instructions;
    }

    [Benchmark(Description = "64 teaching kernels together on one Type 1 host")]
    public ulong OnOneHost()
    {
        var specs = Enumerable.Range(0, Guests).Select(i => new GuestSpec
        {
            Name = $"teach {i + 1}",
            Image = kernel,
            Layout = Layouts.Ring012,
            RamBytes = GuestRamBytes,
            ConsoleOutput = Stream.Null,
            ConsoleInput = new MemoryStream([], writable: false),
        }).ToList();
        using var host = Type1Host.Create(new HostOptions { Diagnostics = TextWriter.Null }, specs);
        host.Run();
        ulong instructions = 0;
        foreach (var guest in host.Guests)
        {
            if (guest.Result!.Reason != StopReason.PowerOff) throw new InvalidOperationException($"{guest.Description}: {guest.Result.Reason}");
            instructions += guest.Statistics.Instructions;
        }
        return instructions;
    }
}
