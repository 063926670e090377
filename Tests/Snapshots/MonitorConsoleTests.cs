// The monitor console of `r4 run` driven by a script (--monitor-script): exact answers on stderr
// for info registers/exits, stop/cont, wait N; savevm + loadvm go back in time and the guest
// still prints the uninterrupted run's output from there; migrate from the console hands the
// guest over; quit ends the run; a bad command is answered, not fatal; the socket console
// (--monitor unix:PATH) answers a client.
using System.Net.Sockets;
using R4.Tests.Cli;

namespace R4.Tests.Snapshots;

public class MonitorConsoleTests
{
    private static string KernelPath => RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm");
    private static string HelloPath => RepositoryPaths.Combine("Guests", "examples", "hello.asm");

    [Fact]
    public void A_script_gets_exact_answers_and_the_guest_output_is_untouched()
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", HelloPath);
        string script = cli.Write("monitor.txt", "# comments and blank lines are skipped\n\ninfo registers\nwait 3\nstop\nwait 5\ncont\ninfo exits\nfrobnicate\ninfo\nsavevm\n");
        var run = cli.Run("run", HelloPath, "--monitor-script", script);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(whole.Console, run.Console);
        Assert.Equal(
            "(r4) info registers\n" +
            "r0 =00000000  r1 =00000000  r2 =00000000  r3 =00000000\n" +
            "r4 =00000000  r5 =00000000  r6 =00000000  r7 =00000000\n" +
            "r8 =00000000  r9 =00000000  r10=00000000  r11=00000000\n" +
            "r12=00000000  fp =00000000  sp =00000000  lr =00000000\n" +
            "pc=0x00000000 instret=0 cpl=0 ie=0 layout=native\n" +
            "(r4) wait 3\n" +
            "(r4) stop\n" +
            "stopped at instruction 3, pc 0x0000000c\n" +
            "(r4) wait 5\n" +
            "the guest is stopped: cont first\n" +
            "(r4) cont\n" +
            "running from instruction 3\n" +
            "(r4) info exits\n" +
            "no monitor exits (layout native: the guest runs on the bare machine)\n" +
            "(r4) frobnicate\n" +
            "unknown command 'frobnicate' (help lists them)\n" +
            "(r4) info\n" +
            "info : give registers, mem, tlb or exits\n" +
            "(r4) savevm\n" +
            "savevm needs an operand (savevm FILE)\n", run.Stderr);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ring012")]
    [InlineData("ring3")]
    public void Savevm_then_loadvm_goes_back_and_the_guest_runs_on_as_from_there(string layout)
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", layout);
        var upTo = cli.Run("run", KernelPath, "--layout", layout, "--max-instructions", "600000");
        string snapshot = cli.PathOf("m.r4snap");
        var savedAt = cli.Run("run", KernelPath, "--layout", layout, "--max-instructions", "300000");
        string script = cli.Write("monitor.txt", $"wait 300000\nsavevm {snapshot}\nwait 600000\nloadvm {snapshot}\ninfo registers\n");
        var run = cli.Run("run", KernelPath, "--layout", layout, "--monitor-script", script);
        Assert.Equal(0, run.ExitCode);
        // to 600000, then from 300000 again to the end
        Assert.Equal(upTo.Console + whole.Console[savedAt.Console.Length..], run.Console);
        Assert.Contains($"(r4) loadvm {snapshot}\nloaded snapshot {snapshot}: the guest is at instruction 300000 under {layout}\n", run.Stderr);
        Assert.Contains("pc=0x", run.Stderr);
    }

    [Fact]
    public void Quit_ends_the_run_at_once()
    {
        using var cli = new CliHarness();
        string script = cli.Write("monitor.txt", "wait 100000\nquit\ninfo registers\n");
        var run = cli.Run("run", KernelPath, "--monitor-script", script, "--stats-json", cli.PathOf("s.json"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("(r4) wait 100000\n(r4) quit\nquit at instruction 100000\n", run.Stderr);
        Assert.Contains("\"instructions\": 100000", File.ReadAllText(cli.PathOf("s.json")));
    }

    [Fact]
    public void Migrate_from_the_console_hands_the_guest_over()
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", "ring3");
        string socket = cli.PathOf("m.sock");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnListening(string where)
        {
            if (where == "unix:" + socket) listening.TrySetResult();
        }
        R4.Cli.MigrateVerb.Listening += OnListening;
        var receiving = Task.Run(() => cli.Run("migrate", "--receive", "unix:" + socket));
        try { Assert.True(listening.Task.Wait(TimeSpan.FromSeconds(20)), "the receiver did not listen"); }
        finally { R4.Cli.MigrateVerb.Listening -= OnListening; }
        string script = cli.Write("monitor.txt", $"wait 400000\nmigrate unix:{socket}\n");
        var source = cli.Run("run", KernelPath, "--layout", "ring3", "--monitor-script", script);
        var receiver = receiving.GetAwaiter().GetResult();
        Assert.Equal((0, 0), (source.ExitCode, receiver.ExitCode));
        Assert.Equal(whole.Console, source.Console + receiver.Console);
        Assert.Contains($"r4: migrated the guest to unix:{socket} at instruction ", source.Stderr);
    }

    /// <summary>The socket file appears at bind, a moment before the run listens on it: retry.</summary>
    private static Socket ConnectWhenListening(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                client.Connect(new UnixDomainSocketEndPoint(path));
                return client;
            }
            catch (SocketException) when (attempt < 800)
            {
                client.Dispose();
                Thread.Sleep(25);
            }
        }
    }

    [Fact]
    public void The_socket_console_answers_a_client_while_the_guest_waits_stopped()
    {
        using var cli = new CliHarness();
        // a guest that spins until quit (bounded all the same), so the client never comes too late
        string spin = cli.Write("spin.asm", ".org 0x1000\n.entry spin\nspin:\n    jmp spin\n");
        string socket = cli.PathOf("monitor.sock");
        var running = Task.Run(() => cli.Run("run", spin, "--monitor", "unix:" + socket, "--max-instructions", "20000000000"));
        using (var client = ConnectWhenListening(socket))
        {
            using var stream = new NetworkStream(client);
            using var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
            using var reader = new StreamReader(stream);
            writer.WriteLine("stop");
            writer.WriteLine("info exits");
            writer.WriteLine("cont");
            writer.WriteLine("quit");
            string transcript = reader.ReadToEnd();
            Assert.Contains("no monitor exits (layout native: the guest runs on the bare machine)\n", transcript);
            Assert.Matches(@"^\(r4\) stopped at instruction \d+, pc 0x00001000\n\(r4\) no monitor", transcript);
            Assert.Matches(@"\(r4\) running from instruction \d+\n\(r4\) quit at instruction \d+\n$", transcript);
        }
        var run = running.GetAwaiter().GetResult();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"r4: monitor console on unix:{socket}\n", run.Stderr);
        Assert.False(File.Exists(socket));
    }
}
