// The example and benchmark guests under the monitor: every layout shows them the same
// machine as native (console bytes, exit status, retired instructions), and each
// benchmark's iteration costs exactly the monitor exits its header promises — read as the
// difference between a run of 200 and a run of 100 iterations, so set-up and report cancel.
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Guests;

public class BenchUnderMonitorTests
{
    private sealed record LayoutRun(RunResult Result, byte[] Output, ulong Instructions, ExitAccounting? Exits);

    private static LayoutRun RunIn(Layout layout, ProgramImage image)
    {
        var output = new MemoryStream();
        using var machine = GuestMachine.Create(new MachineOptions
        {
            ConsoleOutput = output,
            ConsoleInput = new MemoryStream(),
            Diagnostics = TextWriter.Null,
        }, layout);
        machine.Load(image);
        var result = machine.Run(GuestRunner.DefaultBudgetInstructions);
        return new LayoutRun(result, output.ToArray(), machine.Statistics.Instructions, machine.Exits);
    }

    private static ProgramImage AssembleWithN(string guest, long n) =>
        GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = n });

    public static TheoryData<string, string> GuestsByMonitoredLayout()
    {
        var data = new TheoryData<string, string>();
        foreach (var guest in ExampleAndBenchGuestTests.Guests)
            foreach (var layout in Layouts.MonitoredLayouts)
                data.Add(guest, layout.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(GuestsByMonitoredLayout))]
    public void Guest_sees_the_same_machine_as_native(string guest, string layoutName)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var image = AssembleWithN(guest, 100);

        var native = RunIn(Layouts.Native, image);
        var monitored = RunIn(layout, image);

        Assert.Equal(StopReason.PowerOff, native.Result.Reason);
        Assert.Equal(native.Result, monitored.Result with { Diagnostic = native.Result.Diagnostic });
        Assert.Equal(native.Output, monitored.Output);
        Assert.Equal(native.Instructions, monitored.Instructions);
    }

    // Per-iteration monitor exits: (guest, layout, cause, exits per iteration).
    public static TheoryData<string, string, ExitCause, int> ExitsPerIteration => new()
    {
        // System calls go through direct shadow gates in ring012/ring013 and return with a
        // hardware iret; ring3 reflects each one and emulates its iret.
        { "Guests/bench/nullcall.asm", "ring012", ExitCause.SystemCall, 0 },
        { "Guests/bench/nullcall.asm", "ring012", ExitCause.Iret, 0 },
        { "Guests/bench/nullcall.asm", "ring013", ExitCause.SystemCall, 0 },
        { "Guests/bench/nullcall.asm", "ring3", ExitCause.SystemCall, 1 },
        { "Guests/bench/nullcall.asm", "ring3", ExitCause.Iret, 1 },
        // Privileged instructions trap and are emulated in every monitored layout.
        { "Guests/bench/clisti.asm", "ring012", ExitCause.Cli, 1 },
        { "Guests/bench/clisti.asm", "ring012", ExitCause.Sti, 1 },
        { "Guests/bench/clisti.asm", "ring3", ExitCause.Cli, 1 },
        { "Guests/bench/portio.asm", "ring013", ExitCause.In, 1 },
        { "Guests/bench/portio.asm", "ring013", ExitCause.Out, 1 },
        // ...except a ptbr write back to a cached address space from the guest kernel's real
        // ring in ring012/ring013 (the ptbr-target assist); ring3 cannot tell kernel from user.
        { "Guests/bench/ptswitch.asm", "ring012", ExitCause.Mtcr, 0 },
        { "Guests/bench/ptswitch.asm", "ring3", ExitCause.Mtcr, 2 },
        { "Guests/bench/ptemod.asm", "ring012", ExitCause.Invlpg, 2 },
        { "Guests/bench/ctxswitch.asm", "ring012", ExitCause.Mtcr, 0 },
        { "Guests/bench/ctxswitch.asm", "ring013", ExitCause.Mtcr, 0 },
        { "Guests/bench/ctxswitch.asm", "ring3", ExitCause.Mtcr, 2 },
        // The shadow-table cache: switching back to a known address space refills nothing.
        { "Guests/bench/ctxswitch.asm", "ring012", ExitCause.ShadowFill, 0 },
        { "Guests/bench/ctxswitch.asm", "ring3", ExitCause.ShadowFill, 0 },
        { "Guests/bench/ptswitch.asm", "ring012", ExitCause.ShadowFill, 0 },
        // Write protection: each guest page-table store traps and updates the shadow, so the
        // page the guest then touches needs no fill.
        { "Guests/bench/ptemod.asm", "ring012", ExitCause.PageTableWrite, 2 },
        { "Guests/bench/ptemod.asm", "ring012", ExitCause.ShadowFill, 0 },
        // Faults are reflected to the guest kernel.
        { "Guests/bench/divzero.asm", "ring012", ExitCause.ReflectedFault, 1 },
        { "Guests/bench/divzero.asm", "ring012", ExitCause.Iret, 0 },
        { "Guests/bench/pagefault.asm", "ring013", ExitCause.ReflectedFault, 1 },
        { "Guests/bench/pagefault.asm", "ring013", ExitCause.Invlpg, 2 },
        { "Guests/bench/pagefault.asm", "ring013", ExitCause.Mfcr, 1 },
        { "Guests/bench/pagefault.asm", "ring013", ExitCause.PageTableWrite, 2 },
        // The timer interrupt is injected; its iret restores IE = 1, which a deprivileged
        // iret may not do in hardware, so the monitor emulates it.
        { "Guests/bench/timer.asm", "ring012", ExitCause.Interrupt, 1 },
        { "Guests/bench/timer.asm", "ring012", ExitCause.Iret, 1 },
        // No privileged event inside the compute loop.
        { "Guests/bench/compute.asm", "ring3", ExitCause.SystemCall, 0 },
        { "Guests/bench/compute.asm", "ring012", ExitCause.ShadowFill, 0 },
    };

    [Theory]
    [MemberData(nameof(ExitsPerIteration))]
    public void Benchmark_iteration_costs_exactly_its_monitor_exits(string guest, string layoutName, ExitCause cause, int exitsPerIteration)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));

        var hundred = RunIn(layout, AssembleWithN(guest, 100));
        var twoHundred = RunIn(layout, AssembleWithN(guest, 200));

        Assert.Equal(0u, twoHundred.Result.ExitStatus);
        Assert.Equal(100L * exitsPerIteration, twoHundred.Exits![cause] - hundred.Exits![cause]);
    }

    [Theory]
    [InlineData("ring012", 0, 0)]
    [InlineData("ring012", 1, 0)]
    [InlineData("ring3", 0, 2)]
    [InlineData("ring3", 1, 0)]
    public void Context_switch_traps_to_the_monitor_for_ptbr_only_when_it_changes_address_space(string layoutName, long sameSpace, int mtcrExitsPerIteration)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        ProgramImage Build(long n) =>
            GuestRunner.Assemble("Guests/bench/ctxswitch.asm", new Dictionary<string, long> { ["N"] = n, ["SAME_SPACE"] = sameSpace });

        var hundred = RunIn(layout, Build(100));
        var twoHundred = RunIn(layout, Build(200));

        Assert.Equal(100L * mtcrExitsPerIteration, twoHundred.Exits![ExitCause.Mtcr] - hundred.Exits![ExitCause.Mtcr]);
    }

    [Fact]
    public void Ring3_switches_the_shadow_page_table_twice_per_null_system_call()
    {
        var hundred = RunIn(Layouts.Ring3, AssembleWithN("Guests/bench/nullcall.asm", 100));
        var twoHundred = RunIn(Layouts.Ring3, AssembleWithN("Guests/bench/nullcall.asm", 200));

        // user view -> kernel view at the int, kernel view -> user view at the iret
        Assert.Equal(200, twoHundred.Exits!.PageTableSwitches - hundred.Exits!.PageTableSwitches);
    }
}
