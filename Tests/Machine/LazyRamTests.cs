// Guest RAM is committed on first touch (issue 16, point 3): a machine given GiBs costs the
// host what the guest touches, reset hands touched pages back, and TouchedPages lists them.
// RSS is read from /proc/self/status; other tests run in parallel, so the bounds are
// generous (eager RAM would cost the whole size).
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class LazyRamTests
{
    private const uint TwoGiB = 2u << 30, OneGiB = 1u << 30;

    private static long VmRssBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:"))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException("no VmRSS line");
    }

    [Fact]
    public void TwoGiBMachineTouchingFourMiBGrowsRssByMiBsNotGiBs()
    {
        if (!OperatingSystem.IsLinux()) return;
        long before = VmRssBytes();
        // Store one word on each page of 4 MiB from 1 MiB up, then power off.
        var p = new ProgramBuilder()
            .Li(1, 0x10_0000).Li(2, 0x50_0000).Li(3, 0x1000)
            .Label("loop")
            .Emit(Opcode.Stw, rs: 1, rt: 3)
            .Emit(Opcode.Add, 1, 1, 3)
            .Branch(Opcode.Bltu, 1, 2, "loop")
            .PowerOff();
        using var m = MachineHarness.Create(TwoGiB);
        m.Load(p.Image());
        MachineHarness.AssertPoweredOff(m.Run(10_000));
        long grown = VmRssBytes() - before;
        Assert.True(grown < 256L << 20, $"RSS grew by {grown >> 20} MiB for a guest touching 4 MiB of 2 GiB");
        Assert.Equal(0x1000u, m.Word(0x4F_F000));
        Assert.Equal(0u, m.Word(0x50_0000));
    }

    [Fact]
    public void TouchedPagesListsWrittenPagesAndClearForgetsThem()
    {
        using var memory = new PhysicalMemory(OneGiB);
        if (!memory.IsCommittedOnTouch) return;
        Assert.Empty(memory.TouchedPages());
        memory.Write(0x0000_1000, [1, 2, 3]);
        memory.Write(0x2000_0FFE, [4, 5, 6, 7]);   // straddles two pages
        memory.Write(0x3FFF_F000, [8]);
        Assert.Equal([0x1u, 0x2_0000u, 0x2_0001u, 0x3_FFFFu], memory.TouchedPages());
        memory.Clear();
        Assert.Empty(memory.TouchedPages());
        var back = new byte[4];
        memory.Read(0x2000_0FFE, back);
        Assert.Equal(new byte[4], back);   // reset reads as zero
    }

    [Fact]
    public void ReloadingAMachineZeroesWhatThePreviousGuestWrote()
    {
        var p = new ProgramBuilder().Li(1, 0x20_0000).Li(2, 0x1234).Emit(Opcode.Stw, rs: 1, rt: 2).PowerOff();
        using var m = MachineHarness.Create(OneGiB);
        m.Load(p.Image());
        MachineHarness.AssertPoweredOff(m.Run(100));
        Assert.Equal(0x1234u, m.Word(0x20_0000));
        m.Load(new ProgramBuilder().PowerOff().Image());
        Assert.Equal(0u, m.Word(0x20_0000));
    }
}
