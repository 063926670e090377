// Differential test (1): every row of the instruction table, run with random operands and
// random register values at rings 0 and 3, paging off and on, on the interpreter and on
// the JIT; all observable state must match. The instruction sits in a compiled block of
// its own (followed by hlt), so the JIT's code for it runs, including its exits.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Jit;

public class InstructionRowTests
{
    private const uint RamBytes = 64 << 10;
    private const uint Code = 0x4000, Handler = 0x2800, PageTable = 0x1000, PageDirectory = 0x0000;

    public static IEnumerable<object[]> Rows => InstructionTable.All.Select(i => new object[] { i.Mnemonic });

    [Theory]
    [MemberData(nameof(Rows))]
    public void RowBehavesTheSameOnBothEngines(string mnemonic)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        var random = new Random(mnemonic.GetHashCode(StringComparison.Ordinal) ^ 0x5EED);
        int compiled = 0;
        for (int trial = 0; trial < 48; trial++)
        {
            uint word = RandomEncoding(info, random);
            int seed = random.Next();
            compiled += Differential.RunBoth(RamBytes, m => Setup(m, word, new Random(seed), trial), [3, 40], $"{mnemonic} trial {trial} (0x{word:x8})");
        }
        Assert.True(compiled > 0, "the JIT compiled nothing");
    }

    /// <summary>The forms the JIT folds into one move (li: addi/ori/xori from r0; addi with 0; lui),
    /// with rd = r0 (discarded) too.</summary>
    [Theory]
    [InlineData("addi", 5, 0, -3)]
    [InlineData("addi", 0, 0, 7)]
    [InlineData("addi", 6, 6, 0)]
    [InlineData("addi", 7, 2, 0)]
    [InlineData("ori", 3, 0, 0xFFFF)]
    [InlineData("ori", 0, 0, 1)]
    [InlineData("xori", 9, 0, 0x8000)]
    [InlineData("lui", 4, 0, 0xABCD)]
    [InlineData("lui", 0, 0, 1)]
    public void FoldedConstantFormsBehaveTheSameOnBothEngines(string mnemonic, int rd, int rs, int imm)
    {
        var info = InstructionTable.ForMnemonic(mnemonic)!;
        uint word = InstructionCodec.Encode(info.Opcode, rd, rs, 0, imm);
        int compiled = 0;
        for (int trial = 0; trial < 4; trial++)
        {
            int seed = 1000 + trial;
            int t = trial;
            compiled += Differential.RunBoth(RamBytes, m => Setup(m, word, new Random(seed), t), [3, 40], $"{mnemonic} r{rd}, r{rs}, {imm} trial {trial}");
        }
        Assert.True(compiled > 0, "the JIT compiled nothing");
    }

    private static uint RandomEncoding(InstructionInfo info, Random random)
    {
        int imm = info.Form switch
        {
            OperandForm.RdRsShift => random.Next(32),
            OperandForm.Vector => random.Next(64),
            OperandForm.RdControl or OperandForm.ControlRs => random.Next(ControlRegisters.Count),
            OperandForm.RdRsUimm16 or OperandForm.RdImm16 => random.Next(0x10000),
            OperandForm.RdPort or OperandForm.PortRs => random.Next(2) == 0 ? 0x11 : 0x1234,   // never power-off
            OperandForm.Jump or OperandForm.Branch => random.Next(-8, 8),
            OperandForm.RdMemory or OperandForm.RtMemory => random.Next(4) == 0 ? random.Next(short.MinValue, short.MaxValue + 1) : random.Next(-64, 64),
            _ => random.Next(short.MinValue, short.MaxValue + 1),
        };
        return InstructionCodec.Encode(info.Opcode, random.Next(16), random.Next(16), random.Next(16), imm);
    }

    /// <summary>Registers mostly small values and addresses in RAM (some misaligned, some
    /// outside), divisors sometimes 0 or -1, pages with random permissions when paging is on.</summary>
    private static void Setup(R4Machine m, uint word, Random random, int trial)
    {
        var cpu = m.Cpu;
        var words = new List<uint> { word };
        for (int i = 0; i < 8; i++) words.Add(InstructionCodec.Encode(Opcode.Hlt));
        var bytes = words.SelectMany(BitConverter.GetBytes).ToArray();
        m.Load(new R4.Isa.Image.ProgramImage(Code, [new R4.Isa.Image.ImageSegment(Code, Code, bytes, (uint)bytes.Length, R4.Isa.Image.SegmentFlags.Execute)]));
        // Branch and jump targets land on hlt or on code that is zero (#UD): both are defined.
        m.Memory.Write(Handler, BitConverter.GetBytes(InstructionCodec.Encode(Opcode.Hlt)));
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(Handler, Gate.MakeFlags(0, 3, interruptGate: true)));
        for (int r = 1; r < Registers.Count; r++)
        {
            uint value = random.Next(6) switch
            {
                0 => (uint)random.NextInt64(0, 1L << 32),
                1 => (uint)random.Next(-3, 3),
                2 => 0x80000000,
                _ => (uint)random.Next((int)RamBytes + 64),
            };
            cpu.SetRegister(r, value);
        }
        cpu.SetRegister(Registers.StackPointer, random.Next(4) == 0 ? (uint)random.Next((int)RamBytes) : 0x8000);
        cpu.SetControl(ControlRegister.Ksp0, 0xF000);
        for (int p = 0; p < RamBytes >> 12; p++)
        {
            uint flags = random.Next(3) == 0 ? (uint)random.Next(32) | 1 : 0x1F;   // present, writable, exec, ring 3
            if (p == Code >> 12 || p == Handler >> 12 || p == 0xF) flags = 0x1F;
            m.Memory.Write(PageTable + 4u * (uint)p, BitConverter.GetBytes(((uint)p << 12) | flags));
        }
        m.Memory.Write(PageDirectory, BitConverter.GetBytes(PageTable | 1));
        if (trial % 2 == 1) cpu.SetControl(ControlRegister.Ptbr, PageDirectory | 1);
        cpu.Status = (uint)((trial / 2) % 2 == 0 ? 0 : 3) | (random.Next(2) == 0 ? StatusBits.InterruptEnable : 0);
    }
}
