// `r4 resume`: continues a guest from a snapshot (`r4 run --save-at N --save FILE`, Ctrl-\,
// the debugger's savevm, the monitor console's savevm) in this process, on either engine, and
// reports exactly as `r4 run` does — its instructions count from the guest's reset, so the
// save run and the resumed run together are the uninterrupted run (docs/hosted.md).
using CommandLine;
using CommandLine.Text;
using R4.Machine;
using R4.Snapshots;

namespace R4.Cli;

[Verb("resume", HelpText = "Continue a guest from a snapshot file (see r4 run --save-at/--save, docs/hosted.md).")]
public sealed class ResumeVerb : IMonitorKnobOptions
{
    [Value(0, MetaName = "snapshot", Required = true, HelpText = "The snapshot file.")]
    public string Snapshot { get; set; } = "";

    [Option("engine", Default = "jit", HelpText = "Execution engine: jit or interp (a snapshot does not depend on the engine that saved it).")]
    public string Engine { get; set; } = "jit";

    [Option("layout", HelpText = "Continue under another layout than the saved one: native|ring012|ring013|ring3|bt|hw.")]
    public string? Layout { get; set; }

    [Option("shadow-cache", HelpText = MonitorKnobs.ShadowCacheHelp + MonitorKnobs.RestoredNote)]
    public int? ShadowCache { get; set; }

    [Option("shadow-sync", HelpText = MonitorKnobs.ShadowSyncHelp + MonitorKnobs.RestoredNote)]
    public string? ShadowSync { get; set; }

    [Option("ptbr-targets", HelpText = MonitorKnobs.PtbrTargetsHelp + MonitorKnobs.RestoredNote)]
    public string? PtbrTargets { get; set; }

    [Option("direct-syscalls", HelpText = MonitorKnobs.DirectSyscallsHelp + MonitorKnobs.RestoredNote)]
    public string? DirectSyscalls { get; set; }

    [Option("page-protection", HelpText = MonitorKnobs.PageProtectionHelp + MonitorKnobs.RestoredNote)]
    public string? PageProtection { get; set; }

    [Option("allow-unsafe-protection", HelpText = MonitorKnobs.AllowUnsafeProtectionHelp)]
    public bool AllowUnsafeProtection { get; set; }

    [Option("max-instructions", HelpText = "Stop when the guest's instruction count (from reset, as in the saving run) reaches this (exit code 124).")]
    public ulong? MaxInstructions { get; set; }

    [Option("input", HelpText = "Console input from this file when the snapshot does not carry its input (it does when the saving run read a file).")]
    public string? Input { get; set; }

    [Option("disk", HelpText = "Disk image: where a captured image is restored to (default: a temporary file), or the file to use instead of the referenced one (same size and SHA-256).")]
    public string? Disk { get; set; }

    [Option("stats", HelpText = "Print a summary (instructions, cycles, traps, TLB) on stderr.")]
    public bool Stats { get; set; }

    [Option("stats-json", HelpText = "Write the run's statistics as JSON to this file (same keys as r4 run).")]
    public string? StatsJson { get; set; }

    [Option("save-at", HelpText = "Run to this instruction count (from reset), save a snapshot to --save and stop.")]
    public ulong? SaveAt { get; set; }

    [Option("save", HelpText = "Snapshot file: written at --save-at, or on Ctrl-\\\\ (SIGQUIT).")]
    public string? Save { get; set; }

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Continue a snapshot saved by `r4 run GUEST --save-at N --save kernel.r4snap`", new ResumeVerb { Snapshot = "kernel.r4snap" }),
        HelpExample.Of("Continue it on the interpreter, with statistics as JSON", new ResumeVerb { Snapshot = "kernel.r4snap", Engine = "interp", StatsJson = "stats.json" }),
        HelpExample.Of("Continue a native snapshot under the monitor", new ResumeVerb { Snapshot = "kernel.r4snap", Layout = "ring3", Stats = true }),
    ];

    public int Execute(TextWriter output, TextWriter error, Stream? consoleOutputStream = null, Stream? consoleInputStream = null)
    {
        var engine = RunVerb.ParseEngine(Engine);
        SnapshotRunning.RequireLayoutName(Layout);
        MonitorKnobs.Of(this).Validate();
        if (SaveAt is not null && Save is null)
            throw new UserError($"--save-at {SaveAt}: give the snapshot file with --save FILE", ExitCodes.Usage);
        GuestLoader.RequireReadableFile(Snapshot, "snapshot");
        if (StatsJson is not null) GuestLoader.RequireWritablePath(StatsJson);
        if (Save is not null) GuestLoader.RequireWritablePath(Save);
        if (Input is not null) GuestLoader.RequireReadableFile(Input);

        var snapshot = GuestSnapshot.Load(Snapshot);
        var image = SnapshotRunning.ImageForMessages(snapshot.Metadata);
        using var console = new SnapshotRunning.RestoredConsole(Input, snapshot.CarriesInput, consoleOutputStream, consoleInputStream);

        using var restored = snapshot.Restore(new RestoreOptions
        {
            ConsoleOutput = console.Output,
            ConsoleInput = console.Input,
            ConsoleInputInteractive = console.Interactive,
            Diagnostics = error,
            Engine = engine,
            Layout = Layout,
            Knobs = MonitorKnobs.Of(this).ApplyToRestored,
            DiskPath = Disk,
        });
        var guest = restored.Guest;
        var (result, saved) = SnapshotRunning.Run(guest, MaxInstructions ?? ulong.MaxValue, SaveAt, Save,
            snapshot.Metadata with { Reason = "" }, error);
        console.Flush();

        int exitCode = SnapshotRunning.ReportEnd(guest, result, image, saved, Stats, error);
        if (StatsJson is not null)
            GuestLoader.WriteAtomically(StatsJson, StatsReport.ToJson(result, guest.Statistics, guest.Layout.Name, guest.Exits));
        return exitCode;
    }
}
