// The JIT's own x86-64 assembler (Emulator/Machine/Jit/X64Assembler.cs) against an
// independent one: every instruction form the code generator uses, over the registers and
// memory shapes that need REX bits, SIB bytes or displacements, is assembled by both; Iced's
// decoder must read the same instructions (same text) from both byte strings. Jumps are
// checked by where they land.
using Iced.Intel;
using Mine = R4.Machine.Jit;
using static R4.Machine.Jit.X64Registers;
using I = Iced.Intel.AssemblerRegisters;

namespace R4.Tests.Jit;

public class X64AssemblerTests
{
    private const ulong Rip = 0x7000_0000_0000;

    private static List<string> Decode(byte[] bytes)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes), Rip);
        var formatter = new IntelFormatter();
        var lines = new List<string>();
        while (decoder.IP < Rip + (ulong)bytes.Length)
        {
            var instruction = decoder.Decode();
            Assert.False(instruction.IsInvalid, $"invalid instruction at +{instruction.IP - Rip}: {Convert.ToHexString(bytes)}");
            var output = new StringOutput();
            formatter.Format(instruction, output);
            lines.Add(output.ToStringAndReset());
        }
        return lines;
    }

    private static void Same(Action<Mine.Assembler> mine, Action<Iced.Intel.Assembler> iced)
    {
        var a = new Mine.Assembler();
        mine(a);
        var b = new Iced.Intel.Assembler(64);
        iced(b);
        var stream = new MemoryStream();
        b.Assemble(new StreamCodeWriter(stream), Rip);
        Assert.Equal(Decode(stream.ToArray()), Decode(a.Assemble(Rip)));
    }

    public static IEnumerable<object[]> RegisterCodes => Enumerable.Range(0, 16).Select(r => new object[] { r });

    private static AssemblerRegister32 I32(int code) => new AssemblerRegister32[] { I.eax, I.ecx, I.edx, I.ebx, I.esp, I.ebp, I.esi, I.edi, I.r8d, I.r9d, I.r10d, I.r11d, I.r12d, I.r13d, I.r14d, I.r15d }[code];
    private static AssemblerRegister64 I64(int code) => new AssemblerRegister64[] { I.rax, I.rcx, I.rdx, I.rbx, I.rsp, I.rbp, I.rsi, I.rdi, I.r8, I.r9, I.r10, I.r11, I.r12, I.r13, I.r14, I.r15 }[code];

    [Theory]
    [MemberData(nameof(RegisterCodes))]
    public void RegisterAndMemoryFormsDecodeAsTheSameInstructions(int code)
    {
        var m32 = new Mine.AssemblerRegister32(code);
        var m64 = new Mine.AssemblerRegister64(code);
        var i32 = I32(code);
        var i64 = I64(code);
        int other = (code + 5) % 16;
        var o32 = new Mine.AssemblerRegister32(other);
        var io32 = I32(other);
        foreach (int displacement in new[] { 0, 8, -4, 0x1234, 127, 128 })
        {
            Same(a => a.mov(m32, __dword_ptr[m64 + displacement]), b => b.mov(i32, I.__dword_ptr[i64 + displacement]));
            Same(a => a.mov(__dword_ptr[m64 + displacement], o32), b => b.mov(I.__dword_ptr[i64 + displacement], io32));
            Same(a => a.mov(m64, __qword_ptr[m64 + displacement]), b => b.mov(i64, I.__qword_ptr[i64 + displacement]));
            Same(a => a.mov(__qword_ptr[m64 + displacement], m64), b => b.mov(I.__qword_ptr[i64 + displacement], i64));
            Same(a => a.mov(__dword_ptr[m64 + displacement], 0x12345), b => b.mov(I.__dword_ptr[i64 + displacement], 0x12345));
            Same(a => a.add(__qword_ptr[m64 + displacement], 7), b => b.add(I.__qword_ptr[i64 + displacement], 7));
            Same(a => a.add(__qword_ptr[m64 + displacement], 700), b => b.add(I.__qword_ptr[i64 + displacement], 700));
            Same(a => a.cmp(m64, __qword_ptr[m64 + displacement]), b => b.cmp(i64, I.__qword_ptr[i64 + displacement]));
            Same(a => a.lea(m64, __[m64 + displacement]), b => b.lea(i64, I.__[i64 + displacement]));
            Same(a => a.add(o32, __dword_ptr[m64 + displacement]), b => b.add(io32, I.__dword_ptr[i64 + displacement]));
            Same(a => a.add(m64, __qword_ptr[m64 + displacement]), b => b.add(i64, I.__qword_ptr[i64 + displacement]));
            Same(a => a.cmp(__byte_ptr[m64 + displacement], 0), b => b.cmp(I.__byte_ptr[i64 + displacement], 0));
        }
        if (code != 4)   // rsp cannot be an index
        {
            var baseRegister = new Mine.AssemblerRegister64(other);
            var iBase = I64(other);
            Same(a => a.mov(eax, __dword_ptr[baseRegister + m64]), b => b.mov(I.eax, I.__dword_ptr[iBase + i64]));
            Same(a => a.mov(eax, __dword_ptr[baseRegister + m64 + 8]), b => b.mov(I.eax, I.__dword_ptr[iBase + i64 + 8]));
            Same(a => a.mov(rsi, __qword_ptr[baseRegister + m64 * 8]), b => b.mov(I.rsi, I.__qword_ptr[iBase + i64 * 8]));
            Same(a => a.movzx(eax, __word_ptr[baseRegister + m64]), b => b.movzx(I.eax, I.__word_ptr[iBase + i64]));
            Same(a => a.movsx(eax, __byte_ptr[baseRegister + m64]), b => b.movsx(I.eax, I.__byte_ptr[iBase + i64]));
            Same(a => a.movzx(eax, __byte_ptr[baseRegister + m64]), b => b.movzx(I.eax, I.__byte_ptr[iBase + i64]));
            Same(a => a.movsx(eax, __word_ptr[baseRegister + m64]), b => b.movsx(I.eax, I.__word_ptr[iBase + i64]));
            Same(a => a.mov(__word_ptr[baseRegister + m64], cx), b => b.mov(I.__word_ptr[iBase + i64], I.cx));
            Same(a => a.mov(__byte_ptr[baseRegister + m64], cl), b => b.mov(I.__byte_ptr[iBase + i64], I.cl));
            Same(a => a.cmp(__byte_ptr[baseRegister + m64], 0xFF), b => b.cmp(I.__byte_ptr[iBase + i64], 0xFF));
            Same(a => a.test(__dword_ptr[baseRegister + m64 + 8], 0x10), b => b.test(I.__dword_ptr[iBase + i64 + 8], 0x10));
            Same(a => a.or(edx, __dword_ptr[baseRegister + m64 + 4]), b => b.or(I.edx, I.__dword_ptr[iBase + i64 + 4]));
        }
        foreach (int immediate in new[] { 0, 1, -1, 100, 0x12345, int.MinValue })
        {
            Same(a => a.mov(m32, immediate), b => b.mov(i32, immediate));
            Same(a => a.add(m32, immediate), b => b.add(i32, immediate));
            Same(a => a.or(m32, immediate), b => b.or(i32, immediate));
            Same(a => a.and(m32, immediate), b => b.and(i32, immediate));
            Same(a => a.sub(m32, immediate), b => b.sub(i32, immediate));
            Same(a => a.xor(m32, immediate), b => b.xor(i32, immediate));
            Same(a => a.cmp(m32, immediate), b => b.cmp(i32, immediate));
            Same(a => a.add(m64, immediate), b => b.add(i64, immediate));
            Same(a => a.sub(m64, immediate), b => b.sub(i64, immediate));
            Same(a => a.cmp(m64, immediate), b => b.cmp(i64, immediate));
        }
        Same(a => a.mov(m64, 0x1_2345_6789L), b => b.mov(i64, 0x1_2345_6789L));
        Same(a => a.mov(m64, -5L), b => b.mov(i64, -5L));
        Same(a => { a.mov(m32, o32); a.add(m32, o32); a.sub(m32, o32); a.and(m32, o32); a.or(m32, o32); a.xor(m32, o32); a.cmp(m32, o32); a.test(m32, o32); a.imul(m32, o32); },
             b => { b.mov(i32, io32); b.add(i32, io32); b.sub(i32, io32); b.and(i32, io32); b.or(i32, io32); b.xor(i32, io32); b.cmp(i32, io32); b.test(i32, io32); b.imul(i32, io32); });
        var o64 = new Mine.AssemblerRegister64(other);
        var io64 = I64(other);
        Same(a => { a.mov(m64, o64); a.add(m64, o64); a.sub(m64, o64); a.cmp(m64, o64); a.imul(m64, o64); a.movsxd(m64, o32); },
             b => { b.mov(i64, io64); b.add(i64, io64); b.sub(i64, io64); b.cmp(i64, io64); b.imul(i64, io64); b.movsxd(i64, io32); });
        Same(a => { a.neg(m32); a.div(m32); a.idiv(m32); a.shl(m32, 3); a.shr(m32, 1); a.sar(m32, 31); a.shr(m64, 32); a.shl(m32, cl); a.shr(m32, cl); a.sar(m32, cl); },
             b => { b.neg(i32); b.div(i32); b.idiv(i32); b.shl(i32, 3); b.shr(i32, 1); b.sar(i32, 31); b.shr(i64, 32); b.shl(i32, I.cl); b.shr(i32, I.cl); b.sar(i32, I.cl); });
        Same(a => { a.push(m64); a.pop(m64); a.jmp(m64); }, b => { b.push(i64); b.pop(i64); b.jmp(i64); });
        Same(a => { a.rorx(m32, o32, 6); a.rorx(o32, m32, 7); }, b => { b.rorx(i32, io32, 6); b.rorx(io32, i32, 7); });
        Same(a => { a.cmp(m32, __dword_ptr[o64 + rcx + 16]); a.cmp(__dword_ptr[o64 + rcx + 36], -1); }, b => { b.cmp(i32, I.__dword_ptr[io64 + I.rcx + 16]); b.cmp(I.__dword_ptr[io64 + I.rcx + 36], -1); });
        Same(a => { a.test(m64, o64); a.test(m32, 0x7003); a.test(m32, -4093); a.xor(m32, __dword_ptr[o64 + 40]); a.mov(m64, __qword_ptr[o64 + rcx * 2]); },
             b => { b.test(i64, io64); b.test(i32, 0x7003); b.test(i32, -4093); b.xor(i32, I.__dword_ptr[io64 + 40]); b.mov(i64, I.__qword_ptr[io64 + I.rcx * 2]); });
    }

    [Fact]
    public void ByteAndSpecialFormsDecodeAsTheSameInstructions()
    {
        Same(a => { a.setl(al); a.setb(al); a.movzx(eax, al); a.cdq(); a.ret(); }, b => { b.setl(I.al); b.setb(I.al); b.movzx(I.eax, I.al); b.cdq(); b.ret(); });
    }

    [Fact]
    public void JumpsLandOnTheirLabelsAndAddresses()
    {
        var a = new Mine.Assembler();
        var forward = a.CreateLabel();
        var back = a.CreateLabel();
        a.Label(ref back);
        a.je(forward); a.jne(forward); a.ja(forward); a.jb(forward); a.jae(forward); a.jl(forward); a.jge(forward); a.jz(forward); a.jnz(forward); a.jg(forward); a.jbe(forward); a.jmp(forward);
        for (int i = 0; i < 40; i++) a.mov(eax, i);   // past rel8 range
        a.jne(back);
        a.jmp(Rip + 0x10_0000);
        a.Label(ref forward);
        a.jmp(back);   // short: back is not far
        a.ret();
        var bytes = a.Assemble(Rip);
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes), Rip);
        ulong forwardAddress = a.GetLabelRIP(Rip, forward), backAddress = a.GetLabelRIP(Rip, back);
        var targets = new List<ulong>();
        while (decoder.IP < Rip + (ulong)bytes.Length)
        {
            var instruction = decoder.Decode();
            if (instruction.FlowControl is FlowControl.ConditionalBranch or FlowControl.UnconditionalBranch && instruction.Op0Kind == OpKind.NearBranch64)
                targets.Add(instruction.NearBranchTarget);
        }
        Assert.Equal([.. Enumerable.Repeat(forwardAddress, 12), backAddress, Rip + 0x10_0000, backAddress], targets);
    }
}
