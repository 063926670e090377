// Randomised equivalence: seeded random kernel and user instruction mixes on the test kernel —
// privileged instructions, control registers, ports, software interrupts, brk, loads from
// mapped, unmapped and kernel pages, stores to a data page, divisions, rdtick, cli/sti with the
// timer running — under every layout vs native. The test kernel reports every trap and skips
// the faulting instruction, so each program runs to its end; every trace must match.
using System.Text;

namespace R4.Tests.Monitor;

public class RandomGuestEquivalenceTests
{
    private static readonly string[] Anywhere =
    [
        "addi r{0}, r{1}, {2}", "add r{0}, r{1}, r{3}", "xor r{0}, r{0}, r{1}", "mul r{0}, r{1}, r{3}",
        "div r{0}, r{1}, r{3}", "remu r{0}, r{1}, r{3}", "rdtick r{0}", "shli r{0}, r{1}, 3",
        "li r{5}, 0x12000\n    stw r{0}, [r{5} + {4}]", "li r{5}, 0x12000\n    ldw r{0}, [r{5} + {4}]",
        "li r{5}, 0x2000\n    ldw r{0}, [r{5}]", "li r{5}, 0x90000\n    ldw r{0}, [r{5}]",
        "li r{5}, 0x12002\n    ldw r{0}, [r{5}]", "li r{5}, 0x5000\n    stw r{0}, [r{5} + {4}]",
        "brk", "int 33", "int 40", "int 48", ".word 0",
        "cli", "sti", "hlt", "tlbflush", "invlpg r{1}", "mfcr r{0}, status", "mfcr r{0}, ptbr", "mfcr r{0}, fault",
        "mfcr r{0}, ksp0", "mtcr scratch0, r{1}", "mfcr r{0}, scratch0", "mtcr ksp2, r{1}", "mtcr status, r{1}",
        "in r{0}, 0x11", "in r{0}, 0x10", "in r{0}, 0x77", "out 0x77, r{1}", "in r{0}, 0x01",
        "li r1, 0\n    int 32", "li r1, 4\n    int 32",
    ];

    private static string Body(Random random, int count, bool kernel)
    {
        var s = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            string pattern = Anywhere[random.Next(Anywhere.Length)];
            if (kernel && pattern == "hlt") pattern = "nop";   // a kernel hlt with IE off powers off: keep going
            // r1..r4 are the kernel's syscall registers; use r6..r12 freely
            s.Append("    ").AppendFormat(pattern, random.Next(6, 13), random.Next(6, 13), random.Next(-50, 50),
                random.Next(6, 13), random.Next(0, 64) * 4, 5).Append('\n');
        }
        return s.ToString();
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 12).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomKernelAndUserCodeRunsAsNative(int seed)
    {
        var random = new Random(seed);
        var kernel = new TestKernel
        {
            UserStatus = random.Next(2) == 0 ? 3u : 7u,
            KernelInit = "    push lr\n" +
                         $"    li r5, {random.Next(1500, 4000)}\n    out 0x10, r5\n" +   // longer than a reported trap
                         "    li r5, 0x12000 | 0x1F\n    li r1, 0x12000\n    mov r2, r5\n    call set_pte\n" +
                         Body(random, 40, kernel: true) +
                         "    cli\n    pop lr\n    ret\n",
            UserMain = "user_main:\n" + Body(random, 80, kernel: false) + "    li r1, 1\n    li r2, 0x5a\n    int 32\n",
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build(), maxInstructions: 200_000);
        Assert.Equal(0x5au, runs[0].Result.ExitStatus);   // the user program ran to its exit call
    }
}
