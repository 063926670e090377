// `r4 compare`: the layout comparison experiment (README "Results"). Runs every guest under every
// chosen layout, checks that the layouts agree (spec §9.2), and reports per guest × layout
// what each layout costs: modelled cycles, host time, monitor exits by cause, page-table
// switches and TLB flushes. Exit status 0 when all layouts agree, 1 when any disagree.
using CommandLine;
using CommandLine.Text;
using R4.Cli.Compare;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

[Verb("compare", HelpText = "Run guests under several layouts of the monitor, check they agree, and compare their costs.")]
public sealed class CompareVerb : IDefinesSymbols
{
    [Value(0, MetaName = "guest", Min = 1, HelpText = "The guests: assembly sources, ELF images or flat binaries.")]
    public IEnumerable<string> Guests { get; set; } = [];

    [Option("layouts", Default = "native,ring012,ring013,ring3", HelpText = "Comma-separated layouts to compare; slowdowns are relative to native (else to the first).")]
    public string LayoutList { get; set; } = "native,ring012,ring013,ring3";

    [Option("repeat", Default = 3, HelpText = "Timed runs per guest and layout; host time is their median (with min and max).")]
    public int Repeat { get; set; } = 3;

    [Option("warmup", Default = 1, HelpText = "Untimed runs per guest and layout before the timed ones.")]
    public int Warmup { get; set; } = 1;

    [Option("format", Default = "table", HelpText = "Report format: table|markdown|csv|json.")]
    public string Format { get; set; } = "table";

    [Option('o', "output", HelpText = "Write the report to this file instead of standard output.")]
    public string? Output { get; set; }

    [Option("plot", HelpText = "Also draw a grouped bar chart: FILE.svg or FILE.png.")]
    public string? Plot { get; set; }

    [Option("plot-metric", Default = "cycles", HelpText = "What the chart shows: cycles (slowdown in modelled cycles), host (slowdown in host time) or exits (per 1000 instructions).")]
    public string PlotMetricName { get; set; } = "cycles";

    [Option("shadow-cache", HelpText = "Monitor knob: address spaces whose shadow page tables are kept (default 4; 1 = rebuild after every ptbr write to another space). See docs/monitor.md.")]
    public int? ShadowCache { get; set; }

    [Option("shadow-sync", HelpText = "Monitor knob: invlpg (shadows follow the guest's invlpg/tlbflush/ptbr writes, no cache) or write-protect (guest page tables write-protected, each edit traps; the default).")]
    public string? ShadowSync { get; set; }

    [Option("ptbr-targets", HelpText = "Monitor knob: on|off, the CPU completes the guest kernel's ptbr writes to cached spaces without an exit (VT-x CR3-target list; ring012/ring013; default on).")]
    public string? PtbrTargets { get; set; }

    [Option("machine", Default = "r4", HelpText = "The machine: r4 (as specified) or x86-flaw (an iret at ring > 0 that would change IE leaves it alone instead of #GP, like x86 popf; spec §11.5).")]
    public string Machine { get; set; } = "r4";

    [Option('D', "define", HelpText = "Define a symbol for every assembly-source guest: -D NAME=VALUE. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Option("max-instructions", HelpText = "Stop each run after this many retired instructions.")]
    public ulong? MaxInstructions { get; set; }

    [Option("mem", Default = "16M", HelpText = "Guest RAM size, e.g. 16M.")]
    public string Memory { get; set; } = "16M";

    [Option("costs", HelpText = "JSON file overriding entries of the cycle cost table (see docs/costs.md).")]
    public string? Costs { get; set; }

    [Option("input", HelpText = "Console input for every run: each run reads the same bytes from this file (default: none).")]
    public string? Input { get; set; }

    [Option("disk", HelpText = "Disk image for every run: each run gets a fresh copy, so no run sees another's writes and the file itself is never written.")]
    public string? Disk { get; set; }

    [Option("progress", HelpText = "Show progress on stderr even when it is not a terminal.")]
    public bool Progress { get; set; }

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Compare the null system call under every layout", new CompareVerb { Guests = ["Guests/bench/nullcall.asm"], Defines = ["N=10000"] }),
        HelpExample.Of("Two microbenchmarks, 5 timed runs, a Markdown table and a chart",
            new CompareVerb { Guests = ["Guests/bench/nullcall.asm", "Guests/bench/compute.asm"], Repeat = 5, Format = "markdown", Plot = "results.svg" }),
        HelpExample.Of("Trap-and-emulate, binary translation and hardware assist side by side (docs/techniques.md)",
            new CompareVerb { Guests = ["Guests/bench/nullcall.asm", "Guests/bench/portio.asm"], LayoutList = "native,ring012,ring3,bt,hw", Defines = ["N=10000"] }),
        HelpExample.Of("The monitor's host-time overhead on pure computation", new CompareVerb { Guests = ["Guests/bench/compute.asm"], LayoutList = "native,ring012", Repeat = 5 }),
    ];

    /// <summary>Exit status when at least one layout showed a guest a different machine.</summary>
    public const int LayoutsDisagree = 1;

    public int Execute(TextWriter output, TextWriter error)
    {
        var settings = ParseSettings(error);
        var format = ParseFormat(Format);
        var metric = ParseMetric(PlotMetricName);
        if (Plot is not null && !Charts.ChartRenderer.IsChartPath(Plot))
            throw new UserError($"--plot {Plot}: give a file ending in .svg or .png", ExitCodes.Usage);

        // Everything that can be checked before the (possibly long) experiment is checked now.
        if (Output is not null && Plot is not null && Path.GetFullPath(Output) == Path.GetFullPath(Plot))
            throw new UserError($"--output and --plot both name '{Plot}': give two files", ExitCodes.Usage);
        if (Output is not null) GuestLoader.RequireWritablePath(Output);
        if (Plot is not null) GuestLoader.RequireWritablePath(Plot);
        var guests = LoadGuests(error);
        var result = LayoutExperiment.Run(guests, settings);
        ClearProgress(error, settings);

        // Both made in memory before either is written: a chart that cannot be made leaves no report behind.
        // colour only for a person: the text table on a terminal, never with NO_COLOR
        string report = CompareReport.Format(result, format, colour: Output is null && format == CompareFormat.Table && Terminal.ColourAllowed(output));
        byte[]? chart = Plot is null ? null : ComparePlot.Render(Plot, result, metric);
        var files = new List<(string Path, byte[] Bytes)>();
        if (Output is null)
            output.Write(report);
        else
            files.Add((Output, System.Text.Encoding.UTF8.GetBytes(report)));
        if (chart is not null)
            files.Add((Plot!, chart));
        OutputFile.WriteAll(output, [.. files]);

        foreach (var disagreement in result.Disagreements)
            error.WriteLine($"r4: {disagreement}");
        return result.LayoutsAgree ? ExitCodes.Success : LayoutsDisagree;
    }

    private ExperimentSettings ParseSettings(TextWriter error)
    {
        if (Repeat < 1)
            throw new UserError($"--repeat {Repeat}: give at least 1", ExitCodes.Usage);
        if (MaxInstructions == 0)
            throw new UserError("--max-instructions 0: give at least 1 (a run of no instructions has nothing to compare)", ExitCodes.Usage);
        if (Warmup < 0)
            throw new UserError($"--warmup {Warmup}: give 0 or more", ExitCodes.Usage);
        if (!GuestLoader.TryParseSize(Memory, out ulong memoryBytes) || memoryBytes % 4096 != 0 || memoryBytes > 1UL << 31)
            throw new UserError($"--mem {Memory}: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)", ExitCodes.Usage);
        var layouts = new List<Layout>();
        foreach (string name in LayoutList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Layouts.TryParse(name, out var layout))
                throw new UserError($"--layouts {LayoutList}: '{name}' is not a layout; give some of {Layouts.Names.Replace('|', ',')}", ExitCodes.Usage);
            if (layouts.Any(l => l.Name == layout.Name))
                throw new UserError($"--layouts {LayoutList}: '{name}' is given twice", ExitCodes.Usage);
            layouts.Add(new MonitorKnobs(ShadowCache, ShadowSync, PtbrTargets).Apply(layout));
        }
        if (layouts.Count == 0)
            throw new UserError($"--layouts '{LayoutList}': give at least one of {Layouts.Names.Replace('|', ',')}", ExitCodes.Usage);
        var variant = RunVerb.ParseMachine(Machine);
        foreach (var layout in layouts)
            if (VirtualMachineMonitor.FlawWarning(layout, variant) is { } warning)
                error.WriteLine($"r4 compare: warning: {warning}");
        var costs = CostTable.Default;
        if (Costs is not null)
        {
            if (!File.Exists(Costs))
                throw new UserError($"cannot read '{Costs}': no such file", ExitCodes.CannotOpen);
            try { costs = CostTable.LoadJson(Costs); }
            catch (CostTableException e) { throw new UserError(e.Message, ExitCodes.BadInput); }
        }
        // A terminal gets a progress bar redrawn in place; anything else (--progress into a file
        // or a pipe, a test's writer) gets one line per run, and nothing without --progress.
        bool terminal = Terminal.IsTerminal(error);
        bool showProgress = Progress || terminal;
        if (Disk is not null)
            GuestLoader.RequireReadableFile(Disk, "disk image");
        return new ExperimentSettings
        {
            Layouts = layouts,
            Repeat = Repeat,
            Warmup = Warmup,
            MaxInstructions = MaxInstructions ?? ulong.MaxValue,
            MemoryBytes = (uint)memoryBytes,
            Costs = costs,
            Variant = variant,
            ConsoleInput = Input is null ? [] : GuestLoader.ReadAll(Input),
            DiskImage = Disk is null ? null : GuestLoader.ReadAll(Disk),
            Progress = showProgress ? ProgressWriter(error, interactive: terminal) : null,
        };
    }

    private static Action<int, int, string, string> ProgressWriter(TextWriter error, bool interactive) => (done, total, guest, layout) =>
    {
        if (done == total) return;
        if (interactive)
        {
            int width = Terminal.Width;
            error.Write("\r" + Terminal.ProgressLine("r4 compare", done, total, $"run {done + 1}: {guest} under {layout}", width).PadRight(width - 1));
        }
        else
            error.WriteLine($"r4 compare: run {done + 1}/{total}: {guest} under {layout}");
        error.Flush();
    };

    private static void ClearProgress(TextWriter error, ExperimentSettings settings)
    {
        if (settings.Progress is not null && Terminal.IsTerminal(error))
            error.Write("\r" + new string(' ', Terminal.Width - 1) + "\r");
    }

    private List<ExperimentGuest> LoadGuests(TextWriter error)
    {
        var paths = Guests.ToList();
        if (paths.Count == 0)
            throw new UserError("give at least one guest (r4 compare GUEST...)", ExitCodes.Usage);
        var names = paths.Select(p => Path.GetFileNameWithoutExtension(p)).ToList();
        var guests = new List<ExperimentGuest>();
        for (int i = 0; i < paths.Count; i++)
        {
            // Two guests with one file name (a/x.asm, b/x.asm) are told apart by their paths.
            string name = names.Count(n => n == names[i]) > 1 ? paths[i] : names[i];
            bool hasDefines = Defines.Any() && GuestLoader.IsAssemblySource(paths[i]);
            guests.Add(new ExperimentGuest(name, GuestLoader.Load(paths[i], hasDefines ? Defines : [], error)));
        }
        return guests;
    }

    private static CompareFormat ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "table" => CompareFormat.Table,
        "markdown" or "md" => CompareFormat.Markdown,
        "csv" => CompareFormat.Csv,
        "json" => CompareFormat.Json,
        _ => throw new UserError($"--format {text}: give table, markdown, csv or json", ExitCodes.Usage),
    };

    private static PlotMetric ParseMetric(string text) => text.ToLowerInvariant() switch
    {
        "cycles" => PlotMetric.Cycles,
        "host" => PlotMetric.Host,
        "exits" => PlotMetric.Exits,
        _ => throw new UserError($"--plot-metric {text}: give cycles, host or exits", ExitCodes.Usage),
    };
}
