// Spec §11.5, the Popek–Goldberg flaw (`--machine x86-flaw`): an iret at ring > 0 that would
// change IE leaves IE alone instead of trapping. Guests/bench/timer.asm enables interrupts with
// its kernel's iret: under ring012 and ring013 that iret runs in hardware at real ring 1, so the
// monitor never sees it; it notices the ignored change and stops the guest saying why, while
// ring3 (where every iret traps) still shows the guest the native machine.
using R4.Assembler;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class PopekGoldbergFlawTests
{
    private static R4.Isa.Image.ProgramImage Timer()
    {
        var result = R4Assembler.AssembleFile(RepositoryPaths.Combine("Guests/bench/timer.asm"),
            new AssemblyOptions { Defines = new Dictionary<string, long> { ["N"] = 30 } });
        Assert.True(result.Succeeded);
        return result.Image!;
    }

    [Fact]
    public void TimerGuestDivergesUnderRing012AndRing013AndTheMonitorSaysWhy()
    {
        var image = Timer();
        var native = MonitorHarness.Run(image, Layouts.Native, variant: MachineVariant.X86Flaw);
        Assert.Equal(StopReason.PowerOff, native.Result.Reason);
        Assert.StartsWith("timer: 30 ticks", native.Console);
        foreach (var layout in new[] { Layouts.Ring012, Layouts.Ring013 })
        {
            var run = MonitorHarness.Run(image, layout, variant: MachineVariant.X86Flaw);
            Assert.Equal(StopReason.Shutdown, run.Result.Reason);
            Assert.Contains($"monitor ({layout.Name}): the guest's iret at virtual ring 0 would have changed IE", run.Result.Diagnostic);
            Assert.Contains("Popek and Goldberg 1974, Theorem 1", run.Result.Diagnostic);
            Assert.Equal("", run.Console);
            Assert.NotNull(VirtualMachineMonitor.FlawWarning(layout, MachineVariant.X86Flaw));
        }
    }

    /// <summary>ring3 (every iret traps), bt (the kernel's iret is translated into a call to the
    /// monitor) and hw (the guest kernel runs in ring 0 of guest mode) stay equivalent.</summary>
    [Fact]
    public void TimerGuestRunsAsNativeUnderRing3BtAndHwOnTheFlawedMachine()
    {
        MonitorHarness.AssertEquivalent(Timer(), layouts: [Layouts.Ring3, Layouts.Bt, Layouts.Hw], variant: MachineVariant.X86Flaw);
        foreach (var layout in new[] { Layouts.Ring3, Layouts.Bt, Layouts.Hw })
            Assert.Null(VirtualMachineMonitor.FlawWarning(layout, MachineVariant.X86Flaw));
    }

    /// <summary>The flaw on every engine: the JIT and the interpreter stop ring012 at the same place.</summary>
    [Fact]
    public void BothEnginesStopRing012AtTheSameIret()
    {
        var image = Timer();
        var interpreter = MonitorHarness.Run(image, Layouts.Ring012, trace: false, variant: MachineVariant.X86Flaw, engine: ExecutionEngine.Interpreter);
        var jit = MonitorHarness.Run(image, Layouts.Ring012, trace: false, variant: MachineVariant.X86Flaw, engine: ExecutionEngine.Jit);
        Assert.Equal(interpreter.Result, jit.Result);
        Assert.Equal(interpreter.State, jit.State);
    }

    [Fact]
    public void OnTheSpecifiedMachineThereIsNothingToSay()
    {
        foreach (var layout in Layouts.All)
            Assert.Null(VirtualMachineMonitor.FlawWarning(layout, MachineVariant.R4));
        MonitorHarness.AssertEquivalent(Timer());
    }
}
