// Spec §10: a local label may have any name after its dot, register aliases included
// (issue 16, point 8): '.zero', '.sp' and '.lr' are 'global.zero' etc., never registers.
using R4.Assembler;

namespace R4.Tests.AssemblerTests;

public class LocalLabelNameTests
{
    [Fact]
    public void LocalLabelsNamedLikeRegistersAssembleAndResolve()
    {
        var result = R4Assembler.AssembleText("""
            .org 0x1000
            main:
            .zero:
                nop
            .sp:
                jmp .zero
            .lr: jmp .sp
                .word .lr
            """, "local.asm");
        Assert.Empty(result.Errors);
        var symbols = result.Image!.Symbols.ToDictionary(s => s.Name, s => s.Value);
        Assert.Equal(0x1000u, symbols["main.zero"]);
        Assert.Equal(0x1004u, symbols["main.sp"]);
        Assert.Equal(0x1008u, symbols["main.lr"]);
        Assert.Equal(0x1008u, BitConverter.ToUInt32(result.Image.Segments[0].Data, 12));
    }

    [Fact]
    public void AGlobalLabelNamedLikeARegisterIsStillRefused()
    {
        var result = R4Assembler.AssembleText("zero: nop", "g.asm");
        Assert.Equal("'zero' is a register name and cannot name a symbol", Assert.Single(result.Errors).Message);
    }
}
