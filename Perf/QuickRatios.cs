// `dotnet run -c Release --project Perf -- counting-loop [iterations]`: the counting-loop
// check of docs/performance.md without BenchmarkDotNet's minutes. Runs Perf's ALU loop
// ((a): a down-counting loop of 4 instructions per iteration) on the JIT, on the
// interpreter and as plain C#, back to back in one process, after one warm-up each, and
// prints each wall time and the ratios to plain C#. A quick reading, not a benchmark: the
// BenchmarkDotNet rows of ThroughputBenchmarks are the reference figures.
using System.Diagnostics;
using R4.Machine;

namespace R4.Perf;

public static class QuickRatios
{
    public static void CountingLoop(int iterations)
    {
        var image = ThroughputBenchmarks.Assemble(ThroughputPrograms.AluLoop(iterations));
        var warmImage = ThroughputBenchmarks.Assemble(ThroughputPrograms.AluLoop(1_000_000));
        ThroughputBenchmarks.RunGuest(warmImage, ExecutionEngine.Jit);
        ThroughputBenchmarks.RunGuest(warmImage, ExecutionEngine.Interpreter);
        ThroughputPrograms.AluLoopInCSharp(1_000_000);

        double Time(Action action)
        {
            var clock = Stopwatch.StartNew();
            action();
            return clock.Elapsed.TotalMilliseconds;
        }
        uint sink = 0;
        double csharpMilliseconds = Time(() => sink = ThroughputPrograms.AluLoopInCSharp(iterations));
        double jitMilliseconds = Time(() => ThroughputBenchmarks.RunGuest(image, ExecutionEngine.Jit));
        double interpreterMilliseconds = Time(() => ThroughputBenchmarks.RunGuest(image, ExecutionEngine.Interpreter));
        Console.WriteLine($"counting loop, {iterations:N0} iterations ({(long)iterations * ThroughputPrograms.AluInstructionsPerIteration:N0} guest instructions; C# result {sink:x8})");
        Console.WriteLine($"  plain C#     {csharpMilliseconds,9:F1} ms");
        Console.WriteLine($"  JIT          {jitMilliseconds,9:F1} ms   {jitMilliseconds / csharpMilliseconds,5:F2}x plain C#");
        Console.WriteLine($"  interpreter  {interpreterMilliseconds,9:F1} ms   {interpreterMilliseconds / csharpMilliseconds,5:F2}x plain C#");
    }
}
