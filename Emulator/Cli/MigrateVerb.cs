// `r4 migrate`: live migration between two r4 processes (spec §11.3, docs/hosted.md). The
// receiver `r4 migrate --receive tcp:127.0.0.1:PORT` listens, takes one guest and runs it to
// its end as `r4 resume` would; the source `r4 migrate GUEST --to tcp:127.0.0.1:PORT --at N`
// is `r4 run GUEST --migrate-to … --migrate-at N` (the same options, the same run), which
// hands the guest over at instruction N with pre-copy rounds and stop-and-copy.
using CommandLine;
using CommandLine.Text;
using R4.Machine;
using R4.Snapshots;

namespace R4.Cli;

[Verb("migrate", HelpText = "Live-migrate a running guest to another r4 process (source: GUEST --to ADDRESS; receiver: --receive ADDRESS; docs/hosted.md).")]
public sealed class MigrateVerb : IDefinesSymbols, IMonitorKnobOptions
{
    [Value(0, MetaName = "guest", HelpText = "The guest to run and migrate (the source); none with --receive.")]
    public string? Guest { get; set; }

    [Option("to", HelpText = "The source: migrate to the receiver at this address, tcp:HOST:PORT or unix:PATH.")]
    public string? To { get; set; }

    [Option("at", HelpText = "The source: start migrating at this instruction count (from reset; default 0).")]
    public ulong? At { get; set; }

    [Option("receive", HelpText = "The receiver: listen at this address (tcp:127.0.0.1:PORT, port 0 picks one; or unix:PATH), take one guest and run it to its end.")]
    public string? Receive { get; set; }

    [Option("round-instructions", HelpText = "The source: guest instructions run between two pre-copy rounds (default 50000).")]
    public ulong? RoundInstructions { get; set; }

    [Option("max-rounds", HelpText = "The source: pre-copy rounds at most before stop-and-copy (default 8).")]
    public int? MaxRounds { get; set; }

    [Option("mem", Default = "16M", HelpText = "The source: RAM size (as r4 run).")]
    public string Memory { get; set; } = "16M";

    [Option("layout", HelpText = "native|ring012|ring013|ring3|bt|hw: the source's layout (default native), or the one the receiver continues under (default: the source's).")]
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

    [Option("engine", Default = "jit", HelpText = "Execution engine, jit or interp (each side chooses its own).")]
    public string Engine { get; set; } = "jit";

    [Option("machine", Default = "r4", HelpText = "The source: r4 or x86-flaw (as r4 run).")]
    public string Machine { get; set; } = "r4";

    [Option("input", HelpText = "Console input from this file (the source's input travels with the guest when it came from a file).")]
    public string? Input { get; set; }

    [Option("disk", HelpText = "The source: disk image file; the receiver: where a captured image is restored to.")]
    public string? Disk { get; set; }

    [Option("costs", HelpText = "The source: JSON file overriding entries of the cost table.")]
    public string? Costs { get; set; }

    [Option("hosted", HelpText = "The source: run as a hosted (Type 2) VM until the migration.")]
    public bool Hosted { get; set; }

    [Option("max-instructions", HelpText = "Stop when the guest's instruction count (from reset) reaches this (exit code 124).")]
    public ulong? MaxInstructions { get; set; }

    [Option("stats", HelpText = "Print a summary on stderr.")]
    public bool Stats { get; set; }

    [Option("stats-json", HelpText = "Write the statistics as JSON: the source's with a `migration` object (rounds, pages, bytes, downtime), the receiver's counting from reset.")]
    public string? StatsJson { get; set; }

    [Option('D', "define", HelpText = "Define a symbol when the guest is an assembly source: -D NAME=VALUE. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("The receiver: wait on a loopback port for one guest, run it to its end", new MigrateVerb { Receive = "tcp:127.0.0.1:4444", StatsJson = "received.json" }),
        HelpExample.Of("The source (another terminal): run the teaching kernel under ring012 and migrate it at instruction 500000", new MigrateVerb { Guest = "Guests/kernels/teach/kernel.asm", Layout = "ring012", To = "tcp:127.0.0.1:4444", At = 500_000, Stats = true }),
        HelpExample.Of("Over a Unix-domain socket, with the report as JSON", new MigrateVerb { Guest = "Guests/kernels/teach/kernel.asm", To = "unix:/tmp/r4.sock", StatsJson = "migration.json" }),
    ];

    public int Execute(TextWriter output, TextWriter error, Stream? consoleOutputStream = null, Stream? consoleInputStream = null)
    {
        if (Receive is not null)
        {
            if (Guest is not null || To is not null)
                throw new UserError($"--receive {Receive}: the receiver takes its guest from the source; drop {(Guest is not null ? $"the guest '{Guest}'" : "--to")}", ExitCodes.Usage);
            return ExecuteReceiver(output, error, consoleOutputStream, consoleInputStream);
        }
        if (Guest is null || To is null)
            throw new UserError(Guest is null ? "give the guest to migrate and --to ADDRESS, or --receive ADDRESS" : $"{Guest}: give the receiver with --to tcp:HOST:PORT", ExitCodes.Usage);
        MigrationAddress.Parse("--to", To);   // named as the user typed it (run's own check says --migrate-to)
        if (MaxRounds is < 1)
            throw new UserError($"--max-rounds {MaxRounds}: give 1 or more", ExitCodes.Usage);
        if (RoundInstructions is 0)
            throw new UserError("--round-instructions 0: give 1 or more", ExitCodes.Usage);
        var defaults = new MigrationSettings();
        var run = new RunVerb
        {
            Guest = Guest, Memory = Memory, Layout = Layout ?? "native", Engine = Engine, Machine = Machine, Input = Input, Disk = Disk,
            Costs = Costs, Hosted = Hosted, MaxInstructions = MaxInstructions, Stats = Stats, StatsJson = StatsJson, Defines = Defines,
            MigrateTo = To, MigrateAt = At ?? 0,
            ShadowCache = ShadowCache, ShadowSync = ShadowSync, PtbrTargets = PtbrTargets, DirectSyscalls = DirectSyscalls,
            PageProtection = PageProtection, AllowUnsafeProtection = AllowUnsafeProtection,
            Migration = defaults with
            {
                InstructionsPerRound = RoundInstructions ?? defaults.InstructionsPerRound,
                MaxRounds = MaxRounds ?? defaults.MaxRounds,
            },
        };
        return run.Execute(output, error, consoleOutputStream, consoleInputStream);
    }

    /// <summary>Told the bound address (port 0 resolved) once the receiver listens: an in-process caller (the tests) connects then, without parsing stderr.</summary>
    public static event Action<string>? Listening;

    private int ExecuteReceiver(TextWriter output, TextWriter error, Stream? consoleOutputStream, Stream? consoleInputStream)
    {
        var address = MigrationAddress.Parse("--receive", Receive!);
        var engine = RunVerb.ParseEngine(Engine);
        SnapshotRunning.RequireLayoutName(Layout);
        MonitorKnobs.Of(this).Validate();
        if (StatsJson is not null) OutputFile.RequireWritable(StatsJson);
        if (Input is not null) GuestLoader.RequireReadableFile(Input);

        using var listener = address.Listen(out string bound);
        error.WriteLine($"r4: waiting for a migrating guest on {bound}");
        error.Flush();
        Listening?.Invoke(bound);
        using var connection = listener.Accept();
        listener.Close();
        if (address.UnixPath is not null) File.Delete(address.UnixPath);
        using var stream = new System.Net.Sockets.NetworkStream(connection, ownsSocket: false);
        connection.ReceiveTimeout = MigrationAddress.TimeoutSeconds * 1000;
        if (address.UnixPath is null) connection.NoDelay = true;   // each acknowledgement goes at once (no Nagle wait)

        using var console = new SnapshotRunning.RestoredConsole(Input, guestCarriesInput: false, consoleOutputStream, consoleInputStream);

        RestoredGuest? restored;
        MigrationReceipt receipt;
        try
        {
            restored = LiveMigration.Receive(stream, new RestoreOptions
            {
                ConsoleOutput = console.Output,
                ConsoleInput = console.Input,
                ConsoleInputInteractive = console.Interactive,
                Diagnostics = error,
                Engine = engine,
                Layout = Layout,
                Knobs = MonitorKnobs.Of(this).ApplyToRestored,
                DiskPath = Disk,
            }, null, out receipt);
        }
        catch (MigrationException e)
        {
            throw new UserError($"migration from {bound} failed: {e.Message}; no guest was received", ExitCodes.NoGuestReceived);
        }
        if (restored is null)
            throw new UserError($"the source's guest stopped before the migration finished: no guest was received", ExitCodes.NoGuestReceived);
        using var ownedGuest = restored;
        stream.Dispose();
        var guest = restored.Guest;
        error.WriteLine($"r4: received the guest at instruction {guest.Cpu.Instret} under {guest.Layout.Name}: {receipt.Rounds} rounds, {receipt.Pages} pages, {receipt.Bytes} bytes");
        var (result, _) = SnapshotRunning.Run(guest, MaxInstructions ?? ulong.MaxValue, null, null, new SnapshotMetadata(), error);
        console.Flush();

        int exitCode = SnapshotRunning.ReportEnd(guest, result, new R4.Isa.Image.ProgramImage(0, []), saved: false, Stats, error);
        if (StatsJson is not null)
            OutputFile.Write(StatsJson, StatsReport.ToJson(result, guest.Statistics, guest.Layout.Name, guest.Exits, exitCode, new()
            {
                ["received"] = new Dictionary<string, object?> { ["from"] = bound, ["rounds"] = receipt.Rounds, ["pages"] = receipt.Pages, ["bytes"] = receipt.Bytes },
            }), output);
        return exitCode;
    }
}
