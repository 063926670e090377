// `r4 run`: loads a guest (source or image), runs it on the machine with the console on
// stdin/stdout, and exits with the guest's power-off status or a documented host code.
using System.Text.Json;
using CommandLine;
using CommandLine.Text;
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

[Verb("run", HelpText = "Run a guest (.asm source, ELF image or flat binary) on the R4 machine.")]
public sealed class RunVerb : IDefinesSymbols, IMonitorKnobOptions
{
    [Value(0, MetaName = "guest", Required = true, HelpText = "The guest: an assembly source, an ELF image or a flat binary.")]
    public string Guest { get; set; } = "";

    [Option("mem", Default = "16M", HelpText = "RAM size, e.g. 16M, 64MiB, 1G or a byte count (multiple of 4096).")]
    public string Memory { get; set; } = "16M";

    [Option("base", HelpText = "Load a flat binary at this address and start it there (default 0; `r4 asm --flat` writes the bytes from the program's lowest address).")]
    public string? Base { get; set; }

    [Option("disk", HelpText = "Disk image file backing the disk device (writes go to the file).")]
    public string? Disk { get; set; }

    [Option("input", HelpText = "Console input from this file (default: standard input).")]
    public string? Input { get; set; }

    [Option("max-instructions", HelpText = "Stop after this many retired instructions (exit code 124).")]
    public ulong? MaxInstructions { get; set; }

    [Option("costs", HelpText = "JSON file overriding entries of the cycle cost table (see docs/costs.md).")]
    public string? Costs { get; set; }

    [Option("stats", HelpText = "Print a summary (instructions, cycles, traps, TLB) on stderr.")]
    public bool Stats { get; set; }

    [Option("stats-json", HelpText = "Write the run's statistics as JSON to this file.")]
    public string? StatsJson { get; set; }

    [Option("trace", HelpText = "Trace every instruction and trap on stderr (or to --trace-file).")]
    public bool Trace { get; set; }

    [Option("trace-file", HelpText = "Write the trace to this file instead of stderr (implies --trace).")]
    public string? TraceFile { get; set; }

    [Option("engine", Default = "jit", HelpText = "Execution engine: jit (x86-64 JIT beside the interpreter; the interpreter where the JIT is unavailable) or interp.")]
    public string Engine { get; set; } = "jit";

    [Option("layout", Default = "native", HelpText = "Run natively or under the monitor: native|ring012|ring013|ring3 (trap-and-emulate, docs/monitor.md), bt (binary translation) or hw (hardware assist with nested paging; docs/techniques.md).")]
    public string Layout { get; set; } = "native";

    [Option("shadow-cache", HelpText = MonitorKnobs.ShadowCacheHelp)]
    public int? ShadowCache { get; set; }

    [Option("shadow-sync", HelpText = MonitorKnobs.ShadowSyncHelp)]
    public string? ShadowSync { get; set; }

    [Option("ptbr-targets", HelpText = MonitorKnobs.PtbrTargetsHelp)]
    public string? PtbrTargets { get; set; }

    [Option("exit-profile", HelpText = "Under a monitor: count exits and their modelled cycles by guest pc and symbol (the monitor's perf kvm stat); --stats prints the top 20, --stats-json every pc.")]
    public bool ExitProfile { get; set; }

    [Option("direct-syscalls", HelpText = MonitorKnobs.DirectSyscallsHelp)]
    public string? DirectSyscalls { get; set; }

    [Option("page-protection", HelpText = MonitorKnobs.PageProtectionHelp)]
    public string? PageProtection { get; set; }

    [Option("allow-unsafe-protection", HelpText = MonitorKnobs.AllowUnsafeProtectionHelp)]
    public bool AllowUnsafeProtection { get; set; }

    [Option("machine", Default = "r4", HelpText = "The machine: r4 (as specified) or x86-flaw (an iret at ring > 0 that would change IE leaves it alone instead of #GP, like x86 popf; spec §11.5).")]
    public string Machine { get; set; } = "r4";
    [Option("hosted", HelpText = "Run as a hosted (Type 2) VM: device exits go through a world switch to a user-level part that serves them with host calls (docs/hosted.md).")]
    public bool Hosted { get; set; }

    [Option("disk-create", HelpText = "Create the --disk file first as a sparse raw image of this size (e.g. 64M); it must not exist yet.")]
    public string? DiskCreate { get; set; }

    [Option("save-at", HelpText = "Run to this instruction count (from reset), save a snapshot to --save and stop (docs/hosted.md).")]
    public ulong? SaveAt { get; set; }

    [Option("save", HelpText = "Snapshot file: written at --save-at, or when Ctrl-\\ (SIGQUIT) is pressed; continue it with `r4 resume`.")]
    public string? Save { get; set; }

    [Option("migrate-to", HelpText = "Live-migrate the guest at --migrate-at to the r4 listening there (`r4 migrate --receive`): tcp:HOST:PORT or unix:PATH. If the migration fails the guest runs on here (docs/hosted.md).")]
    public string? MigrateTo { get; set; }

    [Option("migrate-at", HelpText = "With --migrate-to: the instruction count (from reset) at which the migration starts (default 0).")]
    public ulong? MigrateAt { get; set; }

    [Option("monitor-script", HelpText = "Monitor console commands from this file, run beside the guest (info registers|mem|tlb|exits, stop, cont, savevm FILE, loadvm FILE, migrate ADDRESS, quit; `wait N` lets the guest run to instruction N); answers on stderr (docs/hosted.md).")]
    public string? MonitorScript { get; set; }

    [Option("monitor", HelpText = "An interactive monitor console on a socket beside the running guest: unix:PATH or tcp:127.0.0.1:PORT (connect with e.g. `nc -U PATH`); the guest's console keeps the terminal.")]
    public string? MonitorAt { get; set; }

    /// <summary>Pre-copy settings (r4 migrate's --round-instructions, --max-rounds).</summary>
    internal R4.Snapshots.MigrationSettings? Migration { get; set; }

    [Option("host-exit-codes", HelpText = "Keep exit codes 64..125 for r4's own outcomes: a guest power-off status 0..63 exits with that status, one of 64 or more exits 122 (the status is printed on stderr and is exitStatus in --stats-json). Without it the guest's low 8 bits are the exit code, whatever they are.")]
    public bool HostExitCodes { get; set; }

    [Option('D', "define", HelpText = "Define a symbol when the guest is an assembly source: -D NAME=VALUE. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Run a bundled guest", new RunVerb { Guest = "Guests/examples/hello.asm" }),
        HelpExample.Of("Run with statistics and a bounded budget", new RunVerb { Guest = "Guests/examples/compute.asm", Stats = true, MaxInstructions = 10_000_000 }),
        HelpExample.Of("Trace the first 20 instructions (and every trap) on stderr", new RunVerb { Guest = "Guests/examples/syscalls.asm", Trace = true, MaxInstructions = 20 }),
        HelpExample.Of("Write the run's statistics as JSON, with a cost table of your own (docs/costs.md)", new RunVerb { Guest = "Guests/examples/compute.asm", StatsJson = "stats.json", Costs = "cheap-exits.json" }),
        HelpExample.Of("Trace the teaching kernel to a file", new RunVerb { Guest = "Guests/kernels/teach/kernel.asm", TraceFile = "trace.txt" }),
        HelpExample.Of("Override a define and the memory size", new RunVerb { Guest = "Guests/examples/compute.asm", Defines = ["N=5000"], Memory = "64M" }),
        HelpExample.Of("Run a flat binary made from code at 0x1000 (r4 asm --flat)", new RunVerb { Guest = "syscalls.bin", Base = "0x1000" }),
        HelpExample.Of("In a script, tell the guest's status (0..63) from r4's own codes (64..125)", new RunVerb { Guest = "Guests/examples/hello.asm", HostExitCodes = true }),
        HelpExample.Of("Run under the monitor, guest kernel in ring 1 and user in ring 2, with exit counts", new RunVerb { Guest = "Guests/examples/syscalls.asm", Layout = "ring012", Stats = true }),
        HelpExample.Of("The Popek-Goldberg flaw: trap-and-emulate cannot run this guest (docs/techniques.md)", new RunVerb { Guest = "Guests/bench/timer.asm", Layout = "ring012", Machine = "x86-flaw" }),
        HelpExample.Of("Run hosted (Type 2) on a new 64 MiB sparse disk file, with world switches and host calls in the statistics", new RunVerb { Guest = "Guests/examples/hello.asm", Hosted = true, Layout = "ring012", Disk = "disk.img", DiskCreate = "64M", Stats = true }),
        HelpExample.Of("Run the teaching kernel to instruction 1000000, save it and stop (then: r4 resume kernel.r4snap)", new RunVerb { Guest = "Guests/kernels/teach/kernel.asm", SaveAt = 1_000_000, Save = "kernel.r4snap" }),
    ];

    public int Execute(TextWriter output, TextWriter error, Stream? consoleOutputStream = null, Stream? consoleInputStream = null)
    {
        if (!GuestLoader.TryParseSize(Memory, out ulong memoryBytes) || memoryBytes % 4096 != 0 || memoryBytes > 1UL << 31)
            throw new UserError($"--mem {Memory}: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)", ExitCodes.Usage);
        if (!Layouts.TryParse(Layout, out var layout))
            throw new UserError($"--layout {Layout}: give one of {Layouts.Names}", ExitCodes.Usage);
        var variant = ParseMachine(Machine);
        layout = MonitorKnobs.Of(this).Apply(layout);
        var costs = CostTable.Default;
        if (Costs is not null)
        {
            GuestLoader.RequireReadableFile(Costs);
            try { costs = CostTable.LoadJson(Costs); }
            catch (CostTableException e) { throw new UserError(e.Message, ExitCodes.BadInput); }
        }
        var engine = ParseEngine(Engine);
        // R4_JIT_PREWARM=1: the JIT's one-time start-up on a second thread, beside assembling and
        // loading the guest. Off by default (measured, docs/performance.md "Lead's integration"):
        // it saves ~2.3 ms of a tiering guest's Run wall time on a free core but costs every JIT
        // run ~10 ms of process CPU, most of it for guests that never tier up.
        if (engine == ExecutionEngine.Jit && !Trace && TraceFile is null && Environment.GetEnvironmentVariable("R4_JIT_PREWARM") == "1")
            Cpu.StartJitPrewarm();
        if (DiskCreate is not null)
            CreateDisk();
        if (Disk is not null)
            GuestLoader.RequireReadableFile(Disk, "disk image");
        if (StatsJson is not null)
            OutputFile.RequireWritable(StatsJson);
        if (TraceFile is not null)
            OutputFile.RequireWritable(TraceFile);
        if (SaveAt is not null && Save is null)
            throw new UserError($"--save-at {SaveAt}: give the snapshot file with --save FILE", ExitCodes.Usage);
        if (Save is not null)
            OutputFile.RequireWritable(Save);
        if (MigrateAt is not null && MigrateTo is null)
            throw new UserError($"--migrate-at {MigrateAt}: give the receiver with --migrate-to tcp:HOST:PORT", ExitCodes.Usage);
        var migrateTo = MigrateTo is null ? null : MigrationAddress.Parse("--migrate-to", MigrateTo);
        if (migrateTo is not null && Save is not null)
            throw new UserError($"--migrate-to {MigrateTo}: a guest is either migrated or saved; drop --save", ExitCodes.Usage);
        var monitorAt = MonitorAt is null ? null : MigrationAddress.Parse("--monitor", MonitorAt);
        if (MonitorScript is not null) GuestLoader.RequireReadableFile(MonitorScript, "monitor script");
        if ((MonitorScript is not null || monitorAt is not null) && (Save is not null || migrateTo is not null || (MonitorScript is not null && monitorAt is not null)))
            throw new UserError($"{(MonitorScript is not null ? $"--monitor-script {MonitorScript}" : $"--monitor {MonitorAt}")}: the monitor console saves and migrates itself (savevm, migrate); give it alone, without --save, --migrate-to or a second console", ExitCodes.Usage);
        RefuseToOverwriteAnInput();

        var image = GuestLoader.Load(Guest, Defines, error, FlatBase());
        using var ownedInput = OpenInput(consoleInputStream, out bool interactive);
        var consoleInput = ownedInput ?? consoleInputStream!;
        using var ownedOutput = consoleOutputStream is null ? OutputFile.OpenProcessStandardOutput() : null;
        var consoleOutput = consoleOutputStream ?? ownedOutput!;
        using var traceFile = TraceFile is null ? null : OutputFile.Open(TraceFile, output);
        var traceFileWriter = traceFile is null ? null : new StreamWriter(traceFile.Stream, leaveOpen: true) { AutoFlush = false };
        var traceWriter = traceFileWriter ?? (Trace ? error : null);
        var options = new MachineOptions
        {
            MemoryBytes = (uint)memoryBytes,
            Costs = costs,
            ConsoleInput = consoleInput,
            ConsoleInputInteractive = interactive,
            ConsoleOutput = consoleOutput,
            Diagnostics = error,
            DiskImagePath = Disk,
            Engine = engine,
            JitWarmupInstructions = Cpu.RecommendedJitWarmupInstructions,
            JitWarmupExitWeight = Cpu.RecommendedJitWarmupExitWeight,
            Variant = variant,
        };
        if (VirtualMachineMonitor.FlawWarning(layout, variant) is { } warning)
            error.WriteLine($"r4: warning: {warning}");
        using var machine = GuestMachine.Create(options, layout);
        try { machine.Load(image); }
        catch (ImageFormatException e)
        {
            throw new UserError($"{Guest}: {e.Message}; give the machine more RAM with --mem (now {Memory}, at most 2G) or load the program lower", ExitCodes.BadInput);
        }
        if (ExitProfile) machine.Exits?.ProfileByPc();
        // (IDisposable, not HostedWorld: a plain run does not load R4.Hosted; see RunWithSnapshots)
        using IDisposable? hosted = Hosted ? NewHostedWorld(machine) : null;
        if (traceWriter is not null)
            machine.Trace = new TextTraceSink(traceWriter, image) { FaultAddress = () => machine.Cpu.GetControl(ControlRegister.Fault) };
        bool saved = false;
        RunResult result;
        R4.Snapshots.MigrationReport? migration = null;
        MonitorConsole? monitorConsole = null;
        // The plain run here; a monitor console, a migration or a save in a method of its own,
        // whose types (snapshots, migration) a plain run then never loads (start-up).
        if (MonitorScript is null && monitorAt is null && migrateTo is null && Save is null)
            result = machine.Run(MaxInstructions ?? ulong.MaxValue);
        else
            result = RunWithSnapshots(machine, monitorAt, migrateTo, engine, consoleOutput, consoleInput, interactive, error,
                out saved, out migration, out monitorConsole);
        using var ownedMonitorConsole = monitorConsole;
        try { consoleOutput.Flush(); }
        catch (IOException) { }   // a closed pipe: the run already stopped with OutputClosed, or has finished
        traceWriter?.Flush();
        traceFileWriter?.Dispose();   // flushes into the output before it is renamed into place
        traceFile?.Commit();

        var final = monitorConsole?.Guest ?? machine;   // loadvm in the monitor console replaces the guest
        saved |= migration?.Completed == true;   // the receiver runs the guest on: like a save, this run ends well
        int exitCode = saved ? ExitCodes.Success : ExitCodeOf(result, HostExitCodes);
        if (exitCode == ExitCodes.GuestStatusAbove63)
            error.WriteLine($"r4: the guest powered off with status {result.ExitStatus} (0x{result.ExitStatus:x}); --host-exit-codes reports a status of 64 or more as exit code 122");
        if (result.Reason != StopReason.PowerOff && !saved)
            error.WriteLine($"r4: {Describe(result, image, stoppedByMonitor: final.Monitor?.StopDiagnostic is not null)}");
        if (Stats)
        {
            StatsReport.WriteSummary(error, result, final.Statistics, final.Layout.Name, final.Exits, image);
            if (hosted is not null) WriteHostedSummary(hosted, error);
        }
        if (StatsJson is not null)
            OutputFile.Write(StatsJson, StatsReport.ToJson(result, final.Statistics, final.Layout.Name, final.Exits, exitCode,
                StatsExtra(hosted, migration), image), output);
        return exitCode;
    }

    private string? MonitorMigratedTo { get; set; }

    /// <summary>The run under a monitor console (--monitor-script, --monitor), a live migration
    /// (--migrate-to) or a save (--save); the caller disposes <paramref name="monitorConsole"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private RunResult RunWithSnapshots(GuestMachine machine, MigrationAddress? monitorAt, MigrationAddress? migrateTo, ExecutionEngine engine,
        Stream consoleOutput, Stream consoleInput, bool interactive, TextWriter error,
        out bool saved, out R4.Snapshots.MigrationReport? migration, out MonitorConsole? monitorConsole)
    {
        saved = false;
        migration = null;
        monitorConsole = MonitorScript is null && monitorAt is null ? null
            : new MonitorConsole(machine, current => new R4.Snapshots.RestoreOptions
            {
                ConsoleOutput = consoleOutput, ConsoleInput = consoleInput, ConsoleInputInteractive = interactive, Diagnostics = error,
                Engine = engine, Layout = current.Layout.Name,
            }, SnapshotRunning.MetadataFor(Guest, Defines), error, error);
        try { return RunWithSnapshots(machine, monitorAt, migrateTo, error, monitorConsole, out saved, out migration); }
        catch
        {
            monitorConsole?.Dispose();   // as the using declaration in Execute did before
            throw;
        }
    }

    private RunResult RunWithSnapshots(GuestMachine machine, MigrationAddress? monitorAt, MigrationAddress? migrateTo, TextWriter error,
        MonitorConsole? monitorConsole, out bool saved, out R4.Snapshots.MigrationReport? migration)
    {
        saved = false;
        migration = null;
        RunResult result;
        if (monitorConsole is not null)
        {
            result = MonitorScript is not null
                ? monitorConsole.RunScript(File.ReadAllLines(MonitorScript), MonitorScript, MaxInstructions ?? ulong.MaxValue)
                : monitorConsole.RunWithSocket(monitorAt!, MaxInstructions ?? ulong.MaxValue);
            migration = monitorConsole.Migration;
            MonitorMigratedTo = monitorConsole.MigratedTo;
            saved = monitorConsole.Quit;
        }
        else if (migrateTo is not null)
            (result, migration) = MigrationRunning.Run(machine, MaxInstructions ?? ulong.MaxValue, MigrateAt ?? 0, migrateTo,
                SnapshotRunning.MetadataFor(Guest, Defines), error, Migration);
        else
            (result, saved) = SnapshotRunning.Run(machine, MaxInstructions ?? ulong.MaxValue, SaveAt, Save!,
                SnapshotRunning.MetadataFor(Guest, Defines), error);
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IDisposable NewHostedWorld(GuestMachine machine) => new R4.Hosted.HostedWorld(machine);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void WriteHostedSummary(IDisposable hosted, TextWriter error) => ((R4.Hosted.HostedWorld)hosted).WriteSummary(error);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Dictionary<string, object?>? StatsExtra(IDisposable? hosted, R4.Snapshots.MigrationReport? migration)
    {
        var extra = new Dictionary<string, object?>();
        if (hosted is not null) extra["hosted"] = ((R4.Hosted.HostedWorld)hosted).ToJsonObject();
        if (migration is not null) extra["migration"] = MigrationRunning.ToJson(migration, MigrateTo ?? MonitorMigratedTo ?? "");
        return extra.Count == 0 ? null : extra;
    }

    /// <summary>The --machine value of run, compare and debug.</summary>
    public static MachineVariant ParseMachine(string name) => MachineVariants.TryParse(name, out var variant)
        ? variant : throw new UserError($"--machine {name}: give one of {MachineVariants.Names}", ExitCodes.Usage);

    /// <summary>--disk-create SIZE: a new sparse raw image at --disk (never over an existing file).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]   // keeps R4.Hosted out of Execute (start-up)
    private void CreateDisk()
    {
        if (Disk is null)
            throw new UserError($"--disk-create {DiskCreate}: give the file to create with --disk FILE", ExitCodes.Usage);
        if (!GuestLoader.TryParseSize(DiskCreate!, out ulong bytes) || bytes % 512 != 0 || bytes > long.MaxValue)
            throw new UserError($"--disk-create {DiskCreate}: give a size that is a multiple of 512 bytes (e.g. 64M)", ExitCodes.Usage);
        try { R4.Hosted.HostDisk.Create(Disk, (long)bytes); }
        catch (IOException) when (File.Exists(Disk))
        {
            throw new UserError($"--disk-create {DiskCreate}: '{Disk}' already exists; drop --disk-create to use it", ExitCodes.CannotWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot create disk image '{Disk}': {e.Message}", ExitCodes.CannotWrite);
        }
    }

    /// <summary>--engine jit|interp (also for `r4 resume`).</summary>
    public static ExecutionEngine ParseEngine(string engine) => engine.ToLowerInvariant() switch
    {
        "jit" => ExecutionEngine.Jit,
        "interp" or "interpreter" => ExecutionEngine.Interpreter,
        _ => throw new UserError($"--engine {engine}: give 'jit' or 'interp'", ExitCodes.Usage),
    };

    /// <summary>The process exit code for a stop: the guest's power-off status (low 8 bits), or a host code.</summary>
    public static int ExitCodeOf(RunResult result, bool hostExitCodes = false) => result.Reason switch
    {
        StopReason.PowerOff when hostExitCodes && result.ExitStatus > 63 => ExitCodes.GuestStatusAbove63,
        StopReason.PowerOff => (int)(result.ExitStatus & 0xFF),
        StopReason.InstructionLimit => ExitCodes.InstructionLimit,
        StopReason.Shutdown => ExitCodes.Shutdown,
        StopReason.Deadlock => ExitCodes.Deadlock,
        StopReason.OutputClosed => ExitCodes.OutputClosed,
        _ => throw new InvalidOperationException($"unknown stop reason {result.Reason}"),
    };

    public static string Describe(RunResult result, ProgramImage image, bool stoppedByMonitor)
    {
        // A deadlock stops after the hlt retired (pc = the next instruction, often past the
        // end of the code); the hlt itself is what the user wants to see.
        if (result.Reason == StopReason.Deadlock)
            return $"{result.Diagnostic ?? "halted with interrupts enabled and no interrupt source left"}: hlt at {Where(result.Pc - 4, image)}";
        string where = Where(result.Pc, image);
        if (result.Reason == StopReason.OutputClosed)
            return $"console output closed (broken pipe): the guest was stopped at {where}";
        string cause = result.Reason switch
        {
            StopReason.InstructionLimit => "instruction limit reached",
            StopReason.Shutdown => stoppedByMonitor ? "guest stopped by the monitor"
                : result.Diagnostic?.StartsWith("triple fault", StringComparison.Ordinal) == true ? "machine shut down (triple fault)"
                : "machine shut down",
            _ => result.Reason.ToString(),
        };
        return result.Diagnostic is null ? $"{cause} at {where}" : $"{cause} at {where}: {result.Diagnostic}";
    }

    /// <summary>"pc 0x00001004 (spin) at guest.asm:5": the address, its symbol and source line when the image knows them.</summary>
    private static string Where(uint pc, ProgramImage image)
    {
        string where = $"pc 0x{pc:x8}";
        if (image.Symbolize(pc) is { } symbol) where += $" ({symbol})";
        if (image.LineAt(pc) is { } line) where += $" at {line.File}:{line.Line}";
        return where;
    }

    /// <summary>--stats-json and --trace-file must not name the guest, an input file or each other.</summary>
    private void RefuseToOverwriteAnInput()
    {
        var inputs = new (string Option, string? Path)[] { ("the guest", Guest), ("--input", Input), ("--costs", Costs), ("--disk", Disk) };
        var outputs = new (string Option, string? Path)[] { ("--stats-json", StatsJson), ("--trace-file", TraceFile), ("--save", Save) };
        foreach (var (option, path) in outputs)
        {
            if (path is null) continue;
            string full = Path.GetFullPath(path);
            foreach (var (other, otherPath) in inputs.Concat(outputs))
                if (other != option && otherPath is not null && Path.GetFullPath(otherPath) == full)
                    throw new UserError($"{option} {path}: that is also {other}; give the output another name", ExitCodes.Usage);
        }
    }

    /// <summary>The --base address for a flat binary; null when not given.</summary>
    private uint? FlatBase()
    {
        if (Base is null) return null;
        if (!GuestLoader.TryParseNumber(Base, out long address) || address < 0 || address > uint.MaxValue || address % 4 != 0)
            throw new UserError($"--base {Base}: give a 4-aligned address (e.g. 0x1000)", ExitCodes.Usage);
        return (uint)address;
    }

    /// <summary>The console input stream this verb opens (and so disposes): the --input file,
    /// else the process's standard input; null when the caller supplied the stream.</summary>
    private Stream? OpenInput(Stream? supplied, out bool interactive)
    {
        if (Input is not null)
        {
            interactive = false;
            return new MemoryStream(GuestLoader.ReadAll(Input), writable: false);
        }
        if (supplied is not null)
        {
            interactive = false;
            return null;
        }
        interactive = !Console.IsInputRedirected;
        return Console.OpenStandardInput();
    }
}
