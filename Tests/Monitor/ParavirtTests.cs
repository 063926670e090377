// The paravirtual interface's detection (spec §11.4): `in 0xE0` reads 0xFFFFFFFF on the bare
// machine (an unknown port) and the signature 0x4D563452 ("R4VM", first byte lowest) under
// the monitor; Guests/paravirt/detect.asm prints what it read.
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
}
