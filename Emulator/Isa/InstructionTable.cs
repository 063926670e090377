// The one instruction table of R4. Every consumer reads it: the encoder and decoder
// (InstructionCodec), the assembler's parser, the disassembler, the interpreter's dispatch
// and cost classes, the JIT, the table-driven tests and the generated docs/isa.md.
// Adding an instruction means one new row here plus its semantics in the CPU.
namespace R4.Isa;

/// <summary>Operation codes: bits 31:24 of every instruction word. 0x00 is never an
/// instruction, so zeroed memory executed as code raises #UD.</summary>
public enum Opcode : byte
{
    Invalid = 0x00,
    Add = 0x01, Sub = 0x02, And = 0x03, Or = 0x04, Xor = 0x05, Shl = 0x06, Shr = 0x07, Sar = 0x08,
    Mul = 0x09, Mulh = 0x0A, Mulhu = 0x0B, Div = 0x0C, Divu = 0x0D, Rem = 0x0E, Remu = 0x0F,
    Slt = 0x10, Sltu = 0x11,
    Addi = 0x20, Andi = 0x21, Ori = 0x22, Xori = 0x23, Slti = 0x24, Sltiu = 0x25,
    Shli = 0x26, Shri = 0x27, Sari = 0x28, Lui = 0x29,
    Ldw = 0x30, Ldh = 0x31, Ldhu = 0x32, Ldb = 0x33, Ldbu = 0x34,
    Stw = 0x38, Sth = 0x39, Stb = 0x3A,
    Push = 0x3C, Pop = 0x3D,
    Beq = 0x40, Bne = 0x41, Blt = 0x42, Bge = 0x43, Bltu = 0x44, Bgeu = 0x45,
    Jmp = 0x48, Call = 0x49, Jr = 0x4A, Callr = 0x4B,
    Int = 0x50, Brk = 0x51, Nop = 0x52, Rdtick = 0x53, Iret = 0x54,
    Hlt = 0x60, Cli = 0x61, Sti = 0x62, Tlbflush = 0x63, Invlpg = 0x64,
    Mfcr = 0x65, Mtcr = 0x66, In = 0x67, Out = 0x68,
}

/// <summary>How an instruction's operands are written and where they sit in the word.
/// Fields: op = bits 31:24, A = bits 23:20, B = bits 19:16, C = bits 15:12,
/// imm16 = bits 15:0, imm24 = bits 23:0. Bits a form does not use must be zero.</summary>
public enum OperandForm : byte
{
    /// <summary><c>hlt</c>: no operands; bits 23:0 zero.</summary>
    None,
    /// <summary><c>add rd, rs, rt</c>: rd = A, rs = B, rt = C; bits 11:0 zero.</summary>
    RdRsRt,
    /// <summary><c>addi rd, rs, simm16</c>: rd = A, rs = B, imm16 sign-extended.</summary>
    RdRsSimm16,
    /// <summary><c>andi rd, rs, uimm16</c>: rd = A, rs = B, imm16 zero-extended.</summary>
    RdRsUimm16,
    /// <summary><c>shli rd, rs, imm5</c>: rd = A, rs = B, imm16 in 0..31.</summary>
    RdRsShift,
    /// <summary><c>lui rd, imm16</c>: rd = A, B zero, imm16 zero-extended.</summary>
    RdImm16,
    /// <summary><c>ldw rd, [rs + simm16]</c>: rd = A, rs = B, imm16 sign-extended.</summary>
    RdMemory,
    /// <summary><c>stw rt, [rs + simm16]</c>: rt = A (the value), rs = B (the base), imm16 sign-extended.</summary>
    RtMemory,
    /// <summary><c>beq rs, rt, label</c>: rs = A, rt = B, imm16 = signed word offset from the next instruction.</summary>
    Branch,
    /// <summary><c>jmp label</c>: imm24 = signed word offset from the next instruction.</summary>
    Jump,
    /// <summary><c>push rs</c>: rs = B; the other bits zero.</summary>
    Rs,
    /// <summary><c>pop rd</c>: rd = A; the other bits zero.</summary>
    Rd,
    /// <summary><c>int vec</c>: imm16 = vector 0..63; A, B zero.</summary>
    Vector,
    /// <summary><c>mfcr rd, crname</c>: rd = A, imm16 = control register number.</summary>
    RdControl,
    /// <summary><c>mtcr crname, rs</c>: rs = B, imm16 = control register number.</summary>
    ControlRs,
    /// <summary><c>in rd, port</c>: rd = A, imm16 = port.</summary>
    RdPort,
    /// <summary><c>out port, rs</c>: rs = B, imm16 = port.</summary>
    PortRs,
}

/// <summary>Which rings may execute an instruction; a less privileged ring gets #GP.</summary>
public enum Privilege : byte
{
    AnyRing = 3,
    Ring2OrBelow = 2,
    Ring0 = 0,
}

/// <summary>Groups instructions by their modelled cost (see the machine's cost table).</summary>
public enum CostClass : byte
{
    Alu, Multiply, Divide, Load, Store, Stack, Branch, Jump, System, Privileged, PortIo,
}

/// <summary>Facts the interpreter and JIT need about control flow, derived once per row.</summary>
[Flags]
public enum InstructionFlags : byte
{
    None = 0,
    /// <summary>May write a different pc than pc + 4 (branches, jumps, traps, iret).</summary>
    ControlFlow = 1,
    /// <summary>Touches memory through the MMU.</summary>
    Memory = 2,
    /// <summary>Changes machine state beyond registers and memory (rings, IE, MMU, devices):
    /// a JIT ends its block after it.</summary>
    System = 4,
    /// <summary>Writes register rd (A).</summary>
    WritesRd = 8,
}

/// <summary>One row of the instruction table.</summary>
public sealed record InstructionInfo(
    Opcode Opcode,
    string Mnemonic,
    OperandForm Form,
    Privilege Privilege,
    CostClass CostClass,
    InstructionFlags Flags,
    string Summary)
{
    public byte Code => (byte)Opcode;
    public bool IsPrivileged => Privilege == Privilege.Ring0;
}

public static class InstructionTable
{
    private const InstructionFlags Cf = InstructionFlags.ControlFlow;
    private const InstructionFlags Mem = InstructionFlags.Memory;
    private const InstructionFlags Sys = InstructionFlags.System;
    private const InstructionFlags Wr = InstructionFlags.WritesRd;

    /// <summary>All instructions, in opcode order.</summary>
    public static readonly IReadOnlyList<InstructionInfo> All = new InstructionInfo[]
    {
        R3(Opcode.Add, "add", "rd = rs + rt"),
        R3(Opcode.Sub, "sub", "rd = rs - rt"),
        R3(Opcode.And, "and", "rd = rs & rt"),
        R3(Opcode.Or, "or", "rd = rs | rt"),
        R3(Opcode.Xor, "xor", "rd = rs ^ rt"),
        R3(Opcode.Shl, "shl", "rd = rs << (rt & 31)"),
        R3(Opcode.Shr, "shr", "rd = rs >> (rt & 31), logical"),
        R3(Opcode.Sar, "sar", "rd = rs >> (rt & 31), arithmetic"),
        R3(Opcode.Mul, "mul", "rd = low 32 bits of rs * rt", CostClass.Multiply),
        R3(Opcode.Mulh, "mulh", "rd = high 32 bits of signed rs * rt", CostClass.Multiply),
        R3(Opcode.Mulhu, "mulhu", "rd = high 32 bits of unsigned rs * rt", CostClass.Multiply),
        R3(Opcode.Div, "div", "rd = rs / rt, signed, rounding toward zero; rt = 0 raises #DE; INT_MIN / -1 = INT_MIN", CostClass.Divide),
        R3(Opcode.Divu, "divu", "rd = rs / rt, unsigned; rt = 0 raises #DE", CostClass.Divide),
        R3(Opcode.Rem, "rem", "rd = rs % rt, signed (sign of rs); rt = 0 raises #DE; INT_MIN % -1 = 0", CostClass.Divide),
        R3(Opcode.Remu, "remu", "rd = rs % rt, unsigned; rt = 0 raises #DE", CostClass.Divide),
        R3(Opcode.Slt, "slt", "rd = 1 if rs < rt (signed), else 0"),
        R3(Opcode.Sltu, "sltu", "rd = 1 if rs < rt (unsigned), else 0"),

        Row(Opcode.Addi, "addi", OperandForm.RdRsSimm16, CostClass.Alu, Wr, "rd = rs + sign-extended imm16"),
        Row(Opcode.Andi, "andi", OperandForm.RdRsUimm16, CostClass.Alu, Wr, "rd = rs & zero-extended imm16"),
        Row(Opcode.Ori, "ori", OperandForm.RdRsUimm16, CostClass.Alu, Wr, "rd = rs | zero-extended imm16"),
        Row(Opcode.Xori, "xori", OperandForm.RdRsUimm16, CostClass.Alu, Wr, "rd = rs ^ zero-extended imm16"),
        Row(Opcode.Slti, "slti", OperandForm.RdRsSimm16, CostClass.Alu, Wr, "rd = 1 if rs < sign-extended imm16 (signed), else 0"),
        Row(Opcode.Sltiu, "sltiu", OperandForm.RdRsSimm16, CostClass.Alu, Wr, "rd = 1 if rs < sign-extended imm16 (unsigned compare), else 0"),
        Row(Opcode.Shli, "shli", OperandForm.RdRsShift, CostClass.Alu, Wr, "rd = rs << imm5"),
        Row(Opcode.Shri, "shri", OperandForm.RdRsShift, CostClass.Alu, Wr, "rd = rs >> imm5, logical"),
        Row(Opcode.Sari, "sari", OperandForm.RdRsShift, CostClass.Alu, Wr, "rd = rs >> imm5, arithmetic"),
        Row(Opcode.Lui, "lui", OperandForm.RdImm16, CostClass.Alu, Wr, "rd = imm16 << 16"),

        Row(Opcode.Ldw, "ldw", OperandForm.RdMemory, CostClass.Load, Wr | Mem, "rd = word at rs + simm16; the address must be 4-aligned, else #AC"),
        Row(Opcode.Ldh, "ldh", OperandForm.RdMemory, CostClass.Load, Wr | Mem, "rd = sign-extended halfword at rs + simm16; 2-aligned, else #AC"),
        Row(Opcode.Ldhu, "ldhu", OperandForm.RdMemory, CostClass.Load, Wr | Mem, "rd = zero-extended halfword at rs + simm16; 2-aligned, else #AC"),
        Row(Opcode.Ldb, "ldb", OperandForm.RdMemory, CostClass.Load, Wr | Mem, "rd = sign-extended byte at rs + simm16"),
        Row(Opcode.Ldbu, "ldbu", OperandForm.RdMemory, CostClass.Load, Wr | Mem, "rd = zero-extended byte at rs + simm16"),
        Row(Opcode.Stw, "stw", OperandForm.RtMemory, CostClass.Store, Mem, "word at rs + simm16 = rt; 4-aligned, else #AC"),
        Row(Opcode.Sth, "sth", OperandForm.RtMemory, CostClass.Store, Mem, "halfword at rs + simm16 = low 16 bits of rt; 2-aligned, else #AC"),
        Row(Opcode.Stb, "stb", OperandForm.RtMemory, CostClass.Store, Mem, "byte at rs + simm16 = low 8 bits of rt"),
        Row(Opcode.Push, "push", OperandForm.Rs, CostClass.Stack, Mem, "sp -= 4; word at sp = rs (all or nothing; sp must stay 4-aligned, else #AC)"),
        Row(Opcode.Pop, "pop", OperandForm.Rd, CostClass.Stack, Mem | Wr, "rd = word at sp; sp += 4 (pop sp leaves sp = the loaded word)"),

        Row(Opcode.Beq, "beq", OperandForm.Branch, CostClass.Branch, Cf, "if rs == rt: pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Bne, "bne", OperandForm.Branch, CostClass.Branch, Cf, "if rs != rt: pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Blt, "blt", OperandForm.Branch, CostClass.Branch, Cf, "if rs < rt (signed): pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Bge, "bge", OperandForm.Branch, CostClass.Branch, Cf, "if rs >= rt (signed): pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Bltu, "bltu", OperandForm.Branch, CostClass.Branch, Cf, "if rs < rt (unsigned): pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Bgeu, "bgeu", OperandForm.Branch, CostClass.Branch, Cf, "if rs >= rt (unsigned): pc = pc + 4 + 4 * simm16"),
        Row(Opcode.Jmp, "jmp", OperandForm.Jump, CostClass.Jump, Cf, "pc = pc + 4 + 4 * simm24"),
        Row(Opcode.Call, "call", OperandForm.Jump, CostClass.Jump, Cf, "lr = pc + 4; pc = pc + 4 + 4 * simm24"),
        Row(Opcode.Jr, "jr", OperandForm.Rs, CostClass.Jump, Cf, "pc = rs (a misaligned target raises #AC at the fetch)"),
        Row(Opcode.Callr, "callr", OperandForm.Rs, CostClass.Jump, Cf, "t = rs; lr = pc + 4; pc = t"),

        Row(Opcode.Int, "int", OperandForm.Vector, CostClass.System, Cf | Sys, "software interrupt through gate vec (0..63); needs CPL <= the gate's DPL, else #GP"),
        Row(Opcode.Brk, "brk", OperandForm.None, CostClass.System, Cf | Sys, "breakpoint trap #BP (vector 3); the saved pc is the next instruction"),
        Row(Opcode.Nop, "nop", OperandForm.None, CostClass.Alu, InstructionFlags.None, "no operation"),
        Row(Opcode.Rdtick, "rdtick", OperandForm.Rd, CostClass.Alu, Wr, "rd = low 32 bits of the retired-instruction count (this instruction not included)"),
        new(Opcode.Iret, "iret", OperandForm.None, Privilege.Ring2OrBelow, CostClass.System, Cf | Sys,
            "return from a trap: pc = [sp+4], status = [sp+8], sp = [sp+12]; see the trap rules. #GP at ring 3 and in any ring the ring map's reverse half presents as ring 3"),

        Privileged(Opcode.Hlt, "hlt", OperandForm.None, CostClass.Privileged, Sys, "wait for the next interrupt; with IE = 0, power off with exit status 0"),
        Privileged(Opcode.Cli, "cli", OperandForm.None, CostClass.Privileged, Sys, "IE = 0"),
        Privileged(Opcode.Sti, "sti", OperandForm.None, CostClass.Privileged, Sys, "IE = 1 (a pending interrupt is taken after this instruction)"),
        Privileged(Opcode.Tlbflush, "tlbflush", OperandForm.None, CostClass.Privileged, Sys, "drop every cached translation"),
        Privileged(Opcode.Invlpg, "invlpg", OperandForm.Rs, CostClass.Privileged, Sys, "drop the cached translation of the page holding address rs"),
        Privileged(Opcode.Mfcr, "mfcr", OperandForm.RdControl, CostClass.Privileged, Sys | Wr, "rd = control register"),
        Privileged(Opcode.Mtcr, "mtcr", OperandForm.ControlRs, CostClass.Privileged, Sys, "control register = rs"),
        Privileged(Opcode.In, "in", OperandForm.RdPort, CostClass.PortIo, Sys | Wr, "rd = read of I/O port"),
        Privileged(Opcode.Out, "out", OperandForm.PortRs, CostClass.PortIo, Sys, "write rs to I/O port"),
    };

    private static readonly InstructionInfo?[] ByCode = BuildByCode();
    private static readonly Dictionary<string, InstructionInfo> ByMnemonic =
        All.ToDictionary(i => i.Mnemonic, StringComparer.OrdinalIgnoreCase);

    /// <summary>The row for an opcode byte, or null when the byte is not an instruction.</summary>
    public static InstructionInfo? ForCode(byte code) => ByCode[code];

    /// <summary>The row for an opcode (throws for a byte that is not an instruction). Small enough
    /// for the .NET JIT to inline: the monitor's exit path asks it several times per exit.</summary>
    public static InstructionInfo Get(Opcode opcode) => ByCode[(byte)opcode] ?? NotAnInstruction(opcode);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static InstructionInfo NotAnInstruction(Opcode opcode) =>
        throw new ArgumentException($"{opcode} is not an instruction", nameof(opcode));

    /// <summary>The row for a mnemonic (case-insensitive), or null.</summary>
    public static InstructionInfo? ForMnemonic(string mnemonic) =>
        ByMnemonic.TryGetValue(mnemonic, out var info) ? info : null;

    private static InstructionInfo?[] BuildByCode()
    {
        var table = new InstructionInfo?[256];
        foreach (var info in All)
        {
            if (table[info.Code] is not null)
                throw new InvalidOperationException($"opcode 0x{info.Code:X2} is used twice");
            table[info.Code] = info;
        }
        return table;
    }

    private static InstructionInfo R3(Opcode op, string mnemonic, string summary, CostClass cost = CostClass.Alu) =>
        new(op, mnemonic, OperandForm.RdRsRt, Privilege.AnyRing, cost, Wr, summary);

    private static InstructionInfo Row(Opcode op, string mnemonic, OperandForm form, CostClass cost, InstructionFlags flags, string summary) =>
        new(op, mnemonic, form, Privilege.AnyRing, cost, flags, summary);

    private static InstructionInfo Privileged(Opcode op, string mnemonic, OperandForm form, CostClass cost, InstructionFlags flags, string summary) =>
        new(op, mnemonic, form, Privilege.Ring0, cost, flags, summary);
}
