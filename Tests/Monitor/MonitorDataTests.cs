// The monitor's plain data: the virtual CPU's control registers and reset state, the
// monitor memory map above the partition, and exit accounting by cause with its cycle prices.
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class MonitorDataTests
{
    [Fact]
    public void VirtualControlRegistersReadBackAndStatusKeepsItsCpl()
    {
        var cpu = new VirtualCpu { Cpl = 3 };
        for (int i = 1; i < ControlRegisters.Count; i++)
            cpu.Write((ControlRegister)i, 0x1000u + (uint)i);
        for (int i = 1; i < ControlRegisters.Count; i++)
            Assert.Equal(0x1000u + (uint)i, cpu.Read((ControlRegister)i));
        cpu.Write(ControlRegister.Status, 0xFFFF_FFF8 | StatusBits.InterruptEnable);
        Assert.Equal(3u | StatusBits.InterruptEnable, cpu.Read(ControlRegister.Status));
        cpu.Write(ControlRegister.Status, 0);
        Assert.Equal(3u, cpu.Status);
        cpu.Reset();
        Assert.Equal(0u, cpu.Status);
        Assert.Equal(RingMap.Identity, cpu.Rmap);
        Assert.Equal(0u, cpu.Ptbr);
        Assert.All(cpu.Gates, g => Assert.False(g.Present));
    }

    [Fact]
    public void MonitorMemorySitsAboveThePartition()
    {
        var map = new MonitorMemoryMap(1 << 20, viewCount: 4, poolPages: 10);
        Assert.Equal(1u << 20, map.GateTableAddress);
        Assert.Equal((1u << 20) + 4096, map.DirectoryAddress(0));
        Assert.Equal((1u << 20) + 5 * 4096u, map.PoolAddress);
        Assert.Equal(15 * 4096u, map.ReservedBytes);
        Assert.Equal((1u << 20) + 15 * 4096u, map.MachineRamBytes);
        Assert.True(map.InPartition((1 << 20) - 512, 512));
        Assert.False(map.InPartition((1 << 20) - 512, 513));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MonitorMemoryMap(1000, 1));
    }

    [Fact]
    public void ExitsAreCountedByCauseAndPricedFromTheCostTable()
    {
        var costs = CostTable.Default;
        var exits = new ExitAccounting(costs);
        Assert.Equal(costs.MonitorExitCycles + costs.MonitorEmulationCycles, exits.RecordExit(ExitCause.Mtcr));
        exits.RecordExit(ExitCause.Mtcr);
        exits.RecordExit(ExitCause.ReflectedFault, Vectors.PageFault);
        Assert.Equal(costs.MonitorExitCycles + costs.ShadowPageFillCycles, exits.RecordExit(ExitCause.ShadowFill));
        exits.RecordExit(ExitCause.SystemCall);
        exits.RecordPageTableSwitch();
        exits.RecordTlbFlush();
        Assert.Equal(5, exits.TotalExits);
        Assert.Equal(2, exits[ExitCause.Mtcr]);
        Assert.Equal(1, exits.ReflectedFaults(Vectors.PageFault));
        Assert.Equal((ulong)(5 * costs.MonitorExitCycles + 4 * costs.MonitorEmulationCycles + costs.ShadowPageFillCycles), exits.ModelledCycles);
        Assert.Equal(
            ["mtcr=2", "fault.PF=1", "syscall=1", "shadowFill=1", "pageTableSwitch=1", "tlbFlush=1"],
            exits.ByName().Select(kv => $"{kv.Key}={kv.Value}"));
    }

    [Fact]
    public void EveryPrivilegedInstructionHasAnExitCause()
    {
        foreach (var info in InstructionTable.All.Where(i => i.IsPrivileged))
            Assert.Equal(info.Mnemonic, ExitAccounting.NameOf(ExitAccounting.CauseOf(info.Opcode)));
        Assert.Equal("iret", ExitAccounting.NameOf(ExitAccounting.CauseOf(Opcode.Iret)));
    }
}
