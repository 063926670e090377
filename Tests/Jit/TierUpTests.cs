// The JIT's weighted tier-up (Jit/JitDispatcher.cs, WarmUp): the warm-up counts instructions
// plus a weight per interpreter slow-path exit, so exit-heavy guests leave the interpreter
// sooner. Checked here: where the JIT takes over depends on the guest alone (not on how Runs
// are sliced), exits bring it forward and plain computation does not, a short compute-light
// guest never creates the JIT under r4 run's policy, and at the tier-up point (slices ending
// just before, at and after it) both engines leave identical registers, pc, instret, cycles,
// traps, TLB counts, RAM, console output and monitor exits by cause with their cycles.
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Jit;

public class TierUpTests
{
    private const string CountingLoop = ExitPathTests.CountingLoop;   // 15,002 instructions, no exits

    private static GuestMachine Create(ExecutionEngine engine, string layoutName, ulong warmup, ulong weight, MemoryStream console)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        return GuestMachine.Create(new MachineOptions
        {
            MemoryBytes = 16 << 20, Engine = engine, ConsoleOutput = console,
            ConsoleInput = new MemoryStream([]), Diagnostics = TextWriter.Null,
            JitWarmupInstructions = warmup, JitWarmupExitWeight = weight,
        }, layout);
    }

    /// <summary>Runs the image on the JIT in the given slices (the last repeated to the end) and
    /// returns the instret at which the JIT was created (null: never).</summary>
    private static ulong? TierUpPoint(R4.Isa.Image.ProgramImage image, string layoutName, ulong warmup, ulong weight, ulong slice)
    {
        using var machine = Create(ExecutionEngine.Jit, layoutName, warmup, weight, new MemoryStream());
        machine.Load(image);
        for (int i = 0; i < 1_000_000; i++)
        {
            var result = machine.Run(slice);
            if (result.Reason is StopReason.PowerOff or StopReason.Shutdown || machine.Cpu.Instret >= GuestRunner.DefaultBudgetInstructions) break;
        }
        return machine.Cpu.JitCreatedAtInstret;
    }

    [Theory]
    [InlineData("Guests/bench/clisti.asm", "ring012")]
    [InlineData("Guests/bench/timer.asm", "native")]
    [InlineData("Guests/kernels/teach/kernel.asm", "ring013")]
    public void TheTierUpPointDependsOnTheGuestNotOnHowRunsAreSliced(string guest, string layout)
    {
        var image = GuestRunner.Assemble(guest);
        ulong? whole = TierUpPoint(image, layout, 50_000, 40, GuestRunner.DefaultBudgetInstructions);
        ulong? sliced = TierUpPoint(image, layout, 50_000, 40, 777);
        ulong? tiny = TierUpPoint(image, layout, 50_000, 40, 5);
        Assert.NotNull(whole);
        Assert.Equal(whole, sliced);
        Assert.Equal(whole, tiny);
    }

    [Fact]
    public void ExitsBringTheTierUpForwardAndComputationAlonePaysTheWholeWarmup()
    {
        // clisti under ring012: about one monitor exit every two instructions.
        var clisti = GuestRunner.Assemble("Guests/bench/clisti.asm");
        ulong? byInstructions = TierUpPoint(clisti, "ring012", 100_000, 0, GuestRunner.DefaultBudgetInstructions);
        ulong? weighted = TierUpPoint(clisti, "ring012", 100_000, 50, GuestRunner.DefaultBudgetInstructions);
        Assert.NotNull(byInstructions);
        Assert.NotNull(weighted);
        Assert.True(byInstructions >= 100_000, $"weight 0 tiered up at {byInstructions}");
        Assert.True(weighted < 20_000, $"weight 50 tiered up at {weighted}");

        // A loop with no exits: the weight changes nothing, the whole warm-up is paid in instructions.
        var loop = ThroughputProgramTests.Assemble(CountingLoop);
        Assert.Equal(10_000UL, TierUpPoint(loop, "native", 10_000, 0, GuestRunner.DefaultBudgetInstructions));
        ulong? loopWeighted = TierUpPoint(loop, "native", 10_000, 1000, GuestRunner.DefaultBudgetInstructions);
        Assert.True(loopWeighted is >= 10_000 and < 10_000 + Cpu.WarmupGranuleInstructions, $"weighted loop tiered up at {loopWeighted}");
    }

    [Fact]
    public void AShortComputeLightGuestNeverCreatesTheJitUnderTheRecommendedPolicy()
    {
        var loop = ThroughputProgramTests.Assemble(CountingLoop);   // 15,002 instructions, no exits
        Assert.Null(TierUpPoint(loop, "native", Cpu.RecommendedJitWarmupInstructions, Cpu.RecommendedJitWarmupExitWeight, GuestRunner.DefaultBudgetInstructions));
    }

    /// <summary>Both engines, sliced so that Runs end just before, at and just after the JIT's tier-up
    /// point and then run to the end, leave the same state after every slice.</summary>
    [Theory]
    [InlineData("Guests/bench/timer.asm", "native", 200_000UL, 50UL)]
    [InlineData("Guests/bench/nullcall.asm", "ring3", 200_000UL, 50UL)]
    [InlineData("Guests/bench/ctxswitch.asm", "ring3", 200_000UL, 50UL)]
    [InlineData("Guests/bench/clisti.asm", "ring012", 200_000UL, 50UL)]
    [InlineData("Guests/bench/clisti.asm", "ring012", 300_000UL, 7UL)]
    [InlineData("Guests/kernels/teach/kernel.asm", "native", 300_000UL, 50UL)]
    [InlineData("Guests/kernels/teach/kernel.asm", "ring013", 300_000UL, 50UL)]
    [InlineData("Guests/bench/pagefault.asm", "ring3", 100_000UL, 100UL)]
    public void GuestsCrossingTheWeightedTierUpMatchTheInterpreter(string guest, string layoutName, ulong warmup, ulong weight)
    {
        var image = GuestRunner.Assemble(guest);
        ulong tierUp = TierUpPoint(image, layoutName, warmup, weight, GuestRunner.DefaultBudgetInstructions)
            ?? throw new Xunit.Sdk.XunitException($"{guest}: the JIT never tiered up");
        Assert.True(tierUp > 3, $"tier-up at {tierUp}");
        string Snapshot(ExecutionEngine engine, out int regions, out ulong? createdAt)
        {
            var console = new MemoryStream();
            using var machine = Create(engine, layoutName, warmup, weight, console);
            machine.Load(image);
            string snapshot = ExitPathTests.RunInSlices(machine, console, [tierUp - 3, 2UL, 1UL, 1UL, 7UL, 4096UL, 100_000UL, GuestRunner.DefaultBudgetInstructions]);
            regions = machine.Cpu.JitRegionsCompiled;
            createdAt = machine.Cpu.JitCreatedAtInstret;
            return snapshot;
        }
        string interpreter = Snapshot(ExecutionEngine.Interpreter, out _, out var interpreterCreatedAt);
        string jit = Snapshot(ExecutionEngine.Jit, out int compiled, out var jitCreatedAt);
        Differential.AssertSame(interpreter, jit, $"{guest} under {layoutName}, warm-up {warmup} weight {weight}, tier-up at {tierUp}");
        Assert.Null(interpreterCreatedAt);
        Assert.Equal(tierUp, jitCreatedAt);   // the slices did not move it
        Assert.True(compiled > 0, $"{guest} under {layoutName}: the JIT compiled nothing after tiering up");
    }
}
