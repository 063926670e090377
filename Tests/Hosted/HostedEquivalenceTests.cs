// The hosted monitor (spec §11.2): a hosted run shows the guest exactly what an unhosted run
// shows — console output, stop, exit status, instret, registers — on both engines and under
// native and monitored layouts, for every complete guest; only the cycles grow, by exactly the
// world switches and host calls counted; RAM is committed on first touch; the disk is a sparse
// host file created with a size; several hosted guests run at once, each its own VM.
using R4.Hosted;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;
using R4.Tests.Snapshots;

namespace R4.Tests.Hosted;

public class HostedEquivalenceTests
{
    private static (GuestOutcome Outcome, ulong Cycles, HostedWorld? World, long CommittedBytes) Run(string guest, Layout layout, ExecutionEngine engine, bool hosted,
        uint memoryBytes = 16 << 20, string? disk = null)
    {
        var image = GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = 40 });
        using var output = new MemoryStream();
        using var machine = GuestMachine.Create(new MachineOptions
        {
            MemoryBytes = memoryBytes,
            ConsoleInput = new MemoryStream([], writable: false),
            ConsoleOutput = output,
            Diagnostics = TextWriter.Null,
            Engine = engine,
            DiskImagePath = disk,
        }, layout);
        machine.Load(image);
        var world = hosted ? new HostedWorld(machine) : null;
        var result = machine.Run(SnapshotHarness.Budget);
        return (new GuestOutcome(output.ToArray(), result, machine.CaptureState()), machine.Cpu.Cycles, world, world?.HostRamCommittedBytes ?? 0);
    }

    public static IEnumerable<object[]> GuestsLayoutsEngines() =>
        SnapshotEquivalenceTests.CompleteGuests()
            .SelectMany(g => new[] { "native", "ring012", "ring3" }.Select(l => new object[] { g[0], l }));

    [Theory]
    [MemberData(nameof(GuestsLayoutsEngines))]
    public void A_hosted_run_shows_the_guest_what_an_unhosted_run_shows(string guest, string layoutName)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        foreach (var engine in new[] { ExecutionEngine.Jit, ExecutionEngine.Interpreter })
        {
            var (plain, plainCycles, _, _) = Run(guest, layout, engine, hosted: false);
            var (hosted, hostedCycles, world, _) = Run(guest, layout, engine, hosted: true);
            Assert.Equal(plain.Output, hosted.Output);
            Assert.Equal(plain.Result, hosted.Result);
            Assert.Equal(plain.State, hosted.State);
            Assert.Equal(plainCycles + world!.HostedCycles, hostedCycles);
            var costs = CostTable.Default;
            Assert.Equal((ulong)(world.WorldSwitches * costs.WorldSwitchCycles + world.HostCalls * costs.HostCallCycles), world.HostedCycles);
        }
    }

    [Fact]
    public void Every_port_access_is_one_world_switch_and_the_console_ones_are_host_calls()
    {
        var (outcome, _, world, _) = Run("Guests/examples/hello.asm", Layouts.Ring012, ExecutionEngine.Jit, hosted: true);
        int printed = outcome.Output.Length;
        Assert.Equal(printed + 1, world!.WorldSwitches);   // one out per byte, then power-off
        Assert.Equal(printed + 1, world.HostCalls);
    }

    [Fact]
    public void A_guest_given_1_GiB_that_touches_little_commits_little_host_memory()
    {
        // (not the teaching kernel: it threads its free list through every frame it is given)
        var (_, _, _, committed) = Run("Guests/examples/syscalls.asm", Layouts.Ring012, ExecutionEngine.Jit, hosted: true, memoryBytes: 1u << 30);
        Assert.InRange(committed, 4096, 1L << 20);
    }

    [Fact]
    public void The_disk_is_a_sparse_host_file_created_with_a_size_and_refused_when_it_exists()
    {
        string folder = Directory.CreateTempSubdirectory("r4-hosted-").FullName;
        try
        {
            string path = Path.Combine(folder, "disk.img");
            HostDisk.Create(path, 1L << 30);
            Assert.Equal(1L << 30, new FileInfo(path).Length);
            Assert.ThrowsAny<IOException>(() => HostDisk.Create(path, 4096));
            Assert.Throws<ArgumentOutOfRangeException>(() => HostDisk.Create(Path.Combine(folder, "odd.img"), 1000));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Several_hosted_guests_run_at_once_each_its_own_VM()
    {
        var guests = new[] { "Guests/kernels/teach/kernel.asm", "Guests/examples/syscalls.asm", "Guests/bench/timer.asm" };
        var alone = guests.Select(g => Run(g, Layouts.Ring012, ExecutionEngine.Jit, hosted: true).Outcome).ToArray();
        var together = new GuestOutcome[guests.Length];
        Parallel.For(0, guests.Length, i => together[i] = Run(guests[i], Layouts.Ring012, ExecutionEngine.Jit, hosted: true).Outcome);
        for (int i = 0; i < guests.Length; i++)
        {
            Assert.Equal(alone[i].Output, together[i].Output);
            Assert.Equal(alone[i].State, together[i].State);
        }
    }
}
