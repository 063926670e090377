// The guest programs of the throughput benchmarks, as assembly text, and the same
// computations written in plain C# for comparison. Each guest runs a fixed number of
// instructions that the benchmark reports through OperationsPerInvoke.
using System.Text;

namespace R4.Perf;

public static class ThroughputPrograms
{
    /// <summary>(a) A tight ALU loop: 4 instructions per iteration.</summary>
    public const int AluInstructionsPerIteration = 4;

    public static string AluLoop(int iterations) => $$"""
        .entry _start
        _start:
            li   r1, {{iterations}}
            li   r2, 0
            li   r3, 0
        loop:
            add  r2, r2, r1
            xor  r3, r3, r2
            addi r1, r1, -1
            bne  r1, zero, loop
            out  0xF0, zero
        """;

    /// <summary>The same computation as <see cref="AluLoop"/> in plain C#.</summary>
    public static uint AluLoopInCSharp(int iterations)
    {
        uint r2 = 0, r3 = 0;
        for (uint r1 = (uint)iterations; r1 != 0; r1--)
        {
            r2 += r1;
            r3 ^= r2;
        }
        return r2 ^ r3;
    }

    /// <summary>Instructions per pass outside the sweep: two li (one word each: lui) before,
    /// addi and bne after.</summary>
    public const int LoadStoreInstructionsPerPass = 4;

    /// <summary>(b) A load/store loop with paging on, timer interrupts enabled: it adds 1 to
    /// every word of a 64 KiB array, again and again. 5 instructions per word.</summary>
    public const int LoadStoreInstructionsPerWord = 5;
    public const int LoadStoreArrayWords = 16384;

    public static string LoadStoreLoop(int passes) => $$"""
        ; Identity-maps the first 1 MiB (ring 0, writable, executable), enables paging,
        ; turns a slow timer on with a handler that just returns, and sweeps an array.
        .equ PAGE_DIR, 0x10000
        .equ PAGE_TABLE, 0x11000
        .equ ARRAY, 0x20000
        .equ WORDS, {{LoadStoreArrayWords}}
        .entry _start
        _start:
            li   sp, 0xF000
            ; vector table: gate 16 (timer) -> tick, ring 0, present, interrupt gate
            la   r1, ivt
            la   r2, tick
            stw  r2, [r1 + 16*8]
            li   r2, 0x30
            stw  r2, [r1 + 16*8 + 4]
            mtcr ivt, r1
            ; page table: 256 identity entries, present|writable|executable, ring 0
            li   r1, PAGE_TABLE
            li   r2, 0x7
            li   r3, 256
        .map:
            stw  r2, [r1]
            addi r1, r1, 4
            addi r2, r2, 4096
            addi r3, r3, -1
            bne  r3, zero, .map
            li   r1, PAGE_DIR
            li   r2, PAGE_TABLE | 1
            stw  r2, [r1]
            li   r1, PAGE_DIR | 1
            mtcr ptbr, r1
            li   r1, 100000
            out  0x10, r1
            sti
            li   r5, {{passes}}
        pass:
            li   r1, ARRAY
            li   r2, ARRAY + WORDS * 4
        sweep:
            ldw  r3, [r1]
            addi r3, r3, 1
            stw  r3, [r1]
            addi r1, r1, 4
            bne  r1, r2, sweep
            addi r5, r5, -1
            bne  r5, zero, pass
            out  0xF0, zero
        tick:
            iret
        .align 8
        ivt:
            .space 64*8
        """;

    public static void LoadStoreLoopInCSharp(uint[] array, int passes)
    {
        for (int p = 0; p < passes; p++)
            for (int i = 0; i < array.Length; i++)
                array[i] += 1;
    }

    /// <summary>(c) A loop whose body is 2000 irregular instructions: a seeded mix of ALU
    /// operations, multiplies, loads and stores to a small buffer, and data-dependent
    /// branches, so no two neighbouring instructions look alike. The count is of retired
    /// instructions: both paths of a branch retire the same number.</summary>
    public const int IrregularBodyInstructions = 2000;

    public static string IrregularLoop(int iterations)
    {
        var random = new Random(4242);
        var body = new StringBuilder();
        string[] alu = ["add", "sub", "and", "or", "xor", "slt", "sltu", "mul", "shl", "shr", "sar"];
        string[] aluImmediate = ["addi", "andi", "ori", "xori", "slti"];
        int emitted = 0, label = 0;
        while (emitted < IrregularBodyInstructions)
        {
            int kind = random.Next(10);
            int rd = 1 + random.Next(9), rs = 1 + random.Next(9), rt = 1 + random.Next(9);
            if (kind < 4)
                body.AppendLine($"    {alu[random.Next(alu.Length)]} r{rd}, r{rs}, r{rt}");
            else if (kind < 6)
                body.AppendLine($"    {aluImmediate[random.Next(aluImmediate.Length)]} r{rd}, r{rs}, {random.Next(1, 2000)}");
            else if (kind < 7)
                body.AppendLine($"    shli r{rd}, r{rs}, {random.Next(32)}");
            else if (kind < 8)
                body.AppendLine($"    ldw r{rd}, [r12 + {4 * random.Next(256)}]");
            else if (kind < 9)
                body.AppendLine($"    stw r{rs}, [r12 + {4 * random.Next(256)}]");
            else if (emitted + 3 <= IrregularBodyInstructions)
            {
                // A data-dependent two-way branch whose paths retire the same number of
                // instructions (3), so the body's retired count is exact either way.
                body.AppendLine($"    blt r{rs}, r{rt}, .taken{label}");
                body.AppendLine($"    addi r{rd}, r{rd}, 1");
                body.AppendLine($"    jmp .join{label}");
                body.AppendLine($".taken{label}:");
                body.AppendLine($"    addi r{rd}, r{rd}, 2");
                body.AppendLine($"    nop");
                body.AppendLine($".join{label}:");
                label++;
                emitted += 2;
            }
            else
                body.AppendLine($"    nop");
            emitted++;
        }
        return $$"""
            .entry _start
            _start:
                li   r12, buffer
                li   r11, {{iterations}}
            loop:
            {{body}}
                addi r11, r11, -1
                bne  r11, zero, loop
                out  0xF0, zero
            .align 4
            buffer:
                .space 1024
            """;
    }
}
