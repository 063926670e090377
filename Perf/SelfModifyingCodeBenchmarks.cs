// What a store into hot code costs (issue 14, item 2), on each engine: a loop that rewrites
// one instruction of its own body every 16th iteration, beside the same loop storing into a
// data word on the same page instead (code and data on one page). Both benchmarks report the
// time per store; their difference is the extra cost of a store that hits decoded code (the
// decoded word is dropped and, on the JIT, the page's compiled code with it, until the page
// backs off into the interpreter). `dotnet run -c Release --project Perf -- smc-store` is the
// quick reading of the same figures without BenchmarkDotNet's minutes.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Perf;

public class SelfModifyingCodeBenchmarks
{
    private const int Iterations = 400_000;
    /// <summary>One store every 16 iterations.</summary>
    public const int Stores = Iterations / 16;

    private ProgramImage codeStores = null!, dataStores = null!;

    [GlobalSetup]
    public void Setup()
    {
        codeStores = ThroughputBenchmarks.Assemble(ThroughputPrograms.SelfModifyingLoop(Iterations, "patched"));
        dataStores = ThroughputBenchmarks.Assemble(ThroughputPrograms.SelfModifyingLoop(Iterations, "data"));
    }

    [Benchmark(OperationsPerInvoke = Stores, Description = "store into hot code, JIT")]
    public ulong CodeStoreJit() => ThroughputBenchmarks.RunGuest(codeStores, ExecutionEngine.Jit);

    [Benchmark(OperationsPerInvoke = Stores, Description = "store into a data word of the code page, JIT")]
    public ulong DataStoreJit() => ThroughputBenchmarks.RunGuest(dataStores, ExecutionEngine.Jit);

    [Benchmark(OperationsPerInvoke = Stores, Description = "store into hot code, interpreter")]
    public ulong CodeStoreInterpreter() => ThroughputBenchmarks.RunGuest(codeStores, ExecutionEngine.Interpreter);

    [Benchmark(OperationsPerInvoke = Stores, Description = "store into a data word of the code page, interpreter")]
    public ulong DataStoreInterpreter() => ThroughputBenchmarks.RunGuest(dataStores, ExecutionEngine.Interpreter);

    /// <summary>The quick reading: per engine, ns per 16 iterations with a code store and with a
    /// data store (best of five runs each, after a warm-up), the extra cost of the code store, and
    /// the JIT's code-store loop against the interpreter's (issue 14's target: at most 5x).</summary>
    public static void Print(int iterations)
    {
        var code = ThroughputBenchmarks.Assemble(ThroughputPrograms.SelfModifyingLoop(iterations, "patched"));
        var data = ThroughputBenchmarks.Assemble(ThroughputPrograms.SelfModifyingLoop(iterations, "data"));
        int stores = iterations / 16;
        double Best(ProgramImage image, ExecutionEngine engine)
        {
            ThroughputBenchmarks.RunGuest(image, engine);
            double best = double.MaxValue;
            for (int i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                ThroughputBenchmarks.RunGuest(image, engine);
                best = Math.Min(best, clock.Elapsed.TotalNanoseconds / stores);
            }
            return best;
        }
        Console.WriteLine($"store into hot code: {iterations:N0} iterations, a store every 16th ({stores:N0} stores); ns per store and its 16 iterations, best of 5");
        double interpreterCodeNs = 0;
        foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
        {
            double codeNs = Best(code, engine), dataNs = Best(data, engine);
            if (engine == ExecutionEngine.Interpreter) interpreterCodeNs = codeNs;
            string ratio = engine == ExecutionEngine.Jit ? $"   code-store loop {codeNs / interpreterCodeNs,5:F2}x the interpreter's" : "";
            Console.WriteLine($"  {engine,-12} code store {codeNs,8:F1} ns   data store {dataNs,8:F1} ns   extra for code {codeNs - dataNs,8:F1} ns{ratio}");
        }
    }
}
