// The interpreter's fast loop counts nothing per instruction: instret is the position of the
// decoded op against a limit pointer, pc is derived from the op, cycles are instructions x the
// ALU class's cycles plus the ExtraCycles of other classes, and while the next event lies
// beyond the fetch page the event is checked only at taken jumps (Cpu/Interpreter.cs). These
// tests stop runs at every instruction count across the places where that bookkeeping moves —
// straight-line code, a page end crossed by falling through, taken branches, calls and register
// jumps, a store into the very next instruction, long loops that come near the event only
// after many jumps — and compare everything observable (pc, instret, cycles, registers,
// control registers, statistics, RAM) with a machine stepped one instruction at a time and with
// the JIT, under the default cost table (branches cost what ALU instructions cost: the loop
// that checks at jumps) and under one where every class costs something different.
using R4.Isa;
using R4.Machine;
using R4.Tests.Machine;

namespace R4.Tests.Jit;

public class InterpreterFastLoopTests
{
    /// <summary>Every class a different cost (ALU 2, so no other class equals it).</summary>
    private static readonly CostTable DistinctCosts = new() { CyclesByClass = [2, 7, 29, 5, 11, 13, 3, 17, 19, 23, 31] };

    private static R4Machine Create(ExecutionEngine engine, CostTable costs)
    {
        var machine = new R4Machine(new MachineOptions
        {
            MemoryBytes = 1 << 20,
            Engine = engine,
            Costs = costs,
            ConsoleOutput = new MemoryStream(),
            ConsoleInput = new MemoryStream(),
            Diagnostics = TextWriter.Null,
        });
        machine.Cpu.JitCompileThreshold = 1;
        return machine;
    }

    private static string State(R4Machine machine, RunResult result)
    {
        string snapshot = Differential.Snapshot(machine, result);
        return snapshot[(snapshot.IndexOf('\n') + 1)..];   // without the RunResult line (a stepped machine's differs)
    }

    /// <summary>Straight-line ALU code of every kind, two counted loops (the second ends with
    /// addi and bne), call / ret through a register, callr, forward branches taken and not, and
    /// a store that rewrites the very next instruction. The first loop's head is 37 words after
    /// the origin.</summary>
    private static ProgramBuilder Mixed(uint origin = 0x1000, int loopCount = 5)
    {
        var p = new ProgramBuilder(origin)
            .Li(1, (uint)loopCount).Li(2, 0x1234_5678).Li(3, 7).La(6, "next").La(8, "function")
            .Emit(Opcode.Add, 4, 2, 3).Emit(Opcode.Sub, 5, 2, 3).Emit(Opcode.Xor, 4, 4, 5).Emit(Opcode.And, 5, 4, 2)
            .Emit(Opcode.Or, 5, 5, 3).Emit(Opcode.Shl, 7, 2, 3).Emit(Opcode.Shr, 7, 7, 3).Emit(Opcode.Sar, 7, 2, 3)
            .Emit(Opcode.Mul, 9, 2, 3).Emit(Opcode.Mulh, 9, 9, 2).Emit(Opcode.Mulhu, 10, 2, 2).Emit(Opcode.Divu, 10, 2, 3)
            .Emit(Opcode.Rem, 11, 2, 3).Emit(Opcode.Slt, 11, 3, 2).Emit(Opcode.Sltu, 12, 2, 3).Emit(Opcode.Addi, 12, 12, imm: -9)
            .Emit(Opcode.Andi, 13, 2, imm: 0xFF0).Emit(Opcode.Ori, 13, 13, imm: 3).Emit(Opcode.Xori, 13, 13, imm: 0x55)
            .Emit(Opcode.Shli, 14, 2, imm: 4).Emit(Opcode.Shri, 14, 14, imm: 3).Emit(Opcode.Sari, 14, 2, imm: 9)
            .Emit(Opcode.Slti, 15, 2, imm: 5).Emit(Opcode.Sltiu, 15, 15, imm: 1).Emit(Opcode.Lui, 0, imm: 0x1234).Emit(Opcode.Nop)
            .Emit(Opcode.Rdtick, 12)
            .Label("loop")
            .Emit(Opcode.Add, 2, 2, 1).Emit(Opcode.Xor, 3, 3, 2).Emit(Opcode.Addi, 1, 1, imm: -1)
            .Branch(Opcode.Beq, 1, 0, "after")                 // not taken until the end
            .Branch(Opcode.Bne, 1, 0, "loop")
            .Label("after")
            .Li(7, (uint)loopCount)
            .Label("loop2")                                      // addi then bne: the bne is entered by a direct jump
            .Emit(Opcode.Add, 9, 9, 7).Emit(Opcode.Addi, 7, 7, imm: -1)
            .Branch(Opcode.Bne, 7, 0, "loop2")
            .Jump(Opcode.Call, "function")
            .Emit(Opcode.Callr, rs: 8)
            .Li(5, InstructionCodec.Encode(Opcode.Addi, 4, 4, imm: 1000))
            .Emit(Opcode.Stw, rs: 6, rt: 5)                     // rewrites "next", the instruction right after it
            .Label("next").Emit(Opcode.Addi, 4, 4, imm: 1)
            .Emit(Opcode.Rdtick, 15)
            .Branch(Opcode.Blt, 0, 1, "end")                    // r1 = 0: not taken
            .Branch(Opcode.Bge, 0, 1, "end")                    // taken, forward
            .Emit(Opcode.Nop)
            .Label("end").PowerOff()
            .Label("function")
            .Emit(Opcode.Addi, 11, 11, imm: 3)
            .Emit(Opcode.Jr, rs: 15);                           // ret (lr = r15)
        return p;
    }

    private static void CompareAtEveryStop(ProgramBuilder program, CostTable costs, IEnumerable<ulong> stops, string what)
    {
        var image = program.Image();
        // The reference: one instruction per Run (every Run ends at a boundary).
        using var stepped = Create(ExecutionEngine.Interpreter, costs);
        stepped.Load(image);
        ulong steppedCount = 0;
        RunResult? steppedResult = null;
        string? final = null;
        foreach (ulong stop in stops)
        {
            while (steppedCount < stop && steppedResult?.Reason is not StopReason.PowerOff)
            {
                steppedResult = stepped.Run(1);
                steppedCount++;
            }
            using var interpreter = Create(ExecutionEngine.Interpreter, costs);
            using var jit = Create(ExecutionEngine.Jit, costs);
            interpreter.Load(image);
            jit.Load(image);
            var a = interpreter.Run(stop);
            var b = jit.Run(stop);
            Differential.AssertSame(Differential.Snapshot(interpreter, a), Differential.Snapshot(jit, b), $"{what}, stopped after {stop}");
            if (a.Reason == StopReason.InstructionLimit)
            {
                Assert.Equal(stop, interpreter.Cpu.Instret);
                Differential.AssertSame(State(stepped, steppedResult ?? a), State(interpreter, a), $"{what}, stepped against one run of {stop}");
            }
            // And on to the end from there.
            var endA = interpreter.Run(1_000_000);
            var endB = jit.Run(1_000_000);
            Assert.Equal(StopReason.PowerOff, endA.Reason);
            string endState = Differential.Snapshot(interpreter, endA);
            Differential.AssertSame(endState, Differential.Snapshot(jit, endB), $"{what}, resumed after {stop}");
            final ??= endState;
            Differential.AssertSame(final, endState, $"{what}, the end after a stop at {stop} against the first");
        }
    }

    private static IEnumerable<ulong> Range(ulong from, ulong to, ulong step = 1)
    {
        for (ulong k = from; k <= to; k += step) yield return k;
    }

    [Fact]
    public void DecodedOpMarkersAreNotOpcodes()
    {
        // The interpreter's switch is one dense table up to NotDecoded: the markers sit right
        // after the last opcode and must never become one.
        Assert.Null(InstructionTable.ForCode(DecodedOp.NotDecoded));
        Assert.Null(InstructionTable.ForCode(DecodedOp.PageEnd));
        for (int code = DecodedOp.NotDecoded + 1; code < 256; code++)
            Assert.Null(InstructionTable.ForCode((byte)code));
        Assert.True(DecodedOp.PageEnd < DecodedOp.NotDecoded);
        unsafe { Assert.Equal(16, sizeof(DecodedOp)); }   // the fast loop's shifts assume 16-byte ops
    }

    [Fact]
    public void ExtraCyclesIsTheDifferenceToAnAluInstruction()
    {
        foreach (Opcode opcode in Enum.GetValues<Opcode>())
        {
            if (opcode == Opcode.Invalid) continue;
            var info = InstructionTable.Get(opcode);
            var d = DecodedOp.Decode(InstructionCodec.Encode(opcode, 1, 2, 3, 0), DistinctCosts);
            Assert.Equal((byte)opcode, d.Op);
            Assert.Equal((uint)DistinctCosts.CyclesFor(info.CostClass), d.Cycles);
            Assert.Equal(DistinctCosts.CyclesFor(info.CostClass) - DistinctCosts.CyclesFor(CostClass.Alu), d.ExtraCycles);
            if (info.CostClass == CostClass.Alu) Assert.Equal(0, d.ExtraCycles);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryStopInMixedCodeIsExact(bool distinctCosts)
    {
        var costs = distinctCosts ? DistinctCosts : CostTable.Default;
        CompareAtEveryStop(Mixed(), costs, Range(0, 140), $"mixed code, distinct costs {distinctCosts}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryStopAcrossAPageEndIsExact(bool distinctCosts)
    {
        // The same code placed so that its straight-line part runs off the end of the page at
        // 0x1000 into the next one (fall-through: the boundary comes before the refetch), and its
        // loop, calls and store lie in the second page.
        var costs = distinctCosts ? DistinctCosts : CostTable.Default;
        CompareAtEveryStop(Mixed(origin: 0x1FB0), costs, Range(0, 140), $"code across a page end, distinct costs {distinctCosts}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryStopInALoopWhoseBranchCrossesAPageIsExact(bool distinctCosts)
    {
        // The first loop's head at 0x1FF8: add and xor end the page at 0x1000, addi, beq and
        // bne start the next, and the taken bne jumps back across the page boundary.
        var costs = distinctCosts ? DistinctCosts : CostTable.Default;
        var program = Mixed(origin: 0x1FF8 - 37 * 4);
        Assert.Equal(0x1FF8u, program.AddressOf("loop"));
        CompareAtEveryStop(program, costs, Range(0, 140), $"a loop across a page end, distinct costs {distinctCosts}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StopsFarIntoALongLoopAreExact(bool distinctCosts)
    {
        // 700 iterations of each loop (5,600+ instructions): the event starts beyond the page, so
        // the loop checks it only at taken jumps, and comes within reach after hundreds of them.
        var costs = distinctCosts ? DistinctCosts : CostTable.Default;
        var stops = Range(0, 40).Concat(Range(1000, 1040)).Concat(Range(2750, 2900, 3)).Concat(Range(3600, 3640)).Concat(Range(5580, 5640));
        CompareAtEveryStop(Mixed(loopCount: 700), costs, stops, $"a long loop, distinct costs {distinctCosts}");
    }
}
