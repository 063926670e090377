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
        var parsed = parser.ParseArguments<AsmVerb, DisasmVerb, RunVerb, CompareVerb, IsaDocVerb>(args);
        try
        {
            return parsed.MapResult(
                (AsmVerb verb) => verb.Execute(output, error),
                (DisasmVerb verb) => verb.Execute(output, error),
                (RunVerb verb) => verb.Execute(output, error, consoleOutput, consoleInput),
                (CompareVerb verb) => verb.Execute(output, error),
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
}
