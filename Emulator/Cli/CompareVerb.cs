// `r4 compare`: the layout comparison experiment (README "Results"). Runs every guest under every
// chosen layout, checks that the layouts agree (spec §9.2), and reports per guest × layout
// what each layout costs: modelled cycles, host time, monitor exits by cause, page-table
// switches and TLB flushes. Exit status 0 when all layouts agree, 1 when any disagree.
using System.Globalization;
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

    [Option("layouts", HelpText = "Comma-separated layouts to compare (default native,ring012,ring013,ring3); slowdowns are relative to native (else to the first). With --type1: guest i's layout is the (i mod count)-th (default ring012).")]
    public string? LayoutList { get; set; }

    /// <summary>What --layouts means when it is not given.</summary>
    public const string DefaultLayouts = "native,ring012,ring013,ring3";

    [Option("type1", HelpText = "The Type 1 experiment (docs/host.md): the guests given are a mix run together on one machine at N = 1, 2, 4, ..., 64 guests (guest i is mix member i mod k); reports throughput per guest, the monitor's share, cycles per world switch, efficiency against solo runs.")]
    public bool Type1 { get; set; }

    [Option("guests", HelpText = "With --type1: the guest counts, comma-separated (default 1,2,4,8,16,32,64).")]
    public string? GuestCounts { get; set; }

    [Option("type1-vs-type2", HelpText = "The lecture's Type 1 vs Type 2 table, measured (docs/hosted.md): each guest natively, together on a Type 1 host and as a hosted VM; how many guests fit in --machine-mem; a live migration, under each, of the guest that commits the most memory; a chart with --plot.")]
    public bool TypesTable { get; set; }

    [Option("machine-mem", HelpText = "With --type1-vs-type2: the machine RAM the guests (of --mem each) must fit in (default 2G).")]
    public string? MachineMemory { get; set; }

    [Option("host-os-mem", HelpText = "With --type1-vs-type2: the host OS's share of a Type 2 machine's RAM (default 1G, Debian's minimum for a desktop; docs/hosted.md).")]
    public string? HostOsMemory { get; set; }

    [Option("slice", HelpText = "With --type1: a guest's time slice in its own retired instructions (default 100000; r4 host --slice).")]
    public ulong? Slice { get; set; }

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

    [Option("direct-syscalls", HelpText = "Monitor knob: on|off, system calls enter the guest kernel through direct gates in hardware, or each through the monitor (lguest's and Xen's trap-table fast path; ring012/ring013/bt; default on).")]
    public string? DirectSyscalls { get; set; }

    [Option("page-protection", HelpText = MonitorKnobs.PageProtectionHelp)]
    public string? PageProtection { get; set; }

    [Option("allow-unsafe-protection", HelpText = MonitorKnobs.AllowUnsafeProtectionHelp)]
    public bool AllowUnsafeProtection { get; set; }

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

    [Option("hosted", HelpText = "Run every guest hosted (Type 2, docs/hosted.md): device exits go through a world switch to the user-level part and its host calls, costed in cycles.")]
    public bool Hosted { get; set; }

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
        HelpExample.Of("Type 1: the teaching kernel and compute shared among 1 to 64 guests, with a chart (docs/host.md)",
            new CompareVerb { Guests = ["Guests/kernels/teach/kernel.asm", "Guests/examples/compute.asm"], Type1 = true, GuestCounts = "1,2,4,8,16,32,64", Plot = "type1.svg" }),
        HelpExample.Of("The lecture's Type 1 vs Type 2 table, measured: CPU-, syscall- and disk-bound guests (log.img: 16 zeroed sectors), fit, migration (docs/hosted.md)",
            new CompareVerb { Guests = ["Guests/bench/compute.asm", "Guests/bench/nullcall.asm", "Guests/kernels/teach/disklog.asm"], TypesTable = true, Disk = "log.img", Plot = "types.svg" }),
    ];

    /// <summary>Exit status when at least one layout showed a guest a different machine.</summary>
    public const int LayoutsDisagree = 1;

    public int Execute(TextWriter output, TextWriter error)
    {
        if (!Type1 && GuestCounts is not null)
            throw new UserError($"--guests {GuestCounts}: only with --type1 (the Type 1 experiment)", ExitCodes.Usage);
        if (!Type1 && Slice is not null)
            throw new UserError($"--slice {Slice}: only with --type1 (the Type 1 experiment)", ExitCodes.Usage);
        if (Type1 && TypesTable)
            throw new UserError("--type1 and --type1-vs-type2: give one experiment", ExitCodes.Usage);
        if (!TypesTable && MachineMemory is not null)
            throw new UserError($"--machine-mem {MachineMemory}: only with --type1-vs-type2", ExitCodes.Usage);
        if (!TypesTable && HostOsMemory is not null)
            throw new UserError($"--host-os-mem {HostOsMemory}: only with --type1-vs-type2", ExitCodes.Usage);
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
        if (Type1)
            return ExecuteType1(output, error, guests, settings, format);
        if (TypesTable)
            return ExecuteTypes(output, error, guests, settings, format);
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

    /// <summary>`--type1`: the mix at each guest count on one machine (Type1Experiment). Exit 1
    /// when a guest's run beside others differs from its solo run.</summary>
    private int ExecuteType1(TextWriter output, TextWriter error, List<ExperimentGuest> mix, ExperimentSettings settings, CompareFormat format)
    {
        foreach (var layout in settings.Layouts)
            if (!layout.Monitored)
                throw new UserError($"--layouts {LayoutList}: '{layout.Name}' cannot run under the Type 1 host (every guest runs under the monitor); give some of {string.Join(",", Layouts.Known.Where(l => l.Monitored).Select(l => l.Name))}", ExitCodes.Usage);
        var counts = Type1Experiment.DefaultGuestCounts;
        if (GuestCounts is not null)
        {
            var parsed = GuestCounts.Split(',', StringSplitOptions.TrimEntries).Select(text =>
                int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 256 ? n
                : throw new UserError($"--guests {GuestCounts}: '{text}' is not a guest count; give whole numbers from 1 to 256, e.g. 1,2,4,8", ExitCodes.Usage)).ToList();
            counts = parsed;
        }
        if (Slice == 0) throw new UserError("--slice 0: give at least 1 instruction", ExitCodes.Usage);
        var result = Type1Experiment.Run(new Type1Settings
        {
            Mix = mix,
            Layouts = settings.Layouts,
            GuestCounts = counts,
            SliceInstructions = Slice ?? R4.Host.HostOptions.DefaultSliceInstructions,
            Run = settings,
        });
        ClearProgress(error, settings);
        return WriteExperiment(output, error, Type1Experiment.Format(result, format), () => Type1Experiment.Chart(result), result.Disagreements);
    }

    /// <summary>An experiment's report (to -o or standard output) and chart (--plot), written
    /// together; its disagreements on stderr; exit 1 when there are any.</summary>
    private int WriteExperiment(TextWriter output, TextWriter error, string report, Func<Charts.Chart> chart, IReadOnlyList<string> disagreements)
    {
        var files = new List<(string Path, byte[] Bytes)>();
        if (Output is null) output.Write(report);
        else files.Add((Output, System.Text.Encoding.UTF8.GetBytes(report)));
        if (Plot is not null) files.Add((Plot, Charts.ChartRenderer.Render(Plot, chart())));
        OutputFile.WriteAll(output, [.. files]);
        foreach (string disagreement in disagreements)
            error.WriteLine($"r4: {disagreement}");
        return disagreements.Count == 0 ? ExitCodes.Success : LayoutsDisagree;
    }

    /// <summary>`--type1-vs-type2`: the lecture's table, measured (TypesExperiment). Exit 1 when a
    /// guest on the Type 1 host or hosted differs from its native run.</summary>
    private int ExecuteTypes(TextWriter output, TextWriter error, List<ExperimentGuest> guests, ExperimentSettings settings, CompareFormat format)
    {
        if (settings.Layouts.Count != 1 || !settings.Layouts[0].Monitored)
            throw new UserError($"--layouts {LayoutList}: --type1-vs-type2 runs under one monitored layout; give one of {string.Join(",", Layouts.Known.Where(l => l.Monitored).Select(l => l.Name))}", ExitCodes.Usage);
        ulong Size(string? text, string option, ulong fallback) =>
            text is null ? fallback
            : GuestLoader.TryParseSize(text, out ulong bytes) && bytes % 4096 == 0 && bytes > 0 && bytes <= 1UL << 40 ? bytes
            : throw new UserError($"{option} {text}: give a size that is a multiple of 4 KiB (e.g. 2G)", ExitCodes.Usage);
        var result = TypesExperiment.Run(new TypesSettings
        {
            Guests = guests,
            Layout = settings.Layouts[0],
            MachineRamBytes = Size(MachineMemory, "--machine-mem", TypesSettings.DefaultMachineRamBytes),
            HostOsBytes = HostOsMemory is "0" ? 0 : Size(HostOsMemory, "--host-os-mem", TypesSettings.DefaultHostOsBytes),
            Run = settings,
        });
        ClearProgress(error, settings);
        return WriteExperiment(output, error, TypesExperiment.Format(result, format), () => TypesExperiment.Chart(result), result.Disagreements);
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
        string layoutList = LayoutList ?? (Type1 || TypesTable ? "ring012" : DefaultLayouts);
        foreach (string name in layoutList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Layouts.TryParse(name, out var layout))
                throw new UserError($"--layouts {layoutList}: '{name}' is not a layout; give some of {Layouts.Names.Replace('|', ',')}", ExitCodes.Usage);
            if (layouts.Any(l => l.Name == layout.Name) && !Type1)
                throw new UserError($"--layouts {layoutList}: '{name}' is given twice", ExitCodes.Usage);
            layouts.Add(new MonitorKnobs(ShadowCache, ShadowSync, PtbrTargets, DirectSyscalls, PageProtection, AllowUnsafeProtection).Apply(layout));
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
            Hosted = Hosted,
            DiskCopyName = TypesTable ? "types" : "compare",
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
