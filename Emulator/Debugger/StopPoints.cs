// Breakpoints, watchpoints and catchpoints: the numbered list `info breakpoints` shows, and the
// check run before every attempt while the guest runs under the debugger. A check returns the
// stop report (or null). Watchpoints and exit/fault catchpoints compare against a baseline taken
// at the previous attempt, so they say which instruction wrote or trapped.
using System.Text;
using R4.Isa;
using R4.Monitor;

namespace R4.Debugger;

public abstract class StopPoint(int number)
{
    public int Number { get; } = number;
    public bool Temporary { get; init; }
    public int Hits { get; set; }
    public abstract string Kind { get; }
    public abstract string What { get; }
    /// <summary>The report when the attempt in <paramref name="c"/> must stop, else null.</summary>
    public abstract string? Check(AttemptContext c, DebugViews views);
    /// <summary>Takes the current state as the reference for later changes.</summary>
    public virtual void Rebaseline(DebugViews views) { }
    /// <summary>The report when the machine stopped by itself (<paramref name="final"/>) during
    /// the attempt in <paramref name="c"/>, with no next attempt to check: a fault that went
    /// straight to a triple fault, an exit after which the machine shut down. Else null.</summary>
    public virtual string? CheckFinal(AttemptContext c, DebugViews views, R4.Machine.RunResult final) => null;
}

public sealed class Breakpoint(int number, uint address, string source) : StopPoint(number)
{
    public uint Address { get; } = address;
    /// <summary>Every address it stops at: <see cref="Address"/>, and for a FILE:LINE whose code
    /// appears several times (a line inside a macro), the start of each copy.</summary>
    public IReadOnlyList<uint> Addresses { get; init; } = [address];
    public override string Kind => Temporary ? "tbreak" : "break";
    /// <summary>`break LOC if COND`: stops only when COND holds there.</summary>
    public Condition? Condition { get; init; }
    public override string What => $"{source} -> {Address:x8}{(Addresses.Count > 1 ? $" and {Addresses.Count - 1} more" : "")}{(Condition is null ? "" : $" if {Condition.Text}")}";
    public override string? Check(AttemptContext c, DebugViews views) =>
        Addresses.Contains(c.Pc) && (Condition is null || Condition.Holds(views.Target.Image, views.Target.Cpu))
            ? $"{(Temporary ? "Temporary breakpoint" : "Breakpoint")} {Number}, {views.Where(c.Pc)}" : null;
}

/// <summary>A breakpoint's condition: VALUE OP VALUE (== != &lt; &lt;= &gt; &gt;=, unsigned), or one
/// VALUE that holds when not 0; values as everywhere ($r1, symbols, numbers, + and -), read
/// when the breakpoint's address is reached.</summary>
public sealed class Condition
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "<", ">"];
    private readonly string _left, _right, _operator;
    public string Text { get; }

    private Condition(string text, string left, string op, string right) => (Text, _left, _operator, _right) = (text, left, op, right);

    public static Condition Parse(string text, R4.Isa.Image.ProgramImage image, R4.Machine.Cpu cpu)
    {
        text = text.Trim();
        if (text.Length == 0) throw new CommandException("break: give a condition after 'if' (e.g. if $r1 == 3)");
        foreach (string op in Operators)
        {
            int at = text.IndexOf(op, StringComparison.Ordinal);
            if (at < 0) continue;
            var condition = new Condition(text, text[..at].Trim(), op, text[(at + op.Length)..].Trim());
            condition.Holds(image, cpu);   // a malformed side is an error now, not at every hit
            return condition;
        }
        var single = new Condition(text, text, "!=", "0");
        single.Holds(image, cpu);
        return single;
    }

    public bool Holds(R4.Isa.Image.ProgramImage image, R4.Machine.Cpu cpu)
    {
        uint left = Operands.ParseValue(_left, image, cpu), right = Operands.ParseValue(_right, image, cpu);
        return _operator switch
        {
            "==" => left == right,
            "!=" => left != right,
            "<=" => left <= right,
            ">=" => left >= right,
            "<" => left < right,
            _ => left > right,
        };
    }
}

/// <summary>A write watchpoint on <c>Length</c> bytes at a virtual address of the address space
/// that was loaded when it was set (its ptbr is kept: in a kernel with one address space per
/// process, a user address stays the named process's while others run; kernel addresses read
/// the same in every space). Reports a change of the bytes, old and new, and the pc that wrote
/// them. A page that becomes mapped or unmapped is no write: the value is taken afresh.</summary>
public sealed class Watchpoint(int number, uint address, int length, uint ptbr) : StopPoint(number)
{
    private byte[]? _old;
    public uint Address { get; } = address;
    public int Length { get; } = length;
    /// <summary>The ptbr the address is read through.</summary>
    public uint Ptbr { get; } = ptbr;
    public override string Kind => "watch";
    public override string What => $"{Address:x8} ({Length} byte{(Length == 1 ? "" : "s")}){AddressSpace}";

    /// <summary>" in page directory 0x...", or "" when it was set with paging off.</summary>
    public string AddressSpace => (Ptbr & PageBits.PtbrEnable) != 0 ? $" in page directory 0x{Ptbr & PageBits.FrameMask:x8}" : "";

    public override void Rebaseline(DebugViews views) => _old = views.TryReadVirtualIn(Ptbr, Address, Length);

    public override string? Check(AttemptContext c, DebugViews views)
    {
        var now = views.TryReadVirtualIn(Ptbr, Address, Length);
        var old = _old;
        _old = now;
        if (old is null || now is null || now.AsSpan().SequenceEqual(old)) return null;
        var report = new StringBuilder();
        report.Append($"Watchpoint {Number}: {views.Where(Address, withLine: false)} ({Length} bytes)\n");
        report.Append($"Old value = {Format(old)}\nNew value = {Format(now)}\n");
        report.Append(c.PreviousPc is { } writer ? $"written by pc {views.Where(writer)}" : "written before the first instruction");
        return report.ToString();
    }

    private static string Format(byte[] bytes)
    {
        if (bytes.Length is 1 or 2 or 4)
        {
            uint value = 0;
            for (int i = bytes.Length - 1; i >= 0; i--) value = value << 8 | bytes[i];
            return $"0x{value.ToString("x" + bytes.Length * 2)}";
        }
        return string.Join(" ", bytes.Select(b => b.ToString("x2")));
    }
}

/// <summary>`catch vector N`: a trap of vector N delivered to the guest. Natively: any delivery.
/// Under a monitor: a hardware delivery straight into a guest ring (a direct gate), or a
/// delivery the monitor made through the guest's own gate — a reflected fault, a system call it
/// reflected (ring3, or a gate without a direct shadow), an interrupt it injected (possibly
/// later than the hardware interrupt, e.g. at the guest's `sti`). Exits the monitor handles
/// itself (a hidden page fault, an emulated privileged instruction) are not the guest's traps.</summary>
public sealed class VectorCatchpoint(int number, int vector) : StopPoint(number)
{
    private long _reflected, _delivered;
    public int Vector { get; } = vector;
    public override string Kind => "catch";
    public override string What => $"vector {Vector} ({Vectors.Name(Vector)})";

    /// <summary>The monitor's count of its own deliveries of this kind of vector (faults are counted by vector).</summary>
    private long Delivered(VirtualMachineMonitor m) => Vector switch
    {
        >= Vectors.FirstSoftware => m.Exits[ExitCause.SystemCall],
        >= Vectors.Timer => m.Exits[ExitCause.Interrupt],
        _ => 0,
    };

    public override void Rebaseline(DebugViews views)
    {
        _reflected = views.Monitor?.Exits.ReflectedFaults(Vector) ?? 0;
        _delivered = views.Monitor is { } m ? Delivered(m) : 0;
    }

    public override string? Check(AttemptContext c, DebugViews views)
    {
        ObservedTrap? caught = null;
        foreach (var trap in c.Traps)
            if (trap.Vector == Vector && (views.Monitor is null || trap.ToRing != 0)) caught = trap;
        if (views.Monitor is { } monitor)
        {
            long reflected = monitor.Exits.ReflectedFaults(Vector), delivered = Delivered(monitor);
            // A delivery of another vector also lands at a handler: the monitor's count says a
            // delivery happened, the guest's gate for this vector says it was this one.
            bool monitorDelivered = reflected != _reflected ||
                (delivered != _delivered && monitor.Guest.Gates[Vector] is { Present: true } gate && gate.Handler == c.Pc);
            _reflected = reflected;
            _delivered = delivered;
            if (caught is null && monitorDelivered)
            {
                var frame = views.GuestFrame();
                caught = new ObservedTrap(c.Instret, Vector, frame?.Error ?? 0, frame?.SavedPc ?? c.PreviousPc ?? c.Pc, c.PreviousRing, c.Ring);
            }
        }
        if (caught is not { } t) return null;
        return Report(t, c, views) + $"\n  handler at pc {views.Where(c.Pc)}";
    }

    /// <summary>A fault of this vector whose delivery failed and escalated to a shutdown
    /// (#PF, gate not present; then #DF, gate not present): the CPU delivered nothing, so only
    /// the shutdown's diagnostic names the chain ("triple fault: #PF [...] at 0x...: gate 6 not
    /// present; then #DF: gate 8 not present").</summary>
    public override string? CheckFinal(AttemptContext c, DebugViews views, R4.Machine.RunResult final)
    {
        if (final.Reason != R4.Machine.StopReason.Shutdown || final.Diagnostic is not { } diagnostic) return null;
        const string prefix = "triple fault: ";
        int start = diagnostic.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0) return null;
        var raised = diagnostic[(start + prefix.Length)..].Split("; then ")
            .Select(part => part.Split(' ', ':')[0]).ToList();
        if (!raised.Contains(Vectors.Name(Vector))) return null;
        var report = new StringBuilder($"Catchpoint {Number} ({Vectors.Name(Vector)} {Vectors.Describe(Vector)})");
        if (Vector is Vectors.PageFault or Vectors.Alignment) report.Append($", address 0x{views.FaultRegister:x8}");
        report.Append($"\n  raised at pc {views.Where(c.Pc)}, ring {c.Ring}\n  not delivered: {diagnostic[(start + prefix.Length)..]}");
        return report.ToString();
    }

    private string Report(ObservedTrap t, AttemptContext c, DebugViews views)
    {
        var report = new StringBuilder($"Catchpoint {Number} ({Vectors.Name(t.Vector)} {Vectors.Describe(t.Vector)})");
        if (t.Vector == Vectors.PageFault)
            report.Append($", error 0x{t.ErrorCode:x} ({PageBits.DescribeError(t.ErrorCode)}), address 0x{views.FaultRegister:x8}");
        else if (t.Vector == Vectors.Alignment)
            report.Append($", address 0x{views.FaultRegister:x8}");
        else if (t.ErrorCode != 0)
            report.Append($", error 0x{t.ErrorCode:x}");
        // Under a monitor the ring the guest trapped from is the one in the frame it was given
        // (real rings do not tell kernel from user in ring3).
        string realRing = t.FromRing >= 0 ? $"real {t.FromRing}" : "real ring unknown";
        string ring = views.Monitor is null ? $"ring {t.FromRing}"
            : views.GuestFrame() is { } saved ? $"ring {saved.SavedRing} ({realRing})" : realRing;
        report.Append($"\n  trapped at pc {views.Where(t.SavedPc)}, {ring}");
        return report.ToString();
    }
}

/// <summary>`catch ring`: any change of the guest's ring between two instructions — under a
/// monitor the virtual ring (in ring3 the real ring never changes), with the real rings beside it.</summary>
public sealed class RingCatchpoint(int number) : StopPoint(number)
{
    private int _ring = -1;
    public override string Kind => "catch";
    public override string What => "ring change";

    public override void Rebaseline(DebugViews views) => _ring = views.GuestRing;

    public override string? Check(AttemptContext c, DebugViews views)
    {
        int before = _ring, now = views.GuestRing;
        _ring = now;
        if (before < 0 || before == now) return null;
        string real = views.Monitor is null ? "" : c.PreviousRing >= 0 ? $"; real ring {c.PreviousRing} -> {c.Ring}" : $"; real ring {c.Ring}";
        return $"Catchpoint {Number} (ring {before} -> {now}{real}), at pc {views.Where(c.Pc)}";
    }
}

/// <summary>`catch exit [CAUSE]`: a monitor exit, of one cause or any.</summary>
public sealed class ExitCatchpoint(int number, ExitCause? cause) : StopPoint(number)
{
    private long _count;
    public override string Kind => "catch";
    public override string What => cause is { } c ? $"monitor exit {ExitAccounting.NameOf(c)}" : "any monitor exit";

    private long Count(VirtualMachineMonitor m) => cause is { } c ? m.Exits[c] : m.Exits.TotalExits;

    public override void Rebaseline(DebugViews views) => _count = views.Monitor is { } m ? Count(m) : 0;

    public override string? Check(AttemptContext c, DebugViews views) =>
        Changed(views) ? $"{Header(c)} after pc {(c.PreviousPc is { } p ? views.Where(p) : "?")}\n  now at pc {views.Where(c.Pc)}" : null;

    /// <summary>An exit during the last attempt, after which the machine stopped (an emulated
    /// iret whose return faults into a triple fault): there is no next instruction to stop at.</summary>
    public override string? CheckFinal(AttemptContext c, DebugViews views, R4.Machine.RunResult final) =>
        Changed(views) ? $"{Header(c)} at pc {views.Where(c.Pc)}\n  then the machine stopped" : null;

    private bool Changed(DebugViews views)
    {
        if (views.Monitor is not { } m) return false;
        long now = Count(m);
        if (now == _count) return false;
        _count = now;
        return true;
    }

    private string Header(AttemptContext c) =>
        $"Catchpoint {Number} (monitor exit{(cause is { } k ? " " + ExitAccounting.NameOf(k) : "")}{Causes(c)})";

    private static string Causes(AttemptContext c)
    {
        string causes = string.Join(", ", c.Traps.Where(t => t.ToRing == 0).Select(t => Vectors.Name(t.Vector)));
        return causes.Length > 0 ? ", trap " + causes : "";
    }
}

/// <summary>The numbered list of stop points.</summary>
public sealed class StopPointList
{
    private readonly List<StopPoint> _points = [];
    private int _nextNumber = 1;

    public IReadOnlyList<StopPoint> All => _points;
    public int NextNumber() => _nextNumber++;
    public void Add(StopPoint point) => _points.Add(point);
    public bool Delete(int number) => _points.RemoveAll(p => p.Number == number) > 0;
    public void Rebaseline(DebugViews views) { foreach (var p in _points) p.Rebaseline(views); }

    /// <summary>The reports of the points that a stop of the machine itself hits (see
    /// <see cref="StopPoint.CheckFinal"/>).</summary>
    public List<string> CheckFinal(AttemptContext c, DebugViews views, R4.Machine.RunResult final)
    {
        var reports = new List<string>();
        foreach (var p in _points.ToArray())
        {
            if (p.CheckFinal(c, views, final) is not { } report) continue;
            reports.Add(report);
            p.Hits++;
            if (p.Temporary) _points.Remove(p);
        }
        return reports;
    }

    /// <summary>Checks every point (all of them, so each baseline stays current) and returns
    /// the reports of those that hit; temporary breakpoints that hit are deleted.</summary>
    public List<string> Check(AttemptContext c, DebugViews views, bool countHits = true)
    {
        var reports = new List<string>();
        foreach (var p in _points.ToArray())
        {
            if (p.Check(c, views) is not { } report) continue;
            reports.Add(report);
            if (!countHits) continue;
            p.Hits++;
            if (p.Temporary) _points.Remove(p);
        }
        return reports;
    }
}
