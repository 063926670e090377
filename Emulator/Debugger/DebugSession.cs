// One debugging session: the commands (each a small handler over DebugTarget, StopPointList and
// DebugViews), the stop reports (symbol+offset, file:line, decoded page faults), and the two
// ways of feeding it lines: a script (--commands, echoed as "(r4) cmd") or a line reader.
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Debugger;

public sealed class DebugSession : IDisposable
{
    private readonly DebugTarget _target;
    private readonly DebugViews _views;
    private readonly StopPointList _points = new();
    private readonly CommandTable _commands = new();
    private readonly TextWriter _out;
    private readonly DebugMachineSetup _setup;
    private bool _quit;

    public const string Prompt = "(r4) ";

    public DebugSession(DebugMachineSetup setup, TextWriter output, int checkpointIntervalAttempts = 4096)
    {
        _out = output;
        _setup = setup;
        _target = new DebugTarget(setup, output, checkpointIntervalAttempts);
        _views = new DebugViews(_target);
        _target.Restarted += () => _points.Rebaseline(_views);
        RegisterCommands();
    }

    public DebugTarget Target => _target;
    public bool Quit => _quit;

    /// <summary>Runs one command line; errors in it are reported, never thrown.</summary>
    public void Execute(string line)
    {
        line = line.Trim();
        if (line.Length == 0 || line.StartsWith('#')) return;
        int space = line.IndexOfAny([' ', '\t', '/']);
        string word = space < 0 ? line : line[..space];
        string rest = space < 0 ? "" : line[space..].Trim();
        if (space >= 0 && line[space] == '/') rest = line[space..];   // x/4w keeps its format
        try
        {
            // Two-word commands: info X, catch X, set X.
            _commands.Resolve(word).Run(rest);
        }
        catch (CommandException e)
        {
            _out.WriteLine($"error: {e.Message}");
        }
        _out.Flush();
    }

    /// <summary>Runs every line of a script, echoing each as "(r4) line", until quit.</summary>
    public void RunScript(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            _out.WriteLine(Prompt + line.TrimEnd());
            Execute(line);
            if (_quit) break;
        }
    }

    /// <summary>Reads commands until quit or end of input; an empty line repeats the last step command.</summary>
    public void RunInteractive(Func<string?> readLine)
    {
        string? last = null;
        while (!_quit)
        {
            _out.Flush();
            string? line = readLine();
            if (line is null) break;
            if (line.Trim().Length == 0 && last is not null) line = last;
            else if (line.Trim().Length > 0) last = line;
            Execute(line);
        }
    }

    // ---- the command table --------------------------------------------------------------------

    private void RegisterCommands()
    {
        _commands.Add("help", ["h"], "help [COMMAND]", "list the commands, or show one", Help);
        _commands.Add("break", ["b"], "break ADDR|SYMBOL|FILE:LINE", "stop before the instruction at a place", a => AddBreak(a, temporary: false));
        _commands.Add("tbreak", [], "tbreak ADDR|SYMBOL|FILE:LINE", "a breakpoint deleted at its first hit", a => AddBreak(a, temporary: true));
        _commands.Add("delete", ["d"], "delete N", "delete breakpoint/watchpoint/catchpoint N (no N: all)", Delete);
        _commands.Add("watch", [], "watch ADDR [LEN]", "stop after a write changes LEN bytes (default 4) at ADDR", AddWatch);
        _commands.Add("catch", [], "catch vector N|NAME | catch ring | catch exit [CAUSE]", "stop on a trap, a ring change, or a monitor exit", AddCatch);
        _commands.Add("info", ["i"], "info breakpoints|registers|cr|monitor [ADDR]", "show stop points, registers, control registers, the monitor", Info);
        _commands.Add("stepi", ["si"], "stepi [N]", "execute N instructions (default 1)", a => StepInstructions(a.Length == 0 ? 1 : Operands.ParseCount(a, "stepi")));
        _commands.Add("next", ["n", "nexti", "ni"], "next", "one instruction, running called functions to their return", NoArguments("next", Next));
        _commands.Add("finish", ["fin"], "finish", "run until the current function returns (to [fp+4], or lr)", NoArguments("finish", Finish));
        _commands.Add("continue", ["c"], "continue", "run until a stop point hits or the machine stops", NoArguments("continue", Continue));
        _commands.Add("until-instret", [], "until-instret N", "run until N instructions have retired", UntilInstret);
        _commands.Add("registers", ["regs"], "registers", "the registers (same as info registers)", NoArguments("registers", () => Print(_views.Registers())));
        _commands.Add("x", [], "x/NF ADDR (F = w words, b bytes)", "examine virtual memory through the guest's page tables", a => Examine(a, physical: false));
        _commands.Add("xp", [], "xp/NF PADDR", "examine physical memory", a => Examine(a, physical: true));
        _commands.Add("disassemble", ["disas"], "disassemble [ADDR] [N]", "N instructions from ADDR (default: pc, 8) with source lines", Disassemble);
        _commands.Add("bt", ["backtrace", "where"], "bt", "the backtrace through the frame-pointer chain", NoArguments("bt", () => Print(_views.Backtrace())));
        _commands.Add("pt", [], "pt ADDR", "walk the guest's page tables for ADDR", PageWalk);
        _commands.Add("set", [], "set reg R = V | set mem ADDR = V", "change a register or a memory word", Set);
        _commands.Add("reverse-stepi", ["rsi"], "reverse-stepi [N]", "go back N instructions (default 1)", a => ReverseStep(a.Length == 0 ? 1 : Operands.ParseCount(a, "reverse-stepi")));
        _commands.Add("reverse-continue", ["rc"], "reverse-continue", "go back to the previous stop point hit", NoArguments("reverse-continue", ReverseContinue));
        _commands.Add("savevm", [], "savevm FILE", "save a snapshot of the guest here (continue it with r4 resume FILE)", SaveVm);
        _commands.Add("quit", ["q", "exit"], "quit", "leave the debugger", NoArguments("quit", () => _quit = true));
    }

    /// <summary>savevm FILE: the guest at this instruction boundary as a snapshot file, written
    /// atomically (docs/hosted.md); `r4 resume FILE` continues it as the run would have gone on.</summary>
    private void SaveVm(string args)
    {
        if (args.Length == 0) throw new CommandException("savevm needs a file name (savevm FILE)");
        if (_target.Final is not null) throw new CommandException("the guest has stopped: nothing left to save");
        var metadata = new R4.Snapshots.SnapshotMetadata
        {
            GuestPath = _setup.GuestPath is null ? null : Path.GetFullPath(_setup.GuestPath),
            Defines = _setup.Defines,
            Reason = "debugger",
        };
        try
        {
            long bytes = R4.Snapshots.GuestSnapshot.Save(_target.Guest, metadata, args);
            _target.EndConsoleLine();
            _out.WriteLine($"saved snapshot {args} at instruction {_target.Cpu.Instret} ({bytes} bytes)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot write snapshot '{args}': {e.Message} (any earlier snapshot of that name is unchanged)");
        }
    }

    /// <summary>A handler for a command that takes no operands: a stray one is a mistake
    /// (a typo, or an operand meant for another command), not something to ignore.</summary>
    private static Action<string> NoArguments(string name, Action run) => args =>
    {
        if (args.Length > 0) throw new CommandException($"{name} takes no operands (got '{args}')");
        run();
    };

    private void Help(string args)
    {
        var commands = args.Length == 0 ? _commands.All : [_commands.Resolve(args)];
        static string Synopsis(DebugCommand c) => c.Aliases.Length == 0 ? c.Usage : $"{c.Usage} ({string.Join(", ", c.Aliases)})";
        int width = _commands.All.Max(c => Synopsis(c).Length);   // one column for every description
        foreach (var c in commands)
            _out.WriteLine($"  {Synopsis(c).PadRight(width)}  {c.Help}");
    }

    private void Print(IEnumerable<string> lines)
    {
        foreach (var l in lines) _out.WriteLine(l);
    }

    private uint Value(string text) => Operands.ParseValue(text, _target.Image, _target.Cpu);

    // ---- stop points ---------------------------------------------------------------------------

    private void AddBreak(string args, bool temporary)
    {
        if (args.Length == 0) throw new CommandException("break: give an address, a symbol or FILE:LINE");
        var lines = args.Contains(':') ? Operands.ParseFileLineLocations(args, _target.Image) : null;
        uint address = lines?.Addresses[0] ?? Operands.ParseValue(args, _target.Image, _target.Cpu);
        if ((address & 3) != 0)
            throw new CommandException($"{(temporary ? "tbreak" : "break")}: 0x{address:x8} is not 4-aligned: no instruction starts there");
        var point = new Breakpoint(_points.NextNumber(), address, args) { Temporary = temporary, Addresses = lines?.Addresses ?? [address] };
        _points.Add(point);
        string more = point.Addresses.Count > 1 ? $", and {point.Addresses.Count - 1} more places (the line's code appears {point.Addresses.Count} times: a macro's line)" : "";
        string moved = lines is { } l && l.Line != l.RequestedLine ? $" (no instruction on line {l.RequestedLine}: the next one is on line {l.Line})" : "";
        _out.WriteLine($"{(temporary ? "Temporary breakpoint" : "Breakpoint")} {point.Number} at {_views.Where(address)}{more}{moved}");
    }

    private void Delete(string args)
    {
        if (args.Length == 0)
        {
            foreach (var p in _points.All.ToArray()) _points.Delete(p.Number);
            _out.WriteLine("Deleted all stop points");
            return;
        }
        var numbers = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (string n in numbers)   // all or nothing: check every number before deleting one
            if (!int.TryParse(n, out int number) || _points.All.All(p => p.Number != number))
                throw new CommandException($"delete: no stop point number {n}");
        foreach (string n in numbers)
            if (_points.Delete(int.Parse(n))) _out.WriteLine($"Deleted {int.Parse(n)}");
    }

    private void AddWatch(string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) throw new CommandException("watch: give ADDR [LEN]");
        uint address = Value(parts[0]);
        int length = parts.Length == 2 ? Operands.ParseCount(parts[1], "watch length") : 4;
        if (length > 64) throw new CommandException("watch: at most 64 bytes");
        // Watched through the current page tables: an address that is not mapped now has no
        // value to compare against (a later mapping would look like a write).
        for (int i = 0; i < length; i++)
            if (_views.WhyUnreadable(address + (uint)i) is { } why)
                throw new CommandException($"watch: {why}; watch an address the guest can reach now");
        var point = new Watchpoint(_points.NextNumber(), address, length, _views.GuestPtbr);
        point.Rebaseline(_views);
        _points.Add(point);
        _out.WriteLine($"Watchpoint {point.Number}: {_views.Where(address, withLine: false)} ({length} bytes){point.AddressSpace}");
    }

    private void AddCatch(string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CommandException("catch: give vector N|NAME, ring, or exit [CAUSE] (or a vector name: catch pf)");
        StopPoint point;
        switch (parts[0])
        {
            case "ring":
                if (parts.Length > 1) throw new CommandException($"catch ring takes no operands (got '{string.Join(' ', parts[1..])}')");
                point = new RingCatchpoint(_points.NextNumber());
                break;
            case "exit":
                if (_target.Guest.Monitor is null) throw new CommandException("catch exit: no monitor (use --layout ring012, ring013 or ring3)");
                ExitCause? cause = null;
                if (parts.Length > 1)
                {
                    var match = Enum.GetValues<ExitCause>().Where(c => ExitAccounting.NameOf(c).Equals(parts[1], StringComparison.OrdinalIgnoreCase)).ToList();
                    if (match.Count == 0)
                        throw new CommandException($"catch exit: unknown cause '{parts[1]}' (one of {string.Join(", ", Enum.GetValues<ExitCause>().Select(ExitAccounting.NameOf))})");
                    cause = match[0];
                }
                if (parts.Length > 2) throw new CommandException("catch exit: give at most one cause");
                point = new ExitCatchpoint(_points.NextNumber(), cause);
                break;
            case "vector":
                if (parts.Length != 2) throw new CommandException("catch vector: give a number or a name (pf, gp, ud, ...)");
                point = new VectorCatchpoint(_points.NextNumber(), ParseVector(parts[1]));
                break;
            default:
                if (parts.Length > 1) throw new CommandException($"catch {parts[0]}: give one vector (got '{args}')");
                point = new VectorCatchpoint(_points.NextNumber(), ParseVector(parts[0]));
                break;
        }
        point.Rebaseline(_views);
        _points.Add(point);
        _out.WriteLine($"Catchpoint {point.Number}: {point.What}");
    }

    private static int ParseVector(string text)
    {
        if (Operands.TryParseNumber(text, out uint n))
            return n < Vectors.Count ? (int)n : throw new CommandException($"catch: vector {n} is not 0..63");
        string name = text.TrimStart('#').ToLowerInvariant();
        for (int v = 0; v < Vectors.Count; v++)
            if (Vectors.Name(v).TrimStart('#').Equals(name, StringComparison.OrdinalIgnoreCase)) return v;
        if (name is "syscall") return Vectors.SystemCall;
        throw new CommandException($"catch: unknown vector '{text}' (a number 0..63 or de, bp, ud, gp, pf, ac, df, mc, timer, console, disk, syscall)");
    }

    private void Info(string args)
    {
        var parts = args.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CommandException("info: give breakpoints, registers, cr or monitor");
        string what = parts[0];
        bool monitor = "monitor".StartsWith(what);
        if (!monitor && parts.Length > 1) throw new CommandException($"info {what} takes no operands (got '{parts[1]}')");
        if ("breakpoints".StartsWith(what)) InfoBreakpoints();
        else if ("registers".StartsWith(what) || what == "regs") Print(_views.Registers());
        else if (what == "cr") Print(_views.ControlRegisters());
        else if (monitor) Print(_views.MonitorInfo(parts.Length > 1 ? Value(parts[1]) : null));
        else throw new CommandException($"info: unknown '{what}' (breakpoints, registers, cr, monitor)");
    }

    private void InfoBreakpoints()
    {
        if (_points.All.Count == 0) { _out.WriteLine("No stop points."); return; }
        _out.WriteLine("Num  Type    Hits  What");
        foreach (var p in _points.All)
            _out.WriteLine($"{p.Number,-4} {p.Kind,-7} {p.Hits,-5} {p.What}");
    }

    // ---- execution control ---------------------------------------------------------------------

    /// <summary>Runs until <paramref name="done"/> or a stop point hits, then reports the stop.</summary>
    private void Resume(Func<AttemptContext, bool> done)
    {
        if (_target.Final is not null)
        {
            _out.WriteLine($"The machine has stopped ({DescribeFinal(_target.Final)}); use reverse-stepi or reverse-continue to go back.");
            return;
        }
        List<string> reports = [];
        _target.RunUntil(c =>
        {
            reports = _points.Check(c, _views);
            return reports.Count > 0 || done(c);
        }, interruptible: true);
        _target.EndConsoleLine();
        if (_target.Interrupted) _out.WriteLine($"Interrupted at instret {_target.Cpu.Instret}.");
        foreach (var r in reports) _out.WriteLine(r);
        ReportPosition();
    }

    private void ReportPosition()
    {
        if (_target.Final is { } final)
        {
            _out.WriteLine(DescribeFinal(final));
            return;
        }
        _out.WriteLine(_views.CurrentInstruction());
    }

    private string DescribeFinal(RunResult final)
    {
        string where = _views.Where(final.Pc);
        if (_target.Current.Attempt > 0 && _target.Current.Pc != final.Pc && final.Reason != StopReason.PowerOff)
            where += $", after the instruction at {_views.Where(_target.Current.Pc)}";
        // Power-off happens at the `out` (or `hlt`) that was the last attempt; pc has moved past it.
        bool byLastAttempt = final.Reason == StopReason.PowerOff && _target.Current.Attempt > 0;
        string text = final.Reason switch
        {
            StopReason.PowerOff when byLastAttempt => $"Machine powered off, exit status {final.ExitStatus}, by the instruction at {_views.Where(_target.Current.Pc)}",
            StopReason.PowerOff => $"Machine powered off, exit status {final.ExitStatus}, at pc {where}",
            StopReason.Shutdown => $"Machine shut down (triple fault) at pc {where}",
            StopReason.Deadlock => $"Machine deadlocked (halted, no interrupt source left) at pc {where}",
            _ => $"Machine stopped ({final.Reason}) at pc {where}",
        };
        return final.Diagnostic is null ? text : $"{text}: {final.Diagnostic}";
    }

    private void StepInstructions(int count)
    {
        ulong target = _target.Position + (ulong)count;
        Resume(c => c.Attempt >= target);
    }

    private void Next()
    {
        uint pc = _target.Cpu.Pc;
        var opcode = _views.TryReadVirtual(pc, 4) is { } b ? (Opcode)(BitConverter.ToUInt32(b) >> 24) : Opcode.Invalid;
        if (opcode is not (Opcode.Call or Opcode.Callr)) { StepInstructions(1); return; }
        Resume(ReturnedTo(pc + 4));
    }

    /// <summary>The stop test of next and finish: back at the return address with the stack
    /// unwound to here — and, for user code, in the same address space: processes share code
    /// (a user library) and stack addresses, and another one may pass the same point first.</summary>
    private Func<AttemptContext, bool> ReturnedTo(uint returnAddress)
    {
        uint sp = _target.Cpu.GetRegister(Registers.StackPointer), ptbr = _views.GuestPtbr;
        bool user = _views.GuestRing != 0;
        return c => c.Pc == returnAddress && _target.Cpu.GetRegister(Registers.StackPointer) >= sp &&
                    (!user || _views.GuestPtbr == ptbr);
    }

    private void Finish()
    {
        if (_target.Final is not null) { Resume(_ => true); return; }   // reports the stop
        uint returnAddress = _views.TryReturnAddress() ??
            throw new CommandException($"finish: {_views.Where(_target.Cpu.Pc, withLine: false)} has no caller to return to (lr = 0x{_target.Cpu.GetRegister(Registers.LinkRegister):x8}, fp = 0: no frame)");
        _out.WriteLine($"Run till exit to {_views.Where(returnAddress)}");
        Resume(ReturnedTo(returnAddress));
    }

    private void Continue() => Resume(_ => false);

    private void UntilInstret(string args)
    {
        if (!Operands.TryParseNumber(args, out uint n)) throw new CommandException("until-instret: give an instruction count");
        if (n <= _target.Cpu.Instret) throw new CommandException($"until-instret: instret is already {_target.Cpu.Instret}");
        Resume(c => c.Instret >= n);
    }

    // ---- time travel ---------------------------------------------------------------------------

    private void ReverseStep(int count)
    {
        ulong position = _target.Position;
        if (position <= 1) { _out.WriteLine("Already at the first instruction."); return; }
        _target.TravelTo(position - (ulong)Math.Min((ulong)count, position - 1));
        _points.Rebaseline(_views);
        ReportPosition();
    }

    private void ReverseContinue()
    {
        ulong position = _target.Position;
        ulong lastHit = 0;
        List<string> lastReports = [];
        _target.TravelTo(position, c =>
        {
            var reports = _points.Check(c, _views, countHits: false);
            if (reports.Count > 0) { lastHit = c.Attempt; lastReports = reports; }
        });
        if (lastHit == 0)
        {
            _target.TravelTo(1);
            _points.Rebaseline(_views);
            _out.WriteLine("No earlier stop point hit; back at the first instruction.");
            ReportPosition();
            return;
        }
        _target.TravelTo(lastHit);
        _points.Rebaseline(_views);
        foreach (var r in lastReports) _out.WriteLine(r);
        ReportPosition();
    }

    // ---- changing state ------------------------------------------------------------------------

    private void Set(string args)
    {
        var parts = args.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        int eq = parts.Length == 2 ? parts[1].IndexOf('=') : -1;
        if (eq < 0 || parts[0] is not ("reg" or "mem" or "var"))
            throw new CommandException("set: give 'set reg R = V' or 'set mem ADDR = V'");
        if (_target.Final is { } final)
            throw new CommandException($"set: the machine has stopped ({DescribeFinal(final)}); go back with reverse-stepi first");
        string left = parts[1][..eq].Trim();
        uint value = Value(parts[1][(eq + 1)..]);
        if (parts[0] == "reg")
        {
            int register = Operands.ParseRegister(left);
            if (register == 0) throw new CommandException("set reg: r0 always reads 0 (writes to it are discarded)");
            if (register < 0 && (value & 3) != 0) throw new CommandException($"set reg pc: 0x{value:x8} is not 4-aligned (the next fetch would raise #AC)");
            _target.Edit(t => { if (register < 0) t.Cpu.Pc = value; else t.Cpu.SetRegister(register, value); });
            _out.WriteLine($"{(register < 0 ? "pc" : Registers.Name(register))} = 0x{value:x8}");
            if (register < 0) _out.WriteLine(_views.CurrentInstruction());
        }
        else
        {
            uint address = Value(left);
            if ((address & 3) != 0) throw new CommandException($"set mem: 0x{address:x8} is not word-aligned");
            if (_views.WhyUnreadable(address) is { } why) throw new CommandException($"set mem: {why}");
            uint pa = _views.Translate(address).PhysicalAddress;
            _target.Edit(t => t.Cpu.TryWritePhysical32(pa, value));
            _out.WriteLine($"[{_views.Where(address, withLine: false)}] = 0x{value:x8}");
        }
        _points.Rebaseline(_views);
    }

    private void Examine(string args, bool physical)
    {
        string name = physical ? "xp" : "x";
        int count = 1, unit = 4;
        string rest = args;
        if (rest.StartsWith('/'))
        {
            int space = rest.IndexOf(' ');
            string format = space < 0 ? rest[1..] : rest[1..space];
            rest = space < 0 ? "" : rest[space..].Trim();
            string digits = new(format.TakeWhile(char.IsDigit).ToArray());
            string letter = format[digits.Length..];
            if (digits.Length > 0) count = Operands.ParseCount(digits, name);
            unit = letter switch
            {
                "" or "w" => 4,
                "b" => 1,
                _ => throw new CommandException($"{name}: unit '{letter}' is not w (words) or b (bytes)"),
            };
        }
        if (rest.Length == 0) throw new CommandException($"{name}: give an address");
        uint address = Value(rest);
        // Nothing to show at all is a one-line error; a range that runs into unmapped pages
        // shows ?? for the bytes that cannot be read.
        if (physical && address >= _views.RamBytes)
            throw new CommandException($"xp: 0x{address:x8} is outside RAM (0x{_views.RamBytes:x8} bytes)");
        if (!physical && _views.WhyUnreadable(address) is { } why)
            throw new CommandException($"x: {why}");
        Print(_views.Examine(address, count, unit, physical));
    }

    private void Disassemble(string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 2) throw new CommandException("disassemble: give [ADDR] [N]");
        uint start = parts.Length > 0 ? Value(parts[0]) & ~3u : _target.Cpu.Pc;
        int count = parts.Length > 1 ? Operands.ParseCount(parts[1], "disassemble") : 8;
        if (_views.WhyUnreadable(start) is { } why) throw new CommandException($"disassemble: {why}");
        Print(_views.Disassemble(start, count));
    }

    private void PageWalk(string args)
    {
        if (args.Length == 0) throw new CommandException("pt: give an address");
        Print(_views.PageWalk(Value(args)));
    }

    public void Dispose() => _target.Dispose();
}
