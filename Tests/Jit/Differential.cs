// The differential harness of the JIT tests: builds the same machine twice, one with the
// interpreter and one with the JIT, runs both the same way and compares everything the
// host can observe: the run result, r0..r15, pc, every control register, instret, cycles,
// halted, statistics (traps by vector, TLB misses and flushes) and a checksum of all RAM.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Jit;

public static class Differential
{
    /// <summary>A machine of <paramref name="memoryBytes"/> on the given engine, console output kept.
    /// The JIT compiles an instruction at its <paramref name="jitCompileThreshold"/>-th arrival
    /// (1: at once, so that compiled code runs as much as possible).</summary>
    public static (R4Machine Machine, MemoryStream Console) Create(ExecutionEngine engine, uint memoryBytes, byte[]? input = null, int jitCompileThreshold = 1)
    {
        var console = new MemoryStream();
        var machine = new R4Machine(new MachineOptions
        {
            MemoryBytes = memoryBytes,
            Engine = engine,
            ConsoleOutput = console,
            ConsoleInput = new MemoryStream(input ?? []),
            Diagnostics = TextWriter.Null,
        });
        machine.Cpu.JitCompileThreshold = jitCompileThreshold;
        return (machine, console);
    }

    /// <summary>Everything observable about a machine after a run, as one comparable string per line.</summary>
    public static unsafe string Snapshot(R4Machine m, RunResult result)
    {
        var cpu = m.Cpu;
        var lines = new List<string>
        {
            $"result {result.Reason} status {result.ExitStatus} pc 0x{result.Pc:x8} {result.Diagnostic}",
            $"pc 0x{cpu.Pc:x8} instret {cpu.Instret} cycles {cpu.Cycles} halted {cpu.Halted}",
        };
        for (int r = 0; r < Registers.Count; r++) lines.Add($"r{r} 0x{cpu.GetRegister(r):x8}");
        foreach (ControlRegister cr in Enum.GetValues<ControlRegister>())
            lines.Add($"{cr} 0x{cpu.GetControl(cr):x8}");
        var s = m.Statistics;
        lines.Add($"stats instructions {s.Instructions} cycles {s.Cycles} tlbMisses {s.TlbMisses} tlbFlushes {s.TlbFlushes}");
        lines.Add("traps " + string.Join(",", s.TrapsByVector));
        lines.Add($"ram {RamChecksum(m):x16}");
        return string.Join("\n", lines);
    }

    /// <summary>A position-dependent 64-bit checksum of all of RAM.</summary>
    public static unsafe ulong RamChecksum(R4Machine m)
    {
        ulong* words = (ulong*)m.Memory.Base;
        ulong hash = 14695981039346656037UL;
        for (uint i = 0; i < m.Memory.SizeBytes / 8; i++)
            hash = (hash ^ words[i] ^ i) * 1099511628211UL;
        return hash;
    }

    /// <summary>Asserts the two snapshots are equal, naming the first differing line.</summary>
    public static void AssertSame(string interpreter, string jit, string what)
    {
        if (interpreter == jit) return;
        var a = interpreter.Split('\n');
        var b = jit.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i])
                Assert.Fail($"{what}: interpreter and JIT differ\n  interpreter: {a[i]}\n  jit:         {b[i]}");
        Assert.Fail($"{what}: snapshots differ in length");
    }

    /// <summary>Builds a machine per engine with <paramref name="setup"/>, runs both in the given
    /// slices of instructions and compares after every slice. Returns the JIT machine's regions
    /// compiled (so callers can check the JIT really ran).</summary>
    public static int RunBoth(uint memoryBytes, Action<R4Machine> setup, IReadOnlyList<ulong> slices, string what, byte[]? input = null, int jitCompileThreshold = 1)
    {
        var (interpreter, interpreterConsole) = Create(ExecutionEngine.Interpreter, memoryBytes, input);
        var (jit, jitConsole) = Create(ExecutionEngine.Jit, memoryBytes, input, jitCompileThreshold);
        using (interpreter)
        using (jit)
        {
            setup(interpreter);
            setup(jit);
            for (int i = 0; i < slices.Count; i++)
            {
                var a = interpreter.Run(slices[i]);
                var b = jit.Run(slices[i]);
                AssertSame(Snapshot(interpreter, a), Snapshot(jit, b), $"{what}, slice {i}");
            }
            Assert.Equal(interpreterConsole.ToArray(), jitConsole.ToArray());
            Assert.False(interpreter.Cpu.JitActive);
            return jit.Cpu.JitRegionsCompiled;
        }
    }
}
