// `r4 host`: several guests together on one Type 1 machine (spec §11.1, docs/host.md). The
// guests come from the command line (each with the same options, or per-guest lists) or from
// a machine description file (--machine). Everything is checked before anything runs: the
// options, the outputs, the images, and whether the partitions fit machine RAM and the disk
// windows the machine disk. Guest i's console goes to DIR/i.txt (--console-dir, written whole
// at the end) or to the terminal, each line prefixed with "[i] ". The exit code is 0 when every
// guest powered off with status 0, else the `r4 run` exit code of the first guest (in the
// order given) whose code is not 0.
using System.Text;
using System.Text.Json;
using CommandLine;
using CommandLine.Text;
using R4.Host;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

[Verb("host", HelpText = "Run several guests together on one machine under the Type 1 host: RAM and disk divided by space, the CPU by time slices (docs/host.md).")]
public sealed class HostVerb : IDefinesSymbols
{
    [Value(0, MetaName = "guest", HelpText = "The guests, in order (guest 1, 2, ...): assembly sources, ELF images or flat binaries. Or give --machine.")]
    public IEnumerable<string> Guests { get; set; } = [];

    [Option("machine", HelpText = "A machine description file (JSON, docs/host.md; examples in Guests/hosts/) listing the guests and their options.")]
    public string? MachineFile { get; set; }

    [Option("layout", Default = "ring012", HelpText = "Every guest's layout: ring012|ring013|ring3|bt|hw (native runs without a monitor and is refused).")]
    public string Layout { get; set; } = "ring012";

    [Option("shadow-cache", HelpText = "Monitor knob for every guest: address spaces whose shadow page tables are kept (default 4; 1 = none). See docs/monitor.md.")]
    public int? ShadowCache { get; set; }

    [Option("shadow-sync", HelpText = "Monitor knob for every guest: write-protect (the default: guest page tables write-protected, each edit traps) or invlpg (shadows follow invlpg/tlbflush/ptbr writes, no cache).")]
    public string? ShadowSync { get; set; }

    [Option("ptbr-targets", HelpText = "Monitor knob for every guest: on|off, ptbr writes to cached spaces complete without an exit (ring012/ring013; default on).")]
    public string? PtbrTargets { get; set; }

    [Option("page-protection", HelpText = MonitorKnobs.PageProtectionHelp)]
    public string? PageProtection { get; set; }

    [Option("allow-unsafe-protection", HelpText = MonitorKnobs.AllowUnsafeProtectionHelp)]
    public bool AllowUnsafeProtection { get; set; }

    [Option("layouts", HelpText = "One layout per guest, comma-separated (e.g. ring012,ring3,ring013); overrides --layout.")]
    public string? LayoutList { get; set; }

    [Option("mem", Default = "16M", HelpText = "The RAM each guest sees (its partition), e.g. 16M; as `r4 run --mem`.")]
    public string Memory { get; set; } = "16M";

    [Option("machine-mem", HelpText = "Machine RAM (default: exactly what the partitions and the monitor's areas need); a machine too small is refused.")]
    public string? MachineMemory { get; set; }

    [Option("weights", HelpText = "One slice weight per guest, comma-separated (default 1 each): a weight-w guest runs w slices per turn.")]
    public string? Weights { get; set; }

    [Option("slice", HelpText = "A weight-1 guest's time slice, in its own retired instructions (default 100000).")]
    public ulong? Slice { get; set; }

    [Option("disk", HelpText = "The machine disk: an image file whose sectors are divided among the guests (see --sectors).")]
    public string? Disk { get; set; }

    [Option("sectors", HelpText = "With --disk: each guest's disk is this many sectors of the machine disk, guest i from sector (i-1)*N.")]
    public ulong? SectorsPerGuest { get; set; }

    [Option("input", HelpText = "Console input: every guest reads its own copy of this file (default: none; guests never read the terminal).")]
    public string? Input { get; set; }

    [Option("max-instructions", HelpText = "Stop each guest after this many of its own retired instructions (that guest exits 124; the others go on).")]
    public ulong? MaxInstructions { get; set; }

    [Option("costs", HelpText = "JSON file overriding entries of the cycle cost table (see docs/costs.md).")]
    public string? Costs { get; set; }

    [Option("engine", Default = "jit", HelpText = "Execution engine: jit or interp.")]
    public string Engine { get; set; } = "jit";

    [Option("hosted", HelpText = "Type 2 instead: each guest its own hosted VM (docs/hosted.md), on a thread of its own as each VM is a process on a desktop host; the host OS divides the CPU (no --weights, --slice, --disk windows, --machine-mem).")]
    public bool Hosted { get; set; }

    [Option("console-dir", HelpText = "Write guest i's console output to DIR/i.txt (i from 1) instead of the terminal.")]
    public string? ConsoleDir { get; set; }

    [Option("stats", HelpText = "Print a summary per guest and for the machine on stderr.")]
    public bool Stats { get; set; }

    [Option("stats-json", HelpText = "Write the statistics (a \"guests\" list and the machine's totals) as JSON to this file.")]
    public string? StatsJson { get; set; }

    [Option('D', "define", HelpText = "Define a symbol for every assembly-source guest: -D NAME=VALUE. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Three guests on one machine, each console to its own file, statistics as JSON",
            new HostVerb { Guests = ["Guests/kernels/teach/kernel.asm", "Guests/examples/compute.asm", "Guests/examples/hello.asm"], ConsoleDir = "out", StatsJson = "host.json" }),
        HelpExample.Of("Mixed layouts and weights, consoles on the terminal with a [i] prefix",
            new HostVerb { Guests = ["Guests/examples/hello.asm", "Guests/bench/nullcall.asm"], LayoutList = "ring3,ring013", Weights = "1,3", Stats = true }),
        HelpExample.Of("A machine description file", new HostVerb { MachineFile = "Guests/hosts/three.json", ConsoleDir = "out" }),
    ];

    /// <summary>A guest as the host will run it, before its image is loaded.</summary>
    private sealed record PlannedGuest(string Path, uint RamBytes, Layout Layout, int Weight, ulong FirstSector, ulong SectorCount,
        string? Input, ulong MaxInstructions, IReadOnlyList<string> Defines);

    public int Execute(TextWriter output, TextWriter error, Stream? consoleOutputStream = null) =>
        ExecuteChecked(error, consoleOutputStream);   // usage errors get "r4 host:" in Program.Run

    private int ExecuteChecked(TextWriter error, Stream? consoleOutputStream)
    {
        var description = MachineFile is null ? null : MachineDescription.Load(MachineFile);
        if (description is not null && Guests.Any())
            throw new UserError($"--machine {MachineFile}: the file lists the guests; give either guests or --machine, not both", ExitCodes.Usage);
        if (description is null && !Guests.Any())
            throw new UserError("give at least one guest (r4 host G1 G2 ...) or --machine FILE", ExitCodes.Usage);

        var engine = Engine.ToLowerInvariant() switch
        {
            "jit" => ExecutionEngine.Jit,
            "interp" or "interpreter" => ExecutionEngine.Interpreter,
            _ => throw new UserError($"--engine {Engine}: give 'jit' or 'interp'", ExitCodes.Usage),
        };
        ulong slice = Slice ?? description?.SliceInstructions ?? HostOptions.DefaultSliceInstructions;
        if (slice == 0)
            throw new UserError($"--slice 0: give at least 1 instruction", ExitCodes.Usage);
        uint? machineRam = ParseMachineMemory(description);
        var costs = CostTable.Default;
        if (Costs is not null)
        {
            GuestLoader.RequireReadableFile(Costs);
            try { costs = CostTable.LoadJson(Costs); }
            catch (CostTableException e) { throw new UserError(e.Message, ExitCodes.BadInput); }
        }
        string? disk = Disk ?? description?.Disk;
        RefuseType1OnlyOptions(description, disk);
        if (disk is not null) GuestLoader.RequireReadableFile(disk, "disk image");
        var planned = description is null ? PlanFromFlags() : PlanFromDescription(description);
        if (planned.Any(g => g.SectorCount > 0) && disk is null)
            throw new UserError("guests are given sectors but there is no machine disk: give --disk IMG", ExitCodes.Usage);

        // outputs: checked before anything runs, written whole at the end
        var consoleFiles = ConsoleDir is null ? null : PrepareConsoleDir(planned.Count);
        if (StatsJson is not null) GuestLoader.RequireWritablePath(StatsJson);
        RefuseToOverwriteAnInput(planned, disk, consoleFiles);

        var images = planned.Select(g => GuestLoader.Load(g.Path, GuestLoader.IsAssemblySource(g.Path) ? Defines.Concat(g.Defines) : [], error)).ToList();
        var inputs = planned.Select(g => g.Input is null ? [] : GuestLoader.ReadAll(g.Input)).ToList();

        using var terminal = consoleOutputStream is null && consoleFiles is null ? Console.OpenStandardOutput() : null;
        var consoles = planned.Select((_, i) => consoleFiles is not null
            ? (Stream)new MemoryStream()
            : new LinePrefixingStream(consoleOutputStream ?? terminal!, $"[{i + 1}] ")).ToList();
        var specs = planned.Select((g, i) => new GuestSpec
        {
            Name = g.Path,
            Image = images[i],
            Layout = g.Layout,
            RamBytes = g.RamBytes,
            Weight = g.Weight,
            FirstSector = g.FirstSector,
            SectorCount = g.SectorCount,
            ConsoleInput = new MemoryStream(inputs[i], writable: false),
            ConsoleOutput = consoles[i],
            MaxInstructions = g.MaxInstructions,
        }).ToList();
        var options = new HostOptions
        {
            MachineRamBytes = machineRam,
            DiskImagePath = disk,
            SliceInstructions = slice,
            Costs = costs,
            Engine = engine,
            Diagnostics = error,
        };

        if (Hosted)
            return RunHosted(error, planned, specs, options, consoles, consoleFiles);
        Type1Host host;
        try { host = Type1Host.Create(options, specs); }
        catch (HostConfigurationException e) { throw new UserError(e.Message, ExitCodes.BadInput); }
        using (host)
        {
            host.Run();
            foreach (var console in consoles)
                if (console is LinePrefixingStream prefixed) prefixed.Finish();
            if (consoleFiles is not null)
                GuestLoader.WriteAllAtomically([.. consoleFiles.Select((file, i) => (file, ((MemoryStream)consoles[i]).ToArray()))]);

            foreach (var guest in host.Guests)
                if (guest.Result!.Reason != StopReason.PowerOff)
                    error.WriteLine($"r4: {guest.Description}: {RunVerb.Describe(guest.Result, guest.Spec.Image, stoppedByMonitor: guest.Monitor.StopDiagnostic is not null)}");
            if (Stats) HostStatsReport.WriteSummary(error, host);
            if (StatsJson is not null) GuestLoader.WriteAtomically(StatsJson, HostStatsReport.ToJson(host));
            return host.Guests.Select(g => RunVerb.ExitCodeOf(g.Result!)).FirstOrDefault(code => code != 0);
        }
    }

    /// <summary>`--hosted`: every guest its own hosted VM (R4.Hosted.DesktopHost), all at once.</summary>
    private int RunHosted(TextWriter error, List<PlannedGuest> planned, List<GuestSpec> specs, HostOptions options, List<Stream> consoles, List<string>? consoleFiles)
    {
        var diagnostics = TextWriter.Synchronized(error);
        var vms = specs.Select(spec => new R4.Hosted.HostedVmSpec(spec.Name, spec.Image, spec.Layout, new MachineOptions
        {
            MemoryBytes = spec.RamBytes,
            Costs = options.Costs,
            Engine = options.Engine,
            ConsoleInput = spec.ConsoleInput,
            ConsoleOutput = spec.ConsoleOutput,
            Diagnostics = diagnostics,
        }, spec.MaxInstructions)).ToList();
        var (results, hostSeconds) = R4.Hosted.DesktopHost.Run(vms);
        foreach (var console in consoles)
            if (console is LinePrefixingStream prefixed) prefixed.Finish();
        if (consoleFiles is not null)
            GuestLoader.WriteAllAtomically([.. consoleFiles.Select((file, i) => (file, ((MemoryStream)consoles[i]).ToArray()))]);
        for (int i = 0; i < results.Count; i++)
            if (results[i].Result.Reason != StopReason.PowerOff)
                error.WriteLine($"r4: {PartitionPlan.Describe(i, specs[i])}: {RunVerb.Describe(results[i].Result, specs[i].Image, stoppedByMonitor: false)}");
        if (Stats) HostStatsReport.WriteHostedSummary(error, results, hostSeconds);
        if (StatsJson is not null) GuestLoader.WriteAtomically(StatsJson, HostStatsReport.HostedToJson(results, hostSeconds));
        return results.Select(r => RunVerb.ExitCodeOf(r.Result)).FirstOrDefault(code => code != 0);
    }

    /// <summary>What --hosted cannot take: the Type 1 machine's shares (each hosted VM is alone on the host OS).</summary>
    private void RefuseType1OnlyOptions(MachineDescription? description, string? disk)
    {
        if (!Hosted) return;
        string? option = Weights is not null ? $"--weights {Weights}" : Slice is not null ? $"--slice {Slice}"
            : MachineMemory is not null ? $"--machine-mem {MachineMemory}" : disk is not null ? $"--disk {disk}"
            : description?.SliceInstructions is not null ? $"--machine {MachineFile}: sliceInstructions"
            : description?.MachineMemory is not null ? $"--machine {MachineFile}: machineMemory"
            : description?.Guests.Any(g => g.Weight is not null) == true ? $"--machine {MachineFile}: weight" : null;
        if (option is not null)
            throw new UserError($"{option}: with --hosted each guest is its own VM, scheduled by the host OS, with its own RAM and disk file; " +
                                "give this only to the Type 1 host (run a hosted guest with a disk alone: r4 run --hosted --disk F)", ExitCodes.Usage);
    }

    private uint? ParseMachineMemory(MachineDescription? description)
    {
        string? text = MachineMemory ?? description?.MachineMemory;
        if (text is null) return null;
        if (!GuestLoader.TryParseSize(text, out ulong bytes) || bytes % 4096 != 0 || bytes > HostOptions.MaxMachineRamBytes)
            throw new UserError($"--machine-mem {text}: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 256M)", ExitCodes.Usage);
        return (uint)bytes;
    }

    private static uint ParseGuestMemory(string text, string option)
    {
        if (!GuestLoader.TryParseSize(text, out ulong bytes) || bytes % 4096 != 0 || bytes > 1UL << 31)
            throw new UserError($"{option} {text}: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)", ExitCodes.Usage);
        return (uint)bytes;
    }

    private Layout ParseLayout(string name, string option)
    {
        string names = string.Join("|", Layouts.Known.Where(l => l.Monitored).Select(l => l.Name));
        if (!Layouts.TryParse(name, out var layout))
            throw new UserError($"{option} {name}: give one of {names}", ExitCodes.Usage);
        if (!layout.Monitored)
            throw new UserError($"{option} {name}: every guest of a Type 1 machine runs under the monitor; give one of {names} (run a native guest alone with r4 run)", ExitCodes.Usage);
        return new MonitorKnobs(ShadowCache, ShadowSync, PtbrTargets, PageProtection: PageProtection, AllowUnsafeProtection: AllowUnsafeProtection).Apply(layout);
    }

    private List<PlannedGuest> PlanFromFlags()
    {
        var paths = Guests.ToList();
        uint ram = ParseGuestMemory(Memory, "--mem");
        var layouts = PerGuest(LayoutList, "--layouts", paths.Count, text => ParseLayout(text, "--layouts"), () => ParseLayout(Layout, "--layout"));
        var weights = PerGuest(Weights, "--weights", paths.Count, text =>
            int.TryParse(text, out int w) && w is >= 1 and <= 1000 ? w : throw new UserError($"--weights {Weights}: '{text}' is not a weight; give whole numbers from 1 to 1000", ExitCodes.Usage), () => 1);
        if (SectorsPerGuest is not null && Disk is null)
            throw new UserError($"--sectors {SectorsPerGuest}: give the machine disk with --disk", ExitCodes.Usage);
        ulong sectors = SectorsPerGuest ?? 0;
        return paths.Select((path, i) => new PlannedGuest(path, ram, layouts[i], weights[i], (ulong)i * sectors, sectors,
            Input, MaxInstructions ?? ulong.MaxValue, [])).ToList();
    }

    private static List<T> PerGuest<T>(string? list, string option, int count, Func<string, T> parse, Func<T> fallback)
    {
        if (list is null) return Enumerable.Range(0, count).Select(_ => fallback()).ToList();
        var items = list.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length != count)
            throw new UserError($"{option} {list}: give one value per guest ({count} guest{(count == 1 ? "" : "s")}, {items.Length} value{(items.Length == 1 ? "" : "s")})", ExitCodes.Usage);
        return items.Select(parse).ToList();
    }

    private List<PlannedGuest> PlanFromDescription(MachineDescription description)
    {
        if (LayoutList is not null || Weights is not null || SectorsPerGuest is not null)
            throw new UserError("--layouts, --weights and --sectors are per guest: with --machine give them in the file", ExitCodes.Usage);
        return description.Guests.Select((g, i) => new PlannedGuest(
            g.Image,
            ParseGuestMemory(g.Memory ?? Memory, g.Memory is null ? "--mem" : $"{MachineFile}: guests[{i}].memory"),
            ParseLayout(g.Layout ?? Layout, g.Layout is null ? "--layout" : $"{MachineFile}: guests[{i}].layout"),
            g.Weight ?? 1, g.FirstSector ?? 0, g.SectorCount ?? 0, g.Input ?? Input, g.MaxInstructions ?? MaxInstructions ?? ulong.MaxValue,
            g.Defines)).ToList();
    }

    /// <summary>Creates DIR if needed and checks DIR/1.txt … DIR/N.txt can be written.</summary>
    private List<string> PrepareConsoleDir(int count)
    {
        if (File.Exists(ConsoleDir))
            throw new UserError($"--console-dir {ConsoleDir}: that is a file; give a directory", ExitCodes.CannotWrite);
        try { Directory.CreateDirectory(ConsoleDir!); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"--console-dir {ConsoleDir}: cannot create it: {e.Message}", ExitCodes.CannotWrite);
        }
        var files = Enumerable.Range(1, count).Select(i => Path.Combine(ConsoleDir!, $"{i}.txt")).ToList();
        foreach (var file in files) GuestLoader.RequireWritablePath(file);
        return files;
    }

    /// <summary>No output may name an input (a guest, --input, --costs, the disk, the description) or another output.</summary>
    private void RefuseToOverwriteAnInput(List<PlannedGuest> guests, string? disk, List<string>? consoleFiles)
    {
        var inputs = guests.Select((g, i) => ($"guest {i + 1}", (string?)g.Path))
            .Concat(guests.Select((g, i) => ($"guest {i + 1}'s input", g.Input)))
            .Append(("--costs", Costs)).Append(("the disk", disk)).Append(("--machine", MachineFile)).ToList();
        var outputs = (consoleFiles ?? []).Select(f => ("--console-dir", (string?)f)).Append(("--stats-json", StatsJson)).ToList();
        foreach (var (option, path) in outputs)
        {
            if (path is null) continue;
            string full = Path.GetFullPath(path);
            foreach (var (other, otherPath) in inputs)
                if (otherPath is not null && Path.GetFullPath(otherPath) == full)
                    throw new UserError($"{option} {path}: that is also {other}; give the output another name", ExitCodes.Usage);
            if (option == "--stats-json" && consoleFiles?.Any(f => Path.GetFullPath(f) == full) == true)
                throw new UserError($"--stats-json {path}: that is also a console file of --console-dir; give the output another name", ExitCodes.Usage);
        }
    }
}

/// <summary>A guest's console on a shared terminal: whole lines, each prefixed with "[i] ", so
/// guests interleave line by line; a last line without a newline is ended by Finish.</summary>
public sealed class LinePrefixingStream(Stream target, string prefix) : Stream
{
    private readonly MemoryStream _line = new();
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes(prefix);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (byte b in buffer)
        {
            _line.WriteByte(b);
            if (b == (byte)'\n') EmitLine();
        }
    }

    private void EmitLine()
    {
        lock (target)
        {
            target.Write(_prefix);
            target.Write(_line.GetBuffer(), 0, (int)_line.Length);
        }
        _line.SetLength(0);
    }

    /// <summary>Passes whole lines on (a partial line waits for its newline or <see cref="Finish"/>).</summary>
    public override void Flush() => target.Flush();

    /// <summary>At the guest's end: a partial last line is written with a newline of its own.</summary>
    public void Finish()
    {
        if (_line.Length > 0)
        {
            _line.WriteByte((byte)'\n');
            EmitLine();
        }
        target.Flush();
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
