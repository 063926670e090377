// `r4 migrate` as a user runs it, in one process: a receiver (`r4 migrate --receive`) on a
// thread, the source (`r4 migrate GUEST --to ADDRESS --at N`) beside it, over loopback TCP and
// a Unix-domain socket (continuing under another layout). Source output + receiver output is the uninterrupted run's, the
// instruction counts match; nobody listening, a refusal and a receiver that dies mid-stream
// leave the source running to its normal end with one warning line; --help works.
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using R4.Tests.Cli;

namespace R4.Tests.Snapshots;

public class MigrationCliTests
{
    private static string KernelPath => RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.asm");

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>Starts `r4 migrate --receive ADDRESS ARGS` on a thread; returns the bound address and the run.</summary>
    private static (string Address, Task<CliRun> Run) StartReceiver(CliHarness cli, string address, params string[] args)
    {
        var bound = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnListening(string where) => bound.TrySetResult(where);
        R4.Cli.MigrateVerb.Listening += OnListening;
        try
        {
            var run = Task.Run(() => cli.Run(["migrate", "--receive", address, .. args]));
            var first = Task.WhenAny(bound.Task, run).GetAwaiter().GetResult();
            Assert.True(first == bound.Task, "the receiver stopped before listening: " + (run.IsCompleted ? run.Result.Stderr : ""));
            return (bound.Task.Result, run);
        }
        finally
        {
            R4.Cli.MigrateVerb.Listening -= OnListening;
        }
    }

    [Theory]
    [InlineData("native", "jit", "interp", 250_000)]
    [InlineData("ring012", "interp", "jit", 900_001)]
    [InlineData("ring3", "jit", "jit", 31_337)]
    [InlineData("ring3", "interp", "interp", 600_000)]
    public void Source_and_receiver_outputs_together_are_the_uninterrupted_run(string layout, string sourceEngine, string receiverEngine, int at)
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", layout, "--stats-json", cli.PathOf("whole.json"));
        var (address, receiving) = StartReceiver(cli, "tcp:127.0.0.1:0", "--engine", receiverEngine, "--stats-json", cli.PathOf("received.json"));
        var source = cli.Run("migrate", KernelPath, "--layout", layout, "--engine", sourceEngine, "--to", address, "--at", at.ToString(),
            "--stats-json", cli.PathOf("source.json"));
        var receiver = receiving.GetAwaiter().GetResult();
        Assert.Equal((0, 0), (source.ExitCode, receiver.ExitCode));
        Assert.Equal(whole.Console, source.Console + receiver.Console);
        Assert.Equal(Json(cli.PathOf("whole.json")).GetProperty("instructions").GetUInt64(), Json(cli.PathOf("received.json")).GetProperty("instructions").GetUInt64());
        var migration = Json(cli.PathOf("source.json")).GetProperty("migration");
        Assert.True(migration.GetProperty("completed").GetBoolean());
        Assert.Equal(Json(cli.PathOf("source.json")).GetProperty("instructions").GetUInt64(), migration.GetProperty("instretAtStop").GetUInt64());
        Assert.True(migration.GetProperty("rounds").GetArrayLength() >= 2);
        Assert.Contains($"r4: migrated the guest to {address} at instruction {migration.GetProperty("instretAtStop").GetUInt64()}; it continues there\n", source.Stderr);
        Assert.Contains("r4: migration: total ", source.Stderr);
        Assert.StartsWith($"r4: waiting for a migrating guest on {address}\nr4: received the guest at instruction ", receiver.Stderr);
    }

    [Fact]
    public void A_unix_socket_carries_the_guest_too()
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", "ring3");
        string socket = cli.PathOf("r4.sock");
        var (address, receiving) = StartReceiver(cli, "unix:" + socket, "--layout", "ring012");
        Assert.Equal("unix:" + socket, address);
        var source = cli.Run("migrate", KernelPath, "--layout", "ring3", "--to", address, "--at", "500000", "--round-instructions", "1000", "--max-rounds", "3");
        var receiver = receiving.GetAwaiter().GetResult();
        Assert.Equal((0, 0), (receiver.ExitCode, source.ExitCode));
        Assert.Equal(whole.Console, source.Console + receiver.Console);
        Assert.Contains(" under ring012: ", receiver.Stderr);
        Assert.False(File.Exists(socket));
    }

    /// <summary>A fake receiver on a loopback port: reads the hello and does <paramref name="answer"/>.</summary>
    private static (string Address, Task Done) FakeReceiver(Action<NetworkStream> answer)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string address = $"tcp:127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var done = Task.Run(() =>
        {
            using var client = listener.AcceptTcpClient();
            listener.Stop();
            using var stream = client.GetStream();
            var header = new byte[5];
            stream.ReadExactly(header);
            stream.ReadExactly(new byte[BitConverter.ToInt32(header, 1)]);
            answer(stream);
        });
        return (address, done);
    }

    public static TheoryData<string> Failures() => ["nobody listening", "refused", "closed mid-stream"];

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failed_migration_warns_once_and_the_source_finishes_like_an_uninterrupted_run(string failure)
    {
        using var cli = new CliHarness();
        var whole = cli.Run("run", KernelPath, "--layout", "ring012", "--stats-json", cli.PathOf("whole.json"));
        string address;
        Task done = Task.CompletedTask;
        switch (failure)
        {
            case "nobody listening":
                var unused = new TcpListener(IPAddress.Loopback, 0);
                unused.Start();
                address = $"tcp:127.0.0.1:{((IPEndPoint)unused.LocalEndpoint).Port}";
                unused.Stop();
                break;
            case "refused":
                (address, done) = FakeReceiver(stream => stream.Write([(byte)'N', 4, 0, 0, 0, .. "full"u8]));
                break;
            default:
                (address, done) = FakeReceiver(stream =>
                {
                    stream.Write([(byte)'Y', 0, 0, 0, 0]);
                    stream.ReadExactly(new byte[20_000]);
                });
                break;
        }
        var source = cli.Run("migrate", KernelPath, "--layout", "ring012", "--to", address, "--at", "400000", "--stats-json", cli.PathOf("source.json"));
        done.GetAwaiter().GetResult();
        Assert.Equal(0, source.ExitCode);
        Assert.Equal(whole.Console, source.Console);
        Assert.Equal(Json(cli.PathOf("whole.json")).GetProperty("instructions").GetUInt64(), Json(cli.PathOf("source.json")).GetProperty("instructions").GetUInt64());
        Assert.Equal("PowerOff", Json(cli.PathOf("source.json")).GetProperty("stopReason").GetString());
        var lines = source.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"r4: warning: migration to {address} failed (", lines[0]);
        Assert.Matches(@"\); the guest goes on here from instruction \d+ \(started at 400000\)$", lines[0]);
        if (failure == "refused") Assert.Contains("the receiver refused the guest: full", lines[0]);
    }

    [Theory]
    [InlineData("--to", "127.0.0.1:4444")]
    [InlineData("--to", "tcp:127.0.0.1:port")]
    [InlineData("--to", "udp:127.0.0.1:1")]
    public void A_malformed_address_is_a_usage_error(string option, string value)
    {
        using var cli = new CliHarness();
        var run = cli.Run("migrate", KernelPath, option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.StartsWith($"r4 migrate: --to {value}: give tcp:HOST:PORT (e.g. tcp:127.0.0.1:4444) or unix:PATH\n", run.Stderr);
        var asRun = cli.Run("run", KernelPath, "--migrate-to", value);
        Assert.Equal(64, asRun.ExitCode);
        Assert.StartsWith($"r4 run: --migrate-to {value}: give tcp:HOST:PORT", asRun.Stderr);
    }

    [Fact]
    public void Migrate_help_works()
    {
        using var cli = new CliHarness();
        var run = cli.Run("migrate", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("r4 migrate --receive tcp:127.0.0.1:4444", run.Stdout);
        Assert.Contains("--to", run.Stdout);
    }
}
