// `r4 compare` end to end: the agreement check (a planted difference in each guest-visible
// field, and a real one — a guest that writes rmap, which ring012/ring013 cannot host), the
// exact columns of the table, CSV and JSON outputs for a tiny guest (deterministic fields
// only, never host time), the chart (its model, the SVG's texts, a PNG drawn in-process), and the one-line errors with their exit codes.
using System.Text.Json;
using System.Xml.Linq;
using R4.Cli.Compare;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Cli;

namespace R4.Tests.Compare;

public sealed class CompareCliTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly string NullCall = CompareTestGuests.BenchPath("nullcall");

    private CliRun CompareNullCall(params string[] more) =>
        cli.Run(["compare", NullCall, "-D", "N=2", "--repeat", "1", "--warmup", "0", .. more]);

    // ------------------------------------------------------------------ agreement

    public static TheoryData<string, Func<LayoutRun, LayoutRun>, string> PlantedDifferences => new()
    {
        { "console", r => r with { ConsoleOutput = [.. r.ConsoleOutput[..^2], (byte)'X', (byte)'\n'] }, "console output differs at byte 25: \"X\\n\" instead of \"s\\n\"" },
        { "status", r => r with { ExitStatus = 3 }, "exit status 3 instead of 0" },
        { "stop", r => r with { Reason = StopReason.InstructionLimit }, "stop reason InstructionLimit instead of PowerOff" },
        { "instret", r => r with { Instructions = r.Instructions + 1 }, "retired instructions 1821 instead of 1820" },
        { "register", r => r with { FinalState = r.FinalState with { Registers = [.. r.FinalState.Registers.Select((v, i) => i == 9 ? v ^ 0x10 : v)] } }, "final r9 0x" },
    };

    [Theory]
    [MemberData(nameof(PlantedDifferences))]
    public void AgreementCheckNamesGuestLayoutAndWhatDiffers(string what, Func<LayoutRun, LayoutRun> plant, string expected)
    {
        _ = what;
        var runs = CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", 2)).Runs.ToList();
        Assert.Empty(LayoutExperiment.CheckAgreement(runs));
        runs[2] = plant(runs[2]);
        var disagreement = Assert.Single(LayoutExperiment.CheckAgreement(runs));
        Assert.Equal(("nullcall", "ring013", "native"), (disagreement.Guest, disagreement.Layout, disagreement.ReferenceLayout));
        Assert.StartsWith(expected, disagreement.What);
        Assert.StartsWith("nullcall: ring013 disagrees with native: ", disagreement.ToString());
    }

    [Fact]
    public void AGuestThatWritesTheRingMapDisagreesInRing012AndRing013AndExitsWithOne()
    {
        string guest = cli.Write("rmapwriter.asm", """
            .org 0x1000
                li   r1, 0xE1E1
                mtcr rmap, r1
                li   r2, 5
                out  0xF0, r2
                hlt
            """);
        var run = cli.Run("compare", guest, "--repeat", "1", "--warmup", "0", "--format", "csv");
        Assert.Equal(1, run.ExitCode);
        var lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("r4: rmapwriter: ring012 disagrees with native: stop reason Shutdown instead of PowerOff (monitor (ring012): the guest writes rmap 0xe1e1", lines[0]);
        Assert.Equal("r4: rmapwriter: ring012 disagrees with native: retired instructions 1 instead of 4", lines[1]);
        // the first instruction where the layouts part: the one after the stopped mtcr
        Assert.Equal("r4: rmapwriter: ring012 disagrees with native: first differing instruction: traces diverge at entry 2: " +
                     "native pc 0x00001008 `addi r2, r0, 5` (instret 2), ring012 end of trace", lines[2]);
        Assert.StartsWith("r4: rmapwriter: ring013 disagrees with native: stop reason Shutdown", lines[3]);
        Assert.Equal("r4: rmapwriter: ring013 disagrees with native: retired instructions 1 instead of 4", lines[4]);
        Assert.StartsWith("r4: rmapwriter: ring013 disagrees with native: first differing instruction: traces diverge at entry 2: ", lines[5]);
        // ring3 emulates the ring map, so it agrees; the report is still written
        Assert.Contains("rmapwriter,ring3,exit 5,4,", run.Stdout);
    }

    /// <summary>Far past what one trace recorder keeps (100 000 entries), the first differing
    /// instruction is still named exactly.</summary>
    [Fact]
    public void TheFirstDifferingInstructionIsExactDeepIntoALongRun()
    {
        string guest = cli.Write("late.asm", R4.Tests.Monitor.TestKernel.LateRmapWriter);
        var run = cli.Run("compare", guest, "--repeat", "1", "--warmup", "0", "--layouts", "native,ring012", "--format", "csv");
        Assert.Equal(1, run.ExitCode);
        // li r3 (lui + ori) + 150000 x 2 + li r1 (ori) = 300003 instructions before the mtcr,
        // which the monitor stops: the native run goes on to `after`, the monitored one ends
        Assert.EndsWith("r4: late: ring012 disagrees with native: first differing instruction: traces diverge at entry 300004: " +
                        "native pc 0x00001018 `addi r2, r0, 5` (instret 300004), ring012 end of trace\n", run.Stderr);
    }

    /// <summary>--input: every run reads the same console bytes (the guest counts them into
    /// its exit status).</summary>
    [Fact]
    public void EveryRunReadsTheSameInput()
    {
        string guest = cli.Write("count.asm", """
            .org 0x1000
            next:
                in   r1, 0x00
                li   r2, -1
                beq  r1, r2, done
                addi r4, r4, 1
                jmp  next
            done:
                out  0xF0, r4
                hlt
            """);
        string input = cli.Write("input.txt", "hello");
        var run = cli.Run("compare", guest, "--input", input, "--repeat", "2", "--warmup", "1", "--format", "csv");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(4, run.Stdout.Split('\n').Count(line => line.StartsWith("count,") && line.Contains(",exit 5,")));
        var missing = cli.Run("compare", guest, "--input", cli.PathOf("none.txt"));
        Assert.Equal((66, $"r4: cannot read '{cli.PathOf("none.txt")}': no such file\n"), (missing.ExitCode, missing.Stderr));
    }

    /// <summary>--disk: every run gets a fresh copy of the image, so a guest that reads sector
    /// 0 and then overwrites it sees the original in every run (exit 1, never 2), and the
    /// user's image file is never written.</summary>
    [Fact]
    public void EveryRunGetsAFreshCopyOfTheDisk()
    {
        string guest = cli.Write("disk.asm", """
            .org 0x1000
                li   sp, 0x8000
                li   r1, 0x9000
                li   r3, 1
                call transfer               ; read sector 0
                li   r1, 0x9000
                ldw  r5, [r1]
                li   r6, 0x41414141
                li   r7, 1
                beq  r5, r6, original
                li   r7, 2
            original:
                li   r2, 0x5A5A5A5A
                stw  r2, [r1]
                li   r3, 2
                call transfer               ; write it back changed
                out  0xF0, r7
                hlt
            transfer:                       ; r1 address, r3 command, sector 0
                out  0x20, zero
                out  0x21, r1
                li   r4, 1
                out  0x22, r4
                out  0x23, r3
            wait:
                in   r4, 0x24
                andi r4, r4, 1
                bnez r4, wait
                ret
            """);
        var image = Enumerable.Repeat((byte)0x41, 1024).ToArray();
        string disk = cli.PathOf("disk.img");
        File.WriteAllBytes(disk, image);
        var run = cli.Run("compare", guest, "--disk", disk, "--repeat", "2", "--warmup", "1", "--format", "csv");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(4, run.Stdout.Split('\n').Count(line => line.StartsWith("disk,") && line.Contains(",exit 1,")));
        Assert.Equal(image, File.ReadAllBytes(disk));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"r4-compare-disk-{Environment.ProcessId}-*"));
        var missing = cli.Run("compare", guest, "--disk", cli.PathOf("none.img"));
        Assert.Equal(66, missing.ExitCode);
        Assert.StartsWith($"r4: cannot read disk image '{cli.PathOf("none.img")}'", missing.Stderr);
    }

    // ------------------------------------------------------------------ outputs

    private const string CsvHeader =
        "guest,layout,stop,instructions,cycles,cycle_slowdown,host_ms_median,host_ms_min,host_ms_max,host_slowdown,host_slowdown_ci95," +
        "exits,exits_per_1k_instructions,page_table_switches,tlb_flushes,tlb_misses,exits_by_cause,exit_cycles_by_cause";

    /// <summary>The deterministic columns of nullcall with N=2: everything but the host_* columns.</summary>
    private static readonly string[] ExpectedRows =
    [
        "nullcall,native,exit 0,1820,3609,1.000|0,0.00,0,1,4,-,-",
        "nullcall,ring012,exit 0,1820,27149,7.523|49,26.92,0,2,16,mtcr=12 out=29 shadowFill=8 tlbFlush=1 shadowCacheMiss=1,mtcr=5400 out=13050 shadowFill=4800",
        "nullcall,ring013,exit 0,1820,27149,7.523|49,26.92,0,2,16,mtcr=12 out=29 shadowFill=8 tlbFlush=1 shadowCacheMiss=1,mtcr=5400 out=13050 shadowFill=4800",
        "nullcall,ring3,exit 0,1820,34789,9.640|63,34.62,12,14,38,mtcr=12 out=29 iret=6 syscall=6 shadowFill=10 pageTableSwitch=12 tlbFlush=1 shadowCacheMiss=1,mtcr=5400 out=13050 iret=2700 syscall=2700 shadowFill=6000",
    ];

    [Fact]
    public void CsvHasExactColumnsAndValuesForATinyGuest()
    {
        var run = CompareNullCall("--format", "csv");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(CsvHeader, lines[0]);
        Assert.Equal(string.Join(",", CompareReport.CsvColumns), lines[0]);
        var rows = lines.Skip(1).Select(line =>
        {
            var cells = line.Split(',');
            Assert.Equal(18, cells.Length);
            Assert.All(cells[6..10], cell => Assert.Matches(@"^\d+\.\d\d$", cell));   // host time: present, not compared
            Assert.Equal("-", cells[10]);   // one sample: no confidence interval
            return string.Join(",", cells[..6]) + "|" + string.Join(",", cells[11..]);
        });
        Assert.Equal(ExpectedRows, rows);
    }

    [Fact]
    public void TableAndMarkdownHaveTheSameColumnsAsCsv()
    {
        var table = CompareNullCall("--format", "table");
        Assert.Equal(0, table.ExitCode);
        var lines = table.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.Equal(["guest", "layout", "stop", "instructions", "cycles", "×", "cycles", "host", "ms", "min", "max", "×", "host", "×", "host", "95%", "CI", "exits",
                      "exits/1k", "instr", "PT", "switches", "TLB", "flushes", "TLB", "misses", "exits", "by", "cause", "exit", "cycles", "by", "cause"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^nullcall +ring3 +exit 0 +1820 +34789 +9\.640 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +- +63 +34\.62 +12 +14 +38 +mtcr=12 out=29 iret=6 syscall=6 shadowFill=10 pageTableSwitch=12 tlbFlush=1 shadowCacheMiss=1 +mtcr=5400 out=13050 iret=2700 syscall=2700 shadowFill=6000$", lines[5]);

        var markdown = CompareNullCall("--format", "markdown");
        var parts = markdown.Stdout.Split("\n\n");
        Assert.Equal(2, parts.Length);
        var summary = parts[0].Split('\n');
        Assert.Equal(3, summary.Length);
        Assert.Equal("| guest | instructions | native cycles | native host ms | ring012 × cycles | ring013 × cycles | ring3 × cycles | " +
                     "ring012 × host | ring013 × host | ring3 × host | ring012 exits/1k | ring013 exits/1k | ring3 exits/1k |", summary[0]);
        Assert.Matches(@"^\| nullcall \| 1820 \| 3609 \| [\d.]+ \| 7\.52 \| 7\.52 \| 9\.64 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 26\.92 \| 26\.92 \| 34\.62 \|$", summary[2]);
        var rows = parts[1].TrimEnd('\n').Split('\n');
        Assert.Equal(6, rows.Length);
        Assert.All(rows, row => Assert.Equal(18, row.Count(c => c == '|')));
        Assert.Matches(@"^\| -+ \| -+ \| -+ \| -+: \|", rows[1]);
        Assert.Matches(@"^\| nullcall \| native  \| exit 0 \| +1820 \| +3609 \| +1\.000 \|", rows[2]);
        Assert.EndsWith("| mtcr=5400 out=13050 iret=2700 syscall=2700 shadowFill=6000 |", rows[5]);   // cycles per exit cause
    }

    [Fact]
    public void JsonHasEveryRunWithItsCountersAndAgreement()
    {
        string output = cli.PathOf("report.json");
        var run = CompareNullCall("--format", "json", "-o", output);
        Assert.Equal((0, "", ""), (run.ExitCode, run.Stdout, run.Stderr));
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        var root = json.RootElement;
        Assert.Equal(["native", "ring012", "ring013", "ring3"], root.GetProperty("layouts").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("layoutsAgree").GetBoolean());
        Assert.Equal(0, root.GetProperty("disagreements").GetArrayLength());
        var guest = Assert.Single(root.GetProperty("guests").EnumerateArray());
        Assert.Equal(("nullcall", "native"), (guest.GetProperty("guest").GetString(), guest.GetProperty("baseline").GetString()));
        var ring3 = guest.GetProperty("runs")[3];
        Assert.Equal("ring3", ring3.GetProperty("layout").GetString());
        Assert.Equal(("PowerOff", 0u, 1820ul, 34789ul), (ring3.GetProperty("stopReason").GetString(), ring3.GetProperty("exitStatus").GetUInt32(),
            ring3.GetProperty("instructions").GetUInt64(), ring3.GetProperty("cycles").GetUInt64()));
        Assert.Equal(Math.Round(34789.0 / 3609, 6), ring3.GetProperty("cycleSlowdown").GetDouble());
        Assert.Equal((63, 12, 14ul, 38ul), (ring3.GetProperty("exits").GetInt64(), ring3.GetProperty("pageTableSwitches").GetInt64(),
            ring3.GetProperty("tlbFlushes").GetUInt64(), ring3.GetProperty("tlbMisses").GetUInt64()));
        Assert.Equal(Math.Round(63 * 1000.0 / 1820, 6), ring3.GetProperty("exitsPer1000Instructions").GetDouble());
        Assert.Equal("mtcr=12 out=29 iret=6 syscall=6 shadowFill=10 pageTableSwitch=12 tlbFlush=1 shadowCacheMiss=1",
            string.Join(" ", ring3.GetProperty("exitsByCause").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt64()}")));
        var host = ring3.GetProperty("hostSeconds");
        Assert.Equal(1, host.GetProperty("samples").GetArrayLength());
        Assert.True(host.GetProperty("min").GetDouble() <= host.GetProperty("median").GetDouble());
        Assert.Empty(guest.GetProperty("runs")[0].GetProperty("exitsByCause").EnumerateObject());
        Assert.Empty(guest.GetProperty("runs")[0].GetProperty("exitCyclesByCause").EnumerateObject());

        // the cycles per exit cause are the same as a solo run's --stats-json reports for them
        string stats = cli.PathOf("ring3.json");
        var solo = cli.Run("run", NullCall, "-D", "N=2", "--layout", "ring3", "--stats-json", stats);
        Assert.Equal(0, solo.ExitCode);
        using var soloJson = JsonDocument.Parse(File.ReadAllText(stats));
        static string Cycles(JsonElement e) => string.Join(" ", e.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetUInt64()}"));
        string compared = Cycles(ring3.GetProperty("exitCyclesByCause"));
        Assert.Equal(Cycles(soloJson.RootElement.GetProperty("exitCycles")), compared);
        Assert.StartsWith("mtcr=", compared);
    }

    [Fact]
    public void RepeatGivesOneHostSamplePerTimedRunAndMedianBetweenMinAndMax()
    {
        var run = CompareNullCall("--format", "json", "--repeat", "3", "--warmup", "1", "--layouts", "native,ring012");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        foreach (var layoutRun in json.RootElement.GetProperty("guests")[0].GetProperty("runs").EnumerateArray())
        {
            var host = layoutRun.GetProperty("hostSeconds");
            var samples = host.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
            Assert.Equal(3, samples.Length);
            Assert.Equal((samples[0], samples[1], samples[2]), (host.GetProperty("min").GetDouble(), host.GetProperty("median").GetDouble(), host.GetProperty("max").GetDouble()));
        }
    }

    /// <summary>The chart model of a run: one series per layout in the order given, one value
    /// per guest, the slowdowns on a log scale; the SVG written by --plot names them all.</summary>
    [Fact]
    public void TheChartHasOneBarPerGuestAndLayoutAndTheSvgNamesThem()
    {
        string compute = CompareTestGuests.BenchPath("compute");
        string plot = cli.PathOf("chart.svg");
        var run = cli.Run("compare", NullCall, compute, "-D", "N=3", "--repeat", "1", "--warmup", "0", "--layouts", "native,ring013,ring3", "--plot", plot);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var texts = SvgTexts(plot);
        foreach (string text in new[] { "Modelled cycles relative to native, per guest and layout", "slowdown vs native (modelled cycles, log scale)",
                                        "guest (benchmark)", "nullcall", "compute", "native", "ring013", "ring3", "1×" })
            Assert.Contains(text, texts);
        Assert.Empty(Directory.GetFiles(cli.Folder, "*.tmp-*"));

        var chart = ComparePlot.Chart(new ExperimentResult([Layouts.Native, Layouts.Ring013, Layouts.Ring3],
            [CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", 3), Layouts.Native, Layouts.Ring013, Layouts.Ring3)], []));
        Assert.Equal(["nullcall"], chart.Categories);
        Assert.Equal(["native", "ring013", "ring3"], chart.Series.Select(s => s.Name));
        Assert.Equal(R4.Cli.Charts.ValueScale.Log, chart.Scale);
        Assert.Equal(1.0, chart.Series[0].Values[0]);
        // ring3 is the slowest layout on the null call, so its bar is the tallest
        Assert.True(chart.Series[2].Values[0] > chart.Series[1].Values[0] && chart.Series[1].Values[0] >= chart.Series[0].Values[0]);
        Assert.Equal(["#7f7f7f", "#2ca02c", "#d62728"], chart.Series.Select(s => s.Colour));
    }

    /// <summary>`--plot FILE.png` draws the chart in-process: a real PNG of the chart's size,
    /// with more than the background in it.</summary>
    [Fact]
    public void PngIsDrawnInProcess()
    {
        string plot = cli.PathOf("chart.png");
        var run = CompareNullCall("--plot", plot, "--format", "csv", "--plot-metric", "exits");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var png = R4.Tests.Charts.PngFacts.Read(File.ReadAllBytes(plot));
        Assert.True(png.Width >= 640 && png.Height == 480, $"{png.Width}x{png.Height}");
        Assert.True(png.DistinctColours > 8, $"{png.DistinctColours} colours");
    }

    private static List<string> SvgTexts(string path) =>
        XDocument.Load(path).Descendants((XNamespace)"http://www.w3.org/2000/svg" + "text").Select(t => t.Value.Trim()).ToList();

    /// <summary>Without native among the layouts, slowdowns are relative to the first layout,
    /// and the chart, the table and the Markdown summary all say so.</summary>
    [Fact]
    public void WithoutNativeEverythingIsRelativeToTheFirstLayout()
    {
        string plot = cli.PathOf("chart.svg");
        var run = CompareNullCall("--layouts", "ring012,ring3", "--format", "markdown", "--plot", plot);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var texts = SvgTexts(plot);
        Assert.Contains("Modelled cycles relative to ring012, per guest and layout", texts);
        Assert.Contains("slowdown vs ring012 (modelled cycles, log scale)", texts);
        Assert.StartsWith("| guest | instructions | ring012 cycles | ring012 host ms | ring3 × cycles | ring3 × host | ring3 exits/1k |\n", run.Stdout);
        Assert.Contains("| nullcall | 1820 | 27149 |", run.Stdout);
        Assert.Contains(" 1.281 ", run.Stdout);   // ring3: 34789 / 27149 cycles
    }

    [Fact]
    public void ProgressNamesEachRunOnItsOwnLineWhenNotATerminal()
    {
        var run = cli.Run("compare", NullCall, "-D", "N=2", "--repeat", "2", "--warmup", "0", "--layouts", "native,ring3", "--progress", "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "r4 compare: run 1/4: nullcall under native\nr4 compare: run 2/4: nullcall under ring3\n" +
            "r4 compare: run 3/4: nullcall under native\nr4 compare: run 4/4: nullcall under ring3\n", run.Stderr);
        Assert.StartsWith("guest,layout,", run.Stdout);
    }

    /// <summary>A chart of one guest is still wide enough for its longest title: the title's
    /// text starts and ends inside the picture.</summary>
    [Theory]
    [InlineData(PlotMetric.Cycles)]
    [InlineData(PlotMetric.Host)]
    [InlineData(PlotMetric.Exits)]
    public void AOneGuestChartFitsItsTitle(PlotMetric metric)
    {
        var result = new ExperimentResult(Layouts.All, [CompareTestGuests.Compare(CompareTestGuests.Bench("nullcall", 2))], []);
        var chart = ComparePlot.Chart(result, metric);
        var svg = XDocument.Parse(R4.Cli.Charts.ChartRenderer.Svg(chart));
        XNamespace ns = "http://www.w3.org/2000/svg";
        double width = double.Parse(svg.Root!.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        var title = svg.Descendants(ns + "text").First(t => t.Value.Trim() == chart.Title);
        var (left, right) = R4.Tests.Charts.ChartRendererTests.HorizontalExtent(title);
        Assert.True(left >= 0 && right <= width, $"\"{chart.Title}\" spans {left}..{right} of {width} px");
    }

    // ------------------------------------------------------------------ errors

    [Theory]
    [InlineData(64, "--layouts native,ring9", "r4 compare: --layouts native,ring9: 'ring9' is not a layout; give some of native,ring012,ring013,ring3,bt,hw\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--layouts native,native", "r4 compare: --layouts native,native: 'native' is given twice\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--repeat 0", "r4 compare: --repeat 0: give at least 1\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--warmup -1", "r4 compare: --warmup -1: give 0 or more\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--max-instructions 0", "r4 compare: --max-instructions 0: give at least 1 (a run of no instructions has nothing to compare)\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--format xml", "r4 compare: --format xml: give table, markdown, csv or json\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--plot chart.gif", "r4 compare: --plot chart.gif: give a file ending in .svg or .png\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--plot-metric speed", "r4 compare: --plot-metric speed: give cycles, host or exits\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--mem 5", "r4 compare: --mem 5: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "-D 9=1", "r4 compare: -D 9=1: '9' is not a symbol name\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(66, "--costs missing.json", "r4: cannot read 'missing.json': no such file")]
    [InlineData(64, "--repeat abc", "r4 compare: --repeat abc: give a whole number (decimal digits)\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--repeat=2.5", "r4 compare: --repeat 2.5: give a whole number (decimal digits)\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--max-instructions -5", "r4 compare: --max-instructions -5: give a whole number, 0 or more (decimal digits)\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "--repaet 3", "r4 compare: --repaet: unknown option\nr4 compare: see 'r4 compare --help' for its options and examples")]
    [InlineData(64, "-o same.svg --plot same.svg", "r4 compare: --output and --plot both name 'same.svg': give two files\nr4 compare: see 'r4 compare --help' for its options and examples")]
    public void BadArgumentsGetOneLineErrorsAndTheDocumentedExitCode(int exitCode, string arguments, string message)
    {
        var run = cli.Run(["compare", NullCall, .. arguments.Split(' ')]);
        Assert.Equal((exitCode, "", message + "\n"), (run.ExitCode, run.Stdout, run.Stderr));
    }

    [Fact]
    public void MissingGuestFileIsCannotOpen()
    {
        string missing = cli.PathOf("nope.asm");
        var run = cli.Run("compare", missing);
        Assert.Equal((66, $"r4: cannot read '{missing}': no such file\n"), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void AGuestThatIsADirectoryIsCannotOpen()
    {
        var run = cli.Run("compare", cli.Folder);
        Assert.Equal((66, $"r4: cannot read '{cli.Folder}': it is a directory\n"), (run.ExitCode, run.Stderr));
    }

    /// <summary>An output or plot path that cannot be written is found before the experiment
    /// runs: one line naming the path and why, nothing on stdout, no file and no temporary left.</summary>
    [Theory]
    [InlineData("-o", "no-such-folder/report.csv", "no such directory '{folder}/no-such-folder'")]
    [InlineData("--plot", "no-such-folder/chart.svg", "no such directory '{folder}/no-such-folder'")]
    [InlineData("-o", "", "it is a directory")]
    [InlineData("--plot", "sub.svg", "it is a directory")]
    public void AnUnwritableOutputOrPlotIsFoundBeforeAnythingRuns(string option, string relative, string reason)
    {
        Directory.CreateDirectory(cli.PathOf("sub.svg"));
        string path = relative.Length == 0 ? cli.Folder : cli.PathOf(relative);
        var progress = cli.Run(["compare", NullCall, "-D", "N=2", "--repeat", "1", "--progress", option, path]);
        Assert.Equal(73, progress.ExitCode);
        Assert.Equal("", progress.Stdout);
        Assert.Equal($"r4: cannot write '{path}': {reason.Replace("{folder}", cli.Folder)}\n", progress.Stderr);   // no "run 1/8" line: nothing ran
        Assert.Equal(["sub.svg"], Directory.GetFileSystemEntries(cli.Folder).Select(Path.GetFileName));
    }

    [Fact]
    public void AssemblyErrorsAreBadInputAndNothingIsWritten()
    {
        string source = cli.Write("bad.asm", ".org 0x1000\n  frob r1\n");
        string plot = cli.PathOf("chart.svg");
        var run = cli.Run("compare", source, "--plot", plot, "-o", cli.PathOf("out.csv"));
        Assert.Equal(65, run.ExitCode);
        Assert.EndsWith($"r4: {source}: 1 error, nothing written\n", run.Stderr);
        Assert.Equal(["bad.asm"], Directory.GetFiles(cli.Folder).Select(Path.GetFileName));
    }

    [Fact]
    public void NoGuestIsAUsageError()
    {
        var run = cli.Run("compare", "--repeat", "1");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("guest", run.Stderr);
    }

    [Fact]
    public void AnUnwritableOutputIsCannotWriteAndLeavesNothing()
    {
        string output = Path.Combine(cli.Folder, "no-such-folder", "report.csv");
        var run = CompareNullCall("-o", output);
        Assert.Equal(73, run.ExitCode);
        Assert.StartsWith($"r4: cannot write '{output}': ", run.Stderr);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(Path.GetDirectoryName(output)));
    }
}
