// The listing: one line per source line (included files and macro expansions too), with the
// address, the emitted instruction words or data bytes in hex, the line number and the text.
//   address   code                        line  source
//   00001000  20100005                       3  start:  addi r1, r0, 5
//   00001004  29100001 2211ffff              4          li r1, 0x1ffff
//                                           12+         push r3        (a macro body line, expanded)
// Lines from another file than the previous listed line are preceded by "==> file".
// Data shows at most 8 bytes followed by "...".
using System.Text;

namespace R4.Assembler;

internal sealed class ListingBuilder
{
    private const int CodeWidth = 26, MaximumDataBytes = 8;

    private sealed class Entry(LogicalLine line)
    {
        public LogicalLine Line { get; } = line;
        public long? Address;
        public readonly ByteBuffer Bytes = new();
        public bool Code;
    }

    private readonly List<Entry> entries = [];

    public void Begin(LogicalLine line) => entries.Add(new Entry(line));

    /// <summary>Records bytes emitted by the current line at <paramref name="address"/>.</summary>
    public void Record(long address, ReadOnlySpan<byte> bytes, bool code)
    {
        if (entries.Count == 0) return;
        var entry = entries[^1];
        entry.Address ??= address;
        entry.Code = code;
        entry.Bytes.Append(bytes);
    }

    public string Render()
    {
        var text = new StringBuilder();
        string? file = null;
        foreach (var entry in entries)
        {
            if (entry.Line.Expansion is null && entry.Line.File != file)
            {
                if (file is not null) text.Append(' ', 10 + CodeWidth + 2).Append("==> ").Append(entry.Line.File).Append('\n');
                file = entry.Line.File;
            }
            string address = entry.Address is { } a ? a.ToString("x8") : "";
            string marker = entry.Line.Expansion is null ? " " : "+";
            text.Append(address.PadRight(8)).Append("  ").Append(Code(entry).PadRight(CodeWidth)).Append("  ")
                .Append(entry.Line.Line.ToString().PadLeft(5)).Append(marker).Append(' ').Append(entry.Line.Text).Append('\n');
        }
        return text.ToString();
    }

    private static string Code(Entry entry)
    {
        var bytes = entry.Bytes;
        if (bytes.Count == 0) return "";
        if (entry.Code && bytes.Count % 4 == 0)
        {
            var words = new List<string>();
            for (int i = 0; i < bytes.Count; i += 4)
                words.Add(BitConverter.ToUInt32([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]).ToString("x8"));
            return string.Join(' ', words);
        }
        var shown = new StringBuilder();
        for (int i = 0; i < Math.Min(bytes.Count, MaximumDataBytes); i++)
            shown.Append(i == 0 ? "" : " ").Append(bytes[i].ToString("x2"));
        return bytes.Count > MaximumDataBytes ? shown + "..." : shown.ToString();
    }
}
