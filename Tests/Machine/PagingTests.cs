// Paging (spec §6): the two-level walk, every #PF error bit and `fault`, #MC for walks and
// frames outside RAM, the caching rule (a PTE edit is invisible until invlpg, tlbflush or
// a ptbr write) and the TLB counters.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class PagingTests
{
    public const uint Directory = 0x10000, Table = 0x11000, UserStack = 0x1F000;
    public const uint AllRings = PageBits.Present | PageBits.Writable | PageBits.Executable | 3u << PageBits.RingShift;
    private const uint Target = 0x50000;

    /// <summary>Identity-maps the first 1 MiB with <see cref="AllRings"/> and a table for VA 0..4 MiB.</summary>
    public static void MapIdentity(R4Machine m)
    {
        m.Poke(Directory, Table | PageBits.Present);
        for (uint page = 0; page < 256; page++)
            m.Poke(Table + page * 4, page << PageBits.PageShift | AllRings);
    }

    public static void SetPte(R4Machine m, uint va, uint pte) => m.Poke(Table + (va >> PageBits.PageShift) * 4, pte);

    public static ProgramBuilder EnablePaging(ProgramBuilder p) =>
        p.Li(1, Directory | PageBits.PtbrEnable).Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Ptbr);

    public enum Access { Read, Write, Fetch }

    [Theory]
    [InlineData(Access.Read, 0u, 0, 0u)]
    [InlineData(Access.Write, 0u, 0, 2u)]
    [InlineData(Access.Fetch, 0u, 0, 4u)]
    [InlineData(Access.Write, PageBits.Present | PageBits.Executable | 3u << 3, 0, 3u)]
    [InlineData(Access.Fetch, PageBits.Present | PageBits.Writable | 3u << 3, 0, 5u)]
    [InlineData(Access.Read, PageBits.Present | PageBits.Writable | PageBits.Executable, 3, 9u)]
    [InlineData(Access.Write, PageBits.Present | PageBits.Executable, 3, 0xBu)]
    [InlineData(Access.Fetch, PageBits.Present | PageBits.Writable | PageBits.Executable, 3, 0xDu)]
    [InlineData(Access.Read, PageBits.Present | 2u << 3, 3, 9u)]
    [InlineData(Access.Write, 0u, 3, 2u)]
    public void PageFaultsReportEveryErrorBitAndTheAddress(Access access, uint pte, int ring, uint error)
    {
        uint address = access == Access.Fetch ? Target + 0x40 : Target + 0x44;
        var p = EnablePaging(new ProgramBuilder());
        if (ring != 0) p.EnterRing(ring, "user", UserStack);
        p.Label("user").Li(2, address).Li(3, 0x99).Label("access");
        _ = access switch
        {
            Access.Read => p.Emit(Opcode.Ldw, 3, 2, imm: 0),
            Access.Write => p.Emit(Opcode.Stw, rs: 2, rt: 3, imm: 0),
            _ => p.Emit(Opcode.Jr, rs: 2),
        };
        p.PowerOff();
        var (m, result) = TrapCatcher.Run(p, setup: m => { MapIdentity(m); SetPte(m, Target, pte == 0 ? 0 : Target | pte); });
        TrapCatcher.AssertTrap(m, result, Vectors.PageFault, access == Access.Fetch ? address : p.AddressOf("access"), error);
        Assert.Equal(address, m.Cr(ControlRegister.Fault));
        Assert.Equal(0x99u, m.Reg(3));
        Assert.Equal(0u, m.Word(address));
    }

    [Fact]
    public void AllowedAccessFromTheLeastPrivilegedAllowedRing()
    {
        var p = EnablePaging(new ProgramBuilder()).EnterRing(2, "user", UserStack).Label("user")
            .Li(2, Target).Li(3, 5).Emit(Opcode.Stw, rs: 2, rt: 3).Emit(Opcode.Ldw, 4, 2).Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p, setup: m => { MapIdentity(m); SetPte(m, Target, Target | PageBits.Present | PageBits.Writable | 2u << 3); });
        TrapCatcher.AssertTrap(m, result, 40, p.Here - 4);
        Assert.Equal(5u, m.Reg(4));
    }

    [Fact]
    public void MissingDirectoryEntryIsANotPresentFault()
    {
        var p = EnablePaging(new ProgramBuilder()).Li(2, 0x00800010).Label("access").Emit(Opcode.Stw, rs: 2, rt: 0).PowerOff();
        var (m, result) = TrapCatcher.Run(p, setup: MapIdentity);
        TrapCatcher.AssertTrap(m, result, Vectors.PageFault, p.AddressOf("access"), PageBits.ErrorWrite);
        Assert.Equal(0x00800010u, m.Cr(ControlRegister.Fault));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WalkOrFrameOutsideRamIsMachineCheck(bool directoryPointsOutside)
    {
        uint va = directoryPointsOutside ? 0x00C00000u : Target;
        var p = EnablePaging(new ProgramBuilder()).Li(2, va).Label("access").Emit(Opcode.Ldw, 3, 2).PowerOff();
        var (m, result) = TrapCatcher.Run(p, setup: m =>
        {
            MapIdentity(m);
            if (directoryPointsOutside) m.Poke(Directory + 3 * 4, 0xF0000000 | PageBits.Present);
            else SetPte(m, Target, 0xF0000000 | AllRings);
        });
        TrapCatcher.AssertTrap(m, result, Vectors.MachineCheck, p.AddressOf("access"));
    }

    [Fact]
    public void PteEditTakesEffectOnlyAfterInvalidation()
    {
        uint pteAddress = Table + (Target >> 12) * 4;
        var p = EnablePaging(new ProgramBuilder())
            .Li(2, Target).Li(7, pteAddress).Li(8, 0x60000 | AllRings).Li(9, 0x70000 | AllRings)
            .Emit(Opcode.Ldw, 12, 2)
            .Emit(Opcode.Stw, rs: 7, rt: 9).Emit(Opcode.Ldw, 3, 2)                               // no invalidation: old frame
            .Emit(Opcode.Invlpg, rs: 2).Emit(Opcode.Ldw, 4, 2)                                    // invlpg: new frame
            .Emit(Opcode.Stw, rs: 7, rt: 8).Emit(Opcode.Ldw, 5, 2)
            .Emit(Opcode.Tlbflush).Emit(Opcode.Ldw, 6, 2)                                         // tlbflush: back
            .Emit(Opcode.Stw, rs: 7, rt: 9).Emit(Opcode.Ldw, 10, 2)
            .Li(1, Directory | PageBits.PtbrEnable).Emit(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Ptbr).Emit(Opcode.Ldw, 11, 2)    // ptbr write: new again
            .PowerOff();
        var m = MachineHarness.Load(p);
        MapIdentity(m);
        SetPte(m, Target, 0x60000 | AllRings);
        m.Poke(0x60000, 111);
        m.Poke(0x70000, 222);
        MachineHarness.AssertPoweredOff(m.Run(1000));
        Assert.Equal([111u, 111, 222, 222, 111, 111, 222], new[] { m.Reg(12), m.Reg(3), m.Reg(4), m.Reg(5), m.Reg(6), m.Reg(10), m.Reg(11) });
        Assert.Equal(3ul, m.Statistics.TlbFlushes);
    }

    [Fact]
    public void TlbMissesAreCountedOncePerPageUntilAFlush()
    {
        var p = EnablePaging(new ProgramBuilder()).Li(2, Target).Li(4, 2)
            .Label("pass").Emit(Opcode.Ldw, 3, 2, imm: 0).Emit(Opcode.Ldw, 3, 2, imm: 0x1000).Emit(Opcode.Ldw, 3, 2, imm: 0x2000)
            .Emit(Opcode.Stw, rs: 2, rt: 3, imm: 0x3000).Emit(Opcode.Ldw, 3, 2, imm: 0x4000)
            .Emit(Opcode.Addi, 4, 4, imm: -1).Branch(Opcode.Bne, 4, 0, "pass").PowerOff();
        var m = MachineHarness.Load(p);
        MapIdentity(m);
        MachineHarness.AssertPoweredOff(m.Run(1000));
        Assert.Equal(6ul, m.Statistics.TlbMisses);   // the code page after paging is on, and five data pages
        Assert.Equal(1ul, m.Statistics.TlbFlushes);
    }

    [Fact]
    public void PagingOffIgnoresRingsAndPageTables()
    {
        var p = new ProgramBuilder().EnterRing(3, "user", UserStack).Label("user").Li(2, Target).Li(3, 7)
            .Emit(Opcode.Stw, rs: 2, rt: 3).Emit(Opcode.Int, imm: 40).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, 40, p.Here - 4);
        Assert.Equal(7u, m.Word(Target));
        Assert.Equal(0ul, m.Statistics.TlbMisses);
    }
    /// <summary>A flush invalidates only the entries filled since the last one while they are
    /// few (Mmu's fill list), and all of them past the list's capacity: either way no
    /// translation survives, and entries filled after the flush are kept until the next.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(1023)]
    [InlineData(3000)]
    public unsafe void AFlushDropsEveryTranslationHoweverManyWereFilled(int fills)
    {
        var m = MachineHarness.Create(memoryBytes: 8 << 20);   // 1500 pages inside RAM
        var mmu = m.Cpu.Mmu;
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < fills; i++)
                Assert.Equal(Mmu.NoFault, mmu.Translate((uint)(i % 1500) << PageBits.PageShift, 0, AccessKind.Read, out _, out _));
            mmu.InvalidatePage((uint)((fills - 1) % 1500) << PageBits.PageShift);   // an invalidated entry may stay listed
            Assert.Equal(Math.Min(fills, Tlb.EntryCount) - 1, ValidEntries(mmu));
            m.Cpu.FlushTlb();
            Assert.Equal(0, ValidEntries(mmu));
        }
    }

    private static unsafe int ValidEntries(Mmu mmu)
    {
        int valid = 0;
        for (int i = 0; i < Tlb.EntryCount; i++)
            if (mmu.Entries[i].Tag != Tlb.InvalidTag) valid++;
        return valid;
    }
}
