// `dotnet Perf/bin/Release/net10.0/R4.Perf.dll interp-loop [iterations] [repeats]`: the
// interpreter's counting loop (Perf's ALU loop (a), 4 guest instructions per iteration) beside
// the same loop in plain C#, each timed `repeats` times in alternation by the CPU time of this
// thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), not wall time: the machine this was written
// on is shared, and wall times there varied 2x between identical runs. Prints the best and the
// median of each and the ratio of the bests, with the load average. A quick, repeatable reading
// for issue 14's "interpreter <= 12x plain C#" (the counting-loop verb prints wall times).
using System.Runtime.InteropServices;
using R4.Machine;

namespace R4.Perf;

public static class InterpreterLoop
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockThreadCpuTime = 3;   // CLOCK_THREAD_CPUTIME_ID (Linux)

    /// <summary>CPU time of the calling thread in milliseconds (wall time where that clock is missing).</summary>
    public static double ThreadCpuMilliseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var t) == 0)
            return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
        return System.Diagnostics.Stopwatch.GetTimestamp() * 1e3 / System.Diagnostics.Stopwatch.Frequency;
    }

    public static void Print(int iterations, int repeats)
    {
        var image = ThroughputBenchmarks.Assemble(ThroughputPrograms.AluLoop(iterations));
        var warmImage = ThroughputBenchmarks.Assemble(ThroughputPrograms.AluLoop(1_000_000));
        ThroughputBenchmarks.RunGuest(warmImage, ExecutionEngine.Interpreter);
        ThroughputPrograms.AluLoopInCSharp(1_000_000);

        var csharp = new List<double>();
        var interpreter = new List<double>();
        uint sink = 0;
        for (int i = 0; i < repeats; i++)
        {
            double start = ThreadCpuMilliseconds();
            sink ^= ThroughputPrograms.AluLoopInCSharp(iterations);
            csharp.Add(ThreadCpuMilliseconds() - start);
            start = ThreadCpuMilliseconds();
            ThroughputBenchmarks.RunGuest(image, ExecutionEngine.Interpreter);
            interpreter.Add(ThreadCpuMilliseconds() - start);
        }
        csharp.Sort();
        interpreter.Sort();
        long instructions = (long)iterations * ThroughputPrograms.AluInstructionsPerIteration;
        Console.WriteLine($"interpreter counting loop, {iterations:N0} iterations ({instructions:N0} guest instructions), {repeats} rounds, thread CPU time (sink {sink:x8}); load average {LoadAverage()}");
        Console.WriteLine($"  plain C#     best {csharp[0],8:F1} ms   median {csharp[repeats / 2],8:F1} ms");
        Console.WriteLine($"  interpreter  best {interpreter[0],8:F1} ms   median {interpreter[repeats / 2],8:F1} ms   {interpreter[0] * 1e6 / instructions:F3} ns per guest instruction");
        Console.WriteLine($"  interpreter / plain C#: {interpreter[0] / csharp[0]:F2}x (bests), {interpreter[repeats / 2] / csharp[repeats / 2]:F2}x (medians)");

        // The other two throughput guests on the interpreter: memory (paging and the timer on)
        // and 2000 irregular instructions (every kind, branches, loads and stores): what the
        // counting loop's changes must not slow down.
        const int passes = 100, irregularIterations = 10_000;
        Other("load/store loop (paging, timer)", ThroughputPrograms.LoadStoreLoop(passes),
            (long)passes * ThroughputPrograms.LoadStoreArrayWords * ThroughputPrograms.LoadStoreInstructionsPerWord, repeats);
        Other("irregular loop (2000 instructions)", ThroughputPrograms.IrregularLoop(irregularIterations),
            (long)irregularIterations * ThroughputPrograms.IrregularBodyInstructions, repeats);
    }

    private static void Other(string name, string source, long instructions, int repeats)
    {
        var image = ThroughputBenchmarks.Assemble(source);
        ThroughputBenchmarks.RunGuest(image, ExecutionEngine.Interpreter);
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            double start = ThreadCpuMilliseconds();
            ThroughputBenchmarks.RunGuest(image, ExecutionEngine.Interpreter);
            times.Add(ThreadCpuMilliseconds() - start);
        }
        times.Sort();
        Console.WriteLine($"  {name}: best {times[0],8:F1} ms   median {times[repeats / 2],8:F1} ms   {times[0] * 1e6 / instructions:F3} ns per guest instruction (about {instructions:N0}); load average {LoadAverage()}");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
