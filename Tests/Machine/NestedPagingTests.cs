// Guest mode's nested paging (spec §11.7): a TLB miss walks the guest's tables for guest-virtual →
// guest-physical and the host's for every guest-physical address — up to 8 references, each
// costed — and the TLB keeps the final guest-virtual → machine-physical translation. Here the host
// maps guest-physical page i to machine-physical 0x40000 + 4 KiB·i (not identity), so a wrong
// dimension would read the wrong bytes.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class NestedPagingTests
{
    private const uint NestedDirectory = 0xF0000, NestedTable = 0xF1000, GuestBase = 0x40000;

    private sealed class ObservingHost : IGuestModeHost
    {
        public bool OnVmExit(Cpu cpu, in VmExit exit) => false;
    }

    private static R4Machine GuestModeMachine()
    {
        var m = MachineHarness.Create();
        m.Poke(NestedDirectory, NestedTable | PageBits.Present);
        for (uint i = 0; i < 64; i++)   // guest-physical [0, 256 KiB)
            m.Poke(NestedTable + 4 * i, (GuestBase + (i << 12)) | PageBits.Present | PageBits.Writable);
        m.Cpu.EnterGuestMode(new GuestModeControls { NestedPageDirectory = NestedDirectory }, new ObservingHost());
        return m;
    }

    [Fact]
    public void PagingOffTranslatesGuestPhysicalThroughTheHostsTablesInTwoReferences()
    {
        using var m = GuestModeMachine();
        m.Poke(GuestBase + 0x3010, 0x12345678);
        ulong before = m.Cpu.Cycles;
        Assert.True(m.Cpu.TryRead32(0x3010, 0, out uint value, out _));
        Assert.Equal(0x12345678u, value);
        Assert.Equal(2ul * (ulong)CostTable.Default.NestedWalkReferenceCycles, m.Cpu.Cycles - before);
        // guest-physical the host does not map: a machine check, as past the end of native RAM
        Assert.False(m.Cpu.TryRead32(0x40000, 0, out _, out _));
        Assert.Equal(Vectors.MachineCheck, m.Cpu.LastAccessFault);
    }

    [Fact]
    public void PagingOnWalksBothDimensionsInEightReferencesAndTheTlbKeepsTheResult()
    {
        using var m = GuestModeMachine();
        // guest tables, in guest-physical: directory at 0x1000, table at 0x2000, frame 0x3000
        m.Poke(GuestBase + 0x1000 + 4 * (0x00400000 >> 22), 0x2000 | PageBits.Present);
        m.Poke(GuestBase + 0x2000, 0x3000 | PageBits.Present | PageBits.Writable | (3u << PageBits.RingShift));
        m.Poke(GuestBase + 0x3010, 0xCAFEBABE);
        m.Cpu.SetControl(ControlRegister.Ptbr, 0x1000 | PageBits.PtbrEnable);
        ulong missesBefore = m.Cpu.Mmu.Misses, before = m.Cpu.Cycles;
        Assert.True(m.Cpu.TryRead32(0x00400010, 3, out uint value, out _));
        Assert.Equal(0xCAFEBABEu, value);
        Assert.Equal(1ul, m.Cpu.Mmu.Misses - missesBefore);
        Assert.Equal(8ul * (ulong)CostTable.Default.NestedWalkReferenceCycles, m.Cpu.Cycles - before);
        before = m.Cpu.Cycles;
        Assert.True(m.Cpu.TryWrite32(0x00400014, 3, 7, out _));   // a hit: no walk, no cost
        Assert.Equal(before, m.Cpu.Cycles);
        Assert.Equal(7u, m.Word(GuestBase + 0x3014));
        // a guest page-table entry naming a frame the host does not map: #MC once permissions pass
        m.Poke(GuestBase + 0x2004, 0x100000 | PageBits.Present | PageBits.Writable | (3u << PageBits.RingShift));
        Assert.False(m.Cpu.TryRead32(0x00401000, 3, out _, out _));
        Assert.Equal(Vectors.MachineCheck, m.Cpu.LastAccessFault);
        // and a missing guest entry is the guest's #PF with the native error code
        Assert.False(m.Cpu.TryWrite32(0x00402000, 3, 1, out uint error));
        Assert.Equal(Vectors.PageFault, m.Cpu.LastAccessFault);
        Assert.Equal(PageBits.ErrorWrite, error);
    }
}
