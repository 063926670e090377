// The shadow-paging knobs (docs/monitor.md "Knobs"): shadows synchronised on invlpg (no cache)
// and write-protected guest page tables with a cache of 1, 2 or 4 address spaces, with and
// without the ptbr-target assist, all show the guest exactly the native machine; the cache
// turns a ptbr write back to a known space into a lookup; bad knob values are usage errors.
using R4.Cli;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Monitor;

public sealed class ShadowKnobTests
{
    private static IEnumerable<Layout> Variants() =>
        from layout in Layouts.MonitoredLayouts
        from knobs in new[]
        {
            new MonitorKnobs(1, "invlpg", null),
            new MonitorKnobs(1, "write-protect", "off"),
            new MonitorKnobs(2, "write-protect", "off"),
            new MonitorKnobs(4, "write-protect", "on"),
        }
        select knobs.Apply(layout);

    [Theory]
    [InlineData("Guests/bench/ctxswitch.asm")]
    [InlineData("Guests/bench/ptswitch.asm")]
    [InlineData("Guests/bench/ptemod.asm")]
    [InlineData("Guests/bench/pagefault.asm")]
    public void EverySyncModeAndCacheSizeIsEquivalentToNative(string guest)
    {
        var image = GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = 40 });
        foreach (var layout in Variants())
            MonitorHarness.AssertEquivalent(image, layouts: [layout]);
    }

    [Fact]
    public void TheTeachingKernelIsEquivalentWithShadowsSynchronisedOnInvlpg()
    {
        var image = GuestRunner.Assemble("Guests/kernels/teach/kernel.asm");
        MonitorHarness.AssertEquivalent(image, maxInstructions: 3_000_000, memoryBytes: 16 << 20,
            layouts: Layouts.MonitoredLayouts.Select(new MonitorKnobs(1, "invlpg", null).Apply));
    }

    [Theory]
    [InlineData(1, "invlpg", 3, 2)]          // every switch rebuilds: kernel stack, code, user stack refilled
    [InlineData(1, "write-protect", 3, 2)]   // one space cached: still a rebuild each time
    [InlineData(2, "write-protect", 0, 0)]   // both spaces cached: a lookup, done by the CPU
    public void ContextSwitchFillsAndExitsPerSwitchFollowTheCacheSize(int spaces, string sync, int fillsPerSwitch, int mtcrPerIteration)
    {
        var layout = new MonitorKnobs(spaces, sync, null).Apply(Layouts.Ring012);
        GuestRun Run(long n) => MonitorHarness.Run(
            GuestRunner.Assemble("Guests/bench/ctxswitch.asm", new Dictionary<string, long> { ["N"] = n }), layout, trace: false);
        var hundred = Run(100);
        var twoHundred = Run(200);
        Assert.Equal(200L * fillsPerSwitch, twoHundred.Exits!.Count("shadowFill") - hundred.Exits!.Count("shadowFill"));
        Assert.Equal(100L * mtcrPerIteration, twoHundred.Exits.Count("mtcr") - hundred.Exits.Count("mtcr"));
    }

    [Theory]
    [InlineData("0", null, null, "--shadow-cache 0: give 1 to 64 address spaces")]
    [InlineData(null, "lazy", null, "--shadow-sync lazy: give invlpg or write-protect")]
    [InlineData("4", "invlpg", null, "--shadow-cache 4 with --shadow-sync invlpg")]
    [InlineData(null, "invlpg", "on", "--ptbr-targets on with --shadow-sync invlpg")]
    [InlineData(null, null, "maybe", "--ptbr-targets maybe: give on or off")]
    public void ImpossibleKnobsAreUsageErrors(string? spaces, string? sync, string? targets, string message)
    {
        var error = Assert.Throws<UserError>(() => new MonitorKnobs(spaces is null ? null : int.Parse(spaces), sync, targets).Apply(Layouts.Ring012));
        Assert.StartsWith(message, error.Message);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }
}
