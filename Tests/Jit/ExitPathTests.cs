// The JIT's exit paths and warm-up (Jit/JitDispatcher.cs): everything that leaves generated code
// or keeps it from running — the interpreter's warm-up stretch before the first compile, system
// instructions and monitor exits — must leave exactly the interpreter's state (registers, pc,
// instret, cycles, traps, exits by cause and their cycles, RAM) at every Run return.
using R4.Isa;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Jit;

public class ExitPathTests
{
    private static R4.Isa.Image.ProgramImage Assemble(string source) => ThroughputProgramTests.Assemble(source);

    internal const string CountingLoop = """
        .entry _start
        _start:
            li   r1, 5000
        loop:
            addi r2, r2, 3
            addi r1, r1, -1
            bne  r1, zero, loop
            hlt
        """;

    /// <summary>Runs the program on both engines in slices, the JIT with a warm-up; returns its regions.</summary>
    private static int RunBothWithWarmup(R4.Isa.Image.ProgramImage image, ulong warmup, IReadOnlyList<ulong> slices, int threshold = 1)
    {
        var (interpreter, interpreterConsole) = Differential.Create(ExecutionEngine.Interpreter, 64 << 10);
        var (jit, jitConsole) = Differential.Create(ExecutionEngine.Jit, 64 << 10, jitCompileThreshold: threshold);
        using (interpreter)
        using (jit)
        {
            jit.Cpu.JitWarmupInstructions = warmup;
            interpreter.Load(image);
            jit.Load(image);
            for (int i = 0; i < slices.Count; i++)
            {
                var a = interpreter.Run(slices[i]);
                var b = jit.Run(slices[i]);
                Differential.AssertSame(Differential.Snapshot(interpreter, a), Differential.Snapshot(jit, b), $"warm-up {warmup}, slice {i}");
            }
            Assert.Equal(interpreterConsole.ToArray(), jitConsole.ToArray());
            return jit.Cpu.JitRegionsCompiled;
        }
    }

    [Fact]
    public void NothingIsCompiledDuringTheWarmup()
    {
        // 15,002 instructions in all: a warm-up longer than the program leaves it to the interpreter.
        Assert.Equal(0, RunBothWithWarmup(Assemble(CountingLoop), 20_000, [1_000_000]));
        Assert.Equal(0, RunBothWithWarmup(Assemble(CountingLoop), 20_000, [100, 7000, 1_000_000], threshold: Cpu.DefaultJitCompileThreshold));
    }

    [Fact]
    public void AfterTheWarmupTheHotLoopIsCompiledAndRunsTheSameInSlices()
    {
        // Slices that end before, at, just after and well after the end of the warm-up.
        // (threshold 1: each slice's end is an arrival, so a region is compiled from there too)
        Assert.True(RunBothWithWarmup(Assemble(CountingLoop), 7000, [10, 6990, 1, 9, 2, 5000, 1_000_000]) >= 1);
        Assert.Equal(1, RunBothWithWarmup(Assemble(CountingLoop), 7000, [6999, 2, 1_000_000], threshold: Cpu.DefaultJitCompileThreshold));
    }

    /// <summary>Runs a loaded guest in the given slices (stopping at a power-off or shutdown) and
    /// returns everything observable after each: the machine's snapshot, monitor exits by cause and
    /// their cycles; then the guest's state and its console output.</summary>
    internal static string RunInSlices(GuestMachine machine, MemoryStream console, IEnumerable<ulong> slices)
    {
        var lines = new List<string>();
        foreach (ulong slice in slices)
        {
            var result = machine.Run(slice);
            lines.Add(Differential.Snapshot(machine.Machine, result));
            if (machine.Exits is { } exits) lines.Add("exits " + string.Join(",", exits.ByName()) + " cycles " + string.Join(",", exits.CyclesByName()));
            if (result.Reason is StopReason.PowerOff or StopReason.Shutdown) break;
        }
        machine.Machine.Bus.Flush();
        return string.Join("\n", lines) + "\nguest " + machine.CaptureState() + "\nconsole " + Convert.ToHexString(console.ToArray());
    }

    /// <summary>A guest that crosses the end of the warm-up with timer interrupts, system calls and
    /// monitor exits under each monitored layout (and natively) matches the interpreter, exits by
    /// cause and their cycles included, and compiles after the warm-up.</summary>
    [Theory]
    [InlineData("Guests/bench/timer.asm", "native", 300_000UL)]
    [InlineData("Guests/bench/nullcall.asm", "native", 1_000_000UL)]
    [InlineData("Guests/bench/nullcall.asm", "ring3", 1_000_000UL)]
    [InlineData("Guests/bench/ctxswitch.asm", "ring3", 1_000_000UL)]
    [InlineData("Guests/bench/clisti.asm", "ring012", 150_000UL)]
    [InlineData("Guests/kernels/teach/kernel.asm", "native", 700_000UL)]
    [InlineData("Guests/kernels/teach/kernel.asm", "ring013", 700_000UL)]
    public void GuestsCrossingTheWarmupMatchTheInterpreter(string guest, string layoutName, ulong warmup)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var image = GuestRunner.Assemble(guest);
        string Snapshot(ExecutionEngine engine, out int regions)
        {
            var console = new MemoryStream();
            using var machine = GuestMachine.Create(new MachineOptions
            {
                MemoryBytes = 16 << 20, Engine = engine, ConsoleOutput = console,
                ConsoleInput = new MemoryStream([]), Diagnostics = TextWriter.Null,
                JitWarmupInstructions = warmup,
            }, layout);
            machine.Load(image);
            // Slices around the end of the warm-up, then to the end.
            string snapshot = RunInSlices(machine, console, [warmup - 3, 2UL, 5UL, 100_000UL, GuestRunner.DefaultBudgetInstructions]);
            regions = machine.Cpu.JitRegionsCompiled;
            return snapshot;
        }
        string interpreter = Snapshot(ExecutionEngine.Interpreter, out _);
        string jit = Snapshot(ExecutionEngine.Jit, out int compiled);
        Differential.AssertSame(interpreter, jit, $"{guest} under {layoutName}, warm-up {warmup}");
        Assert.True(compiled > 0, $"{guest} under {layoutName}: the JIT compiled nothing after the warm-up");
    }
}
