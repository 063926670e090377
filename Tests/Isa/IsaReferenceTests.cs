// docs/isa.md is generated from the instruction table; these tests keep it true.
using R4.Isa;

namespace R4.Tests.Isa;

public class IsaReferenceTests
{
    [Fact]
    public void DocsIsaMdIsTheGeneratedReference()
    {
        string onDisk = File.ReadAllText(RepositoryPaths.Combine("docs", "isa.md")).ReplaceLineEndings("\n");
        string generated = IsaReference.GenerateMarkdown().ReplaceLineEndings("\n");
        Assert.True(onDisk == generated,
            "docs/isa.md is stale: regenerate it with `dotnet run --project Emulator/Cli -- isa-doc > docs/isa.md`");
    }

    [Fact]
    public void EveryInstructionHasARowInTheReference()
    {
        string reference = IsaReference.GenerateMarkdown();
        foreach (var info in InstructionTable.All)
            Assert.Contains($"| 0x{info.Code:X2} | `{info.Mnemonic}", reference);
    }
}
