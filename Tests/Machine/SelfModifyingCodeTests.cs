// The decoded-code cache never shows stale code: stores (through any virtual alias), host
// writes and loads into already-executed words take effect at the next fetch.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class SelfModifyingCodeTests
{
    private static readonly uint AddHundred = InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 100);

    [Theory]
    [InlineData(Opcode.Stw)]
    [InlineData(Opcode.Sth)]
    [InlineData(Opcode.Stb)]
    public void StoreOverAnExecutedInstructionChangesTheNextPass(Opcode store)
    {
        // addi r1,r1,1 and addi r1,r1,100 differ only in the low byte (little-endian offset 0).
        uint value = store == Opcode.Stw ? AddHundred : AddHundred & 0xFF;
        var p = new ProgramBuilder().Li(3, 2).La(4, "target").Li(5, value)
            .Label("loop").Label("target").Emit(Opcode.Addi, 1, 1, imm: 1)
            .Emit(store, rs: 4, rt: 5)
            .Emit(Opcode.Addi, 3, 3, imm: -1).Branch(Opcode.Bne, 3, 0, "loop").PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(101u, m.Reg(1));
    }

    [Fact]
    public void StoreOverTheVeryNextInstructionIsSeen()
    {
        var p = new ProgramBuilder().Li(3, 2).La(4, "next").Li(5, AddHundred)
            .Label("loop").Emit(Opcode.Stw, rs: 4, rt: 5)
            .Label("next").Emit(Opcode.Addi, 1, 1, imm: 1)
            .Li(5, InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 1000))
            .Emit(Opcode.Addi, 3, 3, imm: -1).Branch(Opcode.Bne, 3, 0, "loop").PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(1100u, m.Reg(1));
    }

    [Fact]
    public void HostWriteBetweenRunsReplacesDecodedCode()
    {
        var p = new ProgramBuilder().Label("loop").Label("target").Emit(Opcode.Addi, 1, 1, imm: 1).Jump(Opcode.Jmp, "loop");
        var m = MachineHarness.Load(p);
        Assert.Equal(StopReason.InstructionLimit, m.Run(10).Reason);
        Assert.Equal(5u, m.Reg(1));
        m.Memory.Write(p.AddressOf("target"), BitConverter.GetBytes(AddHundred));
        m.Run(10);
        Assert.Equal(505u, m.Reg(1));
    }

    [Fact]
    public void StoreThroughAnotherVirtualAliasOfTheCodePageIsSeen()
    {
        // VA 0x50000 maps the physical page of the code at 0x1000; the loop patches itself
        // through that alias, so only a physically indexed cache sees the store.
        ProgramBuilder Build(uint alias) => PagingTests.EnablePaging(new ProgramBuilder()).Emit(Opcode.Addi, 1, 0, imm: 0).Li(3, 2).Li(4, alias).Li(5, AddHundred)
            .Label("loop").Label("target").Emit(Opcode.Addi, 1, 1, imm: 1)
            .Emit(Opcode.Stw, rs: 4, rt: 5).Emit(Opcode.Addi, 3, 3, imm: -1).Branch(Opcode.Bne, 3, 0, "loop").PowerOff();
        uint target = Build(0).AddressOf("target");
        var p = Build(0x50000 | (target & 0xFFF));
        var m = MachineHarness.Load(p);
        PagingTests.MapIdentity(m);
        PagingTests.SetPte(m, 0x50000, (target & PageBits.FrameMask) | PagingTests.AllRings);
        MachineHarness.AssertPoweredOff(m.Run(1000));
        Assert.Equal(101u, m.Reg(1));
    }
}

public class DiskDmaIntoCodeTests
{
    [Fact]
    public void DiskReadOverExecutedCodeIsSeenByTheNextCall()
    {
        string disk = Path.Combine(Path.GetTempPath(), $"r4-dma-{Guid.NewGuid():N}.img");
        var sector = new byte[Ports.SectorSize];
        BitConverter.TryWriteBytes(sector.AsSpan(0), InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 100));
        BitConverter.TryWriteBytes(sector.AsSpan(4), InstructionCodec.Encode(Opcode.Jr, rs: Registers.LinkRegister));
        File.WriteAllBytes(disk, sector);
        try
        {
            var p = new ProgramBuilder()
                .Jump(Opcode.Call, "target")
                .Emit(Opcode.Out, rs: 0, imm: Ports.DiskSector)
                .Li(2, 0x2000).Emit(Opcode.Out, rs: 2, imm: Ports.DiskAddress)
                .Li(2, 1).Emit(Opcode.Out, rs: 2, imm: Ports.DiskCount)
                .Emit(Opcode.Out, rs: 2, imm: Ports.DiskCommand)   // 1 = read
                .Label("poll").Emit(Opcode.In, 6, imm: Ports.DiskStatus).Emit(Opcode.Andi, 7, 6, imm: 1).Branch(Opcode.Bne, 7, 0, "poll")
                .Jump(Opcode.Call, "target")
                .PowerOff()
                .At(0x2000).Label("target").Emit(Opcode.Addi, 1, 1, imm: 1).Emit(Opcode.Jr, rs: Registers.LinkRegister);
            using var m = new R4Machine(new MachineOptions { MemoryBytes = MachineHarness.SmallMemoryBytes, DiskImagePath = disk });
            m.Load(p.Image());
            MachineHarness.AssertPoweredOff(m.Run(100_000));
            Assert.Equal(0u, m.Reg(6) & Ports.DiskStatusError);
            Assert.Equal(101u, m.Reg(1));
        }
        finally
        {
            File.Delete(disk);
        }
    }
}
