// Runs the `r4` command line in-process (R4.Cli.Program.Run) with captured stdout, stderr
// and guest console, in a temporary folder of its own that is deleted afterwards.
using System.Text;

namespace R4.Tests.Cli;

public sealed record CliRun(int ExitCode, string Stdout, string Stderr, string Console);

public sealed class CliHarness : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("r4-cli-").FullName;

    public string PathOf(string name) => Path.Combine(Folder, name);

    public string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    public string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public CliRun Run(params string[] args) => RunWithInput([], args);

    /// <summary>Runs with <paramref name="consoleInput"/> as the guest's standard input.</summary>
    public CliRun RunWithInput(byte[] consoleInput, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var console = new MemoryStream();
        using var input = new MemoryStream(consoleInput, writable: false);
        int exit = R4.Cli.Program.Run(args, stdout, stderr, console, input);
        return new CliRun(exit, stdout.ToString(), stderr.ToString(), Encoding.UTF8.GetString(console.ToArray()));
    }

    /// <summary>What a usage error (exit 64) prints: the message with the verb's prefix, then
    /// the pointer to the verb's --help.</summary>
    public static string Usage(string verb, string message) =>
        $"r4 {verb}: {message}\nr4 {verb}: see 'r4 {verb} --help' for its options and examples\n";

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
