// BenchmarkDotNet entry point: `dotnet run -c Release --project Perf -- --filter '*'`;
// `-- counting-loop [iterations]` prints the quick counting-loop ratios (QuickRatios.cs).
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "counting-loop")
{
    R4.Perf.QuickRatios.CountingLoop(args.Length > 1 ? int.Parse(args[1]) : 100_000_000);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(R4.Perf.ThroughputBenchmarks).Assembly).Run(args);
