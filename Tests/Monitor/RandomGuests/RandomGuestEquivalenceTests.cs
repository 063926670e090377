// Issue 4 item 2, the random part: for kernels generated from fixed seeds (random system calls,
// faults, page-table edits, interrupts, cli/sti), ring012, ring013, ring3, bt and hw show the guest
// exactly the native machine — console output, exit status, retired-instruction count, final
// registers and the per-instruction trace (hash of instret, pc, word). A failure names the
// seed, the layout and the first differing instruction (DivergenceReport).
using R4.Monitor;

namespace R4.Tests.Monitor.RandomGuests;

public class RandomGuestEquivalenceTests
{
    /// <summary>The default seeds: every one runs native and under every monitored layout.</summary>
    public static IReadOnlyList<int> DefaultSeeds { get; } = Enumerable.Range(1, 40).ToArray();

    public static IEnumerable<object[]> Seeds => DefaultSeeds.Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryLayoutShowsTheGuestTheNativeMachine(int seed)
    {
        var kernel = RandomKernelGenerator.Generate(seed);
        var image = kernel.Build();
        var native = RandomGuestRunner.Run(image, Layouts.Native);
        AssertFinishedWithItsChecksum(kernel, native);
        foreach (var layout in MonitorHarness.EveryMonitoredLayout)
        {
            var run = RandomGuestRunner.Run(image, layout);
            if (RandomGuestRunner.Difference(native, run) is { } difference)
                Assert.Fail(DivergenceReport.Describe(kernel, image, layout, difference));
        }
    }

    /// <summary>Untraced, the machine runs guest code on its JIT, so the monitor's exits come
    /// out of compiled blocks: every layout, untraced, must still show the guest what the traced
    /// native run showed (console, stop, registers, instret, virtual CPL and IE).</summary>
    [Theory]
    [MemberData(nameof(JitSeeds))]
    public void UntracedRunsOnTheJitShowTheGuestTheNativeMachineToo(int seed)
    {
        var image = RandomKernelGenerator.Generate(seed).Build();
        var native = RandomGuestRunner.Run(image, Layouts.Native);
        foreach (var layout in Layouts.Known)
        {
            var run = RandomGuestRunner.Run(image, layout, keptTraceEntries: 0, traced: false);
            Assert.True(native.Console == run.Console, $"seed {seed}, {layout.Name} untraced: console output differs");
            Assert.Equal(native.Result, run.Result);
            Assert.Equal(native.State, run.State);
        }
    }

    public static IEnumerable<object[]> JitSeeds => DefaultSeeds.Take(12).Select(seed => new object[] { seed });

    /// <summary>The generator itself: the same seed gives the same text, the guest finishes by
    /// powering off with the checksum it printed, and before that it reached its kernel.</summary>
    private static void AssertFinishedWithItsChecksum(GeneratedKernel kernel, RandomGuestRun native)
    {
        Assert.True(native.Result.Reason == R4.Machine.StopReason.PowerOff, $"{kernel}: native run stopped with {native.Result}");
        Assert.StartsWith("B\n", native.Console);
        Assert.EndsWith($"X {native.Result.ExitStatus:x8}\n", native.Console);
    }

    [Fact]
    public void TheGeneratorIsDeterministicAndSeedsDiffer()
    {
        Assert.Equal(RandomKernelGenerator.Generate(7).Source, RandomKernelGenerator.Generate(7).Source);
        Assert.NotEqual(RandomKernelGenerator.Generate(7).Source, RandomKernelGenerator.Generate(8).Source);
    }

    /// <summary>Across the default seeds the guests really exercise what the test is about:
    /// every fault kind, breakpoints, timer interrupts, system calls and software interrupts
    /// are taken natively at least a few times, and exits go through several paths.</summary>
    [Fact]
    public void TheDefaultSeedsCoverEveryTrapKind()
    {
        var taken = new long[64];
        var exitStatuses = new HashSet<uint>();
        foreach (int seed in DefaultSeeds)
        {
            var native = RandomGuestRunner.Run(RandomKernelGenerator.Generate(seed).Build(), Layouts.Native);
            for (int v = 0; v < 64; v++) taken[v] += native.TrapsByVector[v];
            exitStatuses.Add(native.Result.ExitStatus);
        }
        int[] expected = [0, 3, 4, 5, 6, 7, 9, 16, 32, 33, 34, 35];
        foreach (int vector in expected)
            Assert.True(taken[vector] >= 3, $"vector {vector} taken {taken[vector]} times across the default seeds");
        Assert.True(exitStatuses.Count > DefaultSeeds.Count / 2, "exit checksums should differ between seeds");
    }
}
