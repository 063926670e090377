// `r4 asm` and `r4 run` end to end: what is written (and what is not when the source has
// errors), the guest's console output and exit status, input, limits, statistics, traces
// and cost files. Every guest here is a few dozen instructions, so each test is quick.
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.Cli;

public sealed class AsmRunCliTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>Prints a string on the console, then powers off with status 7.</summary>
    private const string Hello = """
        .org 0x1000
        .entry start
        start:
            la r1, message
        next:
            ldbu r2, [r1]
            beqz r2, done
            out 0x00, r2
            addi r1, r1, 1
            jmp next
        done:
            li r3, 7
            out 0xF0, r3
            hlt
        message:
            .asciz "hello, R4\n"
        """;

    /// <summary>Copies console input to the console until there is none, then powers off with 0.</summary>
    private const string Echo = """
        .org 0x1000
        loop:
            in r1, 0x00
            li r2, -1
            beq r1, r2, done
            out 0x00, r1
            jmp loop
        done:
            out 0xF0, r0
        """;

    private const string Spin = """
        .org 0x1000
        .entry spin
            nop
        spin:
            jmp spin
        """;

    // ------------------------------------------------------------------ asm

    [Fact]
    public void AsmWritesAnElfWithTheEntryAndSymbols()
    {
        string source = cli.Write("hello.asm", Hello);
        var run = cli.Run("asm", source);
        Assert.Equal((0, "", ""), (run.ExitCode, run.Stdout, run.Stderr));
        var image = Elf32.Read(File.ReadAllBytes(cli.PathOf("hello.elf")), "hello.elf");
        Assert.Equal(0x1000u, image.Entry);
        Assert.Equal(0x1000u, image.Lookup("start"));
        Assert.NotNull(image.Lookup("message"));
        Assert.Equal(source, image.LineAt(0x1000)?.File is { } f ? Path.GetFullPath(f, cli.Folder) : null);
    }

    [Fact]
    public void AsmWithErrorsReportsEachWithACaretAndWritesNothing()
    {
        string source = cli.Write("bad.asm", ".org 0x1000\n  addi r1, r2\n  frob r1\n  nop\n");
        string listing = cli.PathOf("bad.lst");
        var run = cli.Run("asm", source, "-o", cli.PathOf("bad.elf"), "--listing", listing);
        Assert.Equal(65, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var lines = run.Stderr.Split('\n');
        Assert.Matches($@"^{Regex.Escape(source)}:2:\d+: error: .+$", lines[0]);
        Assert.Equal("  addi r1, r2", lines[1]);
        Assert.Matches(@"^ *\^$", lines[2]);
        Assert.Matches($@"^{Regex.Escape(source)}:3:\d+: error: .+$", lines[3]);
        Assert.Equal("  frob r1", lines[4]);
        Assert.Matches(@"^ *\^$", lines[5]);
        Assert.Equal($"r4: {source}: 2 errors, nothing written", lines[6]);
        Assert.Equal(new[] { "bad.asm" }, Directory.GetFiles(cli.Folder).Select(Path.GetFileName));
    }

    [Fact]
    public void AsmFlatWritesTheBytesFromTheLowestAddress()
    {
        string source = cli.Write("flat.asm", ".org 0x200\n  nop\n  .byte 1, 2\n  .align 4\n  .word 0xdeadbeef\n");
        var run = cli.Run("asm", "--flat", source);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        byte[] expected = [.. BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Nop)), 1, 2, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE];
        Assert.Equal(expected, File.ReadAllBytes(cli.PathOf("flat.bin")));
    }

    [Fact]
    public void AsmListingShowsAddressesWordsAndSource()
    {
        string source = cli.Write("l.asm", ".org 0x1000\nstart:\n  addi r1, r0, 5\n");
        var run = cli.Run("asm", source, "-o", cli.PathOf("l.elf"), "--listing", cli.PathOf("l.lst"));
        Assert.Equal(0, run.ExitCode);
        string listing = File.ReadAllText(cli.PathOf("l.lst"));
        string word = InstructionCodec.Encode(Opcode.Addi, 1, 0, 0, 5).ToString("x8");
        Assert.Matches($"(?im)0*1000.*{word}.*addi r1, r0, 5", listing);
    }

    [Fact]
    public void DefinesReachTheSource()
    {
        string source = cli.Write("d.asm", ".org 0\n.if defined(FAST)\n  addi r1, r0, N\n.else\n  nop\n.endif\n");
        var run = cli.Run("asm", source, "-D", "FAST", "-D", "N=0x12", "-o", cli.PathOf("d.elf"));
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var image = Elf32.Read(File.ReadAllBytes(cli.PathOf("d.elf")), "d.elf");
        Assert.Equal(InstructionCodec.Encode(Opcode.Addi, 1, 0, 0, 0x12), BitConverter.ToUInt32(image.Segments[0].Data));
        Assert.Equal(64, cli.Run("asm", source, "-D", "9lives=1").ExitCode);
    }

    [Theory]
    [InlineData("-D", "N=0x12", "-D", "FAST")]
    [InlineData("-DN=0x12", "--define=FAST")]
    [InlineData("--define", "N=0x12", "-DFAST")]
    public void DefinesBeforeTheSourceDoNotSwallowIt(params string[] defines)
    {
        // CommandLineParser's sequence options take every value after them; the CLI lifts
        // -D out first, so a define may come before the positional source in any spelling.
        string source = cli.Write("d.asm", ".org 0\n.if defined(FAST)\n  addi r1, r0, N\n.else\n  nop\n.endif\n");
        var run = cli.Run(["asm", .. defines, source, "-o", cli.PathOf("d.elf")]);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        var image = Elf32.Read(File.ReadAllBytes(cli.PathOf("d.elf")), "d.elf");
        Assert.Equal(InstructionCodec.Encode(Opcode.Addi, 1, 0, 0, 0x12), BitConverter.ToUInt32(image.Segments[0].Data));
    }

    [Fact]
    public void DisasmOfASourceAssemblesItFirst()
    {
        string source = cli.Write("hello.asm", Hello);
        var run = cli.Run("disasm", source);
        Assert.Equal((0, ""), (run.ExitCode, run.Stderr));
        Assert.Contains("start:\n00001000:  ", run.Stdout);
        Assert.Contains("out 0xf0, r3", run.Stdout);
    }

    // ------------------------------------------------------------------ run

    [Fact]
    public void RunPrintsTheGuestsOutputAndExitsWithItsStatus()
    {
        var run = cli.Run("run", cli.Write("hello.asm", Hello));
        Assert.Equal((7, "hello, R4\n", "", ""), (run.ExitCode, run.Console, run.Stderr, run.Stdout));
    }

    [Theory]
    [InlineData("Guests/examples/hello.asm", 0)]
    [InlineData("Guests/examples/syscalls.asm", 42)]
    [InlineData("Guests/examples/compute.asm", 0)]
    [InlineData("Guests/examples/broken/broken.asm", 255)]
    public void TheExampleGuestsPrintTheirExpectedOutput(string guest, int status)
    {
        string path = RepositoryPaths.Combine(guest);
        var run = cli.Run("run", "--max-instructions", "50000000", path);
        Assert.Equal(File.ReadAllText(Path.ChangeExtension(path, ".expected")), run.Console);
        Assert.Equal((status, "", ""), (run.ExitCode, run.Stderr, run.Stdout));
    }

    [Fact]
    public void StatsSummaryGoesToStandardError()
    {
        var run = cli.Run("run", "--stats", cli.Write("hello.asm", Hello));
        Assert.Equal((7, "hello, R4\n", ""), (run.ExitCode, run.Console, run.Stdout));
        var lines = run.Stderr.Split('\n');
        Assert.Equal("stop:          PowerOff (exit status 7)", lines[0]);
        Assert.Equal("instructions:  56", lines[1]);
        Assert.StartsWith("cycles:        ", lines[2]);
    }

    [Fact]
    public void RunOfTheAssembledElfBehavesTheSame()
    {
        string source = cli.Write("hello.asm", Hello);
        Assert.Equal(0, cli.Run("asm", source).ExitCode);
        var run = cli.Run("run", cli.PathOf("hello.elf"));
        Assert.Equal((7, "hello, R4\n"), (run.ExitCode, run.Console));
    }

    [Fact]
    public void RunReadsConsoleInputFromAFileOrFromStandardInput()
    {
        string source = cli.Write("echo.asm", Echo);
        string input = cli.Write("keys.txt", "abc\x01\n");
        var fromFile = cli.Run("run", "--input", input, source);
        Assert.Equal((0, "abc\x01\n", ""), (fromFile.ExitCode, fromFile.Console, fromFile.Stderr));
        var fromStdin = cli.RunWithInput(Encoding.UTF8.GetBytes("xyz"), "run", source);
        Assert.Equal((0, "xyz"), (fromStdin.ExitCode, fromStdin.Console));
        var missing = cli.Run("run", "--input", cli.PathOf("none.txt"), source);
        Assert.Equal(66, missing.ExitCode);
        Assert.Equal($"r4: cannot read '{cli.PathOf("none.txt")}': no such file\n", missing.Stderr);
    }

    [Fact]
    public void TheInstructionLimitStopsTheGuestWithADiagnostic()
    {
        string source = cli.Write("spin.asm", Spin);
        var run = cli.Run("run", "--max-instructions", "100", "--stats-json", cli.PathOf("s.json"), source);
        Assert.Equal(124, run.ExitCode);
        Assert.Equal($"r4: instruction limit reached at pc 0x00001004 (spin) at {source}:5\n", run.Stderr);
        using var stats = JsonDocument.Parse(File.ReadAllBytes(cli.PathOf("s.json")));
        Assert.Equal(100ul, stats.RootElement.GetProperty("instructions").GetUInt64());
        Assert.Equal("InstructionLimit", stats.RootElement.GetProperty("stopReason").GetString());
    }

    [Fact]
    public void StatsJsonHasTheRunsCounters()
    {
        string json = cli.PathOf("stats.json");
        string trace = cli.PathOf("trace.txt");
        var run = cli.Run("run", "--stats-json", json, "--trace-file", trace, cli.Write("hello.asm", Hello));
        Assert.Equal(7, run.ExitCode);
        using var stats = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = stats.RootElement;
        Assert.Equal(7u, root.GetProperty("exitStatus").GetUInt32());
        ulong instructions = root.GetProperty("instructions").GetUInt64();
        // Independent count: one trace line per retired instruction.
        int traced = File.ReadAllLines(trace).Count(l => !l.Contains(" trap "));
        Assert.Equal((ulong)traced, instructions);
        // la (lui + ori), 10 characters x 5, the final ldbu + beqz, li, out: 2 + 50 + 2 + 2.
        Assert.Equal(56ul, instructions);
        Assert.True(root.GetProperty("cycles").GetUInt64() >= instructions);
        Assert.True(root.GetProperty("hostSeconds").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("traps").ValueKind);
        Assert.Empty(root.GetProperty("traps").EnumerateObject());
    }

    [Fact]
    public void TraceLinesShowCountRingPcSymbolAndInstruction()
    {
        var run = cli.Run("run", "--trace", "--max-instructions", "3", cli.Write("spin.asm", Spin));
        Assert.Equal(124, run.ExitCode);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^ +\d+ r0 00001004 spin +jmp 0x00001004  ; <spin>$", lines[0]);
        Assert.Matches(@"^ +\d+ r0 00001004 spin +jmp 0x00001004  ; <spin>$", lines[2]);
        Assert.StartsWith("r4: instruction limit reached", lines[3]);
    }

    /// <summary>Installs a gate for #BP, executes brk, and the handler powers off with 3.</summary>
    private const string Breakpoint = """
        .org 0x1000
        start:
            li sp, 0x8000
            la r1, vectors
            mtcr ivt, r1
        at_brk:
            brk
            li r2, 1
            out 0xF0, r2
        handler:
            li r2, 3
            out 0xF0, r2
        .align 8
        vectors:
            .space 24               ; gates 0..2
            .word handler, 0x10     ; gate 3: ring 0, DPL 0, present, trap gate
        """;

    [Fact]
    public void TraceLinesOfHelloAreExact()
    {
        var run = cli.Run("run", "--trace", "--max-instructions", "4", cli.Write("hello.asm", Hello));
        Assert.Equal(124, run.ExitCode);
        var lines = run.Stderr.Split('\n');
        Assert.Equal("         0 r0 00001000 start                    lui r1, 0x0", lines[0]);
        Assert.Equal("         1 r0 00001004 start+0x4                ori r1, r1, 0x1028", lines[1]);
        Assert.Equal("         2 r0 00001008 next                     ldbu r2, [r1]", lines[2]);
        Assert.Equal("         3 r0 0000100c next+0x4                 beq r2, r0, 0x0000101c  ; <done>", lines[3]);
    }

    [Fact]
    public void TrapsAreTracedAndCounted()
    {
        string json = cli.PathOf("t.json");
        var run = cli.Run("run", "--trace", "--stats-json", json, cli.Write("brk.asm", Breakpoint));
        Assert.Equal(3, run.ExitCode);
        var trap = run.Stderr.Split('\n').Single(l => l.Contains(" trap "));
        Assert.Matches(@"^ +\d+ trap #BP breakpoint error=0x0 saved pc=0x[0-9a-f]{8} \(at_brk\+0x4\)( at \S+:\d+)? ring 0->0$", trap);
        using var stats = JsonDocument.Parse(File.ReadAllBytes(json));
        var traps = stats.RootElement.GetProperty("traps");
        Assert.Equal(["3"], traps.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, traps.GetProperty("3").GetInt64());
    }

    [Fact]
    public void ATripleFaultShutsDownWithItsCause()
    {
        // brk with no vector table: #BP's gate is not present -> #DF's neither -> shutdown.
        var run = cli.Run("run", cli.Write("brk.asm", ".org 0x1000\nstart:\n  brk\n"));
        Assert.Equal(125, run.ExitCode);
        Assert.Equal("", run.Console);
        Assert.StartsWith("r4: machine shut down (triple fault) at pc 0x00001000 (start) at ", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ABadCostFileIsBadInputAndAMissingOneCannotBeOpened()
    {
        string source = cli.Write("hello.asm", Hello);
        var bad = cli.Run("run", "--costs", cli.Write("costs.json", "{ this is not json"), source);
        Assert.Equal(65, bad.ExitCode);
        Assert.StartsWith("r4: ", bad.Stderr);
        Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", bad.Console);
        var missing = cli.Run("run", "--costs", cli.PathOf("nope.json"), source);
        Assert.Equal((66, $"r4: cannot read '{cli.PathOf("nope.json")}': no such file\n"), (missing.ExitCode, missing.Stderr));
    }

    [Fact]
    public void OutputsThatCannotBeWrittenAndAMissingDiskAreNamed()
    {
        string source = cli.Write("hello.asm", Hello);
        string nowhere = cli.PathOf(Path.Combine("no", "such", "dir", "x.elf"));
        var asm = cli.Run("asm", source, "-o", nowhere);
        Assert.Equal(73, asm.ExitCode);
        Assert.StartsWith($"r4: cannot write '{nowhere}': ", asm.Stderr);
        var trace = cli.Run("run", "--trace-file", nowhere, source);
        Assert.Equal(73, trace.ExitCode);
        Assert.StartsWith($"r4: cannot write '{nowhere}': ", trace.Stderr);
        var disk = cli.Run("run", "--disk", cli.PathOf("none.img"), source);
        Assert.Equal((66, $"r4: cannot read disk image '{cli.PathOf("none.img")}': no such file\n"), (disk.ExitCode, disk.Stderr));
        Assert.Equal("", disk.Console);
    }

    [Fact]
    public void ABadMemorySizeIsAUsageError()
    {
        var run = cli.Run("run", "--mem", "12345", cli.Write("hello.asm", Hello));
        Assert.Equal(64, run.ExitCode);
        Assert.StartsWith("r4 run: --mem 12345:", run.Stderr);
        Assert.EndsWith("r4 run: see 'r4 run --help' for its options and examples\n", run.Stderr);
    }
}
