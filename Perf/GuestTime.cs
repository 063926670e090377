// `dotnet Perf/bin/Release/net10.0/R4.Perf.dll guest-time FILE [--layout L] [-D NAME=VALUE]... [--engine E] [runs]`:
// the in-process cost of one guest per engine, without process start-up. Assembles once, then
// runs the guest on a fresh machine `runs` times per engine (alternating interpreter and JIT),
// timing Run alone, and prints the first run (what `r4 run` pays: .NET warm-up of the run
// path and the JIT's first compiles) and the median of the rest (steady state: the JIT still
// compiles every region again on each fresh machine), in wall and thread CPU time.
using System.Diagnostics;
using R4.Assembler;
using R4.Machine;
using R4.Monitor;

namespace R4.Perf;

public static class GuestTime
{
    public static void Print(string[] args)
    {
        string? file = null;
        string layoutName = "native";
        int runs = 21;
        var defines = new Dictionary<string, long>();
        ExecutionEngine? only = null;   // --engine interp|jit: run one engine only (for a profiler)
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--layout") layoutName = args[++i];
            else if (args[i] == "--engine") only = args[++i] == "jit" ? ExecutionEngine.Jit : ExecutionEngine.Interpreter;
            else if (args[i] == "-D")
            {
                var parts = args[++i].Split('=');
                defines[parts[0]] = parts.Length > 1 ? long.Parse(parts[1]) : 1;
            }
            else if (file is null) file = args[i];
            else runs = int.Parse(args[i]);
        }
        if (file is null) throw new ArgumentException("give a guest source file");
        if (!Layouts.TryParse(layoutName, out var layout)) throw new ArgumentException($"unknown layout {layoutName}");
        var assembled = R4Assembler.AssembleFile(file, new AssemblyOptions { Defines = defines });
        if (!assembled.Succeeded) throw new InvalidOperationException(string.Join(Environment.NewLine, assembled.Errors.Select(e => e.Format())));
        var image = assembled.Image!;

        var times = new Dictionary<ExecutionEngine, List<(double Wall, double Cpu)>>
        {
            [ExecutionEngine.Interpreter] = [],
            [ExecutionEngine.Jit] = [],
        };
        var allocatedBytes = new Dictionary<ExecutionEngine, long>();
        ulong instructions = 0;
        int regions = 0;
        for (int run = 0; run < runs; run++)
            foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
            {
                if (only is not null && engine != only) { times[engine].Add((double.NaN, double.NaN)); continue; }
                using var machine = GuestMachine.Create(new MachineOptions
                {
                    MemoryBytes = 16 << 20,
                    ConsoleOutput = Stream.Null,
                    ConsoleInput = new MemoryStream([], writable: false),
                    Diagnostics = TextWriter.Null,
                    Engine = engine,
                }, layout);
                machine.Load(image);
                long allocated0 = GC.GetAllocatedBytesForCurrentThread();
                var cpu0 = ThreadCpu();
                long t0 = Stopwatch.GetTimestamp();
                var result = machine.Run();
                double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                double cpu = (ThreadCpu() - cpu0).TotalMilliseconds;
                allocatedBytes[engine] = GC.GetAllocatedBytesForCurrentThread() - allocated0;
                if (result.Reason != StopReason.PowerOff) throw new InvalidOperationException($"{file}: {result.Reason} {result.Diagnostic}");
                times[engine].Add((wall, cpu));
                instructions = machine.Statistics.Instructions;
                if (engine == ExecutionEngine.Jit) regions = machine.Machine.Cpu.JitRegionsCompiled;
            }
        Console.WriteLine($"{file} [{layoutName}] {string.Join(" ", defines.Select(d => $"-D {d.Key}={d.Value}"))}: {instructions:N0} instructions, {regions} regions compiled, {runs} runs per engine");
        double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
        }
        var interp = times[ExecutionEngine.Interpreter];
        var jit = times[ExecutionEngine.Jit];
        foreach (var (name, list) in new[] { ("interpreter", interp), ("JIT", jit) })
            Console.WriteLine($"  {name,-12} allocates {allocatedBytes.GetValueOrDefault(name == "JIT" ? ExecutionEngine.Jit : ExecutionEngine.Interpreter),10:N0} bytes per run; first {list[0].Wall,8:F2} ms wall {list[0].Cpu,8:F2} ms cpu   median of rest {Median(list.Skip(1).Select(t => t.Wall)),8:F2} ms wall {Median(list.Skip(1).Select(t => t.Cpu)),8:F2} ms cpu");
        Console.WriteLine($"  JIT speed-up: first {interp[0].Cpu / jit[0].Cpu:F2}x cpu, steady {Median(interp.Skip(1).Select(t => t.Cpu)) / Median(jit.Skip(1).Select(t => t.Cpu)):F2}x cpu, {Median(interp.Skip(1).Select(t => t.Wall)) / Median(jit.Skip(1).Select(t => t.Wall)):F2}x wall");
    }

    /// <summary>CPU time of the calling thread (Run is single-threaded; the runtime's background
    /// compiles run on other threads and are left out).</summary>
    private static TimeSpan ThreadCpu()
    {
        // clock_gettime(CLOCK_THREAD_CPUTIME_ID) through ProcessThread would allocate; use the process
        // thread's own counter via the OS on Linux.
        return GetThreadCpu();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    private static TimeSpan GetThreadCpu()
    {
        const int ClockThreadCpuTime = 3;
        ClockGetTime(ClockThreadCpuTime, out var t);
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }
}
