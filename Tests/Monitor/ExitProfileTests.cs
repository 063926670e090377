// Exit profiling (docs/monitor.md "Accounting"): under a monitor --stats keeps the traps the
// guest took apart from the machine's real traps, prices each exit cause in cycles, and
// --exit-profile adds exits and cycles by guest pc and symbol; --stats-json carries the same.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Monitor;

public sealed class ExitProfileTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void TheProfileAccountsForEveryExitAndNamesTheIretOfTheTrapReturn()
    {
        string json = Path.Combine(cli.Folder, "stats.json");
        var run = cli.Run("run", "--layout", "ring012", "--stats", "--exit-profile", "--stats-json", json,
            RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("guest traps (taken by the guest", run.Stderr);
        Assert.Contains("machine traps (the real CPU's", run.Stderr);
        Assert.Matches(@"\n  iret +355 +159,750 cycles\n", run.Stderr);
        Assert.Matches(@"0x[0-9a-f]{8} trap_return\+0x3c +355 exits", run.Stderr);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        long total = root.GetProperty("exitsTotal").GetInt64();
        long profiled = root.GetProperty("exitProfile").EnumerateArray().Sum(site => site.GetProperty("exits").GetInt64());
        ulong cycles = root.GetProperty("exitProfile").EnumerateArray().Aggregate(0UL, (sum, site) => sum + site.GetProperty("cycles").GetUInt64());
        Assert.Equal(total, profiled);
        Assert.Equal(root.GetProperty("monitorCycles").GetUInt64(), cycles);
        ulong byCause = root.GetProperty("exitCycles").EnumerateObject().Aggregate(0UL, (sum, cause) => sum + cause.Value.GetUInt64());
        Assert.Equal(cycles, byCause);
        // the guest took 320 timer interrupts and 15 system calls, whatever the real CPU trapped
        Assert.Equal(320, root.GetProperty("guestTraps").GetProperty("16").GetInt64());
        Assert.Equal(15, root.GetProperty("guestTraps").GetProperty("32").GetInt64());
        Assert.False(root.GetProperty("guestTraps").TryGetProperty("5", out _));   // its #GPs were all the monitor's
    }

    [Fact]
    public void NativeStatsKeepTheirSingleTrapList()
    {
        var run = cli.Run("run", "--stats", RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm"));
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("guest traps", run.Stderr);
        Assert.Contains("\ntrap timer", run.Stderr);
    }
}
