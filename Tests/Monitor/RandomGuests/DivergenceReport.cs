// Runs of generated guests for the random equivalence tests, and the report written when a
// layout parts from native: the runs are repeated with every trace entry kept, and the report
// names the seed, the layout, the first differing instruction (instret, pc, disassembly) with
// the instructions that led to it, and where the console outputs part.
using System.Text;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor.RandomGuests;

/// <summary>What one run of a generated guest showed the guest, plus its trace.</summary>
public sealed record RandomGuestRun(Layout Layout, RunResult Result, string Console, GuestState State,
    InstructionTraceRecorder Trace, long[] TrapsByVector);

public static class RandomGuestRunner
{
    public const uint GuestRamBytes = 1 << 20;
    /// <summary>Generous: generated guests retire well under 100 000 instructions.</summary>
    public const ulong MaxInstructions = 2_000_000;

    /// <summary>Runs <paramref name="image"/> under <paramref name="layout"/>, keeping the first
    /// <paramref name="keptTraceEntries"/> trace entries (the hash covers all of them).</summary>
    public static RandomGuestRun Run(ProgramImage image, Layout layout, int keptTraceEntries = 0) => Run(image, layout, keptTraceEntries, traced: true);

    /// <summary>As <see cref="Run(ProgramImage, Layout, int)"/>; untraced, the machine runs on
    /// its JIT (where the host has one) and the run's trace stays empty.</summary>
    public static RandomGuestRun Run(ProgramImage image, Layout layout, int keptTraceEntries, bool traced)
    {
        using var console = new MemoryStream();
        var options = new MachineOptions
        {
            MemoryBytes = GuestRamBytes,
            ConsoleInput = new MemoryStream([], writable: false),
            ConsoleOutput = console,
            Diagnostics = new StringWriter(),
        };
        using var machine = GuestMachine.Create(options, layout);
        machine.Load(image);
        var trace = new InstructionTraceRecorder(keptTraceEntries);
        if (traced) machine.Trace = trace;
        var result = machine.Run(MaxInstructions);
        machine.Machine.Bus.Flush();
        trace.Finish();
        if (layout.Monitored) MonitorHarness.AssertMonitorMemoryIntact(machine);
        return new RandomGuestRun(layout, result, Encoding.Latin1.GetString(console.ToArray()), machine.CaptureState(),
            trace, (long[])machine.Statistics.TrapsByVector.Clone());
    }

    /// <summary>Null when <paramref name="run"/> shows the guest what <paramref name="native"/>
    /// did; else what differs first (trace, console, stop, registers).</summary>
    public static string? Difference(RandomGuestRun native, RandomGuestRun run)
    {
        if (native.Trace.Hash != run.Trace.Hash || native.Trace.Count != run.Trace.Count)
            return $"trace hash differs ({native.Trace.Count} vs {run.Trace.Count} entries)";
        if (native.Console != run.Console) return "console output differs";
        if (native.Result != run.Result) return $"stop differs: native {native.Result}, {run.Layout.Name} {run.Result}";
        if (!native.State.Equals(run.State)) return $"final state differs:\n  native  {native.State}\n  {run.Layout.Name,-7} {run.State}";
        return null;
    }
}

public static class DivergenceReport
{
    private const int ContextInstructions = 8;

    /// <summary>Re-runs native and <paramref name="layout"/> with full traces and describes
    /// where they part. <paramref name="difference"/> is what the cheap comparison found.</summary>
    public static string Describe(GeneratedKernel kernel, ProgramImage image, Layout layout, string difference)
    {
        var native = RandomGuestRunner.Run(image, Layouts.Native, int.MaxValue);
        var run = RandomGuestRunner.Run(image, layout, int.MaxValue);
        var report = new StringBuilder();
        report.Append($"{kernel}, layout {layout.Name}: {difference}\n");
        string Format(TracedInstruction t) =>
            $"instret {t.Instret} pc 0x{t.Pc:x8} `{R4.Assembler.Disassembler.Format(t.Word, t.Pc, image)}`";
        var divergence = TraceComparison.FirstDivergence(native.Trace, run.Trace);
        if (divergence is null)
            report.Append("traces are equal\n");
        else
        {
            report.Append($"first differing instruction (trace entry {divergence.Index}):\n");
            report.Append($"  native:       {(divergence.Expected is { } e ? Format(e) : "end of trace")}\n");
            report.Append($"  {layout.Name + ":",-13} {(divergence.Actual is { } a ? Format(a) : "end of trace")}\n");
            report.Append("  after the common instructions:\n");
            for (long i = Math.Max(0, divergence.Index - ContextInstructions); i < divergence.Index; i++)
                report.Append($"    {Format(native.Trace.Kept[(int)i])}\n");
        }
        int consoleIndex = FirstDifference(native.Console, run.Console);
        if (consoleIndex >= 0)
            report.Append($"console parts at byte {consoleIndex}:\n  native:  {Around(native.Console, consoleIndex)}\n" +
                          $"  {layout.Name + ":",-8} {Around(run.Console, consoleIndex)}\n");
        report.Append($"stop: native {native.Result}, {layout.Name} {run.Result}\n");
        report.Append($"state: native  {native.State}\n       {layout.Name,-7} {run.State}\n");
        return report.ToString();
    }

    private static int FirstDifference(string a, string b)
    {
        int common = Math.Min(a.Length, b.Length);
        for (int i = 0; i < common; i++)
            if (a[i] != b[i]) return i;
        return a.Length == b.Length ? -1 : common;
    }

    private static string Around(string text, int index)
    {
        int start = Math.Max(0, index - 40);
        int end = Math.Min(text.Length, index + 40);
        return start >= end ? "(end)" : System.Text.Json.JsonSerializer.Serialize(text[start..end]);
    }
}
