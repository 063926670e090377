// Issue 11's speed and size figures (docs/hosted.md "Figures"): a snapshot of a 16 MiB guest
// that touched 2 MiB — saved (captured, deflated, written, fsynced, renamed) and restored into
// a new machine — and the downtime of a live migration of the teaching kernel against its
// whole run. The guest's 2 MiB are written the way a guest filling arrays writes them (word i
// of each array holds i), not random bytes (which no compressor shrinks).
//   dotnet run -c Release --project Perf -- --filter '*SnapshotBenchmarks*'     (BenchmarkDotNet, short job)
//   dotnet run -c Release --project Perf -- hosted-figures [repeats]           (file size, median times, downtime ratio)
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;
using R4.Snapshots;

namespace R4.Perf;

[ShortRunJob]
[MarkdownExporterAttribute.GitHub]
public class SnapshotBenchmarks
{
    private GuestMachine guest = null!;
    private string folder = null!;
    private string path = null!;

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("r4-snapshot-bench-").FullName;
        path = Path.Combine(folder, "guest.r4snap");
        guest = HostedFigures.TouchedGuest();
        Console.WriteLine($"// snapshot file: {GuestSnapshot.Save(guest, new SnapshotMetadata(), path)} bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        guest.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(Description = "save a 16 MiB guest that touched 2 MiB")]
    public long Save() => GuestSnapshot.Save(guest, new SnapshotMetadata(), path);

    [Benchmark(Description = "restore it into a new machine")]
    public ulong Restore()
    {
        using var restored = GuestSnapshot.Load(path).Restore(HostedFigures.Quiet);
        return restored.Guest.Cpu.Instret;
    }

    [Benchmark(Description = "migrate the teaching kernel (ring012) at 500000, whole migration")]
    public double Migrate() => HostedFigures.MigrateKernel("ring012").DowntimeMilliseconds;
}

public static class HostedFigures
{
    public const uint GuestRamBytes = 16 << 20;
    public const uint TouchedBytes = 2 << 20;

    public static RestoreOptions Quiet { get; } = new()
    {
        ConsoleOutput = Stream.Null,
        ConsoleInput = new MemoryStream([], writable: false),
        Diagnostics = TextWriter.Null,
    };

    private static MachineOptions QuietMachine(uint ramBytes) => new()
    {
        MemoryBytes = ramBytes,
        ConsoleOutput = Stream.Null,
        ConsoleInput = new MemoryStream([], writable: false),
        Diagnostics = TextWriter.Null,
    };

    /// <summary>A native 16 MiB guest whose RAM from 1 MiB holds 2 MiB of arrays (word i = i).</summary>
    public static GuestMachine TouchedGuest()
    {
        var guest = GuestMachine.Create(QuietMachine(GuestRamBytes), Layouts.All.First(l => l.Name == "native"));
        var page = new byte[4096];
        for (uint offset = 0; offset < TouchedBytes; offset += 4096)
        {
            for (int i = 0; i < 1024; i++)
                BitConverter.TryWriteBytes(page.AsSpan(4 * i), (offset / 4) + (uint)i);
            guest.Machine.Memory.Write((1u << 20) + offset, page);
        }
        return guest;
    }

    private static readonly Lazy<ProgramImage> Kernel = new(() =>
    {
        var result = R4Assembler.AssembleFile(Path.Combine(LayoutBenchmarks.FindRepositoryRoot(), "Guests", "kernels", "teach", "kernel.asm"));
        return result.Succeeded ? result.Image! : throw new InvalidOperationException("the teaching kernel does not assemble");
    });

    /// <summary>Host milliseconds of the teaching kernel's whole run, reset to power-off.</summary>
    public static double KernelRunMilliseconds(string layoutName)
    {
        Layouts.TryParse(layoutName, out var layout);
        using var guest = GuestMachine.Create(QuietMachine(GuestRamBytes), layout!);
        guest.Load(Kernel.Value);
        var clock = Stopwatch.StartNew();
        var result = guest.Run();
        if (result.Reason != StopReason.PowerOff) throw new InvalidOperationException($"the teaching kernel stopped: {result.Reason}");
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Migrates the teaching kernel at instruction 500000 over loopback TCP, in this process.</summary>
    public static MigrationReport MigrateKernel(string layoutName)
    {
        Layouts.TryParse(layoutName, out var layout);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        using var server = listener.AcceptTcpClient();
        server.NoDelay = true;
        using var source = GuestMachine.Create(QuietMachine(GuestRamBytes), layout!);
        source.Load(Kernel.Value);
        source.Run(500_000);
        var receiving = Task.Run(() => LiveMigration.Receive(server.GetStream(), Quiet));
        var report = LiveMigration.Send(source, client.GetStream(), new SnapshotMetadata(), new MigrationSettings());
        using var restored = receiving.GetAwaiter().GetResult();
        if (!report.Completed || restored is null) throw new InvalidOperationException("the migration did not complete");
        if (restored.Guest.Run().Reason != StopReason.PowerOff) throw new InvalidOperationException("the migrated kernel did not power off");
        return report;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>`-- hosted-figures [repeats]`: the figures of docs/hosted.md, medians after a warm-up.</summary>
    public static void Print(int repeats)
    {
        string folder = Directory.CreateTempSubdirectory("r4-hosted-figures-").FullName;
        try
        {
            string path = Path.Combine(folder, "guest.r4snap");
            using var guest = TouchedGuest();
            long bytes = GuestSnapshot.Save(guest, new SnapshotMetadata(), path);
            using (GuestSnapshot.Load(path).Restore(Quiet)) { }
            double Time(Action action)
            {
                var clock = Stopwatch.StartNew();
                action();
                return clock.Elapsed.TotalMilliseconds;
            }
            double save = Median(Enumerable.Range(0, repeats).Select(_ => Time(() => GuestSnapshot.Save(guest, new SnapshotMetadata(), path))));
            double restore = Median(Enumerable.Range(0, repeats).Select(_ => Time(() => { using var r = GuestSnapshot.Load(path).Restore(Quiet); })));
            Console.WriteLine($"snapshot of a 16 MiB guest that touched 2 MiB: {bytes:N0} bytes on disk ({bytes / 1024.0 / 1024:F2} MiB; target < 1 MiB)");
            Console.WriteLine($"  save (capture, deflate, write, fsync, rename)  median {save,8:F2} ms of {repeats} (target < 50 ms)");
            Console.WriteLine($"  restore (read, check, new machine, restore)    median {restore,8:F2} ms of {repeats} (target < 50 ms)");
            foreach (string layout in new[] { "native", "ring012", "ring3" })
            {
                MigrateKernel(layout);
                KernelRunMilliseconds(layout);
                var reports = Enumerable.Range(0, repeats).Select(_ => MigrateKernel(layout)).ToList();
                double run = Median(Enumerable.Range(0, repeats).Select(_ => KernelRunMilliseconds(layout)));
                double downtime = Median(reports.Select(r => r.DowntimeMilliseconds));
                var typical = reports.OrderBy(r => r.DowntimeMilliseconds).ElementAt(reports.Count / 2);
                Console.WriteLine($"migration of the teaching kernel at 500000 ({layout}): {typical.Rounds.Count} rounds, {typical.TotalPages} pages, {typical.TotalBytes:N0} bytes; " +
                                  $"downtime median {downtime:F3} ms = {100 * downtime / run:F2}% of the whole run's median {run:F2} ms (target < 1%)");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
