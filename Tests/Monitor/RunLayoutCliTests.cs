// `r4 run --layout`: the same console output and exit status in every layout, the monitor's
// exits in --stats ("monitor exits" block) and --stats-json (layout, exits by cause), the
// monitor's diagnostic on stderr with exit code 125, and a clear usage error for a bad name.
using System.Text.Json;
using R4.Monitor;
using R4.Tests.Cli;

namespace R4.Tests.Monitor;

public sealed class RunLayoutCliTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private string Guest() => cli.Write("guest.asm", new TestKernel
    {
        UserMain = """
            user_main:
                la   r2, message
                li   r3, 3
                li   r1, 2
                int  32
                li   r1, 1
                li   r2, 9
                int  32
            message:
                .ascii "hi\n"
            """,
    }.Source());

    [Theory]
    [InlineData("native")]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("ring3")]
    public void EveryLayoutRunsTheGuestAndReportsItsExits(string layout)
    {
        string json = cli.PathOf("stats.json");
        var run = cli.Run("run", "--layout", layout, "--stats", "--stats-json", json, Guest());
        Assert.Equal(9, run.ExitCode);
        Assert.Equal("hi\n", run.Console);
        using var stats = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = stats.RootElement;
        Assert.Equal(layout, root.GetProperty("layout").GetString());
        var exits = root.GetProperty("exits");
        if (layout == "native")
        {
            Assert.Empty(exits.EnumerateObject());
            Assert.DoesNotContain("monitor exits", run.Stderr);
            return;
        }
        Assert.Contains($"monitor exits ({layout}):", run.Stderr);
        // the kernel writes 3 bytes with `out` and powers off with one more
        Assert.Equal(4, exits.GetProperty("out").GetInt64());
        Assert.Equal(3, exits.GetProperty("mtcr").GetInt64());   // ivt, ksp0, ptbr
        Assert.True(exits.GetProperty("shadowFill").GetInt64() > 0);
        Assert.Equal(layout == "ring3", exits.TryGetProperty("syscall", out _));
        long total = exits.EnumerateObject().Where(p => !ExitAccounting.IsEvent(p.Name)).Sum(p => p.Value.GetInt64());
        Assert.Equal(total, root.GetProperty("exitsTotal").GetInt64());
        Assert.Matches($@"\n  out\s+4\s+[\d,]+ cycles\n", run.Stderr);
    }

    [Fact]
    public void AMonitorStopIsAShutdownWithTheMonitorsDiagnostic()
    {
        string guest = cli.Write("rmap.asm", ".org 0x1000\n.entry start\nstart:\n    li r1, 0x1234\n    mtcr rmap, r1\n    hlt\n");
        var run = cli.Run("run", "--layout", "ring013", guest);
        Assert.Equal(125, run.ExitCode);
        Assert.StartsWith("r4: guest stopped by the monitor at pc 0x00001004 (start+0x4)", run.Stderr);
        Assert.Contains("monitor (ring013): the guest writes rmap 0x1234", run.Stderr);
        Assert.Contains("at guest pc 0x00001004", run.Stderr);
        Assert.Equal(0, cli.Run("run", "--layout", "ring3", guest).ExitCode);
    }

    [Theory]
    [InlineData("bt", "translatedCall")]
    [InlineData("hw", "vmExit")]
    public void BinaryTranslationAndHardwareAssistRunTheGuestAndSayHowTheMonitorWasEntered(string layout, string kind)
    {
        string json = cli.PathOf("stats.json");
        var run = cli.Run("run", "--layout", layout, "--stats", "--stats-json", json, Guest());
        Assert.Equal(9, run.ExitCode);
        Assert.Equal("hi\n", run.Console);
        using var stats = JsonDocument.Parse(File.ReadAllBytes(json));
        var exits = stats.RootElement.GetProperty("exits");
        Assert.Equal(layout, stats.RootElement.GetProperty("layout").GetString());
        Assert.Equal(4, exits.GetProperty("out").GetInt64());
        Assert.True(exits.GetProperty(kind).GetInt64() >= 4);
        // hw: control-register writes and page faults never leave guest mode
        Assert.Equal(layout == "bt", exits.TryGetProperty("mtcr", out _));
        Assert.Equal(layout == "bt", exits.TryGetProperty("shadowFill", out _));
    }

    /// <summary>How it will be checked (issue 12): with --machine x86-flaw, the timer benchmark is
    /// stopped with a diagnostic under ring012 and equals native under ring3, bt and hw.</summary>
    [Fact]
    public void TheFlawedMachineStopsTheTimerGuestUnderRing012AndNotUnderRing3BtOrHw()
    {
        string timer = RepositoryPaths.Combine("Guests/bench/timer.asm");
        var run = cli.Run("run", "--machine", "x86-flaw", "--layout", "ring012", "-D", "N=5", timer);
        Assert.Equal(125, run.ExitCode);
        Assert.StartsWith("r4: warning: monitor (ring012): on this machine (x86-flaw)", run.Stderr);
        Assert.Contains("r4: guest stopped by the monitor", run.Stderr);
        Assert.Contains("Theorem 1", run.Stderr);
        var compare = cli.Run("compare", "--machine", "x86-flaw", "--layouts", "native,ring012,ring3,bt,hw", "--repeat", "1", "--warmup", "0", "-D", "N=5", timer);
        Assert.Equal(1, compare.ExitCode);
        Assert.Contains("timer: ring012 disagrees with native: first differing instruction", compare.Stderr);
        Assert.DoesNotContain("ring3 disagrees", compare.Stderr);
        Assert.DoesNotContain("bt disagrees", compare.Stderr);
        Assert.DoesNotContain("hw disagrees", compare.Stderr);
        Assert.Equal(0, cli.Run("compare", "--machine", "x86-flaw", "--layouts", "native,ring3,bt,hw", "--repeat", "1", "--warmup", "0", "-D", "N=5", timer).ExitCode);
    }

    [Fact]
    public void AnUnknownMachineIsAUsageError()
    {
        var run = cli.Run("run", "--machine", "x86", Guest());
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--machine x86: give one of r4|x86-flaw", run.Stderr);
    }

    [Fact]
    public void AnUnknownLayoutIsAUsageError()
    {
        var run = cli.Run("run", "--layout", "ring2", Guest());
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--layout ring2: give one of native|ring012|ring013|ring3", run.Stderr);
    }
}
