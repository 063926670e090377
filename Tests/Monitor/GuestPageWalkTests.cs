// The guest walk against hand-built guest tables in a word dictionary: what native would do
// for each access — translation, #PF error codes (present, write, fetch, ring), and #MC for
// directory, table and data accesses outside the partition.
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class GuestPageWalkTests
{
    private const uint GuestRam = 1 << 20;          // 1 MiB partition
    private const uint Directory = 0x10000;          // guest page directory
    private const uint Table = 0x11000;              // one page table for directory slot 0
    private const uint Ptbr = Directory | PageBits.PtbrEnable;
    private readonly Dictionary<uint, uint> _words = new();

    public GuestPageWalkTests()
    {
        _words[Directory + 0] = Table | PageBits.Present;
        Map(0x1000, 0x5000, PageBits.Writable | PageBits.Executable, ring: 0);   // kernel code+data
        Map(0x2000, 0x6000, PageBits.Executable, ring: 3);                       // user code, read-only
        Map(0x3000, 0x7000, PageBits.Writable, ring: 3);                         // user data, no exec
        Map(0x4000, GuestRam, PageBits.Writable, ring: 3);                       // frame just past the partition
        _words[Directory + 4] = 0x00200000 | PageBits.Present;                   // table outside the partition
    }

    private void Map(uint virtualPage, uint frame, uint bits, int ring) =>
        _words[Table + (virtualPage >> 12) * 4] = frame | bits | PageBits.Present | (uint)ring << PageBits.RingShift;

    private GuestTranslation Walk(uint address, int cpl, AccessKind access, uint ptbr = Ptbr) =>
        GuestPageWalk.Translate(ptbr, address, cpl, access, GuestRam, a =>
        {
            Assert.True(a < GuestRam, $"walk read 0x{a:x} outside the partition");
            return _words.GetValueOrDefault(a);
        });

    [Fact]
    public void PagingOffIsIdentityUpToTheEndOfGuestRam()
    {
        var inside = Walk(GuestRam - 4, 3, AccessKind.Write, ptbr: 0);
        Assert.Equal(WalkOutcome.Translated, inside.Outcome);
        Assert.Equal(GuestRam - 4, inside.PhysicalAddress);
        Assert.Equal(3, inside.PageRing);
        Assert.Equal(WalkOutcome.MachineCheck, Walk(GuestRam, 0, AccessKind.Read, ptbr: 0).Outcome);
    }

    [Fact]
    public void PresentPagesTranslateWithTheirOffset()
    {
        var t = Walk(0x1234, 0, AccessKind.Write);
        Assert.Equal(WalkOutcome.Translated, t.Outcome);
        Assert.Equal(0x5234u, t.PhysicalAddress);
        Assert.Equal(0, t.PageRing);
        Assert.Equal(0x6FFCu, Walk(0x2FFC, 3, AccessKind.Fetch).PhysicalAddress);
    }

    [Theory]
    [InlineData(0x9000u, 0, AccessKind.Read, 0u)]                                         // table entry not present
    [InlineData(0x9000u, 0, AccessKind.Write, PageBits.ErrorWrite)]
    [InlineData(0x00800000u, 3, AccessKind.Fetch, PageBits.ErrorFetch)]                  // directory entry not present
    [InlineData(0x1000u, 3, AccessKind.Read, PageBits.ErrorPresent | PageBits.ErrorRing)]
    [InlineData(0x1000u, 3, AccessKind.Fetch, PageBits.ErrorPresent | PageBits.ErrorFetch | PageBits.ErrorRing)]
    [InlineData(0x2000u, 3, AccessKind.Write, PageBits.ErrorPresent | PageBits.ErrorWrite)]
    [InlineData(0x3000u, 0, AccessKind.Fetch, PageBits.ErrorPresent | PageBits.ErrorFetch)]
    public void FaultsCarryTheNativeErrorCode(uint address, int cpl, AccessKind access, uint errorCode)
    {
        var t = Walk(address, cpl, access);
        Assert.Equal(WalkOutcome.PageFault, t.Outcome);
        Assert.Equal(errorCode, t.ErrorCode);
    }

    [Fact]
    public void AccessesOutsideThePartitionAreMachineChecks()
    {
        Assert.Equal(WalkOutcome.MachineCheck, Walk(0x4000, 3, AccessKind.Read).Outcome);        // frame at G
        Assert.Equal(WalkOutcome.MachineCheck, Walk(0x00400000, 0, AccessKind.Read).Outcome);    // table at 2 MiB
        Assert.Equal(WalkOutcome.MachineCheck, Walk(0x1000, 0, AccessKind.Read, ptbr: GuestRam | 1).Outcome);
        // a permission fault is still a fault first
        Assert.Equal(WalkOutcome.PageFault, Walk(0x4000, 3, AccessKind.Fetch).Outcome);
    }
}
