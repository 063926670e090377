// `r4 run --hosted`: the guest's output as unhosted, the hosted counters in --stats-json,
// --disk-create making a sparse image and refusing to replace one.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Hosted;

public class HostedCliTests
{
    [Fact]
    public void Run_hosted_prints_what_an_unhosted_run_prints_and_reports_the_world_switches()
    {
        using var cli = new CliHarness();
        string kernel = RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm");
        var plain = cli.Run("run", kernel, "--stats-json", cli.PathOf("plain.json"));
        var hosted = cli.Run("run", kernel, "--hosted", "--layout", "ring012", "--stats-json", cli.PathOf("hosted.json"));
        Assert.Equal(0, hosted.ExitCode);
        Assert.Equal(plain.Console, hosted.Console);
        var a = JsonDocument.Parse(File.ReadAllText(cli.PathOf("plain.json"))).RootElement;
        var b = JsonDocument.Parse(File.ReadAllText(cli.PathOf("hosted.json"))).RootElement;
        Assert.Equal(a.GetProperty("instructions").GetUInt64(), b.GetProperty("instructions").GetUInt64());
        var world = b.GetProperty("hosted");
        Assert.True(world.GetProperty("worldSwitches").GetInt64() > 0);
        Assert.True(world.GetProperty("hostCalls").GetInt64() > 0);
        Assert.False(a.TryGetProperty("hosted", out _));
    }

    [Fact]
    public void Disk_create_makes_the_image_once()
    {
        using var cli = new CliHarness();
        string hello = RepositoryPaths.Combine("Guests", "examples", "hello.asm");
        string disk = cli.PathOf("disk.img");
        Assert.Equal(0, cli.Run("run", hello, "--hosted", "--disk", disk, "--disk-create", "8M").ExitCode);
        Assert.Equal(8L << 20, new FileInfo(disk).Length);
        var again = cli.Run("run", hello, "--hosted", "--disk", disk, "--disk-create", "8M");
        Assert.Equal(73, again.ExitCode);
        Assert.Equal($"r4: --disk-create 8M: '{disk}' already exists; drop --disk-create to use it\n", again.Stderr);
        var noDisk = cli.Run("run", hello, "--disk-create", "8M");
        Assert.Equal(64, noDisk.ExitCode);
    }
}
