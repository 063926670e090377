// Runs the `r4` command line in-process (R4.Cli.Program.Run) with captured stdout, stderr
// and guest console, in a temporary folder of its own that is deleted afterwards; with
// R4_CLI_BINARY set, as a child process of that executable instead (Binary).
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
        if (Binary is not null) return RunBinary(Binary, consoleInput, args);
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var console = new MemoryStream();
        using var input = new MemoryStream(consoleInput, writable: false);
        int exit = R4.Cli.Program.Run(args, stdout, stderr, console, input);
        return new CliRun(exit, stdout.ToString(), stderr.ToString(), Encoding.UTF8.GetString(console.ToArray()));
    }

    /// <summary>R4_CLI_BINARY: an r4 executable (the Native AOT build: README.md) that every
    /// harness run starts as a child process instead of calling Program.Run, so the suite's
    /// command lines check that build verb by verb (docs/performance.md, "Issue 14, aot stream").
    /// Unset: in-process, as always.</summary>
    public static string? Binary { get; } = Environment.GetEnvironmentVariable("R4_CLI_BINARY") is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The command that starts `r4` as a child process: R4_CLI_BINARY, or the `dotnet`
    /// host that runs this test with r4.dll (copied beside the tests).</summary>
    public static string[] R4Command => Binary is not null ? [Binary] : [DotnetHost(), typeof(R4.Cli.Program).Assembly.Location];

    /// <summary>A start of <see cref="R4Command"/> with <paramref name="args"/>, its standard
    /// output and error redirected.</summary>
    public static System.Diagnostics.ProcessStartInfo R4Process(IEnumerable<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(R4Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in R4Command.Skip(1).Concat(args)) start.ArgumentList.Add(arg);
        return start;
    }

    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }

    /// <summary>The verbs that run guests: a child process writes the guest's console to its
    /// standard output, which in-process runs capture apart (CliRun.Console). Their standard
    /// output is reported as the console, and also as Stdout where r4 writes there itself too
    /// (the debugger, --help, an output file named "-"); a test that wants one of them exact
    /// beside the other there fails against a binary for that reason alone.</summary>
    private static readonly string[] GuestVerbs = ["run", "resume", "migrate", "host", "debug"];

    private static bool WritesStandardOutputItself(string[] args) => args[0] == "debug" || args.Contains("--help") || args.Contains("-");

    private CliRun RunBinary(string binary, byte[] consoleInput, string[] args)
    {
        var start = R4Process(args);
        start.RedirectStandardInput = true;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.BaseStream.Write(consoleInput);
            process.StandardInput.Close();
        }
        catch (IOException) { }   // it exited without reading its input
        if (!process.WaitForExit(120_000))
        {
            process.Kill();
            throw new TimeoutException($"{binary} {string.Join(' ', args)}: still running after 120 s");
        }
        bool guestVerb = args.Length > 0 && GuestVerbs.Contains(args[0]);
        return new CliRun(process.ExitCode, guestVerb && !WritesStandardOutputItself(args) ? "" : stdout.Result, stderr.Result, guestVerb ? stdout.Result : "");
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
