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
        using var parser = new Parser(settings =>
        {
            settings.HelpWriter = error;
            settings.AllowMultiInstance = true;
            settings.CaseInsensitiveEnumValues = true;
        });
        var (rest, defines) = SplitDefines(args);
        var parsed = parser.ParseArguments<AsmVerb, DisasmVerb, RunVerb, IsaDocVerb>(rest);
        parsed.WithParsed<IDefinesSymbols>(verb => verb.Defines = defines);
        try
        {
            return parsed.MapResult(
                (AsmVerb verb) => verb.Execute(output, error),
                (DisasmVerb verb) => verb.Execute(output, error),
                (RunVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
                (IsaDocVerb verb) => verb.Execute(output, error),
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
