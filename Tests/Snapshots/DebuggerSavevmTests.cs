// `savevm FILE` in `r4 debug`: a snapshot `r4 resume` accepts, continuing exactly as the one
// `r4 run --save-at` writes at the same instruction (same console output, same count from
// reset); a stopped guest or a missing name is a one-line debugger error.
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Snapshots;

public class DebuggerSavevmTests
{
    private static string KernelPath => RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm");

    private static ulong Instructions(string statsJson) =>
        JsonDocument.Parse(File.ReadAllText(statsJson)).RootElement.GetProperty("instructions").GetUInt64();

    [Theory]
    [InlineData("native", 300_000)]
    [InlineData("ring3", 777_777)]
    public void Savevm_in_the_debugger_continues_as_run_save_at_does(string layout, int at)
    {
        using var cli = new CliHarness();
        string fromDebugger = cli.PathOf("debug.r4snap"), fromRun = cli.PathOf("run.r4snap");
        string commands = cli.Write("commands.txt", $"until-instret {at}\nsavevm {fromDebugger}\nquit\n");
        var debug = cli.Run("debug", KernelPath, "--layout", layout, "--commands", commands);
        Assert.Equal(0, debug.ExitCode);
        Assert.Contains($"saved snapshot {fromDebugger} at instruction {at} (", debug.Stdout);
        Assert.Equal(0, cli.Run("run", KernelPath, "--layout", layout, "--save-at", at.ToString(), "--save", fromRun).ExitCode);

        var a = cli.Run("resume", fromDebugger, "--engine", "interp", "--stats-json", cli.PathOf("a.json"));
        var b = cli.Run("resume", fromRun, "--stats-json", cli.PathOf("b.json"));
        Assert.Equal((0, 0), (a.ExitCode, b.ExitCode));
        Assert.Equal(b.Console, a.Console);
        Assert.NotEqual("", a.Console);
        Assert.Equal(Instructions(cli.PathOf("b.json")), Instructions(cli.PathOf("a.json")));
    }

    [Fact]
    public void Savevm_without_a_name_or_after_the_guest_stopped_is_refused()
    {
        using var cli = new CliHarness();
        string commands = cli.Write("commands.txt", $"savevm\ncontinue\nsavevm {cli.PathOf("late.r4snap")}\nquit\n");
        var debug = cli.Run("debug", RepositoryPaths.Combine("Guests", "examples", "hello.asm"), "--commands", commands);
        Assert.Contains("savevm needs a file name (savevm FILE)", debug.Stdout + debug.Stderr);
        Assert.Contains("the guest has stopped: nothing left to save", debug.Stdout + debug.Stderr);
        Assert.False(File.Exists(cli.PathOf("late.r4snap")));
    }
}
