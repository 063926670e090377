// `r4 disasm`, `--help` of every verb and the errors for files that cannot be read or are
// not R4 images: exit codes, exact outputs, one-line messages without stack traces.
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.Cli;

public sealed class DisasmCliTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void WordsAreDecodedFromTheBaseAddress()
    {
        var run = cli.Run("disasm", "--base", "0x100", "--words", "0x01123000", "0x20110005", "0x48ffffff", "0");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(
            "00000100:  01123000  add r1, r2, r3\n" +
            "00000104:  20110005  addi r1, r1, 5\n" +
            "00000108:  48ffffff  jmp 0x00000108\n" +
            "0000010c:  00000000  .word 0x00000000  ; not an instruction\n", run.Stdout);
    }

    [Fact]
    public void ABadWordIsAUsageError()
    {
        var run = cli.Run("disasm", "--words", "0x1FFFFFFFF");
        Assert.Equal(64, run.ExitCode);
        Assert.Equal(CliHarness.Usage("disasm", "--words 0x1FFFFFFFF: not a 32-bit word in hex (1 to 8 hex digits, e.g. 0x01123000)"), run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void WordsAreHexWithOrWithoutPrefixAndAllAreCheckedBeforeAnyIsPrinted()
    {
        // As a listing or a trace prints them: 20110005 is the word 0x20110005, not decimal.
        var run = cli.Run("disasm", "-w", "20110005", "0x0112_3000");
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal("00000000:  20110005  addi r1, r1, 5\n00000004:  01123000  add r1, r2, r3\n", run.Stdout);
        var bad = cli.Run("disasm", "-w", "20110005", "zz");
        Assert.Equal((64, "", CliHarness.Usage("disasm", "--words zz: not a 32-bit word in hex (1 to 8 hex digits, e.g. 0x01123000)")), (bad.ExitCode, bad.Stdout, bad.Stderr));
    }

    [Fact]
    public void AsmDisasmAsmThroughTheCommandLineGivesTheSameBytes()
    {
        string source = cli.Write("prog.asm", """
            .org 0x1000
            start:  li r1, 0x12345678
            .loop:  addi r1, r1, -1
                    bnez r1, .loop
                    call sub
                    out 0xF0, r0
            sub:    ret
            text:   .asciz "hi\n"
                    .align 4
            table:  .space 64
                    .word 0xdeadbeef
            """);
        Assert.Equal(0, cli.Run("asm", source, "--flat", "-o", cli.PathOf("first.bin")).ExitCode);
        Assert.Equal(0, cli.Run("asm", source, "-o", cli.PathOf("first.elf")).ExitCode);
        var disasm = cli.Run("disasm", "--source", cli.PathOf("first.elf"));
        Assert.Equal((0, ""), (disasm.ExitCode, disasm.Stderr));
        Assert.Contains(".loop:\n        addi r1, r1, -1", disasm.Stdout);
        string again = cli.Write("again.asm", disasm.Stdout);
        var asm = cli.Run("asm", again, "--flat", "-o", cli.PathOf("again.bin"));
        Assert.Equal((0, ""), (asm.ExitCode, asm.Stderr));
        Assert.Equal(File.ReadAllBytes(cli.PathOf("first.bin")), File.ReadAllBytes(cli.PathOf("again.bin")));
        Assert.Equal(0, cli.Run("asm", again, "-o", cli.PathOf("again.elf")).ExitCode);
        Assert.Equal(Elf32.Read(File.ReadAllBytes(cli.PathOf("first.elf")), "first.elf").Entry,
                     Elf32.Read(File.ReadAllBytes(cli.PathOf("again.elf")), "again.elf").Entry);
    }

    [Fact]
    public void RunsOfZeroWordsAreOneSpaceLine()
    {
        string source = cli.Write("zeros.asm", ".org 0x1000\nstart: nop\ntable: .space 4096\n.word 7, 0, 0\n");
        var run = cli.Run("disasm", source);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Contains("table:\n00001004:            .space 4096                          ; 4096 zero bytes, 0x00001004..0x00002003  " + source + ":3\n" +
                        "00002004:  00000007  .word 0x00000007", run.Stdout);
        // Fewer than 16 zero bytes stay word by word.
        Assert.Contains("00002008:  00000000  .word 0x00000000", run.Stdout);
        Assert.Contains("0000200c:  00000000  .word 0x00000000", run.Stdout);
    }

    [Fact]
    public void AnElfImageIsListedWithItsSymbols()
    {
        var image = new ProgramImage(0x2000,
            [new ImageSegment(0x2000, 0x2000, [.. BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Jmp, imm: -1)), .. BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Hlt))], 8, SegmentFlags.Read | SegmentFlags.Execute)],
            [new ImageSymbol("main", 0x2000, SymbolKind.Label)]);
        string path = cli.Write("prog.elf", Elf32.Write(image));
        var run = cli.Run("disasm", path);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Equal(string.Join("\n", R4.Assembler.Disassembler.DisassembleImage(image)) + "\n", run.Stdout);
        Assert.Contains("main:\n00002000:  48ffffff  jmp 0x00002000", run.Stdout);
    }

    [Fact]
    public void AFlatBinaryIsListedFromTheBase()
    {
        string path = cli.Write("prog.bin", [.. BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Nop)), 0xAB]);
        var run = cli.Run("disasm", "--base", "0x40", path);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("00000040:  52000000  nop\n00000044:  ab        .byte 0xab\n", run.Stdout);
    }

    [Theory]
    [InlineData("disasm")]
    [InlineData("run")]
    public void AMalformedElfIsBadInputNamingTheFile(string verb)
    {
        byte[] elf = Elf32.Write(new ProgramImage(0, []));
        elf[18] = 0x28; // e_machine: ARM
        elf[19] = 0;
        string path = cli.Write("arm.elf", elf);
        var run = cli.Run(verb, path);
        Assert.Equal(65, run.ExitCode);
        Assert.Equal($"r4: {path}: ELF header offset 18 (e_machine): 0x0028 is not R4 (0x5234)\n", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("disasm")]
    [InlineData("run")]
    [InlineData("asm")]
    public void AFileThatDoesNotExistCannotBeOpened(string verb)
    {
        string path = cli.PathOf(verb == "asm" ? "missing.asm" : "missing.elf");
        var run = cli.Run(verb, path);
        Assert.Equal(66, run.ExitCode);
        Assert.Equal($"r4: cannot read '{path}': no such file\n", run.Stderr);
        Assert.False(File.Exists(Path.ChangeExtension(path, ".elf")) && verb == "asm");
    }

    [Theory]
    [InlineData("asm", "r4 asm")]
    [InlineData("disasm", "r4 disasm")]
    [InlineData("run", "r4 run")]
    [InlineData("isa-doc", "r4 isa-doc")]
    public void HelpOfEveryVerbExitsZeroAndShowsExamples(string verb, string example)
    {
        var run = cli.Run(verb, "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("USAGE:", run.Stdout);   // asked for: standard output, nothing on stderr
        Assert.Contains(example, run.Stdout);
        Assert.Contains("--help", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void AnUnknownVerbIsAUsageError()
    {
        var run = cli.Run("frobnicate");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("frobnicate", run.Stderr);
    }

    [Fact]
    public void IsaDocPrintsTheReference()
    {
        var run = cli.Run("isa-doc");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(IsaReference.GenerateMarkdown().ReplaceLineEndings("\n"), run.Stdout.ReplaceLineEndings("\n"));
    }
}
