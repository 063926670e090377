// Issue 10 point 6: guests that use their disk. Three teaching kernels with the disk driver
// (Guests/kernels/teach/disklog.asm: DMA, IRQ 18, a process sleeping per request) share one
// machine disk, each on its own window of sectors, each logging entries that name it. Booted
// twice on the same disk, each finds its own earlier entry and nothing of the others'; each
// sees what it sees alone on a disk of its own; the machine disk holds each log in its window.
using System.Text;
using R4.Machine;
using R4.Tests.Cli;

namespace R4.Tests.Host;

public class HostDiskLogTests
{
    private static string Abs(string repositoryPath) => RepositoryPaths.Combine(repositoryPath);

    [Fact]
    public void EachKernelSeesOnlyItsOwnLogAcrossTwoBoots()
    {
        using var cli = new CliHarness();
        string disk = cli.Write("log.img", new byte[512 * 48]);
        for (int boot = 1; boot <= 2; boot++)
        {
            string dir = cli.PathOf($"boot{boot}");
            var run = cli.Run("host", "--machine", Abs("Guests/hosts/disklog.json"), "--disk", disk, "--console-dir", dir);
            Assert.True(run.ExitCode == 0, run.Stderr);
            for (int guest = 1; guest <= 3; guest++)
            {
                var log = File.ReadAllLines(Path.Combine(dir, $"{guest}.txt")).Where(line => line.StartsWith("log: ")).ToList();
                Assert.Equal(Enumerable.Range(1, boot).Select(entry => $"log: entry {entry}: written by guest {guest}"), log);
            }
        }
        var bytes = File.ReadAllBytes(disk);
        for (int guest = 1; guest <= 3; guest++)
        {
            int window = (guest - 1) * 16 * 512;
            Assert.Equal("RLOG"u8.ToArray(), bytes[window..(window + 4)]);
            Assert.Equal(2, BitConverter.ToInt32(bytes, window + 4));
            Assert.StartsWith($"entry 2: written by guest {guest}\0", Encoding.ASCII.GetString(bytes, window + 2 * 512, 40));
        }
    }

    [Fact]
    public void TogetherEachKernelSeesWhatItSeesAloneOnADiskOfItsOwn()
    {
        var guests = Enumerable.Range(1, 3).Select(tag => new TestGuest($"disklog {tag}",
            HostHarness.Assemble("Guests/kernels/teach/disklog.asm", ("LOG_TAG", tag)), R4.Monitor.Layouts.MonitoredLayouts[tag - 1],
            RamBytes: 8 << 20, FirstSector: (ulong)(tag - 1) * 16, SectorCount: 16)).ToList();
        string machineDisk = Path.GetTempFileName();
        var soloDisks = guests.Select(_ => Path.GetTempFileName()).ToList();
        try
        {
            File.WriteAllBytes(machineDisk, new byte[512 * 48]);
            foreach (var solo in soloDisks) File.WriteAllBytes(solo, new byte[512 * 16]);
            var (together, _) = HostHarness.RunTogether(guests, ExecutionEngine.Jit, sliceInstructions: 2_999, diskImage: machineDisk);
            for (int i = 0; i < guests.Count; i++)
            {
                var alone = HostHarness.RunSolo(guests[i], ExecutionEngine.Jit, soloDisks[i]);
                HostHarness.AssertSame(alone, together[i], $"guest {i + 1}");
                Assert.Contains($"log: entry 1: written by guest {i + 1}\n", together[i].Console);
                var window = File.ReadAllBytes(machineDisk).AsSpan(i * 16 * 512, 16 * 512).ToArray();
                Assert.Equal(File.ReadAllBytes(soloDisks[i]), window);
            }
        }
        finally
        {
            File.Delete(machineDisk);
            soloDisks.ForEach(File.Delete);
        }
    }
}
