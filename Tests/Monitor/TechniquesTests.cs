// Binary translation (layout bt, spec §11.6) and hardware assist (layout hw, spec §11.7) beyond
// plain equivalence: translated calls are counted by cause like exits but priced as calls; the
// translation of a kernel instruction follows the guest's writes to its code; hw exits only on
// the configured events (port I/O, hlt — and control-register writes when the layout asks).
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class TechniquesTests
{
    /// <summary>A ring-0 kernel making seven privileged exits (also ExitCountTests').</summary>
    internal const string TinyKernel = """
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
        """;

    [Fact]
    public void TranslatedCallsAreCountedByCauseAndCostACallInsteadOfAWorldSwitch()
    {
        var image = TestKernel.Assemble(TinyKernel);
        var ring013 = MonitorHarness.Run(image, Layouts.Ring013);
        var bt = MonitorHarness.Run(image, Layouts.Bt);
        MonitorHarness.AssertSameAsNative(MonitorHarness.Run(image, Layouts.Native), bt, image);
        Assert.Equal(
            new Dictionary<string, long> { ["hlt"] = 1, ["cli"] = 2, ["sti"] = 1, ["mfcr"] = 2, ["mtcr"] = 1, ["shadowFill"] = 1, ["translatedCall"] = 7 },
            bt.Exits!.ByName);
        var costs = CostTable.Default;
        Assert.Equal(7ul * (ulong)(costs.MonitorExitCycles - costs.TranslatedCallCycles), ring013.Statistics.Cycles - bt.Statistics.Cycles);
    }

    [Fact]
    public void UnderHardwareAssistOnlyTheConfiguredEventsExit()
    {
        var image = TestKernel.Assemble(TinyKernel);
        var hw = MonitorHarness.Run(image, Layouts.Hw);
        MonitorHarness.AssertSameAsNative(MonitorHarness.Run(image, Layouts.Native), hw, image);
        Assert.Equal(new Dictionary<string, long> { ["hlt"] = 1, ["vmExit"] = 1 }, hw.Exits!.ByName);
    }

    /// <summary>The kernel rewrites one of its own instructions (cli becomes sti) after running it:
    /// the translation is dropped with the decoded word and the JIT's block, as natively.</summary>
    [Theory]
    [InlineData(ExecutionEngine.Interpreter)]
    [InlineData(ExecutionEngine.Jit)]
    public void ATranslationFollowsTheGuestsWritesToItsCode(ExecutionEngine engine)
    {
        var image = TestKernel.Assemble("""
            .org 0x1000
            .entry start
            start:
                li   r5, 2
            again:
            target:
                cli
                mfcr r3, status
                la   r2, target
                la   r6, sti_word
                ldw  r4, [r6]
                stw  r4, [r2]
                addi r5, r5, -1
                bnez r5, again
                mfcr r7, status
                out  0xF0, r7
            sti_word:
                sti
            """);
        var native = MonitorHarness.Run(image, Layouts.Native, trace: false, engine: engine);
        Assert.Equal(StatusBits.InterruptEnable, native.Result.ExitStatus);
        var bt = MonitorHarness.Run(image, Layouts.Bt, trace: false, engine: engine);
        Assert.Equal(native.Result, bt.Result);
        Assert.Equal(native.State, bt.State);
        Assert.Equal(1, bt.Exits!.Count("cli"));
        Assert.Equal(1, bt.Exits.Count("sti"));
        MonitorHarness.AssertEquivalent(image);
    }

    /// <summary>A layout may ask for control-register writes to exit: the monitor observes each
    /// ptbr write and the CPU performs it; the guest sees nothing.</summary>
    [Fact]
    public void ChosenControlRegisterWritesExitAndStillTakeEffect()
    {
        var layout = Layouts.Hw with { ExitingControlRegisters = [ControlRegister.Ptbr] };
        var kernel = new TestKernel { UserMain = "user_main:\n    li r1, 1\n    li r2, 9\n    int 32\n" };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build(), layouts: [layout]);
        Assert.Equal(9u, runs[0].Result.ExitStatus);
        Assert.True(runs[1].Exits!.Count("mtcr") >= 1);
        Assert.Equal(runs[1].Exits.Count("mtcr"), MonitorHarness.Run(kernel.Build(), Layouts.Hw).Exits!.Count("mtcr") + runs[1].Exits.Count("mtcr"));
    }
}
