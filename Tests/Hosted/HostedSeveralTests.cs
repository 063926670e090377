// Several hosted (Type 2) guests at once (`r4 host --hosted`, each its own VM on a thread of
// its own) and `r4 compare --hosted`: each guest's console and counts equal its solo
// `r4 run --hosted`; the Type 1 host's shares are refused; the hosted costs are exact.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Hosted;

public class HostedSeveralTests
{
    private static string Abs(string repositoryPath) => RepositoryPaths.Combine(repositoryPath);

    [Fact]
    public void Host_hosted_runs_each_guest_as_its_own_VM_and_each_sees_its_solo_run()
    {
        using var cli = new CliHarness();
        string[] guests = [Abs("Guests/kernels/teach/kernel.asm"), Abs("Guests/examples/hello.asm"), Abs("Guests/bench/nullcall.asm")];
        string[] layouts = ["ring012", "hw", "ring3"];
        string dir = cli.PathOf("out"), json = cli.PathOf("hosted.json");
        var run = cli.Run(["host", "--hosted", .. guests, "--layouts", string.Join(",", layouts), "-D", "N=1000", "--console-dir", dir, "--stats-json", json]);
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.True(document.RootElement.GetProperty("hosted").GetBoolean());
        var list = document.RootElement.GetProperty("guests").EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        for (int i = 0; i < guests.Length; i++)
        {
            string soloJson = cli.PathOf($"solo{i}.json");
            var solo = cli.Run("run", guests[i], "--hosted", "--layout", layouts[i], "-D", "N=1000", "--stats-json", soloJson);
            using var soloDocument = JsonDocument.Parse(File.ReadAllBytes(soloJson));
            var alone = soloDocument.RootElement;
            Assert.Equal(solo.Console, File.ReadAllText(Path.Combine(dir, $"{i + 1}.txt")));
            foreach (string key in new[] { "instructions", "cycles" })
                Assert.Equal(alone.GetProperty(key).GetUInt64(), list[i].GetProperty(key).GetUInt64());
            foreach (string key in new[] { "worldSwitches", "hostCalls" })
                Assert.Equal(alone.GetProperty("hosted").GetProperty(key).GetInt64(), list[i].GetProperty("hosted").GetProperty(key).GetInt64());
            Assert.Equal("PowerOff", list[i].GetProperty("stopReason").GetString());
        }
        Assert.Equal("Hello, world!\n", File.ReadAllText(Path.Combine(dir, "2.txt")));
    }

    [Theory]
    [InlineData(new[] { "--weights", "1,2" }, "--weights 1,2: with --hosted each guest is its own VM")]
    [InlineData(new[] { "--slice", "500" }, "--slice 500: with --hosted")]
    [InlineData(new[] { "--machine-mem", "64M" }, "--machine-mem 64M: with --hosted")]
    public void Host_hosted_refuses_the_type1_shares(string[] options, string message)
    {
        using var cli = new CliHarness();
        string hello = Abs("Guests/examples/hello.asm");
        var run = cli.Run(["host", "--hosted", hello, hello, .. options]);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Compare_hosted_adds_the_world_switches_and_host_calls_to_every_layout()
    {
        using var cli = new CliHarness();
        var plain = cli.Run("compare", Abs("Guests/examples/hello.asm"), "--layouts", "native,ring012", "--repeat", "1", "--warmup", "0", "--format", "json");
        var hosted = cli.Run("compare", Abs("Guests/examples/hello.asm"), "--layouts", "native,ring012", "--repeat", "1", "--warmup", "0", "--format", "json", "--hosted");
        Assert.Equal(0, hosted.ExitCode);
        ulong Cycles(CliRun run, int layout) =>
            JsonDocument.Parse(run.Stdout).RootElement.GetProperty("guests")[0].GetProperty("runs")[layout].GetProperty("cycles").GetUInt64();
        // hello: 15 outs, each a world switch (4500) and a host call (12000): 15 × 16500 = 247500
        Assert.Equal(525UL, Cycles(plain, 0));
        Assert.Equal(525UL + 247_500, Cycles(hosted, 0));
        Assert.Equal(Cycles(plain, 1) + 247_500, Cycles(hosted, 1));
    }

    [Fact]
    public void A_guest_given_1_GiB_that_touches_2_MiB_commits_2_MiB_of_host_memory()
    {
        using var cli = new CliHarness();
        var run = cli.Run("run", Abs("Guests/hosts/touch.asm"), "--hosted", "--mem", "1G", "--stats-json", cli.PathOf("touch.json"));
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllBytes(cli.PathOf("touch.json")));
        // 512 pages touched from 1 MiB up, plus the code page at 0: the rest of the GiB is never committed
        Assert.Equal((2L << 20) + 4096, document.RootElement.GetProperty("hosted").GetProperty("hostRamCommittedBytes").GetInt64());
    }
}
