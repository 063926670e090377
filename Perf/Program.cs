// BenchmarkDotNet entry point: `dotnet run -c Release --project Perf -- --filter '*'`;
// `-- counting-loop [iterations]` prints the quick counting-loop ratios (QuickRatios.cs);
// `-- hosted-figures [repeats]` issue 11's snapshot and migration figures (SnapshotBenchmarks.cs);
// `-- smc-store [iterations]` the cost of a store into hot code per engine (SelfModifyingCodeBenchmarks.cs);
// `-- interp-loop [iterations] [repeats]` the interpreter's counting loop against plain C# in thread CPU time (InterpreterLoop.cs);
// `-- guest-time FILE [--layout L] [-D N=V] [runs]` a guest's in-process Run time per engine (GuestTime.cs).
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "counting-loop")
{
    R4.Perf.QuickRatios.CountingLoop(args.Length > 1 ? int.Parse(args[1]) : 100_000_000);
    return;
}
if (args.Length > 0 && args[0] == "smc-store")
{
    R4.Perf.SelfModifyingCodeBenchmarks.Print(args.Length > 1 ? int.Parse(args[1]) : 4_000_000);
    return;
}
if (args.Length > 0 && args[0] == "interp-loop")
{
    R4.Perf.InterpreterLoop.Print(args.Length > 1 ? int.Parse(args[1]) : 100_000_000, args.Length > 2 ? int.Parse(args[2]) : 5);
    return;
}
if (args.Length > 0 && args[0] == "guest-time")
{
    R4.Perf.GuestTime.Print(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "hosted-figures")
{
    R4.Perf.HostedFigures.Print(args.Length > 1 ? int.Parse(args[1]) : 21);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(R4.Perf.ThroughputBenchmarks).Assembly).Run(args);
