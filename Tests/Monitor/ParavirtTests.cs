// The paravirtual interface (spec §11.4): detection — `in 0xE0` reads 0xFFFFFFFF on the bare
// machine (an unknown port) and the signature 0x4D563452 ("R4VM", first byte lowest) under
// the monitor; Guests/paravirt/detect.asm prints what it read — and the paravirtual guests:
// the teaching kernel's paravirtual build and pvirq.asm, whose patching keeps the instruction
// stream's length, so each runs natively and under every monitored layout with the same
// console output, exit status, instret and final registers (spec §11.4 promises the output;
// the per-instruction trace differs by design at the patched sites), on both engines.
using R4.Machine;
using R4.Monitor;
using R4.Tests.Cli;
using R4.Tests.Guests;

namespace R4.Tests.Monitor;

public sealed class ParavirtTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void TheSignatureSpellsR4VmFirstByteLowest() =>
        Assert.Equal("R4VM"u8.ToArray(), BitConverter.GetBytes(VirtualDevices.HypercallSignature));

    [Fact]
    public void DetectPrintsFffffffffNativelyAndTheSignatureUnderEveryMonitoredLayout()
    {
        var image = GuestRunner.Assemble("Guests/paravirt/detect.asm");
        Assert.Equal("FFFFFFFF\n", MonitorHarness.Run(image, Layouts.Native, trace: false).Console);
        foreach (var layout in Layouts.Known.Where(l => l.Monitored))
        {
            var run = MonitorHarness.Run(image, layout, trace: false);
            Assert.Equal("4D563452\n", run.Console);
            Assert.Equal(R4.Machine.StopReason.PowerOff, run.Result.Reason);
        }
    }

    [Theory]
    [InlineData("native", "FFFFFFFF\n")]
    [InlineData("ring012", "4D563452\n")]
    public void RunPrintsWhatThePortReads(string layout, string expected)
    {
        var run = cli.Run("run", "--layout", layout, RepositoryPaths.Combine("Guests", "paravirt", "detect.asm"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Console);
    }

    public static TheoryData<string, ExecutionEngine> ParavirtualGuests => new()
    {
        { "Guests/paravirt/teach-pv.asm", ExecutionEngine.Interpreter },
        { "Guests/paravirt/teach-pv.asm", ExecutionEngine.Jit },
        { "Guests/paravirt/pvirq.asm", ExecutionEngine.Interpreter },
        { "Guests/paravirt/pvirq.asm", ExecutionEngine.Jit },
    };

    [Theory]
    [MemberData(nameof(ParavirtualGuests))]
    public void AParavirtualGuestRunsAsItsNativeSelfUnderEveryLayout(string guest, ExecutionEngine engine)
    {
        var image = GuestRunner.Assemble(guest);
        var native = MonitorHarness.Run(image, Layouts.Native, 3_000_000, trace: false, memoryBytes: 16 << 20, engine: engine);
        Assert.Equal(StopReason.PowerOff, native.Result.Reason);
        foreach (var layout in MonitorHarness.EveryMonitoredLayout)
        {
            var run = MonitorHarness.Run(image, layout, 3_000_000, trace: false, memoryBytes: 16 << 20, engine: engine,
                inspect: MonitorHarness.AssertMonitorMemoryIntact);
            MonitorHarness.AssertSameAsNative(native, run, image);
        }
    }

    [Fact]
    public void TheParavirtualTeachingKernelPrintsWhatTheNativeOnePrints()
    {
        var expected = File.ReadAllText(RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.expected"));
        var run = MonitorHarness.Run(GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        Assert.Equal(expected, run.Console);
    }

    /// <summary>The virtual-IF problem gone: the kernel's iret back to user code with IE on runs
    /// in hardware once its IE is shared; only its irets into kernel code trap.</summary>
    [Fact]
    public void SharingIeRemovesTheIretExitOfEveryTrapReturn()
    {
        var plain = MonitorHarness.Run(GuestRunner.Assemble("Guests/kernels/teach/kernel.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        var pv = MonitorHarness.Run(GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        Assert.True(plain.Exits!.Count("iret") > 300, $"plain kernel: {plain.Exits.Count("iret")} iret exits");
        Assert.True(pv.Exits!.Count("iret") < 20, $"paravirtual kernel: {pv.Exits.Count("iret")} iret exits");
        Assert.Equal(1, pv.Exits.Count("hypercall"));
        Assert.True(pv.Exits.Total < plain.Exits.Total);
    }

    /// <summary>A tick that ends while the shared IE is 0 is held back and taken right after the
    /// store that enables IE, as native takes it right after sti: the same saved pc and instret.</summary>
    [Fact]
    public void AHeldBackTickArrivesRightAfterTheStoreThatEnablesIe()
    {
        var image = GuestRunner.Assemble("Guests/paravirt/pvirq.asm");
        var native = MonitorHarness.Run(image, Layouts.Native, trace: false);
        var run = MonitorHarness.Run(image, Layouts.Ring012, trace: false);
        Assert.Equal(native.Console, run.Console);
        Assert.StartsWith("tick: pc=00000048 instret=000000b5", native.Console);
        Assert.Equal(4, run.Exits!.Count("interruptDeferred"));
        Assert.Equal(4, run.Exits.Count("interrupt"));
        Assert.Equal(0, run.Exits.Count("sti"));
    }
}
