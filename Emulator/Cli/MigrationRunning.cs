// Live migration from the command line (spec §11.3, docs/hosted.md): the migration address
// (tcp:HOST:PORT or unix:PATH, QEMU's spelling), the source's side — run the guest to an
// instruction count, connect, hand it over with R4.Snapshots.LiveMigration, and if anything
// fails (nobody listening, a refusal, a dropped connection, a bad host name) warn in one line
// and run the guest on here to its normal end — and the receiver's side (`r4 migrate
// --receive`): listen, take one guest, run it to its end as `r4 resume` would.
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Cli;

/// <summary>A migration address: <c>tcp:HOST:PORT</c> (loopback in practice) or <c>unix:PATH</c>
/// (a Unix-domain socket, the pipe between two processes of one host).</summary>
public sealed record MigrationAddress(string Text, string? Host, int Port, string? UnixPath)
{
    /// <summary>Seconds the source waits for a connection or for any answer of the receiver.</summary>
    public const int TimeoutSeconds = 30;

    public static bool TryParse(string text, out MigrationAddress address)
    {
        address = null!;
        if (text.StartsWith("unix:", StringComparison.Ordinal) && text.Length > 5)
        {
            address = new MigrationAddress(text, null, 0, text[5..]);
            return true;
        }
        if (!text.StartsWith("tcp:", StringComparison.Ordinal)) return false;
        int colon = text.LastIndexOf(':');
        if (colon <= 4 || !int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, null, out int port) || port > 65535)
            return false;
        string host = text[4..colon].Trim('[', ']');
        address = new MigrationAddress(text, host, port, null);
        return true;
    }

    /// <summary>The option's value parsed, or a usage error naming it.</summary>
    public static MigrationAddress Parse(string option, string text) => TryParse(text, out var address)
        ? address
        : throw new UserError($"{option} {text}: give tcp:HOST:PORT (e.g. tcp:127.0.0.1:4444) or unix:PATH", ExitCodes.Usage);

    /// <summary>Connects (the source); a failure is a <see cref="MigrationException"/>.</summary>
    public Stream Connect()
    {
        var socket = UnixPath is not null
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            EndPoint endpoint = UnixPath is not null ? new UnixDomainSocketEndPoint(UnixPath) : new DnsEndPoint(Host!, Port);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(TimeoutSeconds));
            socket.ConnectAsync(endpoint, timeout.Token).AsTask().GetAwaiter().GetResult();
            if (UnixPath is null) socket.NoDelay = true;   // small messages (hello, state, acknowledgement) go at once
            socket.ReceiveTimeout = socket.SendTimeout = TimeoutSeconds * 1000;
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ArgumentException)
        {
            socket.Dispose();
            throw new MigrationException(e is OperationCanceledException ? $"no connection within {TimeoutSeconds} s" : $"cannot connect: {e.Message}", e);
        }
    }

    /// <summary>Listens (the receiver); the address actually bound (port 0 becomes the port chosen).</summary>
    public Socket Listen(out string bound)
    {
        try
        {
            if (UnixPath is not null)
            {
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                unix.Bind(new UnixDomainSocketEndPoint(UnixPath));
                unix.Listen(1);
                bound = Text;
                return unix;
            }
            var ip = Host is "localhost" or "" ? IPAddress.Loopback
                : IPAddress.TryParse(Host, out var parsed) ? parsed
                : throw new UserError($"--receive {Text}: give a numeric address to listen on (e.g. tcp:127.0.0.1:{Port})", ExitCodes.Usage);
            var tcp = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(ip, Port));
            tcp.Listen(1);
            var local = (IPEndPoint)tcp.LocalEndPoint!;
            bound = $"tcp:{(local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local.Address}]" : local.Address.ToString())}:{local.Port}";
            return tcp;
        }
        catch (SocketException e)
        {
            throw new UserError($"--receive {Text}: cannot listen: {e.Message}", ExitCodes.CannotOpen);
        }
    }
}

public static class MigrationRunning
{
    /// <summary>The source: runs <paramref name="guest"/> to <paramref name="migrateAtInstret"/>
    /// (from reset), migrates it to <paramref name="address"/>, and returns the stop and
    /// whether the guest now runs at the receiver. Any failure of the migration is one warning
    /// line, and the guest runs on here to <paramref name="limitInstret"/> or its own end, as
    /// if nothing had been tried.</summary>
    public static (RunResult Result, MigrationReport? Report) Run(GuestMachine guest, ulong limitInstret, ulong migrateAtInstret,
        MigrationAddress address, SnapshotMetadata metadata, TextWriter error, MigrationSettings? settings = null)
    {
        var result = guest.Run(Math.Min(limitInstret, migrateAtInstret) - Math.Min(guest.Cpu.Instret, Math.Min(limitInstret, migrateAtInstret)));
        if (result.Reason != StopReason.InstructionLimit || guest.Cpu.Instret >= limitInstret)
        {
            if (result.Reason != StopReason.InstructionLimit)
                error.WriteLine($"r4: the guest stopped at instruction {guest.Cpu.Instret}, before --migrate-at {migrateAtInstret}: nothing migrated");
            return (result, null);
        }
        var (report, stop) = TryMigrate(guest, address, metadata, error, (settings ?? new MigrationSettings()) with { LimitInstret = limitInstret });
        if (report is { Completed: true }) return (result, report);
        if (stop is not null) return (stop, report);
        ulong left = limitInstret - Math.Min(limitInstret, guest.Cpu.Instret);
        return (guest.Run(left), report);
    }

    /// <summary>One migration attempt of a guest stopped between runs (the source's side of
    /// `r4 migrate` and of the monitor console's `migrate URI`). Prints the report, or the
    /// one-line warning. Returns the report (null when no connection was made) and, when the
    /// guest stopped during the pre-copy rounds, that stop.</summary>
    public static (MigrationReport? Report, RunResult? GuestStop) TryMigrate(GuestMachine guest, MigrationAddress address,
        SnapshotMetadata metadata, TextWriter error, MigrationSettings settings)
    {
        ulong startedAt = guest.Cpu.Instret;
        try
        {
            using var stream = address.Connect();
            var report = LiveMigration.Send(guest, stream, metadata with { Reason = "migration" }, settings);
            foreach (var line in report.Lines()) error.WriteLine($"r4: migration: {line}");
            if (report.Completed)
                error.WriteLine($"r4: migrated the guest to {address.Text} at instruction {report.InstretAtStop}; it continues there");
            return (report, report.GuestStop);
        }
        catch (MigrationException e)
        {
            error.WriteLine($"r4: warning: migration to {address.Text} failed ({e.Message}); the guest goes on here from instruction {guest.Cpu.Instret} (started at {startedAt})");
            return (null, null);
        }
    }

    /// <summary>The `migration` object of --stats-json.</summary>
    public static JsonObject ToJson(MigrationReport report, string address)
    {
        var rounds = new JsonArray();
        foreach (var r in report.Rounds)
            rounds.Add((JsonNode)new JsonObject
            {
                ["round"] = r.Number,
                ["pages"] = r.Pages,
                ["bytes"] = r.Bytes,
                ["hostMilliseconds"] = r.HostMilliseconds,
                ["guestInstructionsBefore"] = r.GuestInstructionsBefore,
                ["foundBy"] = r.FoundBy,
            });
        return new JsonObject
        {
            ["to"] = address,
            ["completed"] = report.Completed,
            ["rounds"] = rounds,
            ["totalPages"] = report.TotalPages,
            ["totalBytes"] = report.TotalBytes,
            ["instretAtStop"] = report.InstretAtStop,
            ["downtimeHostMilliseconds"] = report.DowntimeMilliseconds,
            ["downtimeGuestInstructions"] = report.DowntimeGuestInstructions,
            ["pagesMissedByLog"] = report.PagesMissedByLog,
        };
    }
}
