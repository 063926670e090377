// Pre-copy live migration (spec §11.3) over any byte stream (loopback TCP for `r4 migrate`):
// the source sends every page the guest has touched while the guest keeps running, then in
// each further round the pages it dirtied meanwhile — found, under a monitor, by the shadow
// page tables' write protection (log-dirty mode, as Xen does: VirtualMachineMonitor.DirtyLog);
// natively, where no monitor owns the page tables, and under layout hw, whose nested tables
// the monitor does not write-protect, by comparing each touched page with the copy the
// receiver holds — until few pages remain or the rounds stop shrinking; then it stops
// the guest and sends the last pages and the CPU and device state (a snapshot without RAM).
// Under the log the last round sends the logged pages (the monitor logs its own writes and disk
// DMA too: DirtyPageLog.MarkWritten); after the hand-over every touched page is compared with
// what was sent, and the report counts any the log missed (tests hold it at 0). Only when the receiver has
// restored the guest and acknowledged it is the source's copy given up: a dropped connection
// or a refusal leaves the source's guest exactly where it was, still runnable.
//
// Wire format: messages of one type byte, a u32 length and the payload. Source → receiver:
// 'H' hello (JSON: layout, RAM size, machine, cost table, whether a disk follows), 'P' pages (u32 count, then count × (u32 frame, 4096
// bytes)), 'S' state (a snapshot file without RAM), 'X' the guest stopped (nothing follows).
// Receiver → source: 'Y' accepted (its machine is made), 'N' refused (UTF-8 reason), 'R' a
// page round applied, 'A' restored. The source waits for 'R' within each round, as a real
// pre-copy is paced by the link: when it stops the guest the receiver has caught up, and the
// downtime holds only the last pages, the state and the acknowledgement.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Snapshots;

/// <summary>A migration that did not complete; the source guest is unharmed.</summary>
public sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record MigrationSettings
{
    /// <summary>Guest instructions run between two pre-copy rounds.</summary>
    public ulong InstructionsPerRound { get; init; } = 50_000;
    public int MaxRounds { get; init; } = 8;
    /// <summary>Stop and copy once a round has at most this many pages.</summary>
    public int StopAndCopyPages { get; init; } = 16;
    /// <summary>The guest's own instruction limit (from reset, as --max-instructions): a
    /// pre-copy round never runs it past this; reaching it ends the migration as a guest stop.</summary>
    public ulong LimitInstret { get; init; } = ulong.MaxValue;
}

public sealed record MigrationRound(int Number, int Pages, long Bytes, ulong GuestInstructionsBefore, double HostMilliseconds, string FoundBy);

public sealed record MigrationReport(IReadOnlyList<MigrationRound> Rounds, double DowntimeMilliseconds, ulong InstretAtStop,
    double GuestInstructionsPerSecond, int PagesMissedByLog, bool Completed, string? GuestStoppedFirst)
{
    /// <summary>When the guest stopped during the pre-copy rounds: how (the source reports it as its run's end).</summary>
    public RunResult? GuestStop { get; init; }
    public long TotalPages => Rounds.Sum(r => (long)r.Pages);

    public long TotalBytes => Rounds.Sum(r => r.Bytes);
    /// <summary>Guest instructions the source could have run in the downtime at its measured rate.</summary>
    public ulong DowntimeGuestInstructions => (ulong)(DowntimeMilliseconds / 1000 * GuestInstructionsPerSecond);

    public IEnumerable<string> Lines()
    {
        foreach (var r in Rounds)
            yield return $"round {r.Number}{(r.FoundBy == "stop-and-copy" ? " (stop-and-copy)" : "")}: {r.Pages} pages, {r.Bytes} bytes, " +
                         $"{r.HostMilliseconds:F2} ms, guest at instruction {r.GuestInstructionsBefore}, pages found by {r.FoundBy}";
        if (GuestStoppedFirst is not null)
        {
            yield return $"the guest stopped before the migration finished ({GuestStoppedFirst}): nothing migrated";
            yield break;
        }
        yield return $"total {Rounds.Count} rounds, {Rounds.Sum(r => r.Pages)} pages, {TotalBytes} bytes; downtime {DowntimeMilliseconds:F2} ms host " +
                     $"= {DowntimeGuestInstructions} guest instructions at {GuestInstructionsPerSecond / 1e6:F1} MIPS (the guest's own clock, instret, stands still: " +
                     $"it resumes at instruction {InstretAtStop}); pages the dirty log missed: {PagesMissedByLog}";
    }
}

/// <summary>The console input of a machine made before it is known: the input the migrating
/// guest carries, or the receiver's own, once the state has arrived.</summary>
internal sealed class ForwardingInput : Stream
{
    public Stream? Inner { get; set; }
    public override bool CanRead => true;
    public override bool CanSeek => Inner?.CanSeek ?? false;
    public override bool CanWrite => false;
    public override long Length => Inner?.Length ?? 0;
    public override long Position { get => Inner?.Position ?? 0; set { if (Inner is not null) Inner.Position = value; } }
    public override int Read(byte[] buffer, int offset, int count) => Inner?.Read(buffer, offset, count) ?? 0;
    public override int Read(Span<byte> buffer) => Inner?.Read(buffer) ?? 0;
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => Inner?.Seek(offset, origin) ?? 0;
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>What a receiver took in: page rounds, pages and bytes of page messages.</summary>
public sealed record MigrationReceipt(int Rounds, long Pages, long Bytes);

public static class LiveMigration
{
    private const int PageBytes = PageBits.PageSize;
    internal sealed record Hello(string Layout, uint GuestRamBytes, string Machine, string CostsJson = "{}", bool HasDisk = false,
        LayoutKnobs? Knobs = null);

    // ---- source ---------------------------------------------------------------------------

    /// <summary>Migrates <paramref name="guest"/> (stopped between runs) to the receiver at the
    /// other end of <paramref name="stream"/>, running it between rounds. On success the
    /// receiver runs the guest and the source must not; on <see cref="MigrationException"/> the
    /// source's guest is where the last round left it and can go on.</summary>
    public static MigrationReport Send(GuestMachine guest, Stream stream, SnapshotMetadata metadata, MigrationSettings settings)
    {
        var rounds = new List<MigrationRound>();
        var sent = new Dictionary<uint, byte[]>();   // frame → contents the receiver holds (absent: zero)
        var monitor = guest.Monitor;
        var clock = Stopwatch.StartNew();
        ulong startInstret = guest.Cpu.Instret;
        double runSeconds = 0;
        try
        {
            WriteMessage(stream, (byte)'H', JsonSerializer.SerializeToUtf8Bytes(new Hello(guest.Layout.Name, guest.GuestRamBytes,
                MachineVariants.Name(guest.Machine.Options.Variant), guest.Cpu.Costs.ToJson(), guest.Machine.Bus.Disk.ImagePath is not null,
                LayoutKnobs.Of(guest.Layout)), SnapshotJsonContext.Default.Hello));
            var (reply, payload) = ReadMessage(stream);
            if (reply == 'N') throw new MigrationException($"the receiver refused the guest: {Encoding.UTF8.GetString(payload)}");
            if (reply != 'Y') throw new MigrationException($"the receiver answered '{(char)reply}' to the hello");

            // Round 1: everything touched. Log-dirty mode starts first, so writes from here on are seen.
            var log = monitor is not null && !guest.Layout.HardwareAssisted ? monitor.StartDirtyLogRound() : null;
            var pages = ChangedPages(guest, GuestSnapshot.TouchedPages(guest), sent);
            rounds.Add(SendRound(stream, guest, 1, pages, sent, "touched pages"));
            _ = GuestSnapshot.Capture(guest, metadata, includeRam: false);   // a rehearsal: its code is compiled now, not in the downtime
            int previous = pages.Count;
            for (int number = 2; number <= settings.MaxRounds; number++)
            {
                var runClock = Stopwatch.StartNew();
                ulong left = settings.LimitInstret > guest.Cpu.Instret ? settings.LimitInstret - guest.Cpu.Instret : 0;
                var result = guest.Run(Math.Min(settings.InstructionsPerRound, left));   // the guest runs while the copy goes on
                runSeconds += runClock.Elapsed.TotalSeconds;
                if (result.Reason != StopReason.InstructionLimit || guest.Cpu.Instret >= settings.LimitInstret)
                {
                    monitor?.StopDirtyLog();
                    try { WriteMessage(stream, (byte)'X', []); }
                    catch (IOException) { }   // the guest's stop is what counts here
                    return new MigrationReport(rounds, 0, guest.Cpu.Instret, 0, 0, false, result.Reason.ToString()) { GuestStop = result };
                }
                List<uint> candidates;
                string foundBy;
                if (log is not null)
                {
                    candidates = log.TakeDirty();
                    monitor!.StartDirtyLogRound();
                    foundBy = "shadow write protection";
                }
                else
                {
                    candidates = GuestSnapshot.TouchedPages(guest);
                    foundBy = "comparison with the copy sent";
                }
                pages = ChangedPages(guest, candidates, sent);
                rounds.Add(SendRound(stream, guest, number, pages, sent, foundBy));
                if (pages.Count <= settings.StopAndCopyPages || pages.Count >= previous) break;
                previous = pages.Count;
            }

            // Stop and copy: the guest does not run again here.
            var downtime = Stopwatch.StartNew();
            // Under the log the last pages are the logged ones and those never sent (committed
            // since round 1); without one, every touched page is compared with what was sent.
            var touched = GuestSnapshot.TouchedPages(guest);
            var lastCandidates = log is null ? touched : log.TakeDirty().Union(touched.Where(frame => !sent.ContainsKey(frame))).Order().ToList();
            var last = ChangedPages(guest, lastCandidates, sent);
            rounds.Add(SendRound(stream, guest, rounds.Count + 1, last, sent, "stop-and-copy", awaitApplied: false));
            var state = GuestSnapshot.Capture(guest, metadata with { Reason = "migration" }, includeRam: false);
            WriteMessage(stream, (byte)'S', state);
            ExpectApplied(stream);   // the last round's, pipelined with the state: one round trip in the downtime
            var (ack, ackPayload) = ReadMessage(stream);
            if (ack != 'A') throw new MigrationException($"the receiver could not restore the guest: {Encoding.UTF8.GetString(ackPayload)}");
            downtime.Stop();
            // The check of the log, after the downtime (the source's guest is frozen for good):
            // pages that differ from what the receiver holds were missed by the log. Always 0
            // unless something writes guest memory behind the monitor's back.
            int missed = log is null ? 0 : ChangedPages(guest, touched, sent).Count;
            monitor?.StopDirtyLog();
            double rate = runSeconds > 0 ? (guest.Cpu.Instret - startInstret) / runSeconds : 0;
            return new MigrationReport(rounds, downtime.Elapsed.TotalMilliseconds, guest.Cpu.Instret, rate, missed, true, null);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or MigrationException)
        {
            monitor?.StopDirtyLog();   // the source's guest goes on as if nothing happened
            throw e as MigrationException ?? new MigrationException(e.Message, e);
        }
    }

    /// <summary>Of <paramref name="candidates"/>, the frames whose contents differ from what the receiver holds.</summary>
    private static unsafe List<uint> ChangedPages(GuestMachine guest, List<uint> candidates, Dictionary<uint, byte[]> sent)
    {
        var changed = new List<uint>();
        byte* ram = guest.Machine.Memory.Base;
        foreach (uint frame in candidates)
        {
            var page = new ReadOnlySpan<byte>(ram + (ulong)frame * PageBytes, PageBytes);
            bool differs = sent.TryGetValue(frame, out var copy) ? !page.SequenceEqual(copy) : page.IndexOfAnyExcept((byte)0) >= 0;
            if (differs) changed.Add(frame);
        }
        return changed;
    }

    private static unsafe MigrationRound SendRound(Stream stream, GuestMachine guest, int number, List<uint> frames, Dictionary<uint, byte[]> sent,
        string foundBy, bool awaitApplied = true)
    {
        var clock = Stopwatch.StartNew();
        var message = new byte[5 + 4 + frames.Count * (4 + PageBytes)];   // framed in place: no copy of the pages
        var payload = message.AsSpan(5);
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)frames.Count);
        int at = 4;
        byte* ram = guest.Machine.Memory.Base;
        foreach (uint frame in frames)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload[at..], frame);
            var page = new ReadOnlySpan<byte>(ram + (ulong)frame * PageBytes, PageBytes);
            page.CopyTo(payload[(at + 4)..]);
            sent[frame] = page.ToArray();
            at += 4 + PageBytes;
        }
        WriteFramed(stream, (byte)'P', message);
        if (awaitApplied) ExpectApplied(stream);
        return new MigrationRound(number, frames.Count, message.Length, guest.Cpu.Instret, clock.Elapsed.TotalMilliseconds, foundBy);
    }

    private static void ExpectApplied(Stream stream)
    {
        var (reply, answer) = ReadMessage(stream);
        if (reply != 'R') throw new MigrationException($"the receiver answered '{(char)reply}' to a page round: {Encoding.UTF8.GetString(answer)}");
    }

    // ---- receiver -----------------------------------------------------------------------------

    /// <summary>Receives a guest from <paramref name="stream"/>; <paramref name="refuse"/> may
    /// name a reason to refuse it (from its layout and RAM size). Returns the restored guest,
    /// ready to run, or null when the source's guest stopped before the migration finished.</summary>
    public static RestoredGuest? Receive(Stream stream, RestoreOptions options, Func<string, uint, string?>? refuse = null) =>
        Receive(stream, options, refuse, out _);

    /// <summary>As above; <paramref name="receipt"/> counts what arrived (the receiver's report).</summary>
    public static RestoredGuest? Receive(Stream stream, RestoreOptions options, Func<string, uint, string?>? refuse, out MigrationReceipt receipt)
    {
        receipt = new MigrationReceipt(0, 0, 0);
        var (type, payload) = ReadMessage(stream);
        if (type != 'H') throw new MigrationException($"expected a migration hello, got message '{(char)type}'");
        var hello = JsonSerializer.Deserialize(payload, SnapshotJsonContext.Default.Hello) ?? throw new MigrationException("empty hello");
        string? reason = !Layouts.TryParse(options.Layout ?? hello.Layout, out _) ? $"unknown layout '{hello.Layout}'"
            : hello.GuestRamBytes == 0 || hello.GuestRamBytes % PageBytes != 0 ? $"RAM size {hello.GuestRamBytes}"
            : hello.Knobs?.Problem() is { } knobs ? $"knobs: {knobs}"
            : refuse?.Invoke(hello.Layout, hello.GuestRamBytes);
        if (reason is not null)
        {
            WriteMessage(stream, (byte)'N', Encoding.UTF8.GetBytes(reason));
            throw new MigrationException($"refused the guest: {reason}");
        }
        Layout layout;
        try { layout = GuestSnapshot.LayoutFor(hello.Layout, hello.Knobs, options); }
        catch (Exception e)
        {
            // the receiver's own knobs conflict with the guest's (its caller's error, rethrown as it is)
            try { WriteMessage(stream, (byte)'N', Encoding.UTF8.GetBytes(e.Message)); } catch (IOException) { }
            throw;
        }
        // As Xen builds the destination domain before the source stops: the machine is made now
        // and the pages go straight into its RAM, so the downtime holds only the CPU and device
        // state. Not when the guest has a disk (its image is known only with the state) or the
        // console input is a terminal (the state may carry input from a file instead).
        using var prepared = hello.HasDisk || options.ConsoleInputInteractive ? null : Prepare(hello, layout, options);
        var pages = prepared is null ? new Dictionary<uint, byte[]>() : null;
        WriteMessage(stream, (byte)'Y', []);
        while (true)
        {
            (type, payload) = ReadMessage(stream);
            switch (type)
            {
                case (byte)'P':
                    if (payload.Length < 4) throw new MigrationException("malformed page message");
                    uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload);
                    receipt = new MigrationReceipt(receipt.Rounds + 1, receipt.Pages + count, receipt.Bytes + payload.Length + 5);
                    if (payload.Length != 4 + (long)count * (4 + PageBytes)) throw new MigrationException("malformed page message");
                    for (int i = 0, at = 4; i < count; i++, at += 4 + PageBytes)
                    {
                        uint frame = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(at));
                        if ((ulong)frame * PageBytes >= hello.GuestRamBytes) throw new MigrationException($"page {frame} outside the guest's RAM");
                        if (prepared is not null) prepared.Guest.Machine.Memory.Write(frame * (uint)PageBytes, payload.AsSpan(at + 4, PageBytes));
                        else pages![frame] = payload.AsSpan(at + 4, PageBytes).ToArray();
                    }
                    WriteMessage(stream, (byte)'R', []);   // applied: the source's next round or its stop starts from here
                    break;
                case (byte)'X':
                    return null;
                case (byte)'S':
                    RestoredGuest? restored = null;
                    try
                    {
                        var state = GuestSnapshot.Read(payload, "migration state");
                        if (prepared is not null)
                        {
                            prepared.Input.Inner = state.CarriedInput ?? options.ConsoleInput;
                            state.RestoreInto(prepared.Guest);
                            restored = new RestoredGuest(prepared.Guest, null);
                        }
                        else
                        {
                            restored = state.Restore(options);
                            foreach (var (frame, bytes) in pages!)
                                restored.Guest.Machine.Memory.Write(frame * (uint)PageBytes, bytes);
                        }
                        WriteMessage(stream, (byte)'A', []);
                        prepared?.Keep();
                        return restored;
                    }
                    catch (Exception e) when (e is SnapshotFormatException or IOException)
                    {
                        if (prepared is null) restored?.Dispose();
                        try { WriteMessage(stream, (byte)'N', Encoding.UTF8.GetBytes(e.Message)); } catch (IOException) { }
                        throw new MigrationException($"cannot restore the migrated guest: {e.Message}", e);
                    }
                default:
                    throw new MigrationException($"unexpected migration message '{(char)type}'");
            }
        }
    }

    /// <summary>The receiver's machine, made when the hello arrives; disposed unless kept.</summary>
    private sealed class PreparedGuest(GuestMachine guest, ForwardingInput input) : IDisposable
    {
        public GuestMachine Guest { get; } = guest;
        public ForwardingInput Input { get; } = input;
        private bool _kept;
        public void Keep() => _kept = true;
        public void Dispose()
        {
            if (!_kept) Guest.Dispose();
        }
    }

    private static PreparedGuest Prepare(Hello hello, Layout layout, RestoreOptions options)
    {
        CostTable costs;
        try { costs = options.Costs ?? CostTable.FromJson(hello.CostsJson, "migration cost table"); }
        catch (CostTableException e) { throw new MigrationException($"the source's cost table: {e.Message}"); }
        var input = new ForwardingInput();
        var machineOptions = GuestSnapshot.MachineOptionsFor(options, hello.GuestRamBytes, costs, hello.Machine, input, interactive: false, diskPath: null);
        var guest = options.CreateMachine?.Invoke(machineOptions, layout) ?? GuestMachine.Create(machineOptions, layout);
        try
        {
            // A rehearsal while the source still runs its guest: the restore path's code is
            // compiled now, not in the downtime (the real restore overwrites all of it).
            GuestSnapshot.Read(GuestSnapshot.Capture(guest, new SnapshotMetadata(), includeRam: false), "rehearsal").RestoreInto(guest);
        }
        catch
        {
            guest.Dispose();
            throw;
        }
        return new PreparedGuest(guest, input);
    }

    // ---- framing --------------------------------------------------------------------------------

    /// <summary>One write per message: the peer may close as soon as it has read the message
    /// (after the acknowledgement), and a second write — even of nothing — would then fail.</summary>
    private static void WriteMessage(Stream stream, byte type, ReadOnlySpan<byte> payload)
    {
        var message = new byte[5 + payload.Length];
        payload.CopyTo(message.AsSpan(5));
        WriteFramed(stream, type, message);
    }

    /// <summary>Writes <paramref name="message"/>, whose first 5 bytes are left for the header.</summary>
    private static void WriteFramed(Stream stream, byte type, byte[] message)
    {
        message[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(1), (uint)(message.Length - 5));
        stream.Write(message);
        stream.Flush();
    }

    private static (byte Type, byte[] Payload) ReadMessage(Stream stream)
    {
        Span<byte> header = stackalloc byte[5];
        try { stream.ReadExactly(header); }
        catch (EndOfStreamException) { throw new MigrationException("the connection closed"); }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[1..]);
        if (length > 1u << 31) throw new MigrationException($"message of {length} bytes is too large");
        var payload = new byte[length];
        try { stream.ReadExactly(payload); }
        catch (EndOfStreamException) { throw new MigrationException("the connection closed in the middle of a message"); }
        return (header[0], payload);
    }
}
