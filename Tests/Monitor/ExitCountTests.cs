// Exits by cause are exact: a tiny guest's whole run, and the per-call cost of a null system
// call — none in ring012/ring013 (direct gate, iret in hardware), a reflected call, an
// emulated iret and two page-table switches in ring3.
using R4.Isa.Image;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class ExitCountTests
{
    [Theory]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("ring3")]
    public void EveryExitOfATinyKernelIsCountedByCause(string layoutName)
    {
        var image = TestKernel.Assemble("""
            .org 0x1000
            .entry start
            start:
                li   r1, 5
                cli
                sti
                cli
                mfcr r2, status
                mtcr scratch0, r1
                mfcr r3, scratch0
                hlt
            """);
        Layouts.TryParse(layoutName, out var layout);
        var run = MonitorHarness.Run(image, layout);
        Assert.Equal(R4.Machine.StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(
            new Dictionary<string, long> { ["hlt"] = 1, ["cli"] = 2, ["sti"] = 1, ["mfcr"] = 2, ["mtcr"] = 1, ["shadowFill"] = 1 },
            run.Exits!.ByName);
        Assert.Equal(8, run.Exits.Total);
        Assert.Equal(5u, run.State.Registers[3]);
        Assert.Equal(0u, run.State.Registers[2]);
        Assert.Equal(8ul, run.State.Instret);
    }

    private static ProgramImage NullCalls(int count) => new TestKernel
    {
        UserMain = $"""
            user_main:
                li   r9, {count}
            .loop:
                li   r1, 0
                int  32
                addi r9, r9, -1
                bnez r9, .loop
                li   r1, 1
                li   r2, 0
                int  32
            """,
    }.Build();

    [Theory]
    [InlineData("ring012", 0, 0, 0, 0)]
    [InlineData("ring013", 0, 0, 0, 0)]
    [InlineData("ring3", 1, 1, 2, 2)]
    public void ANullSystemCallCostsExactlyItsLayoutsExits(string layoutName, long syscalls, long irets, long switches, long total)
    {
        Layouts.TryParse(layoutName, out var layout);
        var ten = MonitorHarness.Run(NullCalls(10), layout, trace: false);
        var twenty = MonitorHarness.Run(NullCalls(20), layout, trace: false);
        Assert.Equal(0u, ten.Result.ExitStatus);
        Assert.Equal(10 * syscalls, twenty.Exits!.Count("syscall") - ten.Exits!.Count("syscall"));
        Assert.Equal(10 * irets, twenty.Exits.Count("iret") - ten.Exits.Count("iret"));
        Assert.Equal(10 * switches, twenty.Exits.Count("pageTableSwitch") - ten.Exits.Count("pageTableSwitch"));
        Assert.Equal(10 * total, twenty.Exits.Total - ten.Exits.Total);
        // and the calls themselves are the same instructions as natively
        var native = MonitorHarness.Run(NullCalls(20), Layouts.Native, trace: false);
        Assert.Equal(native.State.Instret, twenty.State.Instret);
    }

    [Fact]
    public void MonitorCyclesComeFromTheCostTable()
    {
        var run = MonitorHarness.Run(NullCalls(10), Layouts.Ring3, trace: false);
        var native = MonitorHarness.Run(NullCalls(10), Layouts.Native, trace: false);
        Assert.True(run.Statistics.Cycles > native.Statistics.Cycles + (ulong)(run.Exits!.Total * R4.Machine.CostTable.Default.MonitorExitCycles));
    }

    [Fact]
    public void LoadingAgainStartsTheCountsAndTheGuestAfresh()
    {
        var image = NullCalls(5);
        using var machine = GuestMachine.Create(new R4.Machine.MachineOptions { MemoryBytes = MonitorHarness.GuestRamBytes, ConsoleOutput = Stream.Null }, Layouts.Ring3);
        machine.Load(image);
        machine.Run();
        long first = machine.Exits!.TotalExits;
        var firstState = machine.CaptureState();
        machine.Load(image);
        Assert.Equal(0, machine.Exits.TotalExits);
        machine.Run();
        Assert.Equal(first, machine.Exits.TotalExits);
        Assert.Equal(firstState, machine.CaptureState());
    }
}
