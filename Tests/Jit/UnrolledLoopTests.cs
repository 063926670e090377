// Unrolled self-loops and elided memo compares (Jit/CodeGenerator.cs): a block that branches back
// to its own start runs as up to four copies of its body under one check and one accounting, and
// a store after a load at the same memo site skips the memo compare (the load's read-only path
// runs the instructions between and the store's full sequence in cold code). Each program here
// leaves its loops after every copy (iteration counts that are not multiples of the copies),
// with events at every offset, and its accesses cross pages into read-only, ring-0, outside-RAM
// and unmapped pages and into the loop's own code page (data words and decoded words), with
// ALU instructions between the load and the store whose results the store needs.
using R4.Machine;

namespace R4.Tests.Jit;

public class UnrolledLoopTests
{
    /// <summary>Self-loops of 2 to 9 instructions (4, 3, 2 and 1 copies): a count loop, a
    /// read-modify-write with ALU instructions between and a narrower store, crossing from page 9
    /// into the read-only page 0xA; halfword accesses that are misaligned on odd passes; a byte load
    /// then a word store at one site (a stricter store: not elided); a base advanced through the
    /// ring-0, outside-RAM and unmapped pages; rdtick and a division by zero in a copy.</summary>
    private const string Shapes = """
        .org 0x4000
        .entry _start
        _start:
            li   r10, 5
        outer:
            li   r6, 7
            add  r6, r6, r10
        count:
            addi r6, r6, -1
            bne  r6, zero, count
            li   r1, 0x9FD0
            li   r2, 0xA020
        rmw:
            ldw  r3, [r1 + 4]
            addi r4, r3, 3
            xor  r3, r3, r4
            shli r3, r3, 1
            stb  r3, [r1 + 4]
            addi r1, r1, 4
            bltu r1, r2, rmw
            andi r5, r10, 1
            li   r1, 0x8FF0
            add  r1, r1, r5
            li   r2, 0x9010
        half:
            ldh  r3, [r1]
            addi r3, r3, -5
            sth  r3, [r1]
            addi r1, r1, 2
            blt  r1, r2, half
            li   r1, 0x9000
            li   r2, 0x9044
        bytes:
            ldbu r3, [r1]
            addi r3, r3, 1
            stw  r3, [r1]
            addi r1, r1, 4
            bne  r1, r2, bytes
            shli r1, r10, 12
            li   r12, 0xAFF0
            add  r1, r1, r12
            addi r2, r1, 0x20
        pages:
            ldw  r3, [r1]
            add  r3, r3, r10
            stw  r3, [r1]
            addi r1, r1, 8
            bne  r1, r2, pages
            li   r6, 9
        tick:
            rdtick r8
            xor  r9, r9, r8
            addi r7, r6, -4
            div  r11, r9, r7
            addi r6, r6, -1
            bne  r6, zero, tick
            li   r6, 0x8100
            li   r2, 0x8118
        long:
            ldw  r3, [r6 + 4]
            addi r3, r3, 1
            addi r3, r3, 1
            addi r3, r3, 1
            addi r3, r3, 1
            addi r3, r3, 1
            stw  r3, [r6 + 4]
            addi r6, r6, 4
            bne  r6, r2, long
            addi r10, r10, -1
            bne  r10, zero, outer
            hlt
        """;

    /// <summary>Read-modify-writes in the loop's own code page: over data words with ALU
    /// instructions between (their results stored through the checked path), and over data
    /// words and a decoded word whose value is stored back unchanged (the store onto decoded code
    /// goes to the interpreter and drops the page's compiled code).</summary>
    private const string CodePage = """
        .org 0x4000
        .entry _start
        _start:
            li   r6, 40
        loop:
            la   r1, data
            la   r2, data_end
        words:
            ldw  r3, [r1]
            addi r3, r3, 7
            xor  r4, r3, r6
            add  r3, r3, r4
            stw  r3, [r1]
            addi r1, r1, 4
            bne  r1, r2, words
            la   r1, data
            la   r2, code_word + 4
            andi r7, r6, 3
            bne  r7, zero, kept
            la   r2, data_end
        kept:
            ldw  r3, [r1]
            xori r3, r3, 0x55
            xori r3, r3, 0x55
            stw  r3, [r1]
            addi r1, r1, 4
            bne  r1, r2, kept
            addi r6, r6, -1
            bne  r6, zero, loop
            hlt
        data:
            .word 1, 2, 3
        data_end:
        code_word:
            addi r9, r9, 1
            jmp  loop
        """;

    public static IEnumerable<object[]> Programs() =>
    [
        ["shapes", false, 0], ["shapes", true, 0], ["shapes", true, 3],
        ["codepage", true, 0], ["codepage", false, 3], ["codepage", true, 3],
    ];

    private static string Source(string name) => name == "shapes" ? Shapes : CodePage;

    /// <summary>LoopCheckTests' machine with the stack in a mapped page (page 0xD, below its usual
    /// sp, is not present: a fault at ring 0 would push its frame there and shut down).</summary>
    private static void Setup(R4Machine m, string program, bool paging, int ring, uint timer)
    {
        LoopCheckTests.Setup(m, Source(program), paging, ring, timer);
        m.Cpu.SetRegister(R4.Isa.Registers.StackPointer, 0xF800);
    }

    /// <summary>Runs that stop, and timer interrupts, at every offset of the first iterations (so
    /// a loop head's check fails with room for some copies but not all), then odd slices.</summary>
    [Theory]
    [MemberData(nameof(Programs))]
    public void UnrolledLoopsMatchTheInterpreterAtEveryOffset(string program, bool paging, int ring)
    {
        int compiled = 0;
        for (int first = 1; first <= 60; first++)
        {
            uint timer = first % 3 == 0 ? 0u : (uint)(17 + first * 5);
            compiled += Differential.RunBoth(LoopCheckTests.RamBytes, m => Setup(m, program, paging, ring, timer),
                [(ulong)first, (ulong)(first % 7 + 1), 11, 89, 1500, 1_000_000],
                $"{program}, paging {paging}, ring {ring}, first slice {first}, timer {timer}");
        }
        Assert.True(compiled > 60, $"the JIT compiled only {compiled} regions");
    }

    /// <summary>The same programs run to the end in one slice each, at compile thresholds 1 and 3;
    /// at ring 0 they must reach their hlt (a power-off with interrupts disabled), so the loops
    /// above are not cut short by something both engines share.</summary>
    [Theory]
    [InlineData("shapes", 0)]
    [InlineData("shapes", 3)]
    [InlineData("codepage", 0)]
    [InlineData("codepage", 3)]
    public void UnrolledLoopsRunToTheEnd(string program, int ring)
    {
        foreach (int threshold in new[] { 1, 3 })
        {
            Differential.RunBoth(LoopCheckTests.RamBytes, m => Setup(m, program, paging: true, ring, 0),
                [10_000_000], $"{program}, ring {ring}, threshold {threshold}", jitCompileThreshold: threshold);
            if (ring != 0) continue;
            var (jit, _) = Differential.Create(ExecutionEngine.Jit, LoopCheckTests.RamBytes, jitCompileThreshold: threshold);
            using (jit)
            {
                Setup(jit, program, paging: true, ring, 0);
                var result = jit.Run(10_000_000);
                Assert.Equal(StopReason.PowerOff, result.Reason);
                Assert.True(jit.Cpu.JitRegionsCompiled > 0, "the JIT compiled nothing");
            }
        }
    }
}
