// First end-to-end checks of the interpreter: a loop runs to power-off with exact counts.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class SmokeTests
{
    [Fact]
    public void CountingLoopRunsToPowerOffWithExactCounts()
    {
        var p = new ProgramBuilder()
            .Li(1, 10)                                 // 2 instructions
            .Emit(Opcode.Addi, 2, 0, imm: 0)
            .Label("loop")
            .Emit(Opcode.Add, 2, 2, 1)
            .Emit(Opcode.Addi, 1, 1, imm: -1)
            .Branch(Opcode.Bne, 1, 0, "loop")
            .PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(55u, m.Reg(2));
        Assert.Equal(0u, m.Reg(1));
        Assert.Equal(3ul + 30 + 1, m.Statistics.Instructions);
        Assert.Equal(p.Here, result.Pc);
    }
}
