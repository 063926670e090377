// First golden programs: source -> exact words.
using R4.Isa;

namespace R4.Tests.Assembler;

public class GoldenProgramTests
{
    [Fact]
    public void SmallProgramWithForwardBranch()
    {
        var words = Asm.Words("""
            _start: addi r1, r0, 5     ; count
            loop:   addi r1, r1, -1
                    bnez r1, loop
                    jmp done
                    nop
            done:   hlt
            """);
        Assert.Equal(new[]
        {
            InstructionCodec.Encode(Opcode.Addi, 1, 0, 0, 5),
            InstructionCodec.Encode(Opcode.Addi, 1, 1, 0, -1),
            InstructionCodec.Encode(Opcode.Bne, 0, 1, 0, -2),
            InstructionCodec.Encode(Opcode.Jmp, imm: 1),
            InstructionCodec.Encode(Opcode.Nop),
            InstructionCodec.Encode(Opcode.Hlt),
        }, words);
    }
}
