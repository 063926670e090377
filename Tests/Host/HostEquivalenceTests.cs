// Spec §11.1, the oracle of issue 10 point 3: a guest cannot tell it shares the machine.
// Random mixes of the bundled guests and of random kernels (Tests/Monitor/RandomGuests), in
// random monitored layouts, weights and slice lengths, run together on one Type 1 machine;
// each guest's console output, stop, registers, pc, instret and virtual CPL/IE must equal a
// solo run of the same guest in the same layout — on the interpreter and on the JIT.
using R4.Host;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Monitor.RandomGuests;

namespace R4.Tests.Host;

public class HostEquivalenceTests
{
    /// <summary>Bundled guests, kept short with -D N=40 as the monitor's equivalence tests do.</summary>
    private static readonly Lazy<IReadOnlyList<(string Name, Func<Layout, TestGuest> Make)>> Bundled = new(() =>
    {
        var list = new List<(string, Func<Layout, TestGuest>)>();
        void Add(string path, params (string, long)[] defines)
        {
            var image = HostHarness.Assemble(path, defines);
            list.Add((path, layout => new TestGuest(Path.GetFileName(path), image, layout, RamBytes: 8 << 20)));
        }
        Add("Guests/kernels/teach/kernel.asm");
        Add("Guests/examples/hello.asm");
        Add("Guests/examples/compute.asm", ("N", 40));
        Add("Guests/examples/syscalls.asm");
        Add("Guests/bench/nullcall.asm", ("N", 40));
        Add("Guests/bench/ctxswitch.asm", ("N", 40));
        Add("Guests/bench/timer.asm", ("N", 40));
        Add("Guests/bench/pagefault.asm", ("N", 40));
        return list;
    });

    public static TheoryData<int, ExecutionEngine> Mixes()
    {
        var data = new TheoryData<int, ExecutionEngine>();
        foreach (int seed in Enumerable.Range(1, 6))
        {
            data.Add(seed, ExecutionEngine.Interpreter);
            data.Add(seed, ExecutionEngine.Jit);
        }
        return data;
    }

    /// <summary>A random mix of 2..5 guests: bundled or random kernels, random layouts and
    /// weights, a random (often odd) slice, so that switches fall anywhere in the guests' code.</summary>
    private static (IReadOnlyList<TestGuest> Guests, ulong Slice) Mix(int seed)
    {
        var random = new Random(seed * 7919);
        // every monitored layout, with write-protected shadows (their default) and, for the
        // shadowing ones, with invlpg sync too: both must hold at any partition base
        var layouts = Layouts.MonitoredLayouts.Concat(Layouts.Techniques)
            .Concat(Layouts.MonitoredLayouts.Select(l => l with { ShadowSync = ShadowSync.Invlpg, ShadowCacheSpaces = 1, PtbrTargets = false })).ToList();
        int count = random.Next(2, 6);
        var guests = new List<TestGuest>();
        for (int i = 0; i < count; i++)
        {
            var layout = layouts[random.Next(layouts.Count)];
            TestGuest guest;
            if (random.Next(3) == 0)
            {
                int kernelSeed = random.Next(1, 41);
                guest = new TestGuest($"random kernel {kernelSeed}", RandomKernelGenerator.Generate(kernelSeed).Build(), layout,
                    RamBytes: RandomGuestRunner.GuestRamBytes, MaxInstructions: RandomGuestRunner.MaxInstructions);
            }
            else
            {
                var bundled = Bundled.Value[random.Next(Bundled.Value.Count)];
                guest = bundled.Make(layout);
            }
            guests.Add(guest with { Weight = random.Next(1, 4) });
        }
        ulong slice = (ulong)random.Next(500, 60_000) | 1;
        return (guests, slice);
    }

    [Theory]
    [MemberData(nameof(Mixes))]
    public void EachGuestOfARandomMixSeesWhatItSawAlone(int seed, ExecutionEngine engine)
    {
        var (guests, slice) = Mix(seed);
        HostHarness.AssertEachAsAlone(guests, engine, slice, $"mix {seed}: ");
    }

    [Fact]
    public void TheIssueMixTeachComputeHelloNullcallTogetherInEveryLayout()
    {
        foreach (var layout in Layouts.MonitoredLayouts.Concat(Layouts.Techniques))
        {
            var guests = new[] { "Guests/kernels/teach/kernel.asm", "Guests/examples/compute.asm", "Guests/examples/hello.asm", "Guests/bench/nullcall.asm" }
                .Select(path => Bundled.Value.Single(b => b.Name == path).Make(layout)).ToList();
            HostHarness.AssertEachAsAlone(guests, ExecutionEngine.Jit, HostOptions.DefaultSliceInstructions, $"{layout.Name}: ");
        }
    }

    [Theory]
    [InlineData(ExecutionEngine.Interpreter)]
    [InlineData(ExecutionEngine.Jit)]
    public void EveryTechniqueMixedOnOneMachine(ExecutionEngine engine)
    {
        // guests that edit page tables (write protection at a partition base above 0), switch
        // address spaces (shadow cache and ptbr targets), take timer interrupts, beside bt and hw
        string[] paths = ["Guests/bench/pagefault.asm", "Guests/bench/ctxswitch.asm", "Guests/kernels/teach/kernel.asm", "Guests/bench/timer.asm", "Guests/bench/nullcall.asm"];
        var layouts = new[] { Layouts.Hw, Layouts.Ring012, Layouts.Bt, Layouts.Ring013, Layouts.Ring3, Layouts.Hw, Layouts.Bt, Layouts.Ring012 };
        var guests = layouts.Select((layout, i) => Bundled.Value.Single(b => b.Name == paths[i % paths.Length]).Make(layout)).ToList();
        HostHarness.AssertEachAsAlone(guests, engine, 3_001, $"{engine}: ");
    }

    [Fact]
    public void GuestsAreScheduledRoundRobinWithWeights()
    {
        var spin = HostHarness.AssembleText("""
            .org 0x1000
            .entry start
            start:
                addi r1, r1, 1
                jmp start
            """, "spin.asm");
        var guests = new[]
        {
            new TestGuest("a", spin, Layouts.Ring012, MaxInstructions: 30_000),
            new TestGuest("b", spin, Layouts.Ring3, Weight: 2, MaxInstructions: 30_000),
        };
        var (runs, host) = HostHarness.RunTogether(guests, ExecutionEngine.Interpreter, sliceInstructions: 1000);
        // a runs 1000 per turn (30 turns), b 2000 (15 turns); they alternate while both run.
        Assert.Equal([30L, 15L], host.Slices);
        Assert.All(runs, run => Assert.Equal(StopReason.InstructionLimit, run.Result.Reason));
        Assert.All(runs, run => Assert.Equal(30_000UL, run.State.Instret));
        // two switches per round while both run (15 rounds), then one back to a, which runs on alone
        Assert.Equal(31L, host.WorldSwitches);
    }
}
