// One table of strings written as `r4 compare` writes its reports — an aligned text table, a
// Markdown table or CSV — for the experiments whose rows are not guest × layout (the Type 1
// scaling experiment, the Type 1 vs Type 2 table). Their JSON is their own.
using System.Text;

namespace R4.Cli.Compare;

/// <summary>A column: its CSV name, its heading, whether its cells are right-aligned (numbers).</summary>
public sealed record TableColumn(string CsvName, string Heading, bool RightAligned = true);

public static class ExperimentTable
{
    public static string Format(IReadOnlyList<TableColumn> columns, IReadOnlyList<string[]> rows, CompareFormat format) => format switch
    {
        CompareFormat.Csv => Csv(columns, rows),
        CompareFormat.Markdown => Aligned(columns, rows, markdown: true),
        _ => Aligned(columns, rows, markdown: false),
    };

    private static string Aligned(IReadOnlyList<TableColumn> columns, IReadOnlyList<string[]> rows, bool markdown)
    {
        var widths = columns.Select((c, i) => Math.Max(c.Heading.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells)
        {
            string joined = string.Join(markdown ? " | " : "  ", cells);
            text.Append(markdown ? "| " + joined + " |" : joined.TrimEnd()).Append('\n');
        }
        string Pad(int i, string cell) => columns[i].RightAligned ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]);
        Line(columns.Select((c, i) => Pad(i, c.Heading)));
        Line(columns.Select((c, i) => markdown && c.RightAligned ? new string('-', widths[i] - 1) + ":" : new string('-', widths[i])));
        foreach (var row in rows) Line(row.Select((cell, i) => Pad(i, cell)));
        return text.ToString();
    }

    private static string Csv(IReadOnlyList<TableColumn> columns, IReadOnlyList<string[]> rows)
    {
        static string Field(string value) =>
            value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
        var text = new StringBuilder();
        text.Append(string.Join(",", columns.Select(c => c.CsvName))).Append('\n');
        foreach (var row in rows) text.Append(string.Join(",", row.Select(Field))).Append('\n');
        return text.ToString();
    }
}
