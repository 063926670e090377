// The monitor console of `r4 run` (docs/hosted.md), in QEMU's manner: commands beside a running
// guest — info registers|mem|tlb|exits, stop, cont, savevm FILE, loadvm FILE, migrate ADDRESS,
// quit — from a script (--monitor-script FILE, where `wait N` lets the guest run to
// instruction N; at the end of the script the guest runs on to its end) or from a socket
// (--monitor unix:PATH|tcp:HOST:PORT, one client, like QEMU's -monitor unix:PATH,server). The
// guest's console keeps the terminal; the console's answers go to stderr for a script and to
// the client for a socket, so the two never interleave on one stream. Commands run between
// slices of the guest's run, at instruction boundaries, without touching the CPU's hot loop.
using System.Collections.Concurrent;
using System.Net.Sockets;
using R4.Isa;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Cli;

public sealed class MonitorConsole : IDisposable
{
    /// <summary>Instructions between two looks at the socket's commands.</summary>
    public const ulong SliceInstructions = 1 << 16;

    private readonly Func<GuestMachine, RestoreOptions> _restoreOptions;
    private readonly SnapshotMetadata _metadata;
    private readonly TextWriter _diagnostics;
    private readonly List<IDisposable> _owned = [];
    private TextWriter _out;
    private bool _stopped, _quit;

    /// <summary>The guest now running: loadvm replaces it.</summary>
    public GuestMachine Guest { get; private set; }

    /// <summary>Set when `migrate` handed the guest to a receiver (the run ends well here).</summary>
    public MigrationReport? Migration { get; private set; }
    public string? MigratedTo { get; private set; }

    /// <summary>True when `quit` ended the run.</summary>
    public bool Quit => _quit;

    public MonitorConsole(GuestMachine guest, Func<GuestMachine, RestoreOptions> restoreOptions, SnapshotMetadata metadata, TextWriter answers, TextWriter diagnostics)
    {
        Guest = guest;
        _restoreOptions = restoreOptions;
        _metadata = metadata;
        _out = answers;
        _diagnostics = diagnostics;
    }

    // ---- the two ways in ----------------------------------------------------------------------

    /// <summary>Runs a script: each line is echoed after the prompt and executed; `wait N` runs
    /// the guest to instruction N. Then the guest runs to <paramref name="limitInstret"/> or its end.</summary>
    public RunResult RunScript(IEnumerable<string> lines, string scriptName, ulong limitInstret)
    {
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            _out.WriteLine($"(r4) {line}");
            if (line.StartsWith("wait", StringComparison.Ordinal) && (line.Length == 4 || line[4] == ' '))
            {
                if (!ulong.TryParse(line[4..].Trim(), out ulong target))
                    throw new UserError($"{scriptName}:{number}: wait {line[4..].Trim()}: give an instruction count (from reset)", ExitCodes.BadInput);
                if (_stopped)
                {
                    _out.WriteLine("the guest is stopped: cont first");
                    continue;
                }
                var result = Guest.Run(Math.Min(target, limitInstret) - Math.Min(Guest.Cpu.Instret, Math.Min(target, limitInstret)));
                if (result.Reason != StopReason.InstructionLimit || Guest.Cpu.Instret >= limitInstret) return result;
                continue;
            }
            if (Execute(line) is { } stop) return stop;
        }
        return RunOn(limitInstret);
    }

    /// <summary>Serves one client at <paramref name="address"/> while the guest runs: waits for no
    /// one (the guest starts at once), answers each line, blocks the guest only while stopped.</summary>
    public RunResult RunWithSocket(MigrationAddress address, ulong limitInstret)
    {
        using var listener = address.Listen(out string bound);
        _diagnostics.WriteLine($"r4: monitor console on {bound}");
        var commands = new BlockingCollection<string?>();
        Socket? client = null;
        var reader = new Thread(() =>
        {
            try
            {
                client = listener.Accept();
                using var stream = new NetworkStream(client, ownsSocket: false);
                _out = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
                _out.Write("(r4) ");
                using var lines = new StreamReader(stream);
                while (lines.ReadLine() is { } line) commands.Add(line);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
            commands.Add(null);   // the client went: the guest goes on (a stop is lifted)
        }) { IsBackground = true, Name = "r4 monitor console" };
        reader.Start();
        try
        {
            while (true)
            {
                if (_stopped || commands.Count > 0)
                {
                    string? line = commands.Take();
                    if (line is null)
                    {
                        _stopped = false;
                        return RunOn(limitInstret);
                    }
                    if (Execute(line.Trim()) is { } stop) return stop;
                    _out.Write("(r4) ");
                    continue;
                }
                ulong step = Math.Min(SliceInstructions, limitInstret - Math.Min(limitInstret, Guest.Cpu.Instret));
                var result = Guest.Run(step);
                if (result.Reason != StopReason.InstructionLimit || Guest.Cpu.Instret >= limitInstret) return result;
            }
        }
        finally
        {
            client?.Dispose();
            listener.Dispose();
            if (address.UnixPath is not null) File.Delete(address.UnixPath);
        }
    }

    private RunResult RunOn(ulong limitInstret) => Guest.Run(limitInstret - Math.Min(limitInstret, Guest.Cpu.Instret));

    // ---- the commands -------------------------------------------------------------------------

    /// <summary>Runs one command; a stop when it ended the run (quit, a completed migration).</summary>
    private RunResult? Execute(string line)
    {
        int space = line.IndexOf(' ');
        string command = space < 0 ? line : line[..space];
        string argument = space < 0 ? "" : line[(space + 1)..].Trim();
        switch (command)
        {
            case "": return null;
            case "info":
                Info(argument);
                return null;
            case "stop":
                _stopped = true;
                _out.WriteLine($"stopped at instruction {Guest.Cpu.Instret}, pc 0x{Guest.Cpu.Pc:x8}");
                return null;
            case "cont" or "c":
                _stopped = false;
                _out.WriteLine($"running from instruction {Guest.Cpu.Instret}");
                return null;
            case "savevm" when argument.Length > 0:
                try
                {
                    long bytes = GuestSnapshot.Save(Guest, _metadata with { Reason = "monitor console" }, argument);
                    _out.WriteLine($"saved snapshot {argument} at instruction {Guest.Cpu.Instret} ({bytes} bytes)");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _out.WriteLine($"cannot write snapshot '{argument}': {e.Message}");
                }
                return null;
            case "loadvm" when argument.Length > 0:
                LoadVm(argument);
                return null;
            case "migrate" when argument.Length > 0:
                return Migrate(argument);
            case "quit" or "q":
                _quit = true;
                _out.WriteLine($"quit at instruction {Guest.Cpu.Instret}");
                return new RunResult(StopReason.InstructionLimit, 0, Guest.Cpu.Pc, null);
            case "help":
                _out.WriteLine("info registers|mem|tlb|exits, stop, cont, savevm FILE, loadvm FILE, migrate tcp:HOST:PORT|unix:PATH, quit; in a script also wait N");
                return null;
            default:
                _out.WriteLine(command is "savevm" or "loadvm" or "migrate"
                    ? $"{command} needs an operand ({command} {(command == "migrate" ? "ADDRESS" : "FILE")})"
                    : $"unknown command '{command}' (help lists them)");
                return null;
        }
    }

    private void Info(string what)
    {
        switch (what)
        {
            case "registers" or "r":
            {
                var state = Guest.CaptureState();
                for (int r = 0; r < Registers.Count; r += 4)
                    _out.WriteLine(string.Join("  ", Enumerable.Range(r, 4).Select(i => $"{Registers.Name(i),-3}={state.Registers[i]:x8}")));
                _out.WriteLine($"pc=0x{state.Pc:x8} instret={state.Instret} cpl={state.Cpl} ie={(state.InterruptEnable ? 1 : 0)} layout={Guest.Layout.Name}");
                return;
            }
            case "mem":
            {
                Guest.Monitor?.RefreshFromHardware();
                uint ptbr = Guest.Monitor?.Guest.Read(ControlRegister.Ptbr) ?? Guest.Cpu.GetControl(ControlRegister.Ptbr);
                int touched = GuestSnapshot.TouchedPages(Guest).Count;
                _out.WriteLine($"RAM {Guest.GuestRamBytes} bytes ({Guest.GuestRamBytes >> PageBits.PageShift} pages), {touched} pages touched " +
                               $"({(long)touched << PageBits.PageShift} bytes of host memory), guest ptbr 0x{ptbr:x8}");
                if (Guest.Monitor?.DirtyLog is { } log) _out.WriteLine($"dirty log on: {log.LoggingFaults} logging faults");
                return;
            }
            case "tlb":
                InfoTlb();
                return;
            case "exits":
                if (Guest.Exits is not { } exits)
                {
                    _out.WriteLine("no monitor exits (layout native: the guest runs on the bare machine)");
                    return;
                }
                _out.WriteLine($"{exits.TotalExits} exits, {exits.ModelledCycles} monitor cycles ({Guest.Layout.Name})");
                foreach (var (cause, count) in exits.ByName())
                    _out.WriteLine($"  {cause,-16} {count,12}");
                return;
            default:
                _out.WriteLine($"info {what}: give registers, mem, tlb or exits");
                return;
        }
    }

    private unsafe void InfoTlb()
    {
        var entries = Guest.Cpu.Mmu.Entries;
        int valid = 0;
        var lines = new List<string>();
        for (int i = 0; i < Tlb.EntryCount; i++)
        {
            var entry = entries[i];
            if (entry.Tag == Tlb.InvalidTag || (entry.Perms & Tlb.ValidBit) == 0) continue;
            valid++;
            string rights = string.Concat(new[] { AccessKind.Read, AccessKind.Write, AccessKind.Fetch }.Select(kind =>
                Enumerable.Range(0, 4).Any(ring => (entry.Perms & Tlb.PermissionBit(kind, ring)) != 0) ? kind.ToString()[0..1].ToLowerInvariant() : "-"));
            lines.Add($"  0x{entry.Tag & PageBits.FrameMask:x8} -> 0x{entry.Frame & PageBits.FrameMask:x8} {rights} ring {(entry.Pte & PageBits.RingMask) >> PageBits.RingShift}");
        }
        string real = Guest.Monitor is null ? "" : " (the real TLB: shadow or nested translations, machine-physical frames)";
        _out.WriteLine($"{valid} of {Tlb.EntryCount} entries valid{real}; {Guest.Statistics.TlbMisses} misses, {Guest.Statistics.TlbFlushes} flushes so far");
        foreach (var line in lines) _out.WriteLine(line);
    }

    private void LoadVm(string path)
    {
        RestoredGuest restored;
        try { restored = GuestSnapshot.Load(path).Restore(_restoreOptions(Guest)); }
        catch (SnapshotFormatException e)
        {
            _out.WriteLine($"loadvm: {e.Message}; the guest goes on unchanged");
            return;
        }
        _owned.Add(restored);
        Guest = restored.Guest;
        _out.WriteLine($"loaded snapshot {path}: the guest is at instruction {Guest.Cpu.Instret} under {Guest.Layout.Name}");
    }

    private RunResult? Migrate(string text)
    {
        if (!MigrationAddress.TryParse(text, out var address))
        {
            _out.WriteLine($"migrate {text}: give tcp:HOST:PORT or unix:PATH; the guest goes on here");
            return null;
        }
        var (report, stop) = MigrationRunning.TryMigrate(Guest, address, _metadata, _out, new MigrationSettings());
        if (report is { Completed: true })
        {
            Migration = report;
            MigratedTo = address.Text;
            return new RunResult(StopReason.InstructionLimit, 0, Guest.Cpu.Pc, null);
        }
        return stop;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }
}
