// Running a guest that may be saved: `r4 run --save-at N --save FILE`, `r4 resume`, and Ctrl-\
// (SIGQUIT) with --save. The guest runs in slices of SliceInstructions (only when a save may
// be asked for at any moment) so a request from another thread is served at the next slice
// boundary — an instruction boundary — without touching the CPU's hot loop. Slicing changes
// nothing the guest sees: a run stopped at an instruction limit and run on is the same run.
using System.Runtime.InteropServices;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Cli;

public static class SnapshotRunning
{
    /// <summary>Instructions between two looks at a pending save request.</summary>
    public const ulong SliceInstructions = 1 << 20;

    /// <summary>Runs <paramref name="guest"/> until it stops, its instret reaches
    /// <paramref name="limitInstret"/> (counted from reset), or it is saved: at
    /// <paramref name="saveAtInstret"/>, or on SIGQUIT when <paramref name="savePath"/> is set.
    /// Returns the stop and whether a snapshot was written.</summary>
    public static (RunResult Result, bool Saved) Run(GuestMachine guest, ulong limitInstret, ulong? saveAtInstret,
        string? savePath, SnapshotMetadata metadata, TextWriter error)
    {
        int signalled = 0;
        using var quit = savePath is null ? null : TryRegisterQuit(() => Interlocked.Exchange(ref signalled, 1));
        bool sliced = quit is not null;
        while (true)
        {
            ulong now = guest.Cpu.Instret;
            ulong target = Math.Min(limitInstret, saveAtInstret ?? ulong.MaxValue);
            ulong step = target > now ? target - now : 0;
            if (sliced) step = Math.Min(step, SliceInstructions);
            var result = guest.Run(step);
            if (result.Reason != StopReason.InstructionLimit)
            {
                if (saveAtInstret is { } at && savePath is not null)
                    error.WriteLine($"r4: the guest stopped at instruction {guest.Cpu.Instret}, before --save-at {at}: no snapshot written");
                return (result, false);
            }
            bool atSavePoint = saveAtInstret is { } point && guest.Cpu.Instret >= point;
            if (savePath is not null && (atSavePoint || Volatile.Read(ref signalled) != 0))
            {
                string reason = atSavePoint ? "instruction count" : "signal";
                long bytes = Save(guest, metadata with { Reason = reason }, savePath);
                error.WriteLine($"r4: saved snapshot {savePath} at instruction {guest.Cpu.Instret} ({bytes} bytes)");
                return (result, true);
            }
            if (guest.Cpu.Instret >= limitInstret) return (result, false);
        }
    }

    /// <summary>Saves atomically; a host failure becomes a one-line error (exit 73).</summary>
    public static long Save(GuestMachine guest, SnapshotMetadata metadata, string path)
    {
        try { return GuestSnapshot.Save(guest, metadata, path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot write snapshot '{path}': {e.Message} (any earlier snapshot of that name is unchanged)", ExitCodes.CannotWrite);
        }
    }

    /// <summary>Ctrl-\ (SIGQUIT) asks for a save instead of killing the process; null where
    /// the platform has no such signal.</summary>
    private static PosixSignalRegistration? TryRegisterQuit(Action onQuit)
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context =>
            {
                context.Cancel = true;
                onQuit();
            });
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException)
        {
            return null;
        }
    }

    /// <summary>The metadata of a snapshot of the guest at <paramref name="guestPath"/>.</summary>
    public static SnapshotMetadata MetadataFor(string? guestPath, IEnumerable<string> defines) => new()
    {
        GuestPath = guestPath is null ? null : Path.GetFullPath(guestPath),
        Defines = defines.ToArray(),
    };

    /// <summary>The guest image for symbols in messages, when the file named in the snapshot
    /// is still there; an empty image otherwise (messages then give bare addresses).</summary>
    public static R4.Isa.Image.ProgramImage ImageForMessages(SnapshotMetadata metadata)
    {
        if (metadata.GuestPath is { } path && File.Exists(path))
        {
            try { return GuestLoader.Load(path, metadata.Defines, TextWriter.Null); }
            catch (Exception e) when (e is UserError or R4.Isa.Image.ImageFormatException) { }
        }
        return new R4.Isa.Image.ProgramImage(0, []);
    }

    /// <summary>The console of a guest restored in this process (`r4 resume`, the migration
    /// receiver): input from --input, else the caller's stream, else the terminal unless the
    /// guest carries its own input; output to the caller's stream or to descriptor 1.</summary>
    public sealed class RestoredConsole : IDisposable
    {
        private readonly Stream? _ownedInput, _ownedOutput;
        public Stream Output { get; }
        public Stream? Input { get; }
        public bool Interactive { get; }

        public RestoredConsole(string? inputPath, bool guestCarriesInput, Stream? consoleOutputStream, Stream? consoleInputStream)
        {
            Stream? input = inputPath is not null ? new MemoryStream(GuestLoader.ReadAll(inputPath), writable: false) : consoleInputStream;
            if (input is null && !guestCarriesInput)
            {
                input = Console.OpenStandardInput();
                Interactive = !Console.IsInputRedirected;
            }
            Input = input;
            _ownedInput = input != consoleInputStream ? input : null;
            _ownedOutput = consoleOutputStream is null ? OutputFile.OpenProcessStandardOutput() : null;
            Output = consoleOutputStream ?? _ownedOutput!;
        }

        /// <summary>Flushes what the guest printed; a closed pipe already stopped the run
        /// (OutputClosed) or came after its end, so it is not an error here.</summary>
        public void Flush()
        {
            try { Output.Flush(); }
            catch (IOException) { }
        }

        public void Dispose()
        {
            _ownedInput?.Dispose();
            _ownedOutput?.Dispose();
        }
    }

    /// <summary>Says how a restored guest's run ended as `r4 run` does (a stop that is not a
    /// power-off, --stats) and returns its exit code; --stats-json is the caller's.</summary>
    public static int ReportEnd(GuestMachine guest, RunResult result, R4.Isa.Image.ProgramImage image, bool saved, bool stats, TextWriter error)
    {
        if (result.Reason != StopReason.PowerOff && !saved)
            error.WriteLine($"r4: {RunVerb.Describe(result, image, stoppedByMonitor: guest.Monitor?.StopDiagnostic is not null)}");
        if (stats)
            StatsReport.WriteSummary(error, result, guest.Statistics, guest.Layout.Name, guest.Exits);
        return saved ? ExitCodes.Success : RunVerb.ExitCodeOf(result);
    }

    /// <summary>Refuses a --layout that names no layout (resume and the migration receiver
    /// continue a guest under another layout than it was saved under).</summary>
    public static void RequireLayoutName(string? layout)
    {
        if (layout is not null && !Layouts.TryParse(layout, out _))
            throw new UserError($"--layout {layout}: give one of {Layouts.Names}", ExitCodes.Usage);
    }
}
