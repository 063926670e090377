// The guest programs of the throughput benchmarks, as assembly text, and the same
// computations written in plain C# for comparison. Each guest runs a fixed number of
// instructions that the benchmark reports through OperationsPerInvoke.
using System.Linq.Expressions;
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

    /// <summary>(d) A counter kept in a data word of the loop's own code page: the JIT's stores
    /// into a frame with decoded code take the checked path (the decoded word is looked at)
    /// but stay in generated code. 5 instructions per iteration.</summary>
    public const int CodePageCounterInstructionsPerIteration = 5;

    public static string CodePageCounterLoop(int iterations) => $$"""
        .entry _start
        _start:
            li   r1, {{iterations}}
            la   r2, counter
        loop:
            ldw  r3, [r2]
            addi r3, r3, 1
            stw  r3, [r2]
            addi r1, r1, -1
            bne  r1, zero, loop
            out  0xF0, zero
        counter:
            .word 0
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

    /// <summary>One instruction (or one two-way branch of 3 retired instructions) of the
    /// irregular body: its mnemonic, registers and immediate or byte offset.</summary>
    public sealed record IrregularStep(string Mnemonic, int Rd, int Rs, int Rt, int Immediate);

    /// <summary>The body of (c), drawn from a fixed seed: the assembly text and the C#
    /// version are both made from this one list, so they compute the same thing.</summary>
    public static IReadOnlyList<IrregularStep> IrregularBody()
    {
        var random = new Random(4242);
        var steps = new List<IrregularStep>();
        string[] alu = ["add", "sub", "and", "or", "xor", "slt", "sltu", "mul", "shl", "shr", "sar"];
        string[] aluImmediate = ["addi", "andi", "ori", "xori", "slti"];
        int emitted = 0;
        while (emitted < IrregularBodyInstructions)
        {
            int kind = random.Next(10);
            int rd = 1 + random.Next(9), rs = 1 + random.Next(9), rt = 1 + random.Next(9);
            if (kind < 4)
                steps.Add(new(alu[random.Next(alu.Length)], rd, rs, rt, 0));
            else if (kind < 6)
                steps.Add(new(aluImmediate[random.Next(aluImmediate.Length)], rd, rs, 0, random.Next(1, 2000)));
            else if (kind < 7)
                steps.Add(new("shli", rd, rs, 0, random.Next(32)));
            else if (kind < 8)
                steps.Add(new("ldw", rd, 12, 0, 4 * random.Next(256)));
            else if (kind < 9)
                steps.Add(new("stw", 0, rs, 0, 4 * random.Next(256)));
            else if (emitted + 3 <= IrregularBodyInstructions)
            {
                steps.Add(new("branch", rd, rs, rt, 0));
                emitted += 2;
            }
            else
                steps.Add(new("nop", 0, 0, 0, 0));
            emitted++;
        }
        return steps;
    }

    public static string IrregularLoop(int iterations)
    {
        var body = new StringBuilder();
        int label = 0;
        foreach (var step in IrregularBody())
        {
            switch (step.Mnemonic)
            {
                case "addi" or "andi" or "ori" or "xori" or "slti" or "shli":
                    body.AppendLine($"    {step.Mnemonic} r{step.Rd}, r{step.Rs}, {step.Immediate}");
                    break;
                case "ldw":
                    body.AppendLine($"    ldw r{step.Rd}, [r12 + {step.Immediate}]");
                    break;
                case "stw":
                    body.AppendLine($"    stw r{step.Rs}, [r12 + {step.Immediate}]");
                    break;
                case "branch":
                    // A data-dependent two-way branch whose paths retire the same number of
                    // instructions (3), so the body's retired count is exact either way.
                    body.AppendLine($"    blt r{step.Rs}, r{step.Rt}, .taken{label}");
                    body.AppendLine($"    addi r{step.Rd}, r{step.Rd}, 1");
                    body.AppendLine($"    jmp .join{label}");
                    body.AppendLine($".taken{label}:");
                    body.AppendLine($"    addi r{step.Rd}, r{step.Rd}, 2");
                    body.AppendLine($"    nop");
                    body.AppendLine($".join{label}:");
                    label++;
                    break;
                case "nop":
                    body.AppendLine("    nop");
                    break;
                default:
                    body.AppendLine($"    {step.Mnemonic} r{step.Rd}, r{step.Rs}, r{step.Rt}");
                    break;
            }
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
                .space {{IrregularBufferWords * 4}}
            """;
    }

    public const int IrregularBufferWords = 256;

    private static Action<uint[], uint[], int>? irregularLoopInCSharp;

    /// <summary>(c) in plain C#: the same 2000-step body as straight-line C# over local
    /// variables r1..r9 and the buffer, compiled once (from an expression tree, since the
    /// body is generated) by the .NET JIT. <paramref name="registers"/> (16 words) holds r0..r15
    /// in and out; <paramref name="buffer"/> is the guest's 256-word buffer.</summary>
    public static void IrregularLoopInCSharp(uint[] registers, uint[] buffer, int iterations) =>
        (irregularLoopInCSharp ??= CompileIrregularLoop())(registers, buffer, iterations);

    private static Action<uint[], uint[], int> CompileIrregularLoop()
    {
        var registersIn = Expression.Parameter(typeof(uint[]), "registers");
        var buffer = Expression.Parameter(typeof(uint[]), "buffer");
        var iterations = Expression.Parameter(typeof(int), "iterations");
        var r = Enumerable.Range(0, 10).Select(i => Expression.Variable(typeof(uint), $"r{i}")).ToArray();
        var counter = Expression.Variable(typeof(int), "counter");
        var code = new List<Expression>();
        for (int i = 1; i < 10; i++)
            code.Add(Expression.Assign(r[i], Expression.ArrayIndex(registersIn, Expression.Constant(i))));

        static Expression Signed(Expression value) => Expression.Convert(value, typeof(int));
        static Expression Unsigned(Expression value) => Expression.Convert(value, typeof(uint));
        static Expression Flag(Expression condition) => Expression.Condition(condition, Expression.Constant(1u), Expression.Constant(0u));
        static Expression ShiftAmount(Expression value) => Signed(Expression.And(value, Expression.Constant(31u)));
        var body = new List<Expression>();
        foreach (var step in IrregularBody())
        {
            Expression rs = r[step.Rs == 12 ? 0 : step.Rs], rt = r[step.Rt];
            var immediate = Expression.Constant((uint)step.Immediate);
            Expression? value = step.Mnemonic switch
            {
                "add" => Expression.Add(rs, rt),
                "sub" => Expression.Subtract(rs, rt),
                "and" => Expression.And(rs, rt),
                "or" => Expression.Or(rs, rt),
                "xor" => Expression.ExclusiveOr(rs, rt),
                "slt" => Flag(Expression.LessThan(Signed(rs), Signed(rt))),
                "sltu" => Flag(Expression.LessThan(rs, rt)),
                "mul" => Expression.Multiply(rs, rt),
                "shl" => Expression.LeftShift(rs, ShiftAmount(rt)),
                "shr" => Expression.RightShift(rs, ShiftAmount(rt)),
                "sar" => Unsigned(Expression.RightShift(Signed(rs), ShiftAmount(rt))),
                "addi" => Expression.Add(rs, immediate),
                "andi" => Expression.And(rs, immediate),
                "ori" => Expression.Or(rs, immediate),
                "xori" => Expression.ExclusiveOr(rs, immediate),
                "slti" => Flag(Expression.LessThan(Signed(rs), Expression.Constant(step.Immediate))),
                "shli" => Expression.LeftShift(rs, Expression.Constant(step.Immediate)),
                "ldw" => Expression.ArrayIndex(buffer, Expression.Constant(step.Immediate / 4)),
                _ => null,
            };
            if (value is not null)
                body.Add(Expression.Assign(r[step.Rd], value));
            else if (step.Mnemonic == "stw")
                body.Add(Expression.Assign(Expression.ArrayAccess(buffer, Expression.Constant(step.Immediate / 4)), rs));
            else if (step.Mnemonic == "branch")
                body.Add(Expression.Assign(r[step.Rd], Expression.Add(r[step.Rd], Expression.Condition(
                    Expression.LessThan(Signed(rs), Signed(rt)), Expression.Constant(2u), Expression.Constant(1u)))));
        }

        var done = Expression.Label("done");
        code.Add(Expression.Assign(counter, iterations));
        code.Add(Expression.Loop(Expression.Block(
            Expression.IfThen(Expression.Equal(counter, Expression.Constant(0)), Expression.Break(done)),
            Expression.Block(body),
            Expression.PreDecrementAssign(counter)), done));
        for (int i = 1; i < 10; i++)
            code.Add(Expression.Assign(Expression.ArrayAccess(registersIn, Expression.Constant(i)), r[i]));
        return Expression.Lambda<Action<uint[], uint[], int>>(
            Expression.Block(r.Skip(1).Append(counter), code), registersIn, buffer, iterations).Compile();
    }

    /// <summary>SelfModifyingCodeBenchmarks' loop (and TieringTests'); <paramref name="target"/> is where its
    /// store every <paramref name="storeEvery"/>th iteration (a power of two) goes: `patched` (an
    /// instruction of the loop, alternating two immediates) or `data` (a word on the same page).</summary>
    public static string SelfModifyingLoop(int iterations, string target, int storeEvery = 16) => $"""
        .entry _start
        _start:
            li   r1, {iterations}
            la   r5, {target}
            la   r10, patched
            ldw  r6, [r10]         ; addi r2, r2, 1
            addi r7, r6, 1         ; addi r2, r2, 2
        loop:
        patched:
            addi r2, r2, 1
            andi r9, r1, {storeEvery - 1}
            bne  r9, zero, next
            stw  r7, [r5]
            xor  r8, r6, r7        ; swap r6 and r7
            xor  r6, r6, r8
            xor  r7, r7, r8
        next:
            addi r1, r1, -1
            bne  r1, zero, loop
            out  0xF0, zero
        data:
            .word 0
        """;
}
