// A tiny test-side assembler: emits instruction words with InstructionCodec.Encode, with
// labels for branches, jumps and addresses, so machine tests need no real assembler.
using R4.Isa;
using R4.Isa.Image;

namespace R4.Tests.Machine;

public sealed class ProgramBuilder(uint origin = 0x1000)
{
    private readonly List<uint> words = [];
    private readonly Dictionary<string, uint> labels = [];
    private readonly List<(int Index, string Label, Opcode Opcode, int Rs, int Rt)> fixups = [];

    public uint Origin { get; } = origin;
    public uint Here => Origin + (uint)(4 * words.Count);

    public ProgramBuilder Label(string name)
    {
        labels.Add(name, Here);
        return this;
    }

    public ProgramBuilder Emit(Opcode opcode, int rd = 0, int rs = 0, int rt = 0, int imm = 0)
    {
        words.Add(InstructionCodec.Encode(opcode, rd, rs, rt, imm));
        return this;
    }

    public ProgramBuilder Word(uint word)
    {
        words.Add(word);
        return this;
    }

    public ProgramBuilder Words(int count, uint value = 0)
    {
        for (int i = 0; i < count; i++) words.Add(value);
        return this;
    }

    /// <summary>Pads with zero words up to <paramref name="address"/>.</summary>
    public ProgramBuilder At(uint address)
    {
        if (address < Here) throw new InvalidOperationException($"0x{address:x} is behind 0x{Here:x}");
        while (Here < address) words.Add(0);
        return this;
    }

    /// <summary>rd = value (lui + ori).</summary>
    public ProgramBuilder Li(int rd, uint value) =>
        Emit(Opcode.Lui, rd, imm: (int)(value >> 16)).Emit(Opcode.Ori, rd, rd, imm: (int)(value & 0xFFFF));

    /// <summary>rd = address of a label (lui + ori, resolved at Build).</summary>
    public ProgramBuilder La(int rd, string label)
    {
        fixups.Add((words.Count, label, Opcode.Lui, rd, 0));
        words.Add(0);
        fixups.Add((words.Count, label, Opcode.Ori, rd, 0));
        words.Add(0);
        return this;
    }

    public ProgramBuilder Branch(Opcode opcode, int rs, int rt, string label)
    {
        fixups.Add((words.Count, label, opcode, rs, rt));
        words.Add(0);
        return this;
    }

    public ProgramBuilder Jump(Opcode opcode, string label) => Branch(opcode, 0, 0, label);

    public uint AddressOf(string label) => labels[label];

    public uint[] Build()
    {
        var result = words.ToArray();
        foreach (var (index, label, opcode, rs, rt) in fixups)
        {
            uint target = labels[label];
            uint pc = Origin + (uint)(4 * index);
            int offset = ((int)target - (int)(pc + 4)) / 4;
            result[index] = opcode switch
            {
                Opcode.Lui => InstructionCodec.Encode(Opcode.Lui, rs, imm: (int)(target >> 16)),
                Opcode.Ori => InstructionCodec.Encode(Opcode.Ori, rs, rs, imm: (int)(target & 0xFFFF)),
                Opcode.Jmp or Opcode.Call => InstructionCodec.Encode(opcode, imm: offset),
                _ => InstructionCodec.Encode(opcode, rs: rs, rt: rt, imm: offset),
            };
        }
        return result;
    }

    public byte[] Bytes()
    {
        var built = Build();
        var bytes = new byte[built.Length * 4];
        for (int i = 0; i < built.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), built[i]);
        return bytes;
    }

    public ProgramImage Image(string? entryLabel = null)
    {
        var bytes = Bytes();
        uint entry = entryLabel is null ? Origin : labels[entryLabel];
        return new ProgramImage(entry, [new ImageSegment(Origin, Origin, bytes, (uint)bytes.Length, SegmentFlags.Read | SegmentFlags.Write | SegmentFlags.Execute)]);
    }
}
