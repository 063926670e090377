// Entry point of `r4`: parses the verb with CommandLineParser and maps every failure the
// user can cause to a one-line message and a documented exit code (ExitCodes.cs).
using System.Diagnostics.CodeAnalysis;
using CommandLine;
using CommandLine.Text;
using R4.Isa.Image;

// The P/Invokes of r4 (OutputFile's write and statx) are LibraryImport and blittable underneath:
// without runtime marshalling ReadyToRun compiles them, instead of the .NET JIT building an IL
// stub at run time (start-up, docs/performance.md).
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

namespace R4.Cli;

public static class Program
{
    /// <summary>The process's standard error as the verbs get it from Main: Console.Error, made
    /// on the first write (LazyWriter), so a run that writes nothing there never pays for it.</summary>
    public static readonly TextWriter StandardError = new LazyWriter(() => Console.Error);

    public static int Main(string[] args)
    {
        // Standard output through write(2) on descriptor 1 (OutputFile.OpenProcessStandardOutput):
        // .NET's console stream drops writes after EPIPE, so `r4 disasm big.elf | head` would
        // go on to the end; this one throws StandardOutputClosedException and Run exits 74.
        // AutoFlush keeps every write in order with the guest console's own writes to fd 1.
        if (!OperatingSystem.IsWindows())
            Console.SetOut(new StreamWriter(OutputFile.OpenProcessStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true });
        return Run(args, Console.Out, StandardError);
    }

    /// <summary>Runs one command; the tests call this directly.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, null, null);

    /// <summary>Runs one command with the guest's console on the given streams instead of the
    /// process's standard output and input (null keeps the process's own), so tests can
    /// capture what a guest prints and feed it input.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Stream? consoleOutput, Stream? consoleInput)
    {
        var (rest, defines) = SplitDefines(args);
        if (QuickRunVerb(rest) is { } quick)
        {
            quick.Defines = defines;
            return Guarded(() => quick.Execute(output, error, consoleOutput, consoleInput), error, "run");
        }
        return RunWithParser(rest, defines, output, error, consoleOutput, consoleInput);
    }

    /// <summary>Every form but the plain `r4 run` one. A method of its own, never inlined: a
    /// ReadyToRun method resolves the types it names before its first instruction runs, so in
    /// Run, CommandLineParser's generic result types (and CommandLine.dll with them) were loaded
    /// on the quick path too.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int RunWithParser(string[] rest, List<string> defines, TextWriter output, TextWriter error, Stream? consoleOutput, Stream? consoleInput)
    {
        // No HelpWriter: a wrong option gets a short message (ReportParseErrors), not the
        // whole help screen; --help and `r4 help VERB` still print it.
        using var parser = new Parser(settings =>
        {
            settings.HelpWriter = null;
            settings.AllowMultiInstance = true;
            settings.CaseInsensitiveEnumValues = true;
        });
        var parsed = parser.ParseArguments<AsmVerb, DisasmVerb, RunVerb, CompareVerb, HostVerb, IsaDocVerb, DebugVerb, ResumeVerb, MigrateVerb>(rest);
        if (parsed.Tag == ParserResultType.Parsed && ExtraArgument(parsed.TypeInfo.Current, rest) is { } extra)
        {
            string verb = VerbName(parsed.TypeInfo.Current);
            error.WriteLine($"r4 {verb}: unexpected argument '{extra}' (r4 {verb} takes one {ValueName(parsed.TypeInfo.Current).ToUpperInvariant()}; quote a path with spaces)");
            error.WriteLine($"r4 {verb}: see 'r4 {verb} --help' for its options and examples");
            return ExitCodes.Usage;
        }
        parsed.WithParsed<IDefinesSymbols>(verb => verb.Defines = defines);
        return Guarded(() => parsed.MapResult(
            (AsmVerb verb) => verb.Execute(output, error),
            (DisasmVerb verb) => verb.Execute(output, error),
            (RunVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
            (CompareVerb verb) => verb.Execute(output, error),
            (HostVerb verb) => verb.Execute(output, error, consoleOutput),
            (IsaDocVerb verb) => verb.Execute(output, error),
            (DebugVerb verb) => verb.Execute(output, error, consoleInput),
            (ResumeVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
            (MigrateVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
            errors => ReportParseErrors(parsed, errors.ToList(), rest, output, error)), error,
            parsed.Tag == ParserResultType.Parsed ? VerbName(parsed.TypeInfo.Current) : null);
    }

    /// <summary>Runs a verb, mapping the failures a user can cause to one line and an exit code.</summary>
    private static int Guarded(Func<int> execute, TextWriter error, string? verb)
    {
        try
        {
            return execute();
        }
        catch (UserError e) when (e.ExitCode == ExitCodes.Usage && verb is not null)
        {
            // A value the parser accepted but the verb refused (--mem 3K, --layout frob, -D 1=2):
            // the same two lines as a parse error, in this one place for every verb.
            error.WriteLine($"r4 {verb}: {e.Message}");
            error.WriteLine($"r4 {verb}: see 'r4 {verb} --help' for its options and examples");
            return ExitCodes.Usage;
        }
        catch (UserError e)
        {
            error.WriteLine($"r4: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (LibraryErrorExitCode(e) != 0)
        {
            error.WriteLine($"r4: {e.Message}");
            return LibraryErrorExitCode(e);
        }
        catch (IOException e) when (e is StandardOutputClosedException || e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase))
        {
            // `r4 disasm big.elf | head`, `r4 isa-doc | head`: the reader of our standard output
            // went away after taking what it wanted. Nothing is wrong to report (as with any
            // Unix filter); the exit code says the output was cut short.
            return ExitCodes.OutputClosed;
        }
    }

    /// <summary>The exit code of a library's error about the user's input (an image, a snapshot,
    /// a disk image), or 0 for any other exception. A method of its own rather than catch
    /// clauses: a ReadyToRun method loads the types of its catch clauses before it runs, which
    /// loaded R4.Snapshots into every run (start-up, docs/performance.md).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int LibraryErrorExitCode(Exception e) => e switch
    {
        ImageFormatException => ExitCodes.BadInput,
        R4.Snapshots.SnapshotFormatException => ExitCodes.BadInput,
        R4.Machine.Devices.DiskImageException => ExitCodes.CannotOpen,
        _ => 0,
    };

    /// <summary>Start-up: the plain form of `r4 run` — one GUEST (not starting with '-') and at most
    /// the options --engine VALUE, --layout VALUE and --stats, each at most once — is parsed here,
    /// without CommandLineParser's reflection over every verb and option, which was the largest
    /// part of a short run's start-up (docs/performance.md). The result is the RunVerb
    /// CommandLineParser would build: every other property keeps its initial value, which equals
    /// its option's Default (QuickRunParseTests checks that). Anything else (other options, --name=value,
    /// a second value, --help) returns null and goes through CommandLineParser.</summary>
    public static RunVerb? QuickRunVerb(string[] args)
    {
        if (args.Length < 2 || args[0] != "run") return null;
        var verb = new RunVerb();
        bool guest = false, engine = false, layout = false, stats = false;
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--engine" or "--layout")
            {
                ref bool seen = ref arg == "--engine" ? ref engine : ref layout;
                if (seen || i + 1 >= args.Length || args[i + 1].StartsWith('-')) return null;
                seen = true;
                if (arg == "--engine") verb.Engine = args[++i]; else verb.Layout = args[++i];
            }
            else if (arg == "--stats")
            {
                if (stats) return null;
                stats = verb.Stats = true;
            }
            else if (!guest && arg.Length > 0 && !arg.StartsWith('-'))
            {
                guest = true;
                verb.Guest = arg;
            }
            else return null;
        }
        return guest ? verb : null;
    }

    /// <summary>What CommandLineParser could not parse: --help and --version print what was
    /// asked for (exit 0); no verb or an unknown verb prints the list of verbs; a wrong option
    /// of a verb is one line per error naming the option, and a pointer to that verb's --help.</summary>
    private static int ReportParseErrors(ParserResult<object> parsed, List<Error> errors, string[] args, TextWriter output, TextWriter error)
    {
        if (errors.Any(e => e.Tag == ErrorType.VersionRequestedError))
        {
            output.WriteLine(HeadingInfo.Default);
            return ExitCodes.Success;
        }
        bool helpAsked = errors.Any(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.HelpVerbRequestedError);
        bool noVerb = errors.Any(e => e.Tag is ErrorType.NoVerbSelectedError or ErrorType.BadVerbSelectedError);
        if (noVerb)
        {
            // the list of verbs, after the error ("Verb 'frob' is not recognized")
            error.WriteLine(HelpText.AutoBuild(parsed, help => HelpText.DefaultParsingErrorsHandler(parsed, help), example => example, verbsIndex: true));
            return ExitCodes.Usage;
        }
        if (helpAsked)
        {
            // `r4 help run` is `r4 run --help`.
            if (errors.OfType<HelpVerbRequestedError>().FirstOrDefault() is { Matched: true, Verb: { } helpVerb })
                return Run([helpVerb, "--help"], output, error);
            if (errors.OfType<HelpVerbRequestedError>().Any(e => !e.Matched) && args is ["help", var unknownVerb, ..])
            {
                error.WriteLine($"r4: help {unknownVerb}: no such verb; 'r4 --help' lists them");
                return ExitCodes.Usage;
            }
            // Asked for, so to standard output (`r4 run --help | less`). Wide enough that no
            // example command wraps in the middle. `r4 --help` and `r4 help` list the verbs.
            bool verbList = parsed.TypeInfo.Current == typeof(NullInstance);
            output.WriteLine(HelpText.AutoBuild(parsed, help =>
            {
                help.MaximumDisplayWidth = HelpWidth;
                return HelpText.DefaultParsingErrorsHandler(parsed, help);
            }, example => example, verbsIndex: verbList));
            return ExitCodes.Success;
        }
        var verbType = parsed.TypeInfo.Current;
        string verb = VerbName(verbType);
        var sentences = SentenceBuilder.Create();
        foreach (var e in errors)
        {
            string message = e switch
            {
                // the positional value (guest, source) is missing: CommandLineParser has no name for it
                MissingRequiredOptionError or SequenceOutOfRangeError when ((NamedError)e).NameInfo.NameText.Length == 0 =>
                    $"missing the {ValueName(verbType)} (r4 {verb} {ValueName(verbType).ToUpperInvariant()} ...)",
                BadFormatConversionError bad => $"--{bad.NameInfo.LongName}{GivenValue(args, bad.NameInfo)}: {ExpectedValue(verbType, bad.NameInfo.LongName)}",
                UnknownOptionError unknown => $"{(unknown.Token.Length == 1 ? "-" : "--")}{unknown.Token}: unknown option",
                _ => sentences.FormatError(e).TrimEnd('.'),
            };
            error.WriteLine($"r4 {verb}: {message}");
        }
        error.WriteLine($"r4 {verb}: see 'r4 {verb} --help' for its options and examples");
        return ExitCodes.Usage;
    }

    /// <summary>Why reading a verb's properties by reflection is safe in the Native AOT build
    /// (the trimmer cannot see which types reach these methods): they are the verb classes of
    /// r4, an assembly that build keeps whole (TrimmerRootAssembly in r4.csproj).</summary>
    private const string VerbTypesKept = "the verb types are in r4, which the Native AOT build roots whole (TrimmerRootAssembly)";

    /// <summary>Help lines are this wide: the longest example command fits on one line.</summary>
    public const int HelpWidth = 240;

    private static string VerbName(Type verbType) =>
        verbType.GetCustomAttributes(typeof(VerbAttribute), false).OfType<VerbAttribute>().FirstOrDefault()?.Name ?? "";

    /// <summary>The first positional argument beyond what the verb takes (CommandLineParser
    /// ignores them: `r4 run a.asm b.asm` would silently run a.asm), or null.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = VerbTypesKept)]
    private static string? ExtraArgument(Type verbType, string[] args)
    {
        // Plain loops, not LINQ over (property, attribute) tuples: those generic instantiations
        // are not in the ReadyToRun image, and compiling them cost every run measurable start-up.
        var properties = verbType.GetProperties();
        int valueCount = 0;
        var optionProperties = new List<System.Reflection.PropertyInfo>();
        var optionAttributes = new List<OptionAttribute>();
        foreach (var p in properties)
            foreach (var attribute in p.GetCustomAttributes(false))
            {
                if (attribute is ValueAttribute)
                {
                    if (p.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType))
                        return null;   // the verb takes any number of values (compare GUEST...)
                    valueCount++;
                }
                else if (attribute is OptionAttribute o)
                {
                    optionProperties.Add(p);
                    optionAttributes.Add(o);
                }
            }
        // 0: a switch; 1: one value; -1: a sequence (takes every value up to the next option).
        int ValuesTaken(string token)
        {
            for (int k = 0; k < optionAttributes.Count; k++)
            {
                var o = optionAttributes[k];
                if (token != "--" + o.LongName && !(o.ShortName.Length > 0 && token == "-" + o.ShortName)) continue;
                var type = optionProperties[k].PropertyType;
                if (type == typeof(bool)) return 0;
                return type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? -1 : 1;
            }
            return 0;
        }
        int positional = 0;
        bool onlyValues = false;
        for (int i = 1; i < args.Length; i++)   // args[0] is the verb
        {
            string arg = args[i];
            if (!onlyValues && arg == "--") { onlyValues = true; continue; }
            if (!onlyValues && arg.StartsWith('-') && arg.Length > 1)
            {
                if (arg.Contains('=')) continue;
                int taken = ValuesTaken(arg);
                if (taken == 1) i++;
                else if (taken < 0)
                    while (i + 1 < args.Length && !(args[i + 1].StartsWith('-') && args[i + 1].Length > 1)) i++;
                continue;
            }
            if (++positional > valueCount) return arg;
        }
        return null;
    }

    /// <summary>" VALUE" as the user typed it for an option (<c>--name value</c>,
    /// <c>--name=value</c>, <c>-n value</c>), or "" when it cannot be found.</summary>
    private static string GivenValue(string[] args, NameInfo name)
    {
        string?[] forms = ["--" + name.LongName, name.ShortName.Length > 0 ? "-" + name.ShortName : null];
        for (int i = 0; i < args.Length; i++)
            foreach (string? form in forms)
            {
                if (form is null || form == "--") continue;
                if (args[i] == form && i + 1 < args.Length) return " " + args[i + 1];
                if (args[i].StartsWith(form + "=", StringComparison.Ordinal)) return " " + args[i][(form.Length + 1)..];
            }
        return "";
    }

    /// <summary>The name of a verb's positional value ("guest", "source").</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = VerbTypesKept)]
    private static string ValueName(Type verbType) =>
        verbType.GetProperties()
            .SelectMany(p => p.GetCustomAttributes(typeof(ValueAttribute), false).OfType<ValueAttribute>())
            .FirstOrDefault()?.MetaName ?? "value";

    /// <summary>What an option's value must look like, from its property's type.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = VerbTypesKept)]
    private static string ExpectedValue(Type verbType, string longName)
    {
        var property = verbType.GetProperties().FirstOrDefault(p =>
            p.GetCustomAttributes(typeof(OptionAttribute), false).OfType<OptionAttribute>().Any(o => o.LongName == longName));
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type == typeof(ulong) || type == typeof(uint) ? "give a whole number, 0 or more (decimal digits)"
             : type == typeof(int) || type == typeof(long) ? "give a whole number (decimal digits)"
             : "the value has the wrong form (see --help)";
    }

    /// <summary>Takes every <c>-D NAME=VALUE</c> (also <c>-DNAME=VALUE</c>, <c>--define X</c>,
    /// <c>--define=X</c>) out of the arguments before CommandLineParser sees them: its
    /// sequence options would otherwise swallow the positional guest after them
    /// (<c>r4 run -D N=5 guest.asm</c>). Arguments after <c>--</c> are left alone.</summary>
    public static (string[] Remaining, List<string> Defines) SplitDefines(string[] args)
    {
        var rest = new List<string>(args.Length);
        var defines = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                rest.AddRange(args[i..]);
                break;
            }
            if ((arg == "-D" || arg == "--define") && i + 1 < args.Length)
                defines.Add(args[++i]);
            else if (arg.StartsWith("--define=", StringComparison.Ordinal))
                defines.Add(arg["--define=".Length..]);
            else if (arg.StartsWith("-D", StringComparison.Ordinal) && arg.Length > 2)
                defines.Add(arg[2..]);
            else
                rest.Add(arg);
        }
        return (rest.ToArray(), defines);
    }
}

/// <summary>A verb that takes <c>-D NAME=VALUE</c> defines (filled in by <see cref="Program.SplitDefines"/>).</summary>
public interface IDefinesSymbols
{
    IEnumerable<string> Defines { get; set; }
}
