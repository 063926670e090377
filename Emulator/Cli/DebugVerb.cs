// `r4 debug`: loads a guest like `r4 run` (same layout, knobs and machine options) and hands it to the debugger (Emulator/Debugger):
// commands from --commands FILE (echoed, for tests and bug reports), else from the terminal
// with line editing, else (redirected stdin) one plain line at a time.
using CommandLine;
using CommandLine.Text;
using R4.Debugger;
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

[Verb("debug", HelpText = "Debug a guest: breakpoints, watchpoints, catchpoints, stepping, reverse execution (see docs/debugging.md).")]
public sealed class DebugVerb : IDefinesSymbols, IMonitorKnobOptions
{
    [Value(0, MetaName = "guest", Required = true, HelpText = "The guest: an assembly source, an ELF image or a flat binary.")]
    public string Guest { get; set; } = "";

    [Option("layout", Default = "native", HelpText = "Run natively or under the monitor: native|ring012|ring013|ring3|bt|hw.")]
    public string Layout { get; set; } = "native";

    [Option("shadow-cache", HelpText = MonitorKnobs.ShadowCacheHelp)]
    public int? ShadowCache { get; set; }

    [Option("shadow-sync", HelpText = MonitorKnobs.ShadowSyncHelp)]
    public string? ShadowSync { get; set; }

    [Option("ptbr-targets", HelpText = MonitorKnobs.PtbrTargetsHelp)]
    public string? PtbrTargets { get; set; }

    [Option("direct-syscalls", HelpText = MonitorKnobs.DirectSyscallsHelp)]
    public string? DirectSyscalls { get; set; }

    [Option("page-protection", HelpText = MonitorKnobs.PageProtectionHelp)]
    public string? PageProtection { get; set; }

    [Option("allow-unsafe-protection", HelpText = MonitorKnobs.AllowUnsafeProtectionHelp)]
    public bool AllowUnsafeProtection { get; set; }

    [Option("commands", HelpText = "Run the debugger commands in this file (each echoed as '(r4) command'), then exit.")]
    public string? Commands { get; set; }

    [Option("input", HelpText = "The guest's console input, from this file (default: none).")]
    public string? Input { get; set; }

    [Option("mem", Default = "16M", HelpText = "RAM size, e.g. 16M (multiple of 4096).")]
    public string Memory { get; set; } = "16M";

    [Option("machine", Default = "r4", HelpText = "The machine: r4 (as specified) or x86-flaw (an iret at ring > 0 that would change IE leaves it alone instead of #GP, like x86 popf; spec §11.5).")]
    public string Machine { get; set; } = "r4";

    [Option("max-instructions", HelpText = "Stop the machine when it has retired this many instructions (as r4 run does).")]
    public ulong? MaxInstructions { get; set; }

    [Option('D', "define", HelpText = "Define a symbol when the guest is an assembly source: -D NAME=VALUE. Repeatable.")]
    public IEnumerable<string> Defines { get; set; } = [];

    [Usage(ApplicationAlias = "r4")]
    public static IEnumerable<Example> Examples =>
    [
        HelpExample.Of("Debug the broken example interactively", new DebugVerb { Guest = "Guests/examples/broken/broken.asm" }),
        HelpExample.Of("Replay a debugging session from a file under the ring3 layout", new DebugVerb { Guest = "Guests/examples/broken/broken.asm", Commands = "docs/debugging-walkthrough.txt", Layout = "ring3" }),
    ];

    public int Execute(TextWriter output, TextWriter error, Stream? consoleInputStream = null)
    {
        if (!GuestLoader.TryParseSize(Memory, out ulong memoryBytes) || memoryBytes % 4096 != 0 || memoryBytes > 1UL << 31)
            throw new UserError($"--mem {Memory}: give a size that is a multiple of 4 KiB, at most 2 GiB (e.g. 16M)", ExitCodes.Usage);
        if (!Layouts.TryParse(Layout, out var layout))
            throw new UserError($"--layout {Layout}: give one of {Layouts.Names}", ExitCodes.Usage);
        layout = MonitorKnobs.Of(this).Apply(layout);
        var variant = RunVerb.ParseMachine(Machine);
        if (VirtualMachineMonitor.FlawWarning(layout, variant) is { } warning)
            error.WriteLine($"r4 debug: warning: {warning}");
        string[]? script = Commands is null ? null : ReadLines(Commands);
        var image = GuestLoader.Load(Guest, Defines, error);
        byte[] input = Input is not null ? GuestLoader.ReadAll(Input) : [];
        if (MaxInstructions == 0)
            throw new UserError("--max-instructions 0: give at least 1 (without it the machine runs until it stops)", ExitCodes.Usage);
        var setup = new DebugMachineSetup(image, layout, (uint)memoryBytes, CostTable.Default, input, null, variant, MaxInstructions ?? ulong.MaxValue)
        {
            GuestPath = Guest,
            Defines = Defines.ToArray(),
        };
        using var session = new DebugSession(setup, output);
        output.WriteLine($"r4 debug: {Guest} ({layout.Name}), stopped before the first instruction. Type 'help' for the commands.");
        output.WriteLine(new DebugViews(session.Target).CurrentInstruction());
        // Ctrl-C stops a running guest (an endless loop under `continue`) and returns to the
        // prompt, as in gdb, instead of ending the debugger; at the prompt it does nothing.
        ConsoleCancelEventHandler interrupt = (_, e) => { e.Cancel = true; session.Target.Interrupt(); };
        Console.CancelKeyPress += interrupt;
        try
        {
            RunSession(session, script, output, consoleInputStream);
        }
        finally
        {
            Console.CancelKeyPress -= interrupt;
        }
        output.Flush();
        return ExitCodes.Success;
    }

    private static void RunSession(DebugSession session, string[]? script, TextWriter output, Stream? consoleInputStream)
    {
        if (script is not null)
            session.RunScript(script);
        else if (!Console.IsInputRedirected && consoleInputStream is null)
            session.RunInteractive(new LineEditor(DebugSession.Prompt).ReadLine);
        else
        {
            var reader = consoleInputStream is null ? Console.In : new StreamReader(consoleInputStream);
            session.RunInteractive(() => { output.Write(DebugSession.Prompt); output.Flush(); return reader.ReadLine(); });
        }
    }

    private static string[] ReadLines(string path)
    {
        byte[] bytes = GuestLoader.ReadAll(path);
        return System.Text.Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n").Split('\n') is var lines && lines.Length > 0 && lines[^1].Length == 0
            ? lines[..^1] : System.Text.Encoding.UTF8.GetString(bytes).Split('\n');
    }
}
