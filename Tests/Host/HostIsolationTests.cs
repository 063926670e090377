// Issue 10 point 4: hostile guests beside innocent ones. A guest that reaches past its RAM
// (loads, stores, page tables, DMA: Guests/hosts/rogue.asm), one that spins forever with
// interrupts off (bounded by its own instruction limit), one that triple-faults, one that
// floods the console, one that writes past its disk window — none changes what the others
// see (each guest, innocent or hostile, sees exactly its solo run), none reaches memory or
// sectors outside its own, and the monitors' structures stay intact: every shadow entry of
// every guest maps only frames of its own partition, through tables of its own pool.
using System.Buffers.Binary;
using R4.Host;
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Host;

public class HostIsolationTests
{
    private const string SpinWithInterruptsOff = """
        .entry start
        start:
            cli
        spin:
            addi r1, r1, 1
            jmp spin
        """;

    /// <summary>No gates: the divide error cannot be delivered (#GP, then #DF): triple fault.</summary>
    private const string TripleFault = """
        .entry start
        start:
            li r1, 7
            li r2, 0
            div r3, r1, r2
            out 0xF0, r1
        """;

    private static IReadOnlyList<TestGuest> HostileMix()
    {
        var rogue = HostHarness.Assemble("Guests/hosts/rogue.asm");
        var teach = HostHarness.Assemble("Guests/kernels/teach/kernel.asm");
        var hello = HostHarness.Assemble("Guests/examples/hello.asm");
        var compute = HostHarness.Assemble("Guests/examples/compute.asm", ("N", 300));
        return
        [
            new TestGuest("rogue (ring012)", rogue, Layouts.Ring012),
            new TestGuest("teach", teach, Layouts.Ring012, RamBytes: 8 << 20),
            new TestGuest("spin with cli", HostHarness.AssembleText(SpinWithInterruptsOff), Layouts.Ring3, MaxInstructions: 250_000, Weight: 3),
            new TestGuest("hello", hello, Layouts.Ring013),
            new TestGuest("triple fault", HostHarness.AssembleText(TripleFault), Layouts.Ring013),
            new TestGuest("rogue (ring3)", rogue, Layouts.Ring3, RamBytes: 2 << 20),
            new TestGuest("compute", compute, Layouts.Ring3),
            // the other techniques on the same machine: translation and guest mode with nested
            // tables are per guest too (the world switch carries them)
            new TestGuest("rogue (bt)", rogue, Layouts.Bt),
            new TestGuest("rogue (hw)", rogue, Layouts.Hw, RamBytes: 4 << 20),
            new TestGuest("teach (hw)", teach, Layouts.Hw, RamBytes: 8 << 20),
            new TestGuest("teach (bt)", teach, Layouts.Bt, RamBytes: 8 << 20),
        ];
    }

    [Theory]
    [InlineData(ExecutionEngine.Interpreter)]
    [InlineData(ExecutionEngine.Jit)]
    public void HostileGuestsChangeNothingTheOthersSee(ExecutionEngine engine)
    {
        var guests = HostileMix();
        var (together, _) = HostHarness.RunTogether(guests, engine, sliceInstructions: 7_001, inspect: AssertMonitorsIntact);
        for (int i = 0; i < guests.Count; i++)
            HostHarness.AssertSame(HostHarness.RunSolo(guests[i], engine), together[i], $"guest {i + 1} {guests[i]} ({engine})");
        Assert.Equal(StopReason.PowerOff, together[0].Result.Reason);
        Assert.Equal(6u, together[0].Result.ExitStatus);   // six machine checks, every attempt refused
        Assert.StartsWith("rogue: 6 machine checks, 3 failed disk requests\n", together[0].Console);
        Assert.Equal(StopReason.InstructionLimit, together[2].Result.Reason);
        Assert.Equal(StopReason.Shutdown, together[4].Result.Reason);
        Assert.StartsWith("triple fault", together[4].Result.Diagnostic);
        Assert.Equal("Hello, world!\n", together[3].Console);
        foreach (int rogueAt in new[] { 7, 8 })
            Assert.StartsWith("rogue: 6 machine checks, 3 failed disk requests\n", together[rogueAt].Console);
    }

    /// <summary>Every present shadow directory entry of every guest names a table of its own
    /// pool, and every present shadow table entry a frame of its own partition.</summary>
    private static void AssertMonitorsIntact(Type1Host host)
    {
        foreach (var guest in host.Guests)
        {
            var map = guest.Map;
            for (int view = 0; view < map.ViewCount; view++)
                for (uint pde = 0; pde < 1024; pde++)
                {
                    uint directoryEntry = Word(host, map.DirectoryAddress(view) + pde * 4);
                    if ((directoryEntry & PageBits.Present) == 0) continue;
                    uint table = directoryEntry & PageBits.FrameMask;
                    if (map.HasWindow && table == map.WindowTableAddress && pde == MonitorMemoryMap.WindowDirectoryIndex)
                        continue;   // the monitor's window: its own area, ring 0 (Monitor tests check its entries)
                    Assert.True(table >= map.PoolAddress && table < map.PoolPageAddress(map.PoolPages),
                        $"{guest.Description}: shadow table 0x{table:x8} outside its pool");
                    for (uint pte = 0; pte < 1024; pte++)
                    {
                        uint entry = Word(host, table + pte * 4);
                        if ((entry & PageBits.Present) == 0) continue;
                        uint frame = entry & PageBits.FrameMask;
                        Assert.True(frame >= map.PartitionBase && frame < map.PartitionBase + map.GuestRamBytes,
                            $"{guest.Description}: shadow entry maps frame 0x{frame:x8}, outside its partition [0x{map.PartitionBase:x8}, +0x{map.GuestRamBytes:x})");
                    }
                }
        }
    }

    private static uint Word(Type1Host host, uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        host.Memory.Read(address, bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>Fills its whole window with its tag, tries one sector past it, reads sector 0
    /// back; powers off with 0x100 * (failed requests) + the first byte it read back.</summary>
    private static string DiskFiller(int tag, int sectors) => $$"""
        .entry start
        .equ TAG, {{tag}}
        .equ SECTORS, {{sectors}}
        .equ BUFFER, 0x4000
        start:
            li r1, BUFFER
            li r2, TAG
            li r3, 512
        fill:
            stb r2, [r1]
            addi r1, r1, 1
            addi r3, r3, -1
            bnez r3, fill
            li r9, 0
            li r7, 0
        next:
            mov r1, r7
            li r4, 2
            call request
            addi r7, r7, 1
            li r1, SECTORS
            bne r7, r1, next
            li r1, SECTORS          ; one past the window: refused
            li r4, 2
            call request
            li r1, BUFFER           ; forget the buffer, read sector 0 back
            stb zero, [r1]
            li r1, 0
            li r4, 1
            call request
            li r1, BUFFER
            ldbu r2, [r1]
            shli r9, r9, 8
            or r9, r9, r2
            out 0xF0, r9
        request:
            out 0x20, r1
            li r1, BUFFER
            out 0x21, r1
            li r1, 1
            out 0x22, r1
            out 0x23, r4
        wait:
            in r1, 0x24
            andi r2, r1, 1
            bnez r2, wait
            andi r1, r1, 2
            beqz r1, done
            addi r9, r9, 1
        done:
            ret
        """;

    [Fact]
    public void EachGuestReachesOnlyItsOwnSectorsOfTheMachineDisk()
    {
        string disk = Path.GetTempFileName();
        try
        {
            var before = new byte[512 * 40];
            for (int i = 0; i < before.Length; i++) before[i] = 0xEE;
            File.WriteAllBytes(disk, before);
            // windows: guest 1 sectors 2..9, guest 2 sectors 20..25, guest 3 sectors 30..39 (ring3)
            var guests = new[]
            {
                new TestGuest("filler 1", HostHarness.AssembleText(DiskFiller(0x11, 8)), Layouts.Ring012, FirstSector: 2, SectorCount: 8),
                new TestGuest("filler 2", HostHarness.AssembleText(DiskFiller(0x22, 6)), Layouts.Ring013, FirstSector: 20, SectorCount: 6),
                new TestGuest("filler 3", HostHarness.AssembleText(DiskFiller(0x33, 10)), Layouts.Ring3, FirstSector: 30, SectorCount: 10),
            };
            var (runs, _) = HostHarness.RunTogether(guests, ExecutionEngine.Jit, sliceInstructions: 333, diskImage: disk);
            Assert.Equal([0x111u, 0x122u, 0x133u], runs.Select(r => r.Result.ExitStatus));   // one refusal each; each reads back its own tag
            var after = File.ReadAllBytes(disk);
            Assert.Equal(before.Length, after.Length);
            for (int sector = 0; sector < 40; sector++)
            {
                byte expected = sector is >= 2 and < 10 ? (byte)0x11 : sector is >= 20 and < 26 ? (byte)0x22 : sector >= 30 ? (byte)0x33 : (byte)0xEE;
                Assert.True(after.AsSpan(sector * 512, 512).IndexOfAnyExcept(expected) < 0, $"sector {sector}: expected every byte 0x{expected:x2}");
            }
        }
        finally
        {
            File.Delete(disk);
        }
    }
}
