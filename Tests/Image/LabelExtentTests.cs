// Label extents (issue 16 item 7): the assembler gives every label a size (ELF st_size, which
// binutils' readelf shows) that ends at the next label at a higher address, .align, .org or the
// end of its region, and an address is named after a label only inside that extent — so an
// unlabelled stack after a vector table is nobody's "ivt+0x2f0".
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Tests.Image;

public class LabelExtentTests
{
    private const string Source = """
        code:   nop
                nop
        msg:    .asciz "hi"
        .align 8
        ivt:
        .vectors: .space 16
        .align 4
                .space 8
        top:
        .org 0x100
        far:    .word 1
        """;

    private static ProgramImage Image()
    {
        var result = R4Assembler.AssembleText(Source, "extents.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    [Fact]
    public void EveryLabelEndsAtTheNextLabelAlignOrgOrTheEndOfItsRegion()
    {
        var sizes = Image().Symbols.Select(s => $"{s.Name} 0x{s.Value:x} {s.Size}");
        Assert.Equal(["code 0x0 8", "msg 0x8 3", "ivt 0x10 16", "ivt.vectors 0x10 16", "top 0x28 0", "far 0x100 4"], sizes);
    }

    [Fact]
    public void ReadelfShowsTheSizesTheReaderReadsBack()
    {
        byte[] elf = Elf32.Write(Image());
        var readelf = Readelf.Run(elf);
        Assert.Equal("", readelf.Errors);
        Assert.Equal(["ivt.vectors 16", "code 8", "msg 3", "ivt 16", "top 0", "far 4"],
            readelf.Symbols.Where(s => s.Name != "").Select(s => $"{s.Name} {s.Size}"));
        Assert.Equal(Image().Symbols.OrderBy(s => s.Name, StringComparer.Ordinal),
            Elf32.Read(elf, "extents.elf").Symbols.OrderBy(s => s.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void AnAddressIsNamedOnlyInsideItsLabelsExtent()
    {
        var image = Image();
        Assert.Equal("code+0x4", image.Symbolize(0x4));
        Assert.Equal("msg+0x2", image.Symbolize(0xA));
        Assert.Null(image.Symbolize(0xB));                    // .align padding after msg
        Assert.Equal("ivt+0xc", image.Symbolize(0x1C));
        Assert.Null(image.Symbolize(0x20));                   // the unlabelled .space after .align: a stack
        Assert.Equal("top", image.Symbolize(0x28));
        Assert.Equal("far", image.Symbolize(0x100));
        Assert.Null(image.Symbolize(0x104));
    }

    [Fact]
    public void ALabelOfSizeZeroNamesOnlyItsOwnAddressButAnImageWithoutSizesKeepsSegmentNaming()
    {
        var image = R4Assembler.AssembleText("a:  .byte 1\nb:\n.align 8\n    .word 2\n", "zero.asm").Image!;
        Assert.Equal(["a 1", "b 0"], image.Symbols.Select(s => $"{s.Name} {s.Size}"));
        Assert.Equal("b", image.Symbolize(1));
        Assert.Null(image.Symbolize(2));   // .align padding
        Assert.Null(image.Symbolize(8));   // the unlabelled word after .align

        var withoutSizes = new ProgramImage(image.Entry, image.Segments, image.Symbols.Select(s => s with { Size = 0 }).ToList());
        Assert.Equal("b+0x7", withoutSizes.Symbolize(8));
    }
}
