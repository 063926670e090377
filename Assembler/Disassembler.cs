// The disassembler: instruction words back to assembly text the assembler accepts, and
// whole images as a readable listing. Driven by the instruction table only: the operand
// syntax of each form (OperandForms.Syntax, the same text docs/isa.md shows, e.g.
// "rd, [rs + simm16]") is rendered token by token, so a new row needs no code here.
//
// Syntax choices (docs/image-format.md "Disassembly" repeats them):
// - registers by Registers.Name: r0..r12, then fp, sp, lr for r13..r15 (the ABI roles);
// - signed immediates, shift counts and vectors in decimal; zero-extended immediates
//   (andi/ori/xori/lui) and ports in hex; control registers by name;
// - memory operands "[r2 + 8]", "[r2 - 8]", "[r2]";
// - branch and jump targets as absolute 8-digit hex addresses, with "; <symbol+0xoff>"
//   when an image has a label at or below the target;
// - a word that is not an instruction: ".word 0x........  ; not an instruction".
using System.Text;
using R4.Isa;
using R4.Isa.Image;

namespace R4.Assembler;

public static class Disassembler
{
    /// <summary>Where the comment of a listing line starts: after "address:  word      " (22
    /// characters) and 36 of instruction text.</summary>
    private const int CommentColumn = 58;

    /// <summary>One instruction word at <paramref name="pc"/> as assembly text.</summary>
    public static string Format(uint word, uint pc, ProgramImage? image = null)
    {
        var (text, comment) = FormatParts(word, pc, image);
        return comment is null ? text : $"{text}  ; {comment}";
    }

    /// <summary>The instruction text and its comment (null when there is none) separately,
    /// so a listing can add its own remarks to the comment.</summary>
    public static (string Text, string? Comment) FormatParts(uint word, uint pc, ProgramImage? image = null)
    {
        if (!InstructionCodec.TryDecode(word, out var instruction))
            return ($".word 0x{word:x8}", "not an instruction");
        var info = instruction.Info;
        string syntax = OperandForms.Syntax(info.Form);
        if (syntax.Length == 0)
            return (info.Mnemonic, null);

        var operands = new List<string>();
        string? comment = null;
        foreach (string token in syntax.Split(", "))
        {
            operands.Add(Operand(token, instruction, pc));
            if (token == "label" && image?.Symbolize(instruction.BranchTarget(pc)) is { } symbol)
                comment = $"<{symbol}>";
        }
        return ($"{info.Mnemonic} {string.Join(", ", operands)}", comment);
    }

    /// <summary>Renders one operand token of a form's syntax.</summary>
    private static string Operand(string token, DecodedInstruction i, uint pc) => token switch
    {
        "rd" => Registers.Name(i.Rd),
        "rs" => Registers.Name(i.Rs),
        "rt" => Registers.Name(i.Rt),
        "simm16" or "imm5" or "vec" => i.Imm.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "uimm16" or "imm16" => $"0x{i.Imm:x}",
        "port" => $"0x{i.Imm:x2}",
        "crname" => ControlRegisters.Name((ControlRegister)i.Imm),
        "label" => $"0x{i.BranchTarget(pc):x8}",
        "[rs + simm16]" => i.Imm switch
        {
            0 => $"[{Registers.Name(i.Rs)}]",
            < 0 => $"[{Registers.Name(i.Rs)} - {-(long)i.Imm}]",
            _ => $"[{Registers.Name(i.Rs)} + {i.Imm}]",
        },
        _ => throw new InvalidOperationException($"the disassembler does not know the operand '{token}' of {i.Info.Mnemonic}"),
    };

    /// <summary>Every loadable segment of an image, one line per word, with labels.</summary>
    public static IEnumerable<string> DisassembleImage(ProgramImage image) => DisassembleImage(image, asSource: false);

    /// <summary>Every loadable segment of an image, one line per word, with labels: as a listing
    /// ("address:  word  text"), or, with <paramref name="asSource"/>, as assembly source that
    /// assembles back to the same entry point and loaded bytes (`.entry`, `.org` per segment,
    /// labels, instructions, `.word`/`.byte`/`.space`; addresses move into the comments).</summary>
    public static IEnumerable<string> DisassembleImage(ProgramImage image, bool asSource)
    {
        ArgumentNullException.ThrowIfNull(image);
        string? entrySymbol = image.Symbolize(image.Entry);
        yield return $"; entry 0x{image.Entry:x8}{(entrySymbol is null ? "" : $" <{entrySymbol}>")}, {image.Segments.Count} segment{(image.Segments.Count == 1 ? "" : "s")}";
        if (asSource)
            yield return $".entry 0x{image.Entry:x8}";
        foreach (var constant in image.Symbols.Where(s => s.Kind == SymbolKind.Constant).OrderBy(s => s.Name, StringComparer.Ordinal))
            yield return $".equ {constant.Name}, 0x{constant.Value:x}";

        var labels = image.Symbols.Where(s => s.Kind == SymbolKind.Label)
            .OrderBy(s => s.Value).ThenBy(s => s.Name.StartsWith('.') ? 1 : 0).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
        var scope = new LabelScope();
        for (int index = 0; index < image.Segments.Count; index++)
        {
            yield return "";
            foreach (string line in DisassembleSegment(image, index, labels, asSource ? scope : null))
                yield return line;
        }
    }

    /// <summary>Source mode: the global label the assembler would attach a local label
    /// (".name") to at this point of the output.</summary>
    private sealed class LabelScope
    {
        public string? CurrentGlobal;

        /// <summary>The label as a line the assembler defines it by, or as a comment when it cannot
        /// (a local label of another global, a name the assembler would not accept).</summary>
        public string Line(string name)
        {
            int dot = name.IndexOf('.');
            if (dot < 0 && IsIdentifier(name))
            {
                CurrentGlobal = name;
                return $"{name}:";
            }
            if (dot > 0 && name[..dot] == CurrentGlobal && IsIdentifier(name[(dot + 1)..]))
                return $"{name[dot..]}:";
            return $"; {name}:";
        }

        private static bool IsIdentifier(string name) =>
            name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static IEnumerable<string> DisassembleSegment(ProgramImage image, int index, ImageSymbol[] labels, LabelScope? source)
    {
        var segment = image.Segments[index];
        bool code = (segment.Flags & SegmentFlags.Execute) != 0;
        bool asSource = source is not null;
        yield return $"; segment {index}: vaddr 0x{segment.VirtualAddress:x8}, paddr 0x{segment.PhysicalAddress:x8}, " +
                     $"{segment.Data.Length} bytes in the file, {segment.MemorySize} in memory, {FlagText(segment.Flags)}";
        if (asSource)
        {
            if (segment.PhysicalAddress != segment.VirtualAddress || segment.Flags != (SegmentFlags.Read | SegmentFlags.Write | SegmentFlags.Execute))
                yield return "; note: the assembler loads every segment at paddr = vaddr with flags rwx";
            yield return $".org 0x{segment.VirtualAddress:x8}";
        }
        uint start = segment.VirtualAddress;
        ulong end = (ulong)start + segment.MemorySize, dataEnd = (ulong)start + (ulong)segment.Data.Length;
        int nextLabel = FirstLabelAtOrAbove(labels, start);
        ulong address = start;
        // Labels just past the end belong here unless another segment starts at that address.
        bool endLabelsHere = !image.Segments.Any(s => s.VirtualAddress == end && s.MemorySize > 0);
        while (address < end || (endLabelsHere && nextLabel < labels.Length && labels[nextLabel].Value == address))
        {
            while (nextLabel < labels.Length && labels[nextLabel].Value == address)
            {
                string name = labels[nextLabel++].Name;
                yield return source is null ? $"{name}:" : source.Line(name);
            }
            if (address >= end) break;
            // A run of zero words (a .space, a stack, a table not filled in yet) is one line.
            ulong limit = Math.Min(dataEnd, nextLabel < labels.Length ? labels[nextLabel].Value : ulong.MaxValue);
            if (ZeroRunBytes(segment, address, limit) is var zeros and >= MinimumZeroRunBytes)
            {
                yield return ZeroRunLine(image, (uint)address, zeros, asSource);
                address += zeros;
                continue;
            }
            // A piece stops at the next label, the next 4-byte boundary or the end of the file bytes.
            ulong stop = address < dataEnd ? Math.Min(dataEnd, (address & ~3UL) + 4) : end;
            if (nextLabel < labels.Length && labels[nextLabel].Value < stop) stop = labels[nextLabel].Value;
            yield return address < dataEnd
                ? DataLine(image, segment, (uint)address, (int)(stop - address), code, asSource)
                : Row(asSource, address, "", $".space {stop - address}", null);
            address = stop;
        }
    }

    /// <summary>One line of an image's disassembly: "address:  column  text  ; comment" in a
    /// listing; "        text  ; address  comment" as source.</summary>
    private static string Row(bool asSource, ulong address, string column, string text, string? comment)
    {
        if (asSource)
        {
            comment = comment is null ? $"{address:x8}" : $"{address:x8}  {comment}";
            return $"{("        " + text).PadRight(CommentColumn)}; {comment}";
        }
        string body = $"{address:x8}:  {column,-8}  {text}";
        return comment is null ? body : $"{body.PadRight(CommentColumn)}; {comment}";
    }

    /// <summary>Zero bytes from this many up are shown as one ".space" line.</summary>
    private const int MinimumZeroRunBytes = 16;

    /// <summary>The length of the run of whole zero words at a 4-aligned <paramref name="address"/>, below <paramref name="limit"/>.</summary>
    private static ulong ZeroRunBytes(ImageSegment segment, ulong address, ulong limit)
    {
        if (address % 4 != 0) return 0;
        ulong length = 0;
        while (address + length + 4 <= limit && BitConverter.ToUInt32(segment.Data, (int)(address + length - segment.VirtualAddress)) == 0)
            length += 4;
        return length;
    }

    private static string ZeroRunLine(ProgramImage image, uint address, ulong length, bool asSource)
    {
        string comment = $"{length} zero bytes, 0x{address:x8}..0x{address + length - 1:x8}";
        if (image.LineAt(address) is { } line) comment += $"  {line.File}:{line.Line}";
        return Row(asSource, address, "", $".space {length}", comment);
    }

    private static string DataLine(ProgramImage image, ImageSegment segment, uint address, int length, bool code, bool asSource)
    {
        var bytes = segment.Data.AsSpan((int)(address - segment.VirtualAddress), length);
        string text;
        string? comment = null;
        string column;
        bool instruction = false;
        if (length == 4 && address % 4 == 0)
        {
            uint word = BitConverter.ToUInt32(bytes);
            column = word.ToString("x8");
            instruction = code && InstructionCodec.TryDecode(word, out _);
            (text, comment) = code ? FormatParts(word, address, image) : ($".word 0x{word:x8}", null);
        }
        else
        {
            var hex = new StringBuilder();
            foreach (byte b in bytes) hex.Append(b.ToString("x2"));
            column = hex.ToString();
            text = ".byte " + string.Join(", ", bytes.ToArray().Select(b => $"0x{b:x2}"));
        }
        if (!instruction && AsText(bytes) is { } chars)
            comment = comment is null ? chars : $"{comment}  {chars}";
        if (image.LineAt(address) is { } line)
            comment = comment is null ? $"{line.File}:{line.Line}" : $"{comment}  {line.File}:{line.Line}";
        return Row(asSource, address, column, text, comment);
    }

    /// <summary>Data bytes as a quoted string when they all look like text (printable ASCII,
    /// newline, tab or NUL, at least one printable), else null.</summary>
    private static string? AsText(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder("\"");
        bool printable = false;
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\n': text.Append("\\n"); break;
                case (byte)'\t': text.Append("\\t"); break;
                case 0: text.Append("\\0"); break;
                case (byte)'"' or (byte)'\\': text.Append('\\').Append((char)b); printable = true; break;
                case >= 0x20 and < 0x7F: text.Append((char)b); printable = true; break;
                default: return null;
            }
        }
        return printable ? text.Append('"').ToString() : null;
    }

    private static int FirstLabelAtOrAbove(ImageSymbol[] labels, uint address)
    {
        int i = 0;
        while (i < labels.Length && labels[i].Value < address) i++;
        return i;
    }

    private static string FlagText(SegmentFlags flags) =>
        $"{((flags & SegmentFlags.Read) != 0 ? 'r' : '-')}{((flags & SegmentFlags.Write) != 0 ? 'w' : '-')}{((flags & SegmentFlags.Execute) != 0 ? 'x' : '-')}";
}
