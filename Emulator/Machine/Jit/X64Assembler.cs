// A small x86-64 assembler for the JIT: exactly the instructions CodeGenerator emits
// (integer moves, ALU, shifts, multiply/divide, setcc, lea, jumps, push/pop), with labels,
// written straight into a byte list. It replaces a general assembler library whose start-up
// (tables built on first use) cost more than a whole short guest run, and whose per-region
// work was most of the compile time. Its surface mirrors the usual Intel-syntax style
// (`a.mov(eax, __dword_ptr[rbx + 8])`) so the code generator reads like assembly.
// Jumps to labels are short (rel8) when the label is already bound and near, else rel32;
// jumps to absolute addresses (other regions, the exit path) are rel32 fixed up in Assemble.
// Tests/Jit/X64AssemblerTests.cs checks every form against an independent disassembler.
namespace R4.Machine.Jit;

/// <summary>A general-purpose register of one width (Code 0..15 is the hardware number).</summary>
internal readonly record struct AssemblerRegister8(int Code);
internal readonly record struct AssemblerRegister16(int Code);
internal readonly record struct AssemblerRegister32(int Code);
internal readonly record struct AssemblerRegister64(int Code)
{
    public static AssemblerMemoryOperand operator +(AssemblerRegister64 b, int displacement) => new(b.Code, -1, 1, displacement, 0);
    public static AssemblerMemoryOperand operator +(AssemblerRegister64 b, AssemblerRegister64 index) => new(b.Code, index.Code, 1, 0, 0);
    public static AssemblerMemoryOperand operator +(AssemblerRegister64 b, ScaledIndex index) => new(b.Code, index.Code, index.Scale, 0, 0);
    public static ScaledIndex operator *(AssemblerRegister64 index, int scale) => new(index.Code, scale);
}

internal readonly record struct ScaledIndex(int Code, int Scale);

/// <summary>[base + index * scale + displacement], of <see cref="Size"/> bytes (0: no size, lea).</summary>
internal readonly record struct AssemblerMemoryOperand(int Base, int Index, int Scale, int Displacement, int Size)
{
    public static AssemblerMemoryOperand operator +(AssemblerMemoryOperand m, int displacement) => m with { Displacement = m.Displacement + displacement };
}

/// <summary>Gives a memory expression its access size: <c>__dword_ptr[rbx + 8]</c>.</summary>
internal sealed class MemorySize(int size)
{
    public AssemblerMemoryOperand this[AssemblerMemoryOperand m] => m with { Size = size };
    public AssemblerMemoryOperand this[AssemblerRegister64 b] => new(b.Code, -1, 1, 0, size);
}

/// <summary>A position in the code, bound by <see cref="Assembler.Label"/>.</summary>
internal struct Label
{
    internal int Id;
}

internal static class X64Registers
{
    public static readonly AssemblerRegister64 rax = new(0), rcx = new(1), rdx = new(2), rbx = new(3), rsp = new(4), rbp = new(5), rsi = new(6), rdi = new(7),
        r8 = new(8), r9 = new(9), r10 = new(10), r11 = new(11), r12 = new(12), r13 = new(13), r14 = new(14), r15 = new(15);
    public static readonly AssemblerRegister32 eax = new(0), ecx = new(1), edx = new(2), ebx = new(3), esp = new(4), ebp = new(5), esi = new(6), edi = new(7),
        r8d = new(8), r9d = new(9), r10d = new(10), r11d = new(11), r12d = new(12), r13d = new(13), r14d = new(14), r15d = new(15);
    public static readonly AssemblerRegister16 ax = new(0), cx = new(1), dx = new(2);
    public static readonly AssemblerRegister8 al = new(0), cl = new(1), dl = new(2);
    public static readonly MemorySize __byte_ptr = new(1), __word_ptr = new(2), __dword_ptr = new(4), __qword_ptr = new(8), __ = new(0);
}

internal sealed class Assembler
{
    private readonly List<byte> code = new(1024);
    private readonly List<int> labelPositions = [];
    /// <summary>rel32 fields to fill: where, and the label (or absolute address) they point at.
    /// An array of our own struct, not a List of tuples: ReadyToRun cannot precompile that
    /// instantiation, and the .NET JIT would compile it at a run's first region.</summary>
    private Fixup[] fixups = new Fixup[64];
    private int fixupCount;

    private readonly record struct Fixup(int At, int Label, ulong Absolute);

    private void AddFixup(int at, int label, ulong absolute)
    {
        if (fixupCount == fixups.Length)
        {
            var larger = new Fixup[2 * fixupCount];
            for (int i = 0; i < fixupCount; i++) larger[i] = fixups[i];
            fixups = larger;
        }
        fixups[fixupCount++] = new Fixup(at, label, absolute);
    }

    public int Position => code.Count;

    public Label CreateLabel()
    {
        labelPositions.Add(-1);
        return new Label { Id = labelPositions.Count - 1 };
    }

    public void Label(ref Label label)
    {
        if (labelPositions[label.Id] >= 0) throw new InvalidOperationException("label bound twice");
        labelPositions[label.Id] = code.Count;
    }

    /// <summary>The bytes for code placed at <paramref name="rip"/>, every jump resolved.</summary>
    public byte[] Assemble(ulong rip)
    {
        var bytes = code.ToArray();
        for (int i = 0; i < fixupCount; i++)
        {
            var (at, label, absolute) = fixups[i];
            long target;
            if (label >= 0)
            {
                int position = labelPositions[label];
                if (position < 0) throw new InvalidOperationException("jump to a label that was never bound");
                target = position;
            }
            else target = (long)(absolute - rip);
            long relative = target - (at + 4);
            if (relative != (int)relative) throw new InvalidOperationException("jump target out of rel32 range");
            BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), (int)relative);
        }
        return bytes;
    }

    public ulong GetLabelRIP(ulong rip, Label label) => rip + (ulong)labelPositions[label.Id];

    // ---- encoding ------------------------------------------------------------------------

    private void Byte(int b) => code.Add((byte)b);

    private void Int32(int value)
    {
        code.Add((byte)value); code.Add((byte)(value >> 8)); code.Add((byte)(value >> 16)); code.Add((byte)(value >> 24));
    }

    /// <summary>Prefixes, REX, opcode and ModRM for a register operand <paramref name="rm"/>.</summary>
    private void RegisterForm(int size, ReadOnlySpan<byte> opcode, int reg, int rm, bool byteRegisters = false)
    {
        if (size == 2) Byte(0x66);
        int rex = (size == 8 ? 8 : 0) | ((reg & 8) != 0 ? 4 : 0) | ((rm & 8) != 0 ? 1 : 0);
        bool needsRex = byteRegisters && ((reg & 15) is >= 4 and < 8 || rm is >= 4 and < 8);
        if (rex != 0 || needsRex) Byte(0x40 | rex);
        foreach (byte b in opcode) Byte(b);
        Byte(0xC0 | ((reg & 7) << 3) | (rm & 7));
    }

    /// <summary>Prefixes, REX, opcode, ModRM, SIB and displacement for a memory operand.</summary>
    private void MemoryForm(int size, ReadOnlySpan<byte> opcode, int reg, AssemblerMemoryOperand m, bool byteRegisters = false)
    {
        if (size == 2) Byte(0x66);
        int index = m.Index;
        int rex = (size == 8 ? 8 : 0) | ((reg & 8) != 0 ? 4 : 0) | (index >= 0 && (index & 8) != 0 ? 2 : 0) | ((m.Base & 8) != 0 ? 1 : 0);
        bool needsRex = byteRegisters && reg is >= 4 and < 8;
        if (rex != 0 || needsRex) Byte(0x40 | rex);
        foreach (byte b in opcode) Byte(b);
        int displacement = m.Displacement;
        int mod = displacement == 0 && (m.Base & 7) != 5 ? 0 : displacement == (sbyte)displacement ? 1 : 2;
        bool sib = index >= 0 || (m.Base & 7) == 4;
        Byte((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : m.Base & 7));
        if (sib)
        {
            int scaleBits = m.Scale switch { 1 => 0, 2 => 1, 4 => 2, 8 => 3, _ => throw new ArgumentException($"scale {m.Scale}") };
            Byte((scaleBits << 6) | ((index >= 0 ? index & 7 : 4) << 3) | (m.Base & 7));
        }
        if (mod == 1) Byte(displacement);
        else if (mod == 2) Int32(displacement);
    }

    // ALU group: add 0, or 1, and 4, sub 5, xor 6, cmp 7.
    private void Alu(int group, int size, int dst, int src) => RegisterForm(size, [(byte)(8 * group + 1)], src, dst);
    private void Alu(int group, int size, int dst, AssemblerMemoryOperand src) => MemoryForm(size, [(byte)(8 * group + 3)], dst, src);

    private void AluImmediate(int group, int size, int dst, int immediate)
    {
        if (immediate == (sbyte)immediate) { RegisterForm(size, [0x83], group, dst); Byte(immediate); }
        else { RegisterForm(size, [0x81], group, dst); Int32(immediate); }
    }

    private void Alu(int group, AssemblerMemoryOperand dst, int immediate)
    {
        if (dst.Size == 1) { MemoryForm(1, [0x80], group, dst); Byte(immediate); }
        else if (immediate == (sbyte)immediate) { MemoryForm(dst.Size, [0x83], group, dst); Byte(immediate); }
        else { MemoryForm(dst.Size, [0x81], group, dst); Int32(immediate); }
    }

    public void add(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(0, 4, d.Code, s.Code);
    public void add(AssemblerRegister64 d, AssemblerRegister64 s) => Alu(0, 8, d.Code, s.Code);
    public void add(AssemblerRegister32 d, int i) => AluImmediate(0, 4, d.Code, i);
    public void add(AssemblerRegister64 d, int i) => AluImmediate(0, 8, d.Code, i);
    public void add(AssemblerRegister32 d, AssemblerMemoryOperand s) => Alu(0, 4, d.Code, s);
    public void add(AssemblerRegister64 d, AssemblerMemoryOperand s) => Alu(0, 8, d.Code, s);
    public void add(AssemblerMemoryOperand d, int i) => Alu(0, d, i);
    public void or(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(1, 4, d.Code, s.Code);
    public void or(AssemblerRegister32 d, int i) => AluImmediate(1, 4, d.Code, i);
    public void or(AssemblerRegister32 d, AssemblerMemoryOperand s) => Alu(1, 4, d.Code, s);
    public void and(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(4, 4, d.Code, s.Code);
    public void and(AssemblerRegister32 d, int i) => AluImmediate(4, 4, d.Code, i);
    public void sub(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(5, 4, d.Code, s.Code);
    public void sub(AssemblerRegister32 d, int i) => AluImmediate(5, 4, d.Code, i);
    public void sub(AssemblerRegister64 d, int i) => AluImmediate(5, 8, d.Code, i);
    public void sub(AssemblerRegister64 d, AssemblerRegister64 s) => Alu(5, 8, d.Code, s.Code);
    public void xor(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(6, 4, d.Code, s.Code);
    public void xor(AssemblerRegister32 d, int i) => AluImmediate(6, 4, d.Code, i);
    public void xor(AssemblerRegister32 d, AssemblerMemoryOperand s) => Alu(6, 4, d.Code, s);
    public void cmp(AssemblerRegister32 d, AssemblerRegister32 s) => Alu(7, 4, d.Code, s.Code);
    public void cmp(AssemblerRegister64 d, AssemblerRegister64 s) => Alu(7, 8, d.Code, s.Code);
    public void cmp(AssemblerRegister32 d, int i) => AluImmediate(7, 4, d.Code, i);
    public void cmp(AssemblerRegister64 d, int i) => AluImmediate(7, 8, d.Code, i);
    public void cmp(AssemblerRegister64 d, AssemblerMemoryOperand s) => Alu(7, 8, d.Code, s);
    public void cmp(AssemblerRegister32 d, AssemblerMemoryOperand s) => Alu(7, 4, d.Code, s);
    public void cmp(AssemblerMemoryOperand d, int i) => Alu(7, d, i);

    public void test(AssemblerRegister32 d, AssemblerRegister32 s) => RegisterForm(4, [0x85], s.Code, d.Code);
    public void test(AssemblerRegister64 d, AssemblerRegister64 s) => RegisterForm(8, [0x85], s.Code, d.Code);
    public void test(AssemblerRegister32 d, int i)
    {
        RegisterForm(4, [0xF7], 0, d.Code);
        Int32(i);
    }
    public void test(AssemblerMemoryOperand d, int i)
    {
        MemoryForm(d.Size, [0xF7], 0, d);
        Int32(i);
    }

    public void mov(AssemblerRegister32 d, AssemblerRegister32 s) => RegisterForm(4, [0x89], s.Code, d.Code);
    public void mov(AssemblerRegister64 d, AssemblerRegister64 s) => RegisterForm(8, [0x89], s.Code, d.Code);
    public void mov(AssemblerRegister32 d, AssemblerMemoryOperand s) => MemoryForm(4, [0x8B], d.Code, s);
    public void mov(AssemblerRegister64 d, AssemblerMemoryOperand s) => MemoryForm(8, [0x8B], d.Code, s);
    public void mov(AssemblerMemoryOperand d, AssemblerRegister32 s) => MemoryForm(4, [0x89], s.Code, d);
    public void mov(AssemblerMemoryOperand d, AssemblerRegister64 s) => MemoryForm(8, [0x89], s.Code, d);
    public void mov(AssemblerMemoryOperand d, AssemblerRegister16 s) => MemoryForm(2, [0x89], s.Code, d);
    public void mov(AssemblerMemoryOperand d, AssemblerRegister8 s) => MemoryForm(1, [0x88], s.Code, d, byteRegisters: true);

    public void mov(AssemblerRegister32 d, int i)
    {
        if ((d.Code & 8) != 0) Byte(0x41);
        Byte(0xB8 + (d.Code & 7));
        Int32(i);
    }

    public void mov(AssemblerRegister64 d, long i)
    {
        if (i == (int)i) { RegisterForm(8, [0xC7], 0, d.Code); Int32((int)i); return; }
        Byte(0x48 | ((d.Code & 8) != 0 ? 1 : 0));
        Byte(0xB8 + (d.Code & 7));
        Int32((int)i);
        Int32((int)(i >> 32));
    }

    public void mov(AssemblerMemoryOperand d, int i)
    {
        MemoryForm(d.Size, [0xC7], 0, d);
        Int32(i);
    }

    public void lea(AssemblerRegister64 d, AssemblerMemoryOperand s) => MemoryForm(8, [0x8D], d.Code, s);
    public void lea(AssemblerRegister32 d, AssemblerMemoryOperand s) => MemoryForm(4, [0x8D], d.Code, s);

    public void movzx(AssemblerRegister32 d, AssemblerRegister8 s) => RegisterForm(4, [0x0F, 0xB6], d.Code, s.Code, byteRegisters: true);
    public void movzx(AssemblerRegister32 d, AssemblerMemoryOperand s) => MemoryForm(4, s.Size == 1 ? [0x0F, 0xB6] : [0x0F, 0xB7], d.Code, s);
    public void movsx(AssemblerRegister32 d, AssemblerMemoryOperand s) => MemoryForm(4, s.Size == 1 ? [0x0F, 0xBE] : [0x0F, 0xBF], d.Code, s);
    public void movsxd(AssemblerRegister64 d, AssemblerRegister32 s) => RegisterForm(8, [0x63], d.Code, s.Code);

    public void imul(AssemblerRegister32 d, AssemblerRegister32 s) => RegisterForm(4, [0x0F, 0xAF], d.Code, s.Code);
    public void imul(AssemblerRegister64 d, AssemblerRegister64 s) => RegisterForm(8, [0x0F, 0xAF], d.Code, s.Code);
    public void neg(AssemblerRegister32 d) => RegisterForm(4, [0xF7], 3, d.Code);
    public void div(AssemblerRegister32 s) => RegisterForm(4, [0xF7], 6, s.Code);
    public void idiv(AssemblerRegister32 s) => RegisterForm(4, [0xF7], 7, s.Code);
    public void cdq() => Byte(0x99);

    // Shift group: shl 4, shr 5, sar 7.
    private void Shift(int group, int size, int d, byte count)
    {
        if (count == 1) { RegisterForm(size, [0xD1], group, d); return; }
        RegisterForm(size, [0xC1], group, d);
        Byte(count);
    }

    public void shl(AssemblerRegister32 d, byte n) => Shift(4, 4, d.Code, n);
    public void shr(AssemblerRegister32 d, byte n) => Shift(5, 4, d.Code, n);
    public void sar(AssemblerRegister32 d, byte n) => Shift(7, 4, d.Code, n);
    public void shr(AssemblerRegister64 d, byte n) => Shift(5, 8, d.Code, n);
    public void shl(AssemblerRegister32 d, AssemblerRegister8 count) => ShiftByCl(4, d, count);
    public void shr(AssemblerRegister32 d, AssemblerRegister8 count) => ShiftByCl(5, d, count);
    public void sar(AssemblerRegister32 d, AssemblerRegister8 count) => ShiftByCl(7, d, count);

    /// <summary>BMI2 rorx d, s, n (VEX.LZ.F2.0F3A.W0 F0 /r ib): d = s rotated right by n, flags
    /// untouched, s kept; only where the host has BMI2 (System.Runtime.Intrinsics.X86.Bmi2.IsSupported).</summary>
    public void rorx(AssemblerRegister32 d, AssemblerRegister32 s, byte n)
    {
        Byte(0xC4);
        Byte(((d.Code & 8) != 0 ? 0 : 0x80) | 0x40 | ((s.Code & 8) != 0 ? 0 : 0x20) | 0x03);   // R̄ X̄ B̄, map 0F3A
        Byte(0x7B);   // W0, vvvv = 1111 (unused), L0, pp = F2
        Byte(0xF0);
        Byte(0xC0 | ((d.Code & 7) << 3) | (s.Code & 7));
        Byte(n);
    }

    private void ShiftByCl(int group, AssemblerRegister32 d, AssemblerRegister8 count)
    {
        if (count.Code != 1) throw new ArgumentException("x86 shifts by cl only");
        RegisterForm(4, [0xD3], group, d.Code);
    }

    public void setl(AssemblerRegister8 d) => RegisterForm(1, [0x0F, 0x9C], 0, d.Code, byteRegisters: true);
    public void setb(AssemblerRegister8 d) => RegisterForm(1, [0x0F, 0x92], 0, d.Code, byteRegisters: true);

    public void push(AssemblerRegister64 r)
    {
        if ((r.Code & 8) != 0) Byte(0x41);
        Byte(0x50 + (r.Code & 7));
    }

    public void pop(AssemblerRegister64 r)
    {
        if ((r.Code & 8) != 0) Byte(0x41);
        Byte(0x58 + (r.Code & 7));
    }

    public void ret() => Byte(0xC3);

    // ---- jumps ---------------------------------------------------------------------------

    private const int ConditionB = 2, ConditionAe = 3, ConditionE = 4, ConditionNe = 5, ConditionBe = 6, ConditionA = 7, ConditionL = 0xC, ConditionGe = 0xD, ConditionG = 0xF;

    /// <summary>A jump (condition -1) or conditional jump to a label: rel8 when it is bound and near.</summary>
    private void JumpTo(int condition, Label label)
    {
        int position = labelPositions[label.Id];
        if (position >= 0)
        {
            int shortRelative = position - (code.Count + 2);
            if (shortRelative == (sbyte)shortRelative)
            {
                Byte(condition < 0 ? 0xEB : 0x70 + condition);
                Byte(shortRelative);
                return;
            }
        }
        if (condition < 0) Byte(0xE9); else { Byte(0x0F); Byte(0x80 + condition); }
        AddFixup(code.Count, label.Id, 0);
        Int32(0);
    }

    public void jmp(Label l) => JumpTo(-1, l);
    public void ja(Label l) => JumpTo(ConditionA, l);
    public void jb(Label l) => JumpTo(ConditionB, l);
    public void jae(Label l) => JumpTo(ConditionAe, l);
    public void je(Label l) => JumpTo(ConditionE, l);
    public void jz(Label l) => JumpTo(ConditionE, l);
    public void jne(Label l) => JumpTo(ConditionNe, l);
    public void jnz(Label l) => JumpTo(ConditionNe, l);
    public void jl(Label l) => JumpTo(ConditionL, l);
    public void jge(Label l) => JumpTo(ConditionGe, l);
    public void jg(Label l) => JumpTo(ConditionG, l);
    public void jbe(Label l) => JumpTo(ConditionBe, l);

    /// <summary>jmp rel32 to an absolute address (resolved by Assemble for the code's final place).</summary>
    public void jmp(ulong address)
    {
        Byte(0xE9);
        AddFixup(code.Count, -1, address);
        Int32(0);
    }

    public void jmp(AssemblerRegister64 target) => RegisterForm(4, [0xFF], 4, target.Code);
    public void call(AssemblerRegister64 target) => RegisterForm(4, [0xFF], 2, target.Code);
}
