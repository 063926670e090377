// Exits by cause are exact: tiny guests' whole runs (every cause: each privileged mnemonic,
// reflected faults by vector, a delivered int, an injected interrupt, shadow fills, the
// monitor's TLB flush), the per-call cost of a null system call — none in ring012/ring013
// (direct gate, iret in hardware), a reflected call, an emulated iret and two page-table
// switches in ring3 — and the cycles each exit adds, exactly as the cost table prices them.
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
        var image = TestKernel.Assemble(TechniquesTests.TinyKernel);
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
    [InlineData("bt", 0, 1, 0, 1)]   // the kernel's iret is translated: a call into the monitor, not a trap
    [InlineData("hw", 0, 0, 0, 0)]   // guest mode: int 32 and iret never leave the guest
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

    /// <summary>A ring-0 guest (paging off) that makes one exit of every other cause: in, out,
    /// tlbflush, invlpg, a divide error and a brk reflected to its handlers, an `int` the
    /// monitor delivers, a timer interrupt injected while it waits in hlt. Its handlers iret
    /// with IE unchanged except the timer's (an interrupt gate), whose iret restores IE.</summary>
    private static ProgramImage EveryOtherCause() => TestKernel.Assemble("""
        .org 0x1000
        .entry start
        start:
            li   sp, 0x8000
            la   r1, ivt
            mtcr ivt, r1
            in   r2, 0x11
            out  0x77, r2
            tlbflush
            li   r3, 0x1000
            invlpg r3
            li   r4, 0
            div  r5, r4, r4
            brk
            int  33
            li   r1, 50
            out  0x10, r1
            sti
            hlt
            cli
            hlt
        skip_faulting:
            ldw  r6, [sp + 4]
            addi r6, r6, 4
            stw  r6, [sp + 4]
        just_return:
            iret
        timer:
            out  0x10, zero
            iret
            .align 8
        ivt:
            .word skip_faulting, 0x10      ; 0 #DE: trap gate, ring 0
            .word 0, 0, 0, 0
            .word just_return, 0x10        ; 3 #BP
            .space 12 * 8
            .word timer, 0x30              ; 16 timer: interrupt gate
            .space 16 * 8
            .word just_return, 0x10        ; 33: DPL 0, so no direct gate
            .space 30 * 8
        """);

    [Theory]
    [InlineData("ring012", 1)]
    [InlineData("ring013", 1)]
    [InlineData("ring3", 4)]
    public void EveryCauseIsCountedExactly(string layoutName, int irets)
    {
        Layouts.TryParse(layoutName, out var layout);
        var run = MonitorHarness.Run(EveryOtherCause(), layout);
        Assert.Equal(R4.Machine.StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(MonitorHarness.Run(EveryOtherCause(), Layouts.Native).State, run.State);
        // the timer's iret changes IE: emulated in every layout; ring3 emulates the other three too
        Assert.Equal(
            $"hlt=2 cli=1 sti=1 tlbflush=1 invlpg=1 mtcr=1 in=1 out=3 iret={irets} fault.DE=1 fault.BP=1 syscall=1 interrupt=1 shadowFill=2 tlbFlush=1",
            string.Join(" ", run.Exits!.ByName.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(run.Exits.ByName.Where(kv => !ExitAccounting.IsEvent(kv.Key)).Sum(kv => kv.Value), run.Exits.Total);
    }

    /// <summary>Each exit is priced from the cost table and nothing else: raising one cost by
    /// 1000 cycles raises the run's modelled cycles by exactly 1000 per exit it applies to.</summary>
    [Theory]
    [InlineData("ring012")]
    [InlineData("ring3")]
    public void MonitorCyclesComeFromTheCostTable(string layoutName)
    {
        Layouts.TryParse(layoutName, out var layout);
        (ulong Cycles, ExitAccounting Exits) Run(R4.Machine.CostTable costs)
        {
            using var machine = GuestMachine.Create(new R4.Machine.MachineOptions
            {
                MemoryBytes = MonitorHarness.GuestRamBytes, ConsoleOutput = Stream.Null, Costs = costs,
            }, layout);
            machine.Load(EveryOtherCause());
            Assert.Equal(R4.Machine.StopReason.PowerOff, machine.Run(100_000).Reason);
            return (machine.Statistics.Cycles, machine.Exits!);
        }
        var defaults = R4.Machine.CostTable.Default;
        var (baseCycles, exits) = Run(defaults);
        long fills = exits[ExitCause.ShadowFill];
        Assert.Equal((ulong)(exits.TotalExits * 1000), Run(new R4.Machine.CostTable { MonitorExitCycles = defaults.MonitorExitCycles + 1000 }).Cycles - baseCycles);
        Assert.Equal((ulong)((exits.TotalExits - fills) * 1000), Run(new R4.Machine.CostTable { MonitorEmulationCycles = defaults.MonitorEmulationCycles + 1000 }).Cycles - baseCycles);
        Assert.Equal((ulong)(fills * 1000), Run(new R4.Machine.CostTable { ShadowPageFillCycles = defaults.ShadowPageFillCycles + 1000 }).Cycles - baseCycles);
        Assert.Equal((ulong)(exits.TotalExits * defaults.MonitorExitCycles + (exits.TotalExits - fills) * defaults.MonitorEmulationCycles + fills * defaults.ShadowPageFillCycles),
            exits.ModelledCycles);
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
