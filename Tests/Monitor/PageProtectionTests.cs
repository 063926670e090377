// The page-protection knob (--page-protection rings|user-supervisor) and the monitor's window
// (docs/monitor.md "Page protection and the monitor's window"): the rule as data, the window in
// every shadow directory, and Guests/hostile/monitor-window.asm — stopped by a #PF natively and
// under every layout with R4's ring rule; under x86-64's user/supervisor rule still stopped in
// native, ring3 and hw, but escaping in ring012, ring013 and bt, whose guest kernel runs in real
// ring 1; which is why r4 refuses those three under that rule unless --allow-unsafe-protection.
using R4.Isa;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Cli;
using R4.Tests.Guests;

namespace R4.Tests.Monitor;

public sealed class PageProtectionTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private const string Hostile = "Guests/hostile/monitor-window.asm";

    private const string Stopped =
        "hostile: my page at 00080000 holds 11111111\n" +
        "hostile: reading the monitor's window at ffc00000\n" +
        "hostile: #PF at ffc00004 (error 00000000): the monitor is out of reach\n";

    /// <summary>What the guest prints once it is through, with 1 MiB of RAM (the monitor's area
    /// at machine 0x00100000); <paramref name="shadowEntryAt"/> is where its shadow entry lies.</summary>
    private static string Escaped(string shadowEntryAt) =>
        "hostile: my page at 00080000 holds 11111111\n" +
        "hostile: reading the monitor's window at ffc00000\n" +
        "hostile: read the monitor's shadow gate table: gate 0 flags 00000030\n" +
        "hostile: the monitor's memory begins at machine 00100000\n" +
        $"hostile: my shadow entry for 00080000 is 0008100f, at machine {shadowEntryAt}\n" +
        "hostile: forged a shadow entry: my page at 00082000 now shows machine 00100000, word 1 = 00000030\n" +
        "hostile: escaped: my page maps memory outside my partition, by my own hand\n";

    [Fact]
    public void TheRulesAreDataOneNibbleOfRingsPerPageRing()
    {
        Assert.Equal([1u, 3u, 7u, 15u], Enumerable.Range(0, 4).Select(PageProtection.Rings.RingsAllowed));
        Assert.Equal([7u, 7u, 7u, 15u], Enumerable.Range(0, 4).Select(PageProtection.UserSupervisor.RingsAllowed));
        Assert.False(PageProtection.Rings.Allows(1, 0));
        Assert.True(PageProtection.UserSupervisor.Allows(1, 0));
        Assert.False(PageProtection.UserSupervisor.Allows(3, 2));
        // the TLB's permission mask: a writable ring-0 page, read bits 0..3 and write bits 4..7
        uint pte = PageBits.Present | PageBits.Writable;
        Assert.Equal(Tlb.ValidBit | 0x11u, Tlb.PermissionsOf(pte, true, PageProtection.Rings));
        Assert.Equal(Tlb.ValidBit | 0x77u, Tlb.PermissionsOf(pte, true, PageProtection.UserSupervisor));
        Assert.True(PageProtection.TryParse("USER-SUPERVISOR", out var parsed) && parsed == PageProtection.UserSupervisor);
        Assert.False(PageProtection.TryParse("segments", out _));
    }

    [Fact]
    public void OnlyTheLayoutsWithAGuestKernelInRealRing1Or2CanReachTheMonitor()
    {
        static bool Reachable(Layout layout) => (layout with { PageProtection = PageProtection.UserSupervisor }).MonitorReachableFromGuestKernel;
        Assert.Equal(["ring012", "ring013", "bt"], Layouts.Known.Where(Reachable).Select(l => l.Name));
        Assert.DoesNotContain(Layouts.Known, l => l.MonitorReachableFromGuestKernel);   // the default rule: none
        Assert.Equal(["ring012", "ring013", "ring3", "bt"], Layouts.Known.Where(l => l.MonitorWindow).Select(l => l.Name));
    }

    /// <summary>The window's table maps the monitor's area, ring 0, and sits in the last slot of
    /// every directory of every view (ring3's four) of a guest that maps nothing there.</summary>
    [Theory]
    [InlineData("ring012")]
    [InlineData("ring3")]
    [InlineData("bt")]
    public void TheWindowIsInEveryShadowDirectory(string name)
    {
        Assert.True(Layouts.TryParse(name, out var layout));
        MonitorHarness.Run(GuestRunner.Assemble(Hostile), layout, trace: false, inspect: machine =>
        {
            var map = machine.Monitor!.Map;
            Assert.True(map.HasWindow);
            MonitorHarness.AssertWindowTableIntact(machine.Cpu, map);
            for (int space = 0; space < map.AddressSpaces; space++)
                for (int view = 0; view < map.ViewCount; view++)
                {
                    Assert.True(machine.Cpu.TryReadPhysical32(map.DirectoryAddress(space, view) + MonitorMemoryMap.WindowDirectoryIndex * 4, out uint entry));
                    Assert.Equal(map.WindowTableAddress | PageBits.Present, entry);
                }
            MonitorHarness.AssertMonitorMemoryIntact(machine);
        });
    }

    public static TheoryData<string, ExecutionEngine> EveryLayoutOnBothEngines()
    {
        var data = new TheoryData<string, ExecutionEngine>();
        foreach (var layout in Layouts.Known)
            foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
                data.Add(layout.Name, engine);
        return data;
    }

    /// <summary>R4's ring rule: the same #PF as native everywhere (GuestsEquivalenceTests compares
    /// the whole run); the monitor's memory is untouched.</summary>
    [Theory]
    [MemberData(nameof(EveryLayoutOnBothEngines))]
    public void UnderTheRingRuleTheHostileGuestIsStoppedEverywhere(string name, ExecutionEngine engine)
    {
        Assert.True(Layouts.TryParse(name, out var layout));
        var run = MonitorHarness.Run(GuestRunner.Assemble(Hostile), layout, trace: false, engine: engine,
            inspect: machine => { if (machine.Monitor is not null) MonitorHarness.AssertMonitorMemoryIntact(machine); });
        Assert.Equal(Stopped, run.Console);
        Assert.Equal((StopReason.PowerOff, 1u), (run.Result.Reason, run.Result.ExitStatus));
    }

    /// <summary>x86-64's rule: native, ring3 and hw as safe as before (and equal to native); ring012,
    /// ring013 and bt let the guest kernel read the monitor's memory and forge a shadow entry.</summary>
    [Theory]
    [MemberData(nameof(EveryLayoutOnBothEngines))]
    public void UnderUserSupervisorOnlyRing012Ring013AndBtLetTheGuestKernelEscape(string name, ExecutionEngine engine)
    {
        Assert.True(Layouts.TryParse(name, out var layout));
        layout = layout with { PageProtection = PageProtection.UserSupervisor };
        var image = GuestRunner.Assemble(Hostile);
        var run = MonitorHarness.Run(image, layout, trace: false, engine: engine);
        if (!layout.MonitorReachableFromGuestKernel)
        {
            Assert.Equal(Stopped, run.Console);
            Assert.Equal(1u, run.Result.ExitStatus);
            var native = MonitorHarness.Run(image, Layouts.Native with { PageProtection = PageProtection.UserSupervisor }, engine: engine);
            var traced = MonitorHarness.Run(image, layout, engine: engine,
                inspect: machine => { if (machine.Monitor is not null) MonitorHarness.AssertMonitorMemoryIntact(machine); });
            MonitorHarness.AssertSameAsNative(native, traced, image);
            return;
        }
        // ring012 and ring013 cache 4 address spaces (1 view each), bt 1: the table of the guest's
        // space lies after the gate table, the window table and the directories
        Assert.Equal(Escaped(name == "bt" ? "00103200" : "00107200"), run.Console);
        Assert.Equal((StopReason.PowerOff, 3u), (run.Result.Reason, run.Result.ExitStatus));
    }

    [Theory]
    [InlineData("run", "ring012", 1)]
    [InlineData("run", "ring013", 1)]
    [InlineData("run", "bt", 1)]
    [InlineData("compare", "native,ring012", 1)]
    [InlineData("host", "ring013", 1)]
    public void TheMonitorRefusesUnsafeLayoutsUnlessAsked(string verb, string layouts, int realRing)
    {
        string layout = layouts.Split(',').Last();
        var refused = cli.Run(verb, RepositoryPaths.Combine(Hostile), verb == "compare" ? "--layouts" : "--layout", layouts, "--page-protection", "user-supervisor");
        Assert.Equal(64, refused.ExitCode);
        Assert.Equal(CliHarness.Usage(verb,
            $"--page-protection user-supervisor with layout {layout}: the guest kernel runs in real ring {realRing}, which user/supervisor protection " +
            "lets touch every supervisor page, the monitor's own (its shadow page tables) included — why Xen on x86-64 runs guest kernels in ring 3; " +
            "give ring3 or hw, or --allow-unsafe-protection to run it anyway"), refused.Stderr);
        Assert.Equal("", refused.Console);
    }

    [Fact]
    public void AskedExplicitlyRunLetsTheGuestEscapeAndSaysSoInItsOutput()
    {
        var run = cli.Run("run", RepositoryPaths.Combine(Hostile), "--mem", "1M", "--layout", "ring012",
            "--page-protection", "user-supervisor", "--allow-unsafe-protection");
        Assert.Equal((3, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(Escaped("00107200"), run.Console);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ring3")]
    [InlineData("hw")]
    public void TheSafeLayoutsRunUnderUserSupervisorWithoutBeingAsked(string layout)
    {
        var run = cli.Run("run", RepositoryPaths.Combine(Hostile), "--layout", layout, "--page-protection", "user-supervisor");
        Assert.Equal((1, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(Stopped, run.Console);
    }

    [Fact]
    public void AnUnknownRuleIsAUsageError()
    {
        var run = cli.Run("run", RepositoryPaths.Combine(Hostile), "--page-protection", "segments");
        Assert.Equal(64, run.ExitCode);
        Assert.Equal(CliHarness.Usage("run", "--page-protection segments: give rings|user-supervisor"), run.Stderr);
    }

    [Fact]
    public void CompareShowsEveryLayoutAgreeingWithNativeUnderTheRingRule()
    {
        var run = cli.Run("compare", RepositoryPaths.Combine(Hostile), "--layouts", "native,ring012,ring013,ring3,bt,hw",
            "--repeat", "1", "--warmup", "0", "--format", "csv");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var rows = run.Stdout.TrimEnd('\n').Split('\n').Skip(1).ToList();
        Assert.Equal(6, rows.Count);
        Assert.All(rows, row => Assert.Contains(",exit 1,", row));
    }
}
