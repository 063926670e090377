// Generates docs/guest-constants.md: every constant that the guest include files
// (Guests/lib/*.inc) define with `.equ NAME, value ; comment`, per file and section, with the
// expression as written, its value as the assembler computes it, and the comment beside it.
// The values come from assembling each file (a `.word NAME` per constant after it), so the
// reference shows what a kernel gets, never a copy. `r4 isa-doc --guest-constants Guests/lib`
// prints it; a test fails when the committed file is stale.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using R4.Assembler;

namespace R4.Cli;

public static partial class GuestConstantsReference
{
    [GeneratedRegex(@"^\s*\.equ\s+([A-Za-z_][A-Za-z0-9_]*)\s*,\s*([^;]*?)\s*(?:;\s*(.*?))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex EquLine();

    [GeneratedRegex(@"^\s*;\s*---\s*(.*?)\s*-*\s*$")]
    private static partial Regex SectionLine();

    private sealed record Constant(string Section, string Name, string Expression, string Comment);

    /// <summary>The reference of every *.inc of <paramref name="folder"/>, files in name
    /// order; <paramref name="shownFolder"/> is how the page names the folder.</summary>
    public static string GenerateMarkdown(string folder, string shownFolder)
    {
        var md = new StringBuilder();
        md.Append("# Constants of the guest include files\n\n");
        md.Append($"<!-- Generated from {shownFolder}/*.inc by `r4 isa-doc --guest-constants {shownFolder} -o docs/guest-constants.md`.\n");
        md.Append("     Do not edit: a test fails when this file is stale. -->\n\n");
        md.Append($"Every constant that `{shownFolder}/*.inc` defines, with the expression as written in the file, the\n");
        md.Append("value the assembler computes for it (hex, and decimal where it helps) and the file's comment.\n");
        md.Append("Include a file with `.include` (paths are relative to the including file: from `Guests/examples`,\n");
        md.Append("`.include \"../lib/frame.inc\"`); each file guards itself, so including it twice is harmless.\n");
        md.Append("How to use them is in [writing-a-kernel.md](writing-a-kernel.md) and [kernel-reference.md](kernel-reference.md).\n");
        foreach (string path in Directory.GetFiles(folder, "*.inc").Order(StringComparer.Ordinal))
        {
            var constants = Read(path);
            if (constants.Count == 0) continue;
            var values = Evaluate(path, constants);
            string file = Path.GetFileName(path);
            md.Append($"\n## {file}\n");
            string? section = null;
            foreach (var constant in constants)
            {
                if (constant.Section != section || section is null)
                {
                    section = constant.Section;
                    if (section.Length > 0) md.Append($"\n### {section}\n");
                    md.Append("\n| constant | defined as | value | meaning |\n|---|---|---|---|\n");
                }
                md.Append($"| `{constant.Name}` | `{constant.Expression.Replace("|", "\\|")}` | {Value(values[constant.Name])} | {constant.Comment.Replace("|", "\\|")} |\n");
            }
        }
        return md.ToString();
    }

    private static string Value(uint value)
    {
        string hex = $"0x{value:X}";
        if (value < 10) return value.ToString(CultureInfo.InvariantCulture);
        if ((int)value < 0 && (int)value > -65536) return $"{hex} ({(int)value})";
        return $"{hex} ({value})";
    }

    private static List<Constant> Read(string path)
    {
        var constants = new List<Constant>();
        string section = "";
        foreach (string line in File.ReadLines(path))
        {
            if (SectionLine().Match(line) is { Success: true } header)
            {
                section = header.Groups[1].Value.TrimEnd('-', ' ');
                continue;
            }
            var match = EquLine().Match(line);
            // include guards (FRAME_INC, ...) say nothing to a kernel author
            if (!match.Success || match.Groups[1].Value.EndsWith("_INC", StringComparison.Ordinal)) continue;
            constants.Add(new Constant(section, match.Groups[1].Value, match.Groups[2].Value, Regex.Replace(match.Groups[3].Value, @"\s{2,}", " ")));
        }
        return constants;
    }

    /// <summary>The values of the constants: the file assembled with one `.word NAME` each,
    /// at an address of their own, read back from the image.</summary>
    private static Dictionary<string, uint> Evaluate(string path, List<Constant> constants)
    {
        const uint Table = 0x0100_0000;
        var source = new StringBuilder();
        source.Append($".include \"{Path.GetFileName(path)}\"\n.org 0x{Table:X}\n");
        foreach (var constant in constants) source.Append($".word {constant.Name}\n");
        var result = R4Assembler.AssembleText(source.ToString(), Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "constants.asm"));
        if (!result.Succeeded)
            throw new UserError($"{path}: cannot evaluate its constants: {result.Errors[0].Format().Split('\n')[0]}", ExitCodes.BadInput);
        var segment = result.Image!.Segments.Single(s => s.PhysicalAddress == Table);
        return constants.Select((c, i) => (c.Name, Value: BitConverter.ToUInt32(segment.Data, 4 * i))).ToDictionary(c => c.Name, c => c.Value);
    }
}
