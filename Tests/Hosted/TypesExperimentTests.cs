// `r4 compare --type1-vs-type2` (issue 11 item 2): the lecture's table with measured figures.
// Cycles, the fit counts, the committed pages and the migration's rounds and bytes are exact and
// pinned; host time and downtime are only present. The migrated guest finishing as natively is
// the experiment's own check (a "problem" otherwise).
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Hosted;

public class TypesExperimentTests
{
    private static string Abs(string repositoryPath) => RepositoryPaths.Combine(repositoryPath);

    private static readonly string[] Guests =
        [Abs("Guests/bench/compute.asm"), Abs("Guests/bench/nullcall.asm"), Abs("Guests/kernels/teach/disklog.asm")];

    [Fact]
    public void The_table_has_exact_cycles_fit_counts_and_migration_figures()
    {
        using var cli = new CliHarness();
        string disk = cli.Write("log.img", new byte[8192]);
        var run = cli.Run(["compare", "--type1-vs-type2", .. Guests, "-D", "N=2000", "--disk", disk, "--repeat", "1", "--warmup", "0",
            "--machine-mem", "64M", "--host-os-mem", "16M", "--format", "json"]);
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement;
        Assert.True(root.GetProperty("guestsAgree").GetBoolean());
        var performance = root.GetProperty("performance").EnumerateArray().ToList();
        ulong[] Column(string key) => performance.Select(p => p.GetProperty(key).GetUInt64()).ToArray();
        Assert.Equal([18051UL, 97757UL, 494186UL], Column("instructions"));
        Assert.Equal([20986UL, 275577UL, 690463UL], Column("nativeCycles"));
        Assert.Equal([55226UL, 301717UL, 3973523UL], Column("type1Cycles"));
        Assert.Equal([866976UL, 816467UL, 12124773UL], Column("type2Cycles"));

        var fit = root.GetProperty("fit");
        Assert.Equal(17850368UL, fit.GetProperty("slotBytes").GetUInt64());   // 16 MiB + the monitor's 1048 KiB
        Assert.Equal(3, fit.GetProperty("type1Guests").GetInt32());            // 64 MiB / 17432 KiB
        Assert.Equal(2, fit.GetProperty("type2Guests").GetInt32());            // (64 − 16) MiB / 17432 KiB
        Assert.Equal("disklog", fit.GetProperty("committedGuest").GetString());
        Assert.Equal(3244032L, fit.GetProperty("type2CommittedBytes").GetInt64());
        Assert.Equal(11, fit.GetProperty("type2GuestsByTouch").GetInt32());

        var migration = root.GetProperty("migration");
        Assert.Equal("disklog", migration.GetProperty("guest").GetString());
        Assert.Equal(247093UL, migration.GetProperty("atInstruction").GetUInt64());
        Assert.Equal(8192UL, migration.GetProperty("diskBytes").GetUInt64());
        foreach (string type in new[] { "type1", "type2" })
        {
            var m = migration.GetProperty(type);
            Assert.True(m.GetProperty("completed").GetBoolean());
            Assert.Equal(JsonValueKind.Null, m.GetProperty("problem").ValueKind);
            Assert.Equal(3210327L, m.GetProperty("bytes").GetInt64());
            Assert.Equal([778, 5, 0], m.GetProperty("rounds").EnumerateArray().Select(r => r.GetProperty("pages").GetInt32()));
            Assert.Equal(0, m.GetProperty("pagesMissedByLog").GetInt32());
            Assert.True(m.GetProperty("downtimeMilliseconds").GetDouble() > 0);
        }
    }

    [Fact]
    public void The_markdown_table_and_the_chart_are_written_together()
    {
        using var cli = new CliHarness();
        string report = cli.PathOf("types.md"), chart = cli.PathOf("types.svg");
        var run = cli.Run(["compare", "--type1-vs-type2", Guests[0], Guests[1], "-D", "N=500", "--repeat", "1", "--warmup", "0",
            "--format", "markdown", "-o", report, "--plot", chart]);
        Assert.Equal(0, run.ExitCode);
        string text = File.ReadAllText(report);
        Assert.Contains("| performance: compute ", text);
        Assert.Contains("| guests of 16 MiB that fit in 2048 MiB ", text);
        Assert.Contains(" 120 (17432 KiB each: partition + monitor area) ", text);
        Assert.Contains(" 60 (after the host OS's 1024 MiB) ", text);
        Assert.Contains("Type 2 migrates better", text);
        Assert.Contains("Type 1 vs Type 2: modelled cycles relative to native", File.ReadAllText(chart));
    }

    [Theory]
    [InlineData(new[] { "--machine-mem", "1G" }, "--machine-mem 1G: only with --type1-vs-type2")]
    [InlineData(new[] { "--type1-vs-type2", "--type1" }, "--type1 and --type1-vs-type2: give one experiment")]
    [InlineData(new[] { "--type1-vs-type2", "--layouts", "native" }, "--type1-vs-type2 runs under one monitored layout")]
    [InlineData(new[] { "--type1-vs-type2", "--host-os-mem", "3000" }, "--host-os-mem 3000: give a size")]
    public void Usage_errors_name_the_option(string[] options, string message)
    {
        using var cli = new CliHarness();
        var run = cli.Run(["compare", Guests[0], .. options]);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }
}
