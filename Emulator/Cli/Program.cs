// Entry point of `r4`: parses the verb with CommandLineParser and maps every failure the
// user can cause to a one-line message and a documented exit code (ExitCodes.cs).
using CommandLine;
using R4.Isa.Image;

namespace R4.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs one command; the tests call this directly.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, null, null);

    /// <summary>Runs one command with the guest's console on the given streams instead of the
    /// process's standard output and input (null keeps the process's own), so tests can
    /// capture what a guest prints and feed it input.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Stream? consoleOutput, Stream? consoleInput)
    {
        // Help goes to a buffer first: a mistyped option value gets one line, not the help screen.
        var helpText = new StringWriter();
        using var parser = new Parser(settings =>
        {
            settings.HelpWriter = helpText;
            settings.AllowMultiInstance = true;
            settings.CaseInsensitiveEnumValues = true;
        });
        var (rest, defines) = SplitDefines(args);
        var parsed = parser.ParseArguments<AsmVerb, DisasmVerb, RunVerb, CompareVerb, IsaDocVerb, DebugVerb>(rest);
        parsed.WithParsed<IDefinesSymbols>(verb => verb.Defines = defines);
        if (parsed is NotParsed<object> notParsed && OptionValueErrors(notParsed, rest) is { Count: > 0 } oneLiners)
        {
            foreach (string line in oneLiners) error.WriteLine($"r4: {line}");
            return ExitCodes.Usage;
        }
        error.Write(helpText.ToString());
        try
        {
            return parsed.MapResult(
                (AsmVerb verb) => verb.Execute(output, error),
                (DisasmVerb verb) => verb.Execute(output, error),
                (RunVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
                (CompareVerb verb) => verb.Execute(output, error),
                (IsaDocVerb verb) => verb.Execute(output, error),
                (DebugVerb verb) => verb.Execute(output, error, consoleInput),
                errors => errors.All(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.VersionRequestedError or ErrorType.HelpVerbRequestedError)
                    ? ExitCodes.Success
                    : ExitCodes.Usage);
        }
        catch (UserError e)
        {
            error.WriteLine($"r4: {e.Message}");
            return e.ExitCode;
        }
        catch (ImageFormatException e)
        {
            error.WriteLine($"r4: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (R4.Machine.Devices.DiskImageException e)
        {
            error.WriteLine($"r4: {e.Message}");
            return ExitCodes.CannotOpen;
        }
    }

    /// <summary>One line per option given a value it cannot take (<c>--repeat abc</c>), without a
    /// value (<c>--repeat</c> last), or unknown (<c>--repaet 3</c>); empty when any other error
    /// (an unknown verb, a missing guest, --help) leaves the help screen the better answer.</summary>
    private static List<string> OptionValueErrors(NotParsed<object> notParsed, string[] args)
    {
        var lines = new List<string>();
        var verb = notParsed.TypeInfo.Current;
        string verbName = verb.GetCustomAttributes(typeof(VerbAttribute), false) is [VerbAttribute attribute, ..] ? attribute.Name : "";
        string help = verbName.Length > 0 ? $" (r4 {verbName} --help lists the options)" : "";
        foreach (var e in notParsed.Errors)
        {
            switch (e)
            {
                case BadFormatConversionError bad:
                {
                    string option = OptionText(bad.NameInfo);
                    string? value = ValueOf(args, bad.NameInfo);
                    var property = verb.GetProperties().FirstOrDefault(p =>
                        p.GetCustomAttributes(typeof(OptionAttribute), false) is [OptionAttribute o, ..] && o.LongName == bad.NameInfo.LongName);
                    var type = Nullable.GetUnderlyingType(property?.PropertyType ?? typeof(object)) ?? property?.PropertyType;
                    string want = type == typeof(int) || type == typeof(long) ? "give a whole number"
                                : type == typeof(uint) || type == typeof(ulong) ? "give a whole number, 0 or more"
                                : "not a valid value";
                    lines.Add($"{option} {value}: {want}{help}");
                    break;
                }
                case MissingValueOptionError missing:
                    lines.Add($"{OptionText(missing.NameInfo)}: give a value{help}");
                    break;
                case UnknownOptionError unknown:
                    lines.Add($"{(unknown.Token.Length == 1 ? "-" : "--")}{unknown.Token}: unknown option{help}");
                    break;
                default:
                    return [];
            }
        }
        return lines;
    }

    private static string OptionText(NameInfo name) => name.LongName.Length > 0 ? "--" + name.LongName : "-" + name.ShortName;

    /// <summary>The text the user gave for an option (<c>--name value</c>, <c>--name=value</c>, <c>-n value</c>).</summary>
    private static string? ValueOf(string[] args, NameInfo name)
    {
        for (int i = 0; i < args.Length; i++)
        {
            foreach (string form in new[] { "--" + name.LongName, name.ShortName.Length > 0 ? "-" + name.ShortName : null })
            {
                if (form is null || form == "--") continue;
                if (args[i] == form && i + 1 < args.Length) return args[i + 1];
                if (args[i].StartsWith(form + "=", StringComparison.Ordinal)) return args[i][(form.Length + 1)..];
            }
        }
        return null;
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
