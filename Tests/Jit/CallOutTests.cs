// The JIT's call-outs (Jit/JitDispatcher.cs CallOut, the trampoline's call-out path): generated
// code reaching a system instruction, a slow memory access, the next event or a chained jump that
// misses calls the dispatcher's own code from inside generated code and jumps on to the next
// compiled entry instead of returning. Everything the call-out may change — pc, ring, fetch page,
// the TLB (tlbflush, invlpg, mtcr ptbr under a memo), the code, NextEventInstret (timer interrupts
// landing at every offset around it), a stop (power-off by `out`) — must leave exactly the
// interpreter's state: registers, pc, instret, cycles, traps, TLB counts, RAM, console, and under a
// monitor the exits by cause and their cycles. Each case runs on the interpreter, on the JIT with
// call-outs and on the JIT without them (every exit back to the dispatcher), warm-up 0.
using R4.Isa;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Jit;

public class CallOutTests
{
    private const uint RamBytes = 64 << 10;
    private const uint PageDirectory = 0x0000, PageTable = 0x1000, SkipHandler = 0x2800, ReturnHandler = 0x2900,
        PageDirectory2 = 0x3000, PageTable2 = 0x5000, KernelStack = 0xF000;

    /// <summary>A machine on <paramref name="engine"/> (the JIT: compile at the first arrival, no
    /// warm-up, call-outs on or off), with console output kept.</summary>
    private static (R4Machine Machine, MemoryStream Console) Create(ExecutionEngine engine, bool callOuts)
    {
        var (machine, console) = Differential.Create(engine, RamBytes);
        machine.Cpu.JitWarmupInstructions = 0;
        machine.Cpu.JitCallOuts = callOuts;
        return (machine, console);
    }

    /// <summary>Identity page tables (ring 3, writable) in two address spaces that differ only in
    /// page 8 (frame 8 in the first, frame 9 in the second); a ring-0 handler that skips the
    /// instruction at the saved pc (faults, interrupts) and one that only returns (int 32); the
    /// given ring, paging, and optionally interrupts and a timer.</summary>
    private static void Setup(R4Machine m, string source, int ring, uint timerPeriod, bool paging = true)
    {
        m.Load(ThroughputProgramTests.Assemble(source));
        var cpu = m.Cpu;
        uint[] skip =
        [
            InstructionCodec.Encode(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Scratch1),
            InstructionCodec.Encode(Opcode.Ldw, 1, Registers.StackPointer, imm: 4),
            InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 4),
            InstructionCodec.Encode(Opcode.Stw, rs: Registers.StackPointer, rt: 1, imm: 4),
            InstructionCodec.Encode(Opcode.Mfcr, 1, imm: (int)ControlRegister.Scratch1),
            InstructionCodec.Encode(Opcode.Iret),
        ];
        m.Memory.Write(SkipHandler, skip.SelectMany(BitConverter.GetBytes).ToArray());
        m.Memory.Write(ReturnHandler, BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Iret)));
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(v == 32 ? ReturnHandler : SkipHandler, Gate.MakeFlags(0, 3, interruptGate: v != 32)));
        for (uint p = 0; p < RamBytes >> 12; p++)
        {
            m.Memory.Write(PageTable + 4 * p, BitConverter.GetBytes((p << 12) | 0x1F));
            m.Memory.Write(PageTable2 + 4 * p, BitConverter.GetBytes(((p == 8 ? 9 : p) << 12) | 0x1F));
        }
        m.Memory.Write(PageDirectory, BitConverter.GetBytes(PageTable | 1));
        m.Memory.Write(PageDirectory2, BitConverter.GetBytes(PageTable2 | 1));
        m.Memory.Write(0x8000, BitConverter.GetBytes(0x11111111u));
        m.Memory.Write(0x9000, BitConverter.GetBytes(0x22222222u));
        if (paging) cpu.SetControl(ControlRegister.Ptbr, PageDirectory | 1);
        cpu.SetControl(ControlRegister.Ksp0, KernelStack);
        cpu.SetRegister(Registers.StackPointer, 0xE000);
        cpu.Status = (uint)ring | (timerPeriod != 0 ? StatusBits.InterruptEnable : 0);
        if (timerPeriod != 0) m.Bus.Out(Ports.TimerPeriod, timerPeriod, 0);
    }

    /// <summary>Runs <paramref name="setup"/>'s machine on the interpreter, the JIT with call-outs and
    /// the JIT without, in the given slices, comparing after every slice; returns the call-outs made.</summary>
    private static ulong RunAll(Action<R4Machine> setup, IReadOnlyList<ulong> slices, string what)
    {
        var (interpreter, interpreterConsole) = Create(ExecutionEngine.Interpreter, callOuts: true);
        var (jit, jitConsole) = Create(ExecutionEngine.Jit, callOuts: true);
        var (exiting, exitingConsole) = Create(ExecutionEngine.Jit, callOuts: false);
        using (interpreter)
        using (jit)
        using (exiting)
        {
            setup(interpreter);
            setup(jit);
            setup(exiting);
            for (int i = 0; i < slices.Count; i++)
            {
                string expected = Differential.Snapshot(interpreter, interpreter.Run(slices[i]));
                Differential.AssertSame(expected, Differential.Snapshot(jit, jit.Run(slices[i])), $"{what}, slice {i}, call-outs");
                Differential.AssertSame(expected, Differential.Snapshot(exiting, exiting.Run(slices[i])), $"{what}, slice {i}, without call-outs");
            }
            Assert.Equal(interpreterConsole.ToArray(), jitConsole.ToArray());
            Assert.Equal(interpreterConsole.ToArray(), exitingConsole.ToArray());
            Assert.Equal(0UL, exiting.Cpu.JitCallOutCount);
            Assert.True(jit.Cpu.JitRegionsCompiled > 0, $"{what}: the JIT compiled nothing");
            return jit.Cpu.JitCallOutCount;
        }
    }

    /// <summary>Every system instruction in one hot loop, with a memo site (page 8) before and after
    /// them: cli/sti (an interrupt held by cli lands at sti), mfcr/mtcr, in/out, int (through a
    /// DPL-3 gate to a handler that returns), tlbflush, invlpg, a ptbr rewrite that switches address
    /// space (page 8 shows another frame: the memo must not survive the call-out), brk.</summary>
    private const string SystemLoop = """
        .org 0x4000
        .entry _start
        _start:
            li   r10, 150
            li   r1, 0x8000
            li   r12, 0x3001
        loop:
            ldw  r3, [r1]
            add  r11, r11, r3
            stw  r11, [r1 + 4]
            cli
            sti
            mfcr r4, scratch0
            addi r4, r4, 1
            mtcr scratch0, r4
            in   r5, 0x11
            add  r11, r11, r5
            andi r6, r10, 31
            bne  r6, zero, quiet
            addi r7, r10, 0x20
            out  0x00, r7
        quiet:
            int  32
            ldw  r3, [r1]
            add  r11, r11, r3
            tlbflush
            invlpg r1
            mfcr r6, ptbr
            mtcr ptbr, r12
            mov  r12, r6
            ldw  r3, [r1]
            xor  r11, r11, r3
            stw  r11, [r1 + 8]
            brk
            nop
            addi r10, r10, -1
            bne  r10, zero, loop
            mtcr ptbr, zero
            hlt
        done:
            jmp  done
        """;

    /// <summary>Ring 0 (the instructions run) and ring 3 (they fault to the skipping handler, int 32
    /// goes through its gate), with and without a timer whose period lands at every offset, and a
    /// first slice that ends at every offset of the first iterations.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void SystemInstructionsInHotLoopsMatchTheInterpreter(int ring)
    {
        ulong callOuts = 0;
        for (int first = 1; first <= 40; first++)
        {
            uint timer = first % 4 == 0 ? 0u : (uint)(3 + first * 5);
            callOuts += RunAll(m => Setup(m, SystemLoop, ring, timer), [(ulong)first, (ulong)(first % 7 + 1), 29, 500, 60_000],
                $"ring {ring}, first slice {first}, timer {timer}");
        }
        Assert.True(callOuts > 1000, $"only {callOuts} call-outs");
    }

    /// <summary>A timer interrupt at every offset of a loop whose body is one system instruction and a
    /// few ALU ones (the event lands just before, at and just after the call-out), and a hlt in the
    /// loop that waits for the next tick inside the call-out.</summary>
    [Theory]
    [InlineData("cli\n    sti")]
    [InlineData("mfcr r4, scratch0")]
    [InlineData("hlt")]
    public void TimerInterruptsLandAroundTheCallOut(string body)
    {
        string source = $$"""
            .org 0x4000
            .entry _start
            _start:
                li   r10, 400
            loop:
                addi r2, r2, 1
                {{body}}
                addi r3, r3, 2
                addi r10, r10, -1
                bne  r10, zero, loop
                li   r1, 0
                out  0x10, r1
                cli
                hlt
            """;
        for (uint period = 1; period <= 12; period++)
            RunAll(m => Setup(m, source, 0, period, paging: period % 2 == 0), [3, 7, 100, 30_000], $"{body}, timer period {period}");
    }

    /// <summary>An `out` to the power port inside a hot loop stops the run from within a call-out;
    /// console output before it must match, and later Runs return the same stop.</summary>
    [Fact]
    public void AStopRequestedByADeviceDuringACallOutEndsTheRun()
    {
        const string source = """
            .org 0x4000
            .entry _start
            _start:
                li   r10, 300
            loop:
                addi r7, r10, 0x30
                andi r7, r7, 0x3F
                addi r7, r7, 0x30
                out  0x00, r7
                addi r2, r2, 5
                li   r6, 123
                bne  r10, r6, go_on
                li   r5, 7
                out  0xF0, r5
                addi r2, r2, 1000
            go_on:
                addi r10, r10, -1
                bne  r10, zero, loop
                hlt
            """;
        foreach (ulong first in new ulong[] { 1, 50, 500, 1000 })
            Assert.True(RunAll(m => Setup(m, source, 0, 0), [first, 1_000_000, 10], $"first slice {first}") > 100);
    }

    /// <summary>The bench guests under every layout that runs them with exits (native, the monitored
    /// layouts, bt and hw), at small N, compile threshold 1 and the default, in slices that cross
    /// exits: the interpreter, the JIT with call-outs and without must agree, exits by cause and their
    /// cycles included, and the call-out path must have run.</summary>
    [Theory]
    [InlineData("Guests/bench/clisti.asm", 3000)]
    [InlineData("Guests/bench/nullcall.asm", 2000)]
    [InlineData("Guests/bench/ctxswitch.asm", 300)]
    [InlineData("Guests/bench/timer.asm", 300)]
    public void BenchGuestsUnderEveryLayoutMatchTheInterpreter(string guest, int n)
    {
        var image = GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = n });
        foreach (var layout in Layouts.Known)
            foreach (int threshold in new[] { 1, Cpu.DefaultJitCompileThreshold })
            {
                string Snapshot(ExecutionEngine engine, bool callOuts, out ulong made)
                {
                    var console = new MemoryStream();
                    using var machine = GuestMachine.Create(new MachineOptions
                    {
                        MemoryBytes = 16 << 20, Engine = engine, ConsoleOutput = console,
                        ConsoleInput = new MemoryStream([]), Diagnostics = TextWriter.Null,
                        JitWarmupInstructions = 0,
                    }, layout);
                    machine.Cpu.JitCompileThreshold = threshold;
                    machine.Cpu.JitCallOuts = callOuts;
                    machine.Load(image);
                    var lines = new List<string>();
                    foreach (ulong slice in new ulong[] { 1000, 1, 333, 7, 20_000, GuestRunner.DefaultBudgetInstructions })
                    {
                        var result = machine.Run(slice);
                        lines.Add(Differential.Snapshot(machine.Machine, result));
                        if (machine.Exits is { } exits) lines.Add("exits " + string.Join(",", exits.ByName()) + " cycles " + string.Join(",", exits.CyclesByName()));
                        if (result.Reason is StopReason.PowerOff or StopReason.Shutdown) break;
                    }
                    machine.Machine.Bus.Flush();
                    made = machine.Cpu.JitCallOutCount;
                    return string.Join("\n", lines) + "\nguest " + machine.CaptureState() + "\nconsole " + Convert.ToHexString(console.ToArray());
                }
                string what = $"{guest} N={n} under {layout.Name}, threshold {threshold}";
                string interpreter = Snapshot(ExecutionEngine.Interpreter, true, out _);
                Differential.AssertSame(interpreter, Snapshot(ExecutionEngine.Jit, true, out ulong made), what + ", call-outs");
                Differential.AssertSame(interpreter, Snapshot(ExecutionEngine.Jit, false, out ulong none), what + ", without call-outs");
                Assert.True(made > 0, $"{what}: no call-outs");
                Assert.Equal(0UL, none);
            }
    }
}
