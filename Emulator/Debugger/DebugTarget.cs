// Execution control and time travel: owns the guest machine under the debugger, runs it one
// "attempt" at a time through the machine's trace hook (an attempt is one Instruction
// callback: an instruction about to execute, or to fault), stops where a predicate says, and
// travels backwards by re-executing deterministically from reset (spec §7) to an earlier
// attempt number, replaying the recorded console input, suppressing console output already
// shown, and re-applying the user's `set reg`/`set mem` edits at the attempt they were made.
// Re-execution runs at full interpreter speed (no trace) up to the nearest checkpoint: every
// CheckpointIntervalAttempts-th attempt records its instret and its index among the attempts
// at that instret (faults retire nothing, so one instret can see several attempts); the
// machine stops exactly at that instret, and a traced run covers the last stretch.
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Debugger;

/// <summary>What the debugger needs to build (and rebuild) the same machine again.</summary>
public sealed record DebugMachineSetup(ProgramImage Image, Layout Layout, uint MemoryBytes, CostTable Costs, byte[] ConsoleInput, string? DiskImagePath,
    MachineVariant Variant = MachineVariant.R4, ulong MaxInstructions = ulong.MaxValue)
{
    /// <summary>The guest as named on the command line and its defines (for savevm's snapshot metadata).</summary>
    public string? GuestPath { get; init; }
    public string[] Defines { get; init; } = [];
}

/// <summary>A trap the hardware delivered or handed to the monitor since the last attempt.</summary>
public readonly record struct ObservedTrap(ulong Instret, int Vector, uint ErrorCode, uint SavedPc, int FromRing, int ToRing);

/// <summary>The attempt the machine is about to execute, as the stop predicate sees it.</summary>
public sealed class AttemptContext
{
    public ulong Attempt { get; internal set; }
    public ulong Instret { get; internal set; }
    /// <summary>How many attempts before this one had the same instret (a fault, then its handler).</summary>
    public int IndexAtInstret { get; internal set; }
    public int Ring { get; internal set; }
    public uint Pc { get; internal set; }
    public uint Word { get; internal set; }
    /// <summary>The pc of the previous attempt (the instruction that just ran), or null at the first.</summary>
    public uint? PreviousPc { get; internal set; }
    public int PreviousRing { get; internal set; } = -1;
    /// <summary>Traps since the previous attempt, in order.</summary>
    public List<ObservedTrap> Traps { get; } = [];
}

public sealed class DebugTarget : IDisposable
{
    private readonly DebugMachineSetup _setup;
    private readonly ReplayingConsoleStream _console;
    private readonly List<(ulong Attempt, Action<DebugTarget> Edit)> _edits = [];
    private AttemptSink _sink = null!;
    // Checkpoint n: (instret, index at instret) of attempt n * CheckpointIntervalAttempts.
    private readonly List<(ulong Instret, int IndexAtInstret)> _checkpoints = [];

    public DebugTarget(DebugMachineSetup setup, TextWriter consoleText, int checkpointIntervalAttempts = 4096)
    {
        _setup = setup;
        CheckpointIntervalAttempts = checkpointIntervalAttempts;
        _console = new ReplayingConsoleStream(consoleText);
        Restart();
        RunUntil(_ => true);   // stop before the first instruction
    }

    public GuestMachine Guest { get; private set; } = null!;
    public Cpu Cpu => Guest.Cpu;
    public ProgramImage Image => _setup.Image;
    public Layout Layout => _setup.Layout;
    /// <summary>Raised after the machine was rebuilt from reset (before it runs), so stop
    /// points can take their baselines from the fresh machine.</summary>
    public event Action? Restarted;

    /// <summary>Every this many attempts, the instret is recorded so re-execution can run fast to it.</summary>
    public int CheckpointIntervalAttempts { get; }

    /// <summary>How many re-executions ran untraced to a checkpoint.</summary>
    public int FastForwards { get; private set; }

    /// <summary>How many times the machine was rebuilt from reset for time travel.</summary>
    public int Reexecutions { get; private set; }

    /// <summary>The attempt the machine stopped before (1 = the first instruction); after a
    /// final stop, one past the last attempt.</summary>
    public ulong Position => Final is null ? _sink.Context.Attempt : _sink.Context.Attempt + 1;

    /// <summary>The machine's own stop (power-off, shutdown, deadlock), or null while it can run.</summary>
    public RunResult? Final { get; private set; }

    /// <summary>The context of the attempt the machine is stopped before.</summary>
    public AttemptContext Current => _sink.Context;

    /// <summary>Ends a console line the guest left unfinished (before the debugger reports).</summary>
    public void EndConsoleLine() => _console.EndLine();

    /// <summary>Runs until <paramref name="stopBefore"/> says stop (it is never asked about the
    /// attempt the machine is stopped at) or the machine stops by itself.</summary>
    public void RunUntil(Func<AttemptContext, bool> stopBefore, bool interruptible = false)
    {
        if (Final is not null) return;
        Interrupted = false;
        Volatile.Write(ref _interruptRequested, 0);   // a Ctrl-C at the prompt is not for this run
        _sink.Interruptible = interruptible;
        _sink.StopBefore = stopBefore;
        // --max-instructions: the machine stops (InstructionLimit) when instret reaches it.
        var result = Guest.Run(_setup.MaxInstructions - Math.Min(Cpu.Instret, _setup.MaxInstructions));
        _sink.StopBefore = null;
        _sink.Interruptible = false;
        if (!_sink.StoppedByDebugger) Final = result;
        _sink.StoppedByDebugger = false;
    }

    private int _interruptRequested;

    /// <summary>Asks an interruptible run (continue, stepi, ...) to stop before its next
    /// instruction, as if a breakpoint hit: safe from another thread (a Ctrl-C handler).</summary>
    public void Interrupt() => Volatile.Write(ref _interruptRequested, 1);

    /// <summary>The last run stopped because of <see cref="Interrupt"/>.</summary>
    public bool Interrupted { get; private set; }

    private bool TakeInterrupt()
    {
        if (Interlocked.Exchange(ref _interruptRequested, 0) == 0) return false;
        Interrupted = true;
        return true;
    }

    /// <summary>Records and applies an edit of the state (set reg, set mem), so that time travel
    /// re-applies it at this attempt.</summary>
    public void Edit(Action<DebugTarget> edit)
    {
        TruncateCheckpoints(Position);   // later checkpoints were recorded without this edit
        _edits.Add((Position, edit));
        edit(this);
    }

    /// <summary>Rebuilds the machine from reset and re-executes to attempt <paramref name="target"/>
    /// (clamped to 1); with <paramref name="observe"/>, every attempt before the target is shown
    /// to it first (to find the last breakpoint hit). Edits made after the target are forgotten.</summary>
    public void TravelTo(ulong target, Action<AttemptContext>? observe = null)
    {
        target = Math.Max(target, 1);
        foreach (var (attempt, _) in _edits.Where(e => e.Attempt > target).ToList())
            TruncateCheckpoints(attempt);   // recorded with an edit that is now forgotten
        _edits.RemoveAll(e => e.Attempt > target);
        Restart();
        Reexecutions++;
        foreach (var (attempt, edit) in _edits)
        {
            RunTo(attempt, observe);
            edit(this);
        }
        RunTo(target, observe);
    }

    private void TruncateCheckpoints(ulong lastValidAttempt)
    {
        int keep = (int)Math.Min((ulong)_checkpoints.Count, lastValidAttempt / (ulong)CheckpointIntervalAttempts);
        _checkpoints.RemoveRange(keep, _checkpoints.Count - keep);
    }

    private void RunTo(ulong target, Action<AttemptContext>? observe)
    {
        if (Final is not null || _sink.Context.Attempt >= target) return;
        if (observe is null) FastForwardTowards(target);
        RunUntil(c =>
        {
            if (c.Attempt >= target) return true;
            observe?.Invoke(c);
            return false;
        });
    }

    /// <summary>Runs untraced to the last checkpoint at or before <paramref name="target"/> that
    /// lies ahead, stopping at the boundary where its instret is reached: the next attempt
    /// announced is then the first at that instret.</summary>
    private void FastForwardTowards(ulong target)
    {
        ulong interval = (ulong)CheckpointIntervalAttempts;
        ulong n = Math.Min(target / interval, (ulong)_checkpoints.Count);
        if (n == 0) return;
        var (instret, indexAtInstret) = _checkpoints[(int)n - 1];
        ulong firstAttemptAtInstret = n * interval - (ulong)indexAtInstret;
        if (firstAttemptAtInstret <= _sink.Context.Attempt + 1 || instret <= Cpu.Instret) return;
        Guest.Trace = null;
        FastForwards++;
        var result = Guest.Run(instret - Cpu.Instret);
        Guest.Trace = _sink;
        if (result.Reason != StopReason.InstructionLimit || Cpu.Instret != instret)
            throw new InvalidOperationException($"re-execution diverged: expected instret {instret}, reached {Cpu.Instret} ({result.Reason})");
        _sink.ResumeAt(firstAttemptAtInstret - 1);
    }

    private void Restart()
    {
        Guest?.Dispose();
        Final = null;
        _console.Rewind();
        var options = new MachineOptions
        {
            MemoryBytes = _setup.MemoryBytes,
            Costs = _setup.Costs,
            ConsoleInput = new MemoryStream(_setup.ConsoleInput, writable: false),
            ConsoleInputInteractive = false,
            ConsoleOutput = _console,
            Diagnostics = TextWriter.Null,
            DiskImagePath = _setup.DiskImagePath,
            Variant = _setup.Variant,
        };
        Guest = GuestMachine.Create(options, _setup.Layout);
        Guest.Load(_setup.Image);
        _sink = new AttemptSink(Guest.Cpu, this);
        Guest.Trace = _sink;
        Restarted?.Invoke();
    }

    public void Dispose() => Guest?.Dispose();

    /// <summary>Counts attempts and asks the predicate before each; stops the run by a host
    /// stop request, so the machine halts before the instruction (nothing of it executed).</summary>
    private sealed class AttemptSink(Cpu cpu, DebugTarget owner) : ITraceSink
    {
        public AttemptContext Context { get; } = new();
        public Func<AttemptContext, bool>? StopBefore;
        public bool Interruptible;
        public bool StoppedByDebugger;
        // After a stop, the next Run announces the same attempt again: not a new one.
        private bool _announcedAgain;
        // After a fast-forward, the attempt before the next one was never seen.
        private bool _unknownPrevious;

        /// <summary>The next attempt announced is number <paramref name="lastAttempt"/> + 1, the first at its instret.</summary>
        public void ResumeAt(ulong lastAttempt)
        {
            Context.Attempt = lastAttempt;
            Context.PreviousPc = null;
            Context.PreviousRing = -1;
            Context.Traps.Clear();
            _unknownPrevious = true;
        }

        public void Instruction(ulong instret, int ring, uint pc, uint word)
        {
            if (_announcedAgain)
            {
                _announcedAgain = false;
                Context.Pc = pc;   // `set reg pc` may have moved it
                Context.Word = word;
                return;
            }
            if (Context.Attempt > 0 && !_unknownPrevious)
            {
                Context.PreviousPc = Context.Pc;
                Context.PreviousRing = Context.Ring;
            }
            Context.IndexAtInstret = Context.Attempt > 0 && !_unknownPrevious && Context.Instret == instret ? Context.IndexAtInstret + 1 : 0;
            _unknownPrevious = false;
            Context.Attempt++;
            Context.Instret = instret;
            var checkpoints = owner._checkpoints;
            if (Context.Attempt % (ulong)owner.CheckpointIntervalAttempts == 0 &&
                Context.Attempt / (ulong)owner.CheckpointIntervalAttempts == (ulong)checkpoints.Count + 1)
                checkpoints.Add((instret, Context.IndexAtInstret));
            Context.Ring = ring;
            Context.Pc = pc;
            Context.Word = word;
            bool stop = StopBefore?.Invoke(Context) ?? false;
            if (!stop && Interruptible && owner.TakeInterrupt()) stop = true;
            Context.Traps.Clear();
            if (stop)
            {
                _announcedAgain = true;
                StoppedByDebugger = true;
                cpu.RequestStop(StopReason.InstructionLimit, 0, "debugger stop");
            }
        }

        public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing) =>
            Context.Traps.Add(new ObservedTrap(instret, vector, errorCode, savedPc, fromRing, toRing));
    }
}

/// <summary>The guest console's output: bytes go to the debugger's text output once; while
/// re-executing after a rewind, bytes the person has already seen are swallowed (the machine
/// is deterministic, so they are the same bytes).</summary>
public sealed class ReplayingConsoleStream(TextWriter text) : Stream
{
    private long _written, _shown;

    /// <summary>The last byte shown was not a newline: the guest left its line unfinished.</summary>
    public bool MidLine { get; private set; }

    public void Rewind() => _written = 0;

    /// <summary>Ends the guest's unfinished line, so the debugger's next report starts on a line of its own.</summary>
    public void EndLine()
    {
        if (!MidLine) return;
        text.WriteLine();
        MidLine = false;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (byte b in buffer)
        {
            if (_written++ < _shown) continue;
            _shown++;
            text.Write((char)b);
            MidLine = b != (byte)'\n';
        }
    }

    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() => text.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
