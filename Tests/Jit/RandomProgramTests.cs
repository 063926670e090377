// Differential test (2): random structured programs on the interpreter and on the JIT, with
// paging on and off, at rings 0 and 3, with timer interrupts, a fault handler that skips the
// faulting instruction, self-modifying stores into the running code, page-table edits with
// and without invlpg, tlbflush, cli/sti, int, and (for some programs) a monitor. Both run in
// the same slices; after each slice every observable thing must match.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Jit;

public class RandomProgramTests
{
    private const uint RamBytes = 64 << 10;
    private const uint PageDirectory = 0x0000, PageTable = 0x1000, Handler = 0x2800, Code = 0x4000, Data = 0x8000;
    private const uint Stack = 0xE000, KernelStack = 0xF000;
    // Registers with fixed roles in the generated code: r9 = code base, r11 = loop counter, r12 = data base, r14 = sp.
    private static readonly int[] Destinations = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 15];

    [Theory]
    [InlineData(1, false, 0)]
    [InlineData(2, true, 0)]
    [InlineData(3, false, 3)]
    [InlineData(4, true, 3)]
    public void RandomProgramsBehaveTheSameOnBothEngines(int seed, bool paging, int ring)
    {
        var random = new Random(seed * 7919);
        int compiled = 0;
        for (int program = 0; program < 40; program++)
        {
            int programSeed = random.Next();
            var slices = new ulong[] { (ulong)random.Next(1, 3000), (ulong)random.Next(1, 20000), 30000 };
            bool withMonitor = program % 5 == 4;
            int threshold = 1 + program % 3;   // 1: compiled at once; 2, 3: interpreted first, then tiered up (mixed runs)
            compiled += Differential.RunBoth(RamBytes, m => Setup(m, new Random(programSeed), paging, ring, withMonitor), slices,
                $"program {program} (seed {programSeed}, paging {paging}, ring {ring}, monitor {withMonitor}, threshold {threshold})", jitCompileThreshold: threshold);
        }
        Assert.True(compiled > 40, $"the JIT compiled only {compiled} regions");
    }

    /// <summary>The JIT's memory fast path (Jit/CodeGenerator.cs): programs where about
    /// <paramref name="idiomPercent"/>% of the instructions are memory idioms — an access, a few
    /// immediate ALU operations (sometimes on the base register), then more accesses of mixed
    /// sizes at the same address (the generated code reuses the first translation), at data
    /// offsets near page ends and misaligned ones, and through the code base into the code
    /// pages (stores into their data words and into code) — among the usual page-table edits
    /// (read-only pages, ring-0 pages, frames outside RAM), flushes, rings and monitors.</summary>
    [Theory]
    [InlineData(11, false, 0, 40)]
    [InlineData(12, true, 0, 40)]
    [InlineData(13, false, 3, 40)]
    [InlineData(14, true, 3, 60)]
    public void MemoryIdiomsBehaveTheSameOnBothEngines(int seed, bool paging, int ring, int idiomPercent)
    {
        var random = new Random(seed * 7919);
        int compiled = 0;
        for (int program = 0; program < 30; program++)
        {
            int programSeed = random.Next();
            var slices = new ulong[] { (ulong)random.Next(1, 3000), (ulong)random.Next(1, 20000), 30000 };
            bool withMonitor = program % 5 == 4;
            int threshold = 1 + program % 3;
            compiled += Differential.RunBoth(RamBytes, m => Setup(m, new Random(programSeed), paging, ring, withMonitor, idiomPercent), slices,
                $"program {program} (seed {programSeed}, paging {paging}, ring {ring}, monitor {withMonitor}, threshold {threshold})", jitCompileThreshold: threshold);
        }
        Assert.True(compiled > 30, $"the JIT compiled only {compiled} regions");
    }

    private static void Setup(R4Machine m, Random random, bool paging, int ring, bool withMonitor, int idiomPercent = 0)
    {
        var code = Generate(random, random.Next(100, 2500), idiomPercent);
        var bytes = code.SelectMany(BitConverter.GetBytes).ToArray();
        m.Load(new R4.Isa.Image.ProgramImage(Code, [new R4.Isa.Image.ImageSegment(Code, Code, bytes, (uint)bytes.Length, R4.Isa.Image.SegmentFlags.Execute)]));
        var cpu = m.Cpu;
        var handler = SkipHandler().SelectMany(BitConverter.GetBytes).ToArray();
        m.Memory.Write(Handler, handler);
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(Handler, Gate.MakeFlags(0, 3, interruptGate: random.Next(2) == 0)));
        for (int p = 0; p < RamBytes >> 12; p++)
            m.Memory.Write(PageTable + 4u * (uint)p, BitConverter.GetBytes(((uint)p << 12) | 0x1F));
        m.Memory.Write(PageDirectory, BitConverter.GetBytes(PageTable | 1));
        if (paging) cpu.SetControl(ControlRegister.Ptbr, PageDirectory | 1);
        for (int r = 1; r < Registers.Count; r++) cpu.SetRegister(r, (uint)random.Next(-100, 100));
        cpu.SetRegister(9, Code);
        cpu.SetRegister(11, (uint)random.Next(2, 12));
        cpu.SetRegister(12, Data);
        cpu.SetRegister(Registers.StackPointer, Stack);
        cpu.SetControl(ControlRegister.Ksp0, KernelStack);
        cpu.Status = (uint)ring | (random.Next(3) > 0 ? StatusBits.InterruptEnable : 0);
        if (random.Next(3) > 0) m.Bus.Out(Ports.TimerPeriod, (uint)random.Next(30, 4000), 0);
        if (withMonitor) cpu.Ring0Host = new SkippingHost(random.Next());
    }

    /// <summary>The trap handler (ring 0): skips the instruction at the saved pc and returns.</summary>
    private static IEnumerable<uint> SkipHandler() =>
    [
        InstructionCodec.Encode(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Scratch0),
        InstructionCodec.Encode(Opcode.Ldw, 1, Registers.StackPointer, imm: 4),
        InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 4),
        InstructionCodec.Encode(Opcode.Stw, rs: Registers.StackPointer, rt: 1, imm: 4),
        InstructionCodec.Encode(Opcode.Mfcr, 1, imm: (int)ControlRegister.Scratch0),
        InstructionCodec.Encode(Opcode.Iret),
    ];

    private static uint Encode(Opcode op, int rd = 0, int rs = 0, int rt = 0, int imm = 0) => InstructionCodec.Encode(op, rd, rs, rt, imm);

    /// <summary>A body of about <paramref name="length"/> random instructions, then the loop
    /// back (r11 times) and hlt.</summary>
    private static List<uint> Generate(Random random, int length, int idiomPercent = 0)
    {
        var words = new List<uint>();
        int D() => Destinations[random.Next(Destinations.Length)];
        int S() => random.Next(16);
        var r3 = InstructionTable.All.Where(i => i.Form == OperandForm.RdRsRt).ToArray();
        var ri = InstructionTable.All.Where(i => i.Form is OperandForm.RdRsSimm16 or OperandForm.RdRsUimm16).ToArray();
        var shifts = InstructionTable.All.Where(i => i.Form == OperandForm.RdRsShift).ToArray();
        var loads = InstructionTable.All.Where(i => i.Form == OperandForm.RdMemory).ToArray();
        var stores = InstructionTable.All.Where(i => i.Form == OperandForm.RtMemory).ToArray();
        var branches = InstructionTable.All.Where(i => i.Form == OperandForm.Branch).ToArray();
        int DataOffset() => random.Next(8) == 0 ? random.Next(-0x1000, 0x3000) : 4 * random.Next(0x600);
        while (words.Count < length)
        {
            if (idiomPercent > 0 && random.Next(100) < idiomPercent)
            {
                MemoryIdiom(random, words, loads, stores, D, S);
                continue;
            }
            int kind = random.Next(100);
            if (kind < 25) words.Add(Encode(r3[random.Next(r3.Length)].Opcode, D(), S(), S()));
            else if (kind < 40)
            {
                var info = ri[random.Next(ri.Length)];
                words.Add(Encode(info.Opcode, D(), S(), imm: info.Form == OperandForm.RdRsSimm16 ? random.Next(-2000, 2000) : random.Next(0x10000)));
            }
            else if (kind < 45) words.Add(Encode(shifts[random.Next(shifts.Length)].Opcode, D(), S(), imm: random.Next(32)));
            else if (kind < 47) words.Add(Encode(Opcode.Lui, D(), imm: random.Next(0x10000)));
            else if (kind < 57) words.Add(Encode(loads[random.Next(loads.Length)].Opcode, D(), random.Next(5) == 0 ? S() : 12, imm: DataOffset()));
            else if (kind < 65) words.Add(Encode(stores[random.Next(stores.Length)].Opcode, rs: random.Next(8) == 0 ? S() : 12, rt: S(), imm: DataOffset()));
            else if (kind < 68) words.Add(random.Next(2) == 0 ? Encode(Opcode.Push, rs: S()) : Encode(Opcode.Pop, D()));
            else if (kind < 76)
            {
                // Mostly forward; sometimes a short backward branch (a bounded loop or the budget ends it).
                int offset = random.Next(10) == 0 ? -random.Next(1, 6) : random.Next(0, 12);
                words.Add(Encode(branches[random.Next(branches.Length)].Opcode, rs: S(), rt: S(), imm: offset));
            }
            else if (kind < 78) words.Add(Encode(Opcode.Jmp, imm: random.Next(0, 12)));
            else if (kind < 79) words.Add(Encode(Opcode.Call, imm: random.Next(0, 12)));
            else if (kind < 80) words.Add(Encode(Opcode.Rdtick, D()));
            else if (kind < 84)
            {
                // Self-modifying code: overwrite a body word with a random ALU instruction.
                uint replacement = Encode(r3[random.Next(9)].Opcode, random.Next(1, 9), S(), S());
                words.Add(Encode(Opcode.Lui, 10, imm: (int)(replacement >> 16)));
                words.Add(Encode(Opcode.Ori, 10, 10, imm: (int)(replacement & 0xFFFF)));
                words.Add(Encode(Opcode.Stw, rs: 9, rt: 10, imm: 4 * random.Next(Math.Max(1, length))));
            }
            else if (kind < 88)
            {
                // Page-table edit of a data page (random permissions or frame), with or without invlpg.
                int page = random.Next(8, 12);
                uint pte = ((uint)(random.Next(4) == 0 ? random.Next(8, 14) : page) << 12) | (uint)random.Next(32) | 1;
                words.Add(Encode(Opcode.Ori, 10, 0, imm: (int)pte));
                words.Add(Encode(Opcode.Stw, rs: 12, rt: 10, imm: (int)(PageTable + 4 * (uint)page) - (int)Data));
                if (random.Next(2) == 0)
                {
                    words.Add(Encode(Opcode.Ori, 10, 0, imm: page << 12));
                    words.Add(Encode(Opcode.Invlpg, rs: 10));
                }
            }
            else if (kind < 90) words.Add(Encode(Opcode.Tlbflush));
            else if (kind < 92) words.Add(Encode(random.Next(2) == 0 ? Opcode.Cli : Opcode.Sti));
            else if (kind < 93) words.Add(Encode(Opcode.Int, imm: random.Next(32, 64)));
            else if (kind < 94) words.Add(Encode(Opcode.Mfcr, D(), imm: random.Next(ControlRegisters.Count)));
            else if (kind < 95) words.Add(Encode(Opcode.In, D(), imm: Ports.TimerCount));
            else if (kind < 96) words.Add(Encode(Opcode.Jr, rs: S()));
            else words.Add(Encode(Opcode.Nop));
        }
        words.Add(Encode(Opcode.Addi, 11, 11, imm: -1));
        words.Add(Encode(Opcode.Bne, rs: 11, rt: 0, imm: -words.Count - 1));
        words.Add(Encode(Opcode.Hlt));
        return words;
    }

    /// <summary>An access at [base + offset], 0..2 immediate ALU operations, then 1..3 more
    /// accesses at the same address (loads and stores of any size, in any order).</summary>
    private static void MemoryIdiom(Random random, List<uint> words, InstructionInfo[] loads, InstructionInfo[] stores, Func<int> D, Func<int> S)
    {
        int baseRegister = random.Next(4) == 0 ? 9 : random.Next(6) == 0 ? S() : 12;
        int offset = random.Next(4) switch
        {
            0 => 0x1000 * random.Next(4) - 4 + random.Next(8),   // around a page end, some misaligned
            1 => 4 * random.Next(0xC00) + (random.Next(6) == 0 ? random.Next(1, 4) : 0),
            _ => 4 * random.Next(0x600),
        };
        uint Access() => random.Next(2) == 0
            ? Encode(loads[random.Next(loads.Length)].Opcode, D(), baseRegister, imm: offset)
            : Encode(stores[random.Next(stores.Length)].Opcode, rs: baseRegister, rt: S(), imm: offset);
        words.Add(Access());
        for (int i = random.Next(3); i > 0; i--)
        {
            // Immediate ALU operations keep the translation unless they write the base register.
            int rd = random.Next(5) == 0 ? baseRegister : D();
            words.Add(random.Next(3) switch
            {
                0 => Encode(Opcode.Addi, rd, S(), imm: random.Next(-8, 8)),
                1 => Encode(Opcode.Shli, rd, S(), imm: random.Next(32)),
                _ => Encode(Opcode.Xori, rd, S(), imm: random.Next(0x10000)),
            });
        }
        for (int i = random.Next(1, 4); i > 0; i--) words.Add(Access());
    }

    /// <summary>A monitor that, deterministically from its seed, skips the trapping instruction,
    /// reflects the trap through the gates, or flushes the TLB and skips.</summary>
    private sealed class SkippingHost(int seed) : IRing0Host
    {
        private readonly Random random = new(seed);

        public void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc)
        {
            switch (random.Next(3))
            {
                case 0: cpu.RetireEmulatedInstruction(savedPc + 4); break;
                case 1: cpu.DeliverTrap(vector, errorCode, savedPc); break;
                default: cpu.FlushTlb(); cpu.Pc = savedPc + 4; break;
            }
        }
    }
}
