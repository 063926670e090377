// What a demanding user meets at the edges of `r4`: inputs that are directories or binary
// files, outputs that cannot be written (checked before a run, never half-written), defines
// given to an image, and the one-line stop diagnostics (deadlock, triple fault with a
// decoded page fault) that must name the pc, its symbol and its source line.
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.Cli;

public sealed class CliInputAndStopTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private const string PowerOff7 = ".org 0x1000\nstart:\n  li r1, 7\n  out 0xF0, r1\n";

    [Fact]
    public void AsmWritesNeitherImageNorListingWhenTheListingCannotBeWritten()
    {
        string source = cli.Write("p.asm", PowerOff7);
        string image = cli.PathOf("p.elf");
        string folder = cli.PathOf("no-such-folder");
        string listing = Path.Combine(folder, "p.lst");
        var run = cli.Run("asm", source, "-o", image, "-l", listing);
        Assert.Equal((73, $"r4: cannot write '{listing}': no such directory '{folder}'\n"), (run.ExitCode, run.Stderr));
        Assert.False(File.Exists(image));
        Assert.Empty(Directory.GetFiles(cli.Folder).Where(f => f.Contains(".tmp-")));
    }

    [Fact]
    public void AsmIntoAnExistingFileKeepsItWhenTheSourceHasErrors()
    {
        string source = cli.Write("bad.asm", "start: addd r1, r2, r3\n  li r1\n");
        string image = cli.Write("keep.elf", "old");
        string listing = cli.Write("keep.lst", "old listing");
        var run = cli.Run("asm", source, "-o", image, "-l", listing);
        Assert.Equal(65, run.ExitCode);
        Assert.EndsWith($"r4: {source}: 2 errors, nothing written\n", run.Stderr);
        Assert.Equal(("old", "old listing"), (File.ReadAllText(image), File.ReadAllText(listing)));
    }

    [Fact]
    public void AsmOfABinaryFileSaysItIsNotSourceText()
    {
        string binary = cli.Write("image.bin", [0x52, 0, 0, 0, 0x52, 0, 0, 0]);
        var run = cli.Run("asm", binary);
        Assert.Equal(65, run.ExitCode);
        Assert.Equal($"{binary}: error: cannot read '{binary}': it is not a text file (a NUL byte at character 1; " +
                     "an image or a flat binary is run with 'r4 run' and read with 'r4 disasm')\n" +
                     $"r4: {binary}: 1 error, nothing written\n", run.Stderr);
        Assert.False(File.Exists(cli.PathOf("image.elf")));
    }

    [Fact]
    public void AnIncludedBinaryFileIsAnErrorAtTheInclude()
    {
        cli.Write("data.bin", [1, 0, 2]);
        string source = cli.Write("main.asm", "start: nop\n  .include \"data.bin\"\n");
        var run = cli.Run("asm", source);
        Assert.Equal(65, run.ExitCode);
        Assert.StartsWith($"{source}:2:12: error: cannot read include 'data.bin': it is not a text file (a NUL byte at character 1;", run.Stderr);
    }

    [Theory]
    [InlineData("asm", "")]
    [InlineData("run", "")]
    [InlineData("disasm", "")]
    [InlineData("run", "--costs")]
    [InlineData("run", "--input")]
    [InlineData("run", "--disk")]
    public void ADirectoryGivenAsAnInputIsNamedAsOne(string verb, string option)
    {
        string folder = Directory.CreateDirectory(cli.PathOf("folder.asm")).FullName;
        string[] args = option.Length == 0 ? [verb, folder] : [verb, option, folder, cli.Write("p.asm", PowerOff7)];
        var run = cli.Run(args);
        string what = option == "--disk" ? "disk image " : "";
        Assert.Equal((66, $"r4: cannot read {what}'{folder}': it is a directory\n", ""), (run.ExitCode, run.Stderr, run.Console));
    }

    [Theory]
    [InlineData("--stats-json")]
    [InlineData("--trace-file")]
    public void AnOutputThatCannotBeWrittenStopsTheRunBeforeItStarts(string option)
    {
        string source = cli.Write("hello.asm", ".org 0x1000\nstart:\n  li r1, 'x'\n  out 0x00, r1\n  out 0xF0, r0\n");
        var intoFolder = cli.Run("run", option, cli.Folder, source);
        Assert.Equal((73, $"r4: cannot write '{cli.Folder}': it is a directory\n", ""), (intoFolder.ExitCode, intoFolder.Stderr, intoFolder.Console));
        string folder = cli.PathOf("missing");
        string path = Path.Combine(folder, "out.txt");
        var intoNowhere = cli.Run("run", option, path, source);
        Assert.Equal((73, $"r4: cannot write '{path}': no such directory '{folder}'\n", ""), (intoNowhere.ExitCode, intoNowhere.Stderr, intoNowhere.Console));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("disasm")]
    public void DefinesGivenToAnImageAreAUsageError(string verb)
    {
        string source = cli.Write("p.asm", PowerOff7);
        Assert.Equal(0, cli.Run("asm", source).ExitCode);
        string image = cli.PathOf("p.elf");
        var run = cli.Run(verb, "-D", "N=5", image);
        Assert.Equal((64, CliHarness.Usage(verb, $"{image}: -D defines apply to assembly sources (.asm, .s, .inc, .r4) only, not to images"), ""),
            (run.ExitCode, run.Stderr, run.Console));
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ring012")]
    [InlineData("ring3")]
    public void ADeadlockNamesTheHltItsSymbolAndSourceLine(string layout)
    {
        string source = cli.Write("idle.asm", ".org 0x1000\nstart:\n  sti\nidle:\n  hlt\n");
        var run = cli.Run("run", "--layout", layout, source);
        Assert.Equal(123, run.ExitCode);
        Assert.Equal($"r4: halted with interrupts enabled and no interrupt source left: hlt at pc 0x00001004 (idle) at {source}:5\n", run.Stderr);
    }

    /// <summary>Paging on with 0..4 MiB identity-mapped for ring 0, no vector table; the
    /// store to 4 MiB faults, and neither #PF nor #DF has a gate.</summary>
    private const string StoreOutsideTheMap = """
        .org 0x1000
        start:
            li r1, 0x10000          ; page directory
            li r2, 0x11000 | 1
            stw r2, [r1]
            li r1, 0x11000          ; one table: frames 0..1023, present, writable, executable, ring 0
            li r3, 7
            li r4, 0x400000
        fill:
            stw r3, [r1]
            addi r1, r1, 4
            addi r3, r3, 0x1000
            bltu r3, r4, fill
            li r1, 0x10001
            mtcr ptbr, r1
            li r2, 0x400000
        store:
            stw r1, [r2]
        """;

    [Theory]
    [InlineData("native")]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("ring3")]
    public void ATripleFaultFromAPageFaultDecodesItsErrorBitsAndAddress(string layout)
    {
        string source = cli.Write("pf.asm", StoreOutsideTheMap);
        var run = cli.Run("run", "--layout", layout, source);
        Assert.Equal(125, run.ExitCode);
        Assert.Equal($"r4: machine shut down (triple fault) at pc 0x00001040 (store) at {source}:18: triple fault: " +
                     "#PF [page not present, write] at 0x00400000: gate 6 not present; then #DF: gate 8 not present\n", run.Stderr);
    }

    [Fact]
    public void AFaultingFramePushIsDecodedToo()
    {
        // The #PF handler's address is not mapped: its fetch faults, and each delivery pushes
        // a frame lower, until the push reaches the unmapped page 0x5000 itself.
        string source = cli.Write("push.asm", StoreOutsideTheMap.Replace("store:\n    stw r1, [r2]", """
            li r2, 0x11000 + 5 * 4
            stw r0, [r2]            ; unmap page 0x5000
            la r10, vectors
            li r1, 0x5000           ; the #PF handler: in the unmapped page
            stw r1, [r10 + 6 * 8]
            li r1, 0x30             ; present, interrupt gate, ring 0
            stw r1, [r10 + 6 * 8 + 4]
            mtcr ivt, r10
            li sp, 0x6100
            li r2, 0x400000
        store:
            stw r1, [r2]
        .align 8
        vectors:
            .space 512
        """));
        Assert.Contains("vectors:", File.ReadAllText(source));
        var run = cli.Run("run", source);
        Assert.Equal(125, run.ExitCode);
        Assert.Equal("r4: machine shut down (triple fault) at pc 0x00005000: triple fault: #PF [page not present, fetch] at 0x00005000: " +
                     "frame push at 0x00005ff0 raised #PF [page not present, write]; then #DF: gate 8 not present\n", run.Stderr);
    }

    [Fact]
    public void AnAddressPastTheImageIsNotNamedAfterItsLastLabel()
    {
        var image = new ProgramImage(0x1000,
            [new ImageSegment(0x1000, 0x1000, new byte[8], 16, SegmentFlags.Read | SegmentFlags.Execute)],
            [new ImageSymbol("code", 0x1000, SymbolKind.Label), new ImageSymbol("bss", 0x1008, SymbolKind.Label), new ImageSymbol("end", 0x1010, SymbolKind.Label)]);
        Assert.Equal("code+0x4", image.Symbolize(0x1004));
        Assert.Equal("bss+0x4", image.Symbolize(0x100C));    // in memory, past the file bytes
        Assert.Equal("end", image.Symbolize(0x1010));         // a label just past the segment: exact only
        Assert.Null(image.Symbolize(0x1014));
        Assert.Null(image.Symbolize(0x5000));
        Assert.Null(image.Symbolize(0x0FFC));
    }

    [Theory]
    [InlineData("asm", "  r4 asm Guests/examples/hello.asm\n")]
    [InlineData("disasm", "  r4 disasm Guests/examples/hello.elf\n")]
    [InlineData("run", "  r4 run Guests/examples/hello.asm\n")]
    [InlineData("debug", "  r4 debug Guests/examples/broken/broken.asm\n")]
    [InlineData("compare", "  r4 compare -D N=10000 Guests/bench/nullcall.asm\n")]
    [InlineData("host", "  r4 host --console-dir out --machine Guests/hosts/three.json\n")]
    [InlineData("isa-doc", "  r4 isa-doc -o docs/isa.md\n")]
    public void HelpExamplesShowOnlyTheOptionsTheyUse(string verb, string example)
    {
        var run = cli.Run(verb, "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(example, run.Stdout);
        Assert.Equal("", run.Stderr);   // asked for, so on standard output
        foreach (string defaulted in new[] { "--engine jit ", "--layout native ", "--mem 16M ", "--base 0 ", "--repeat 3 " })
            Assert.DoesNotContain(defaulted, run.Stdout);
    }

    [Fact]
    public void IsaDocWritesTheSameReferenceToAFile()
    {
        string path = cli.PathOf("isa.md");
        var run = cli.Run("isa-doc", "-o", path);
        Assert.Equal((0, "", ""), (run.ExitCode, run.Stdout, run.Stderr));
        Assert.Equal(IsaReference.GenerateMarkdown(), File.ReadAllText(path));
    }

    [Fact]
    public void AFlatBinarySpanningMostOfTheAddressSpaceIsRefusedWithoutACrash()
    {
        string source = cli.Write("far.asm", "nop\n.org 0xF0000000\nnop\n");
        var run = cli.Run("asm", source, "--flat", "-o", cli.PathOf("far.bin"));
        Assert.Equal((65, $"r4: {source}: a flat binary would span 0x00000000..0xf0000003 (4026531844 bytes, gaps zero-filled), more than 256 MiB; " +
                          "write an ELF image instead (it keeps each region as a segment of its own); nothing written\n"), (run.ExitCode, run.Stderr));
        Assert.False(File.Exists(cli.PathOf("far.bin")));
        Assert.Equal(0, cli.Run("asm", source, "-o", cli.PathOf("far.elf")).ExitCode);
    }

    [Fact]
    public void AFlatBinaryRunsFromItsBaseAndAsmSaysWhenTheEntryIsNotItsFirstByte()
    {
        string first = cli.Write("first.asm", ".org 0x1000\nstart: la r1, status\n  ldw r1, [r1]\n  out 0xF0, r1\nstatus: .word 9\n");
        var asm = cli.Run("asm", first, "--flat", "-o", cli.PathOf("first.bin"));
        Assert.Equal((0, ""), (asm.ExitCode, asm.Stderr));
        var run = cli.Run("run", "--base", "0x1000", cli.PathOf("first.bin"));
        Assert.Equal((9, ""), (run.ExitCode, run.Stderr));

        string later = cli.Write("later.asm", ".org 0x1000\nmsg: .word 0\n_start: li r1, 5\n  out 0xF0, r1\n");
        var note = cli.Run("asm", later, "--flat", "-o", cli.PathOf("later.bin"));
        Assert.Equal((0, $"r4: note: {later}: the entry point 0x00001004 is not the first byte of the flat binary (0x00001000); " +
                         "a flat binary runs from its first byte (r4 run --base 0x00001000), so put the entry code first or write an ELF image\n"),
            (note.ExitCode, note.Stderr));
        Assert.True(File.Exists(cli.PathOf("later.bin")));
    }

    [Theory]
    [InlineData("0x1002", "--base 0x1002: give a 4-aligned address (e.g. 0x1000)")]
    [InlineData("zz", "--base zz: give a 4-aligned address (e.g. 0x1000)")]
    public void ABadBaseIsAUsageError(string value, string message)
    {
        var run = cli.Run("run", "--base", value, cli.Write("p.bin", [0x52, 0, 0, 0]));
        Assert.Equal((64, CliHarness.Usage("run", $"{message}")), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void BaseWithASourceOrAnElfIsAUsageError()
    {
        string source = cli.Write("p.asm", PowerOff7);
        Assert.Equal((64, CliHarness.Usage("run", $"{source}: --base applies to flat binaries only (a source places itself with .org)")),
            Pair(cli.Run("run", "--base", "0x1000", source)));
        Assert.Equal(0, cli.Run("asm", source).ExitCode);
        string image = cli.PathOf("p.elf");
        Assert.Equal((64, CliHarness.Usage("run", $"{image}: --base applies to flat binaries only (an ELF image has its own addresses)")),
            Pair(cli.Run("run", "--base", "0x1000", image)));
    }

    private static (int, string) Pair(CliRun run) => (run.ExitCode, run.Stderr);

    [Theory]
    [InlineData(new[] { "run", "p.asm", "--bogus" }, "r4 run: --bogus: unknown option")]
    [InlineData(new[] { "run" }, "r4 run: missing the guest (r4 run GUEST ...)")]
    [InlineData(new[] { "asm" }, "r4 asm: missing the source (r4 asm SOURCE ...)")]
    [InlineData(new[] { "run", "p.asm", "--max-instructions", "-1" }, "r4 run: --max-instructions -1: give a whole number, 0 or more (decimal digits)")]
    [InlineData(new[] { "compare", "--repeat", "1" }, "r4 compare: missing the guest (r4 compare GUEST ...)")]
    public void AWrongCommandLineIsAShortMessageNotTheWholeHelp(string[] args, string message)
    {
        string verb = args[0];
        var run = cli.Run(args);
        Assert.Equal((64, $"{message}\nr4 {verb}: see 'r4 {verb} --help' for its options and examples\n"), (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void AnUnknownVerbListsTheVerbs()
    {
        var run = cli.Run("frobnicate");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("Verb 'frobnicate' is not recognized.", run.Stderr);
        Assert.Contains("  disasm ", run.Stderr);
        Assert.Contains("  isa-doc ", run.Stderr);
    }

    [Fact]
    public void AStopThatIsNotAPowerOffHasNoExitStatusButItsExitCode()
    {
        string json = cli.PathOf("s.json");
        var run = cli.Run("run", "--max-instructions", "10", "--stats", "--stats-json", json, cli.Write("spin.asm", ".org 0x1000\nspin: jmp spin\n"));
        Assert.Equal(124, run.ExitCode);
        Assert.Contains("\nstop:          InstructionLimit (no exit status; r4 exits 124)\n", run.Stderr);
        using var stats = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var root = stats.RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("exitStatus").ValueKind);
        Assert.Equal(124, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(10ul, root.GetProperty("instructions").GetUInt64());

        var off = cli.Run("run", "--stats-json", json, cli.Write("off.asm", PowerOff7));
        Assert.Equal(7, off.ExitCode);
        using var offStats = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.Equal((7u, 7), (offStats.RootElement.GetProperty("exitStatus").GetUInt32(), offStats.RootElement.GetProperty("exitCode").GetInt32()));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("disasm")]
    public void ASourceWithAnotherExtensionIsNotRunAsAFlatBinary(string verb)
    {
        string text = cli.Write("prog.txt", PowerOff7);
        var run = cli.Run(verb, text);
        Assert.Equal((65, $"r4: {text}: this is text, not an ELF image or a flat binary; an assembly source is recognised by its extension (.asm, .s, .inc, .r4)\n", ""),
            (run.ExitCode, run.Stderr, run.Stdout + run.Console));
    }

    /// <summary>A ring-0 kernel whose #DE/#UD/#GP handler skips the faulting instruction; it
    /// divides by zero, runs an undefined word, then in ring 3 tries mtcr, int 40 (no gate),
    /// iret and out; the handler powers off with 5 on the last.</summary>
    private const string FaultTour = """
        .org 0x1000
        start:
            li sp, 0x8000
            mtcr ksp0, sp
            la r10, ivt
            la r1, skip
            li r2, 0x10             ; present, ring 0, DPL 0, trap gate
            stw r1, [r10 + 0*8]
            stw r2, [r10 + 0*8 + 4]
            stw r1, [r10 + 4*8]
            stw r2, [r10 + 4*8 + 4]
            stw r1, [r10 + 5*8]
            stw r2, [r10 + 5*8 + 4]
            mtcr ivt, r10
            div r1, r1, r0
            .word 0xFFFFFFFF
            ; enter ring 3 at user
            li sp, 0x7000 - 16
            la r1, user
            stw r1, [sp + 4]
            li r1, 3
            stw r1, [sp + 8]
            li r1, 0x6000
            stw r1, [sp + 12]
            iret
        user:
            mtcr ivt, r0
            int 40
            iret
            li r1, 7
            ; out is privileged too: its #GP reaches the handler with r9 set, which powers off
            li r9, 1
            out 0xF0, r9
        skip:
            ldw r1, [sp + 4]
            addi r1, r1, 4
            stw r1, [sp + 4]
            bnez r9, done
            iret
        done:
            li r1, 5
            out 0xF0, r1
        .align 8
        ivt: .space 512
        """;

    [Fact]
    public void TraceSaysWhyEachGpUdAndDeWasRaised()
    {
        string source = cli.Write("gp.asm", FaultTour);
        var run = cli.Run("run", "--trace", source);
        Assert.Equal(5, run.ExitCode);
        var traps = run.Stderr.Split('\n').Where(l => l.Contains(" trap ")).Select(l => l.Trim()).ToArray();
        Assert.Equal(
        [
            "14 trap #DE divide error error=0x0 [div by zero] saved pc=0x00001038 (start+0x38) at gp.asm:15 ring 0->0",
            "19 trap #UD undefined instruction error=0x0 [0xffffffff is not an instruction] saved pc=0x0000103c (start+0x3c) at gp.asm:16 ring 0->0",
            "33 trap #GP general protection error=0x0 [privileged 'mtcr' at ring 3] saved pc=0x00001064 (user) at gp.asm:27 ring 3->0",
            "38 trap #GP general protection error=0x0 [int 40 refused by its gate: not present, DPL below ring 3, or target ring above it] saved pc=0x00001068 (user+0x4) at gp.asm:28 ring 3->0",
            "43 trap #GP general protection error=0x0 [iret at ring 3] saved pc=0x0000106c (user+0x8) at gp.asm:29 ring 3->0",
            "50 trap #GP general protection error=0x0 [privileged 'out' at ring 3] saved pc=0x00001078 (user+0x14) at gp.asm:33 ring 3->0",
        ], traps);
    }

    [Theory]
    [InlineData("prog.elf", null, null, "prog.elf: the output would overwrite the source; give another name with -o")]
    [InlineData("prog.asm", "prog.asm", null, "prog.asm: the output would overwrite the source; give another name with -o")]
    [InlineData("prog.asm", null, "prog.asm", "prog.asm: the listing would overwrite the source; give another name with --listing")]
    [InlineData("prog.asm", "out.elf", "out.elf", "out.elf: the listing and the output are the same file; give them different names")]
    public void AsmNeverWritesOverItsSourceOrItsOtherOutput(string source, string? output, string? listing, string message)
    {
        string path = cli.Write(source, PowerOff7);
        var args = new List<string> { "asm", path };
        if (output is not null) args.AddRange(["-o", cli.PathOf(output)]);
        if (listing is not null) args.AddRange(["-l", cli.PathOf(listing)]);
        var run = cli.Run([.. args]);
        Assert.Equal((64, CliHarness.Usage("asm", $"{cli.PathOf(message)}")), (run.ExitCode, run.Stderr));
        Assert.Equal(PowerOff7, File.ReadAllText(path));
    }

    [Fact]
    public void RunOutputsNeverReplaceTheGuestOrAnInput()
    {
        string source = cli.Write("p.asm", PowerOff7);
        string input = cli.Write("in.txt", "abc");
        var overSource = cli.Run("run", "--trace-file", source, source);
        Assert.Equal((64, CliHarness.Usage("run", $"--trace-file {source}: that is also the guest; give the output another name")), (overSource.ExitCode, overSource.Stderr));
        var overInput = cli.Run("run", "--input", input, "--stats-json", input, source);
        Assert.Equal((64, CliHarness.Usage("run", $"--stats-json {input}: that is also --input; give the output another name")), (overInput.ExitCode, overInput.Stderr));
        string both = cli.PathOf("out.txt");
        var same = cli.Run("run", "--stats-json", both, "--trace-file", both, source);
        Assert.Equal((64, CliHarness.Usage("run", $"--stats-json {both}: that is also --trace-file; give the output another name")), (same.ExitCode, same.Stderr));
        Assert.Equal((PowerOff7, "abc"), (File.ReadAllText(source), File.ReadAllText(input)));
    }

    [Fact]
    public void ATrapLoopIsNotCalledATripleFault()
    {
        // The #UD handler is at 0x5000, where RAM is zero: every delivery faults again at once.
        string source = cli.Write("loop.asm", ".org 0x1000\nstart: li sp, 0x800000\n la r1, ivt\n li r2, 0x5000\n stw r2, [r1 + 4*8]\n" +
                                              " li r2, 0x10\n stw r2, [r1 + 4*8 + 4]\n mtcr ivt, r1\n .word 0xffffffff\n.align 8\nivt: .space 512\n");
        var run = cli.Run("run", source);
        Assert.Equal((125, "r4: machine shut down at pc 0x00005000: trap loop: 100,000 traps without retiring an instruction (last #UD at pc 0x00005000)\n"),
            (run.ExitCode, run.Stderr));
    }

    [Fact]
    public void AProgramBeyondRamNamesTheFileAndTheMemoryOption()
    {
        string source = cli.Write("high.asm", ".org 0x2000000\nstart: out 0xF0, r0\n");
        var run = cli.Run("run", source);
        Assert.Equal((65, $"r4: {source}: segment 0 at physical 0x02000000 (4 bytes) lies outside RAM (0x1000000 bytes); " +
                          "give the machine more RAM with --mem (now 16M, at most 2G) or load the program lower\n"), (run.ExitCode, run.Stderr));
        Assert.Equal(0, cli.Run("run", "--mem", "64M", source).ExitCode);
    }

    [Fact]
    public void DisasmRefusesOptionsThatWouldBeIgnored()
    {
        string source = cli.Write("p.asm", PowerOff7);
        var both = cli.Run("disasm", source, "-w", "52000000");
        Assert.Equal((64, CliHarness.Usage("disasm", $"give either an input file ({source}) or --words, not both"), ""), (both.ExitCode, both.Stderr, both.Stdout));
        var baseOfSource = cli.Run("disasm", "--base", "0x1000", source);
        Assert.Equal((64, CliHarness.Usage("disasm", $"{source}: --base applies to flat binaries and --words only (this input has its own addresses)")), (baseOfSource.ExitCode, baseOfSource.Stderr));
    }
}
