// BenchmarkDotNet entry point: `dotnet run -c Release --project Perf -- --filter '*'`.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(R4.Perf.ThroughputBenchmarks).Assembly).Run(args);
