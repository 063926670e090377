// Runs binutils readelf on bytes and parses the parts the tests compare: the ELF header,
// the program headers, the section headers and the symbol table (`--wide` output).
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace R4.Tests.Image;

public sealed record ReadelfSegment(string Type, uint Offset, uint VirtualAddress, uint PhysicalAddress, uint FileSize, uint MemorySize, string Flags, uint Align);
public sealed record ReadelfSection(int Index, string Name, string Type, uint Address, uint Offset, uint Size, string Flags);
public sealed record ReadelfSymbol(uint Value, uint Size, string Type, string Binding, string SectionIndex, string Name);

public sealed partial class Readelf
{
    public const string Path = "/usr/bin/readelf";

    public string Output { get; private init; } = "";
    public string Errors { get; private init; } = "";
    public Dictionary<string, string> Header { get; } = new();
    public List<ReadelfSegment> Segments { get; } = [];
    public List<ReadelfSection> Sections { get; } = [];
    public List<ReadelfSymbol> Symbols { get; } = [];

    public static Readelf Run(byte[] elf)
    {
        string file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"r4-readelf-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(file, elf);
        try
        {
            var start = new ProcessStartInfo(Path, ["-h", "-l", "-S", "-s", "--wide", file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["LC_ALL"] = "C" },
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var result = new Readelf { Output = stdout, Errors = stderr.Result };
            result.Parse();
            return result;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static uint Hex(string text) => uint.Parse(text.StartsWith("0x") ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private void Parse()
    {
        string section = "";
        foreach (string raw in Output.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("ELF Header:")) { section = "header"; continue; }
            if (line.StartsWith("Program Headers:")) { section = "program"; continue; }
            if (line.StartsWith("Section Headers:")) { section = "sections"; continue; }
            if (line.StartsWith("Symbol table '")) { section = "symbols"; continue; }
            if (line.Length == 0 || line.StartsWith(" Section to Segment")) { if (section != "header") section = line.Length == 0 ? section : ""; continue; }
            switch (section)
            {
                case "header":
                    int colon = line.IndexOf(':');
                    if (colon > 0) Header[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    break;
                case "program":
                    var p = ProgramLine().Match(line);
                    if (p.Success)
                        Segments.Add(new ReadelfSegment(p.Groups[1].Value, Hex(p.Groups[2].Value), Hex(p.Groups[3].Value), Hex(p.Groups[4].Value),
                            Hex(p.Groups[5].Value), Hex(p.Groups[6].Value), p.Groups[7].Value.Trim(), Hex(p.Groups[8].Value)));
                    break;
                case "sections":
                    var s = SectionLine().Match(line);
                    if (s.Success)
                        Sections.Add(new ReadelfSection(int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture), s.Groups[2].Value, s.Groups[3].Value,
                            Hex(s.Groups[4].Value), Hex(s.Groups[5].Value), Hex(s.Groups[6].Value), s.Groups[7].Value.Trim()));
                    break;
                case "symbols":
                    var y = SymbolLine().Match(line);
                    if (y.Success)
                        Symbols.Add(new ReadelfSymbol(Hex(y.Groups[1].Value), uint.Parse(y.Groups[2].Value, CultureInfo.InvariantCulture),
                            y.Groups[3].Value, y.Groups[4].Value, y.Groups[5].Value, y.Groups[6].Value));
                    break;
            }
        }
    }

    //  LOAD           0x000100 0x00001000 0x00001000 0x00008 0x00008 R E 0x4
    [GeneratedRegex(@"^\s+(\w+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$")]
    private static partial Regex ProgramLine();

    //  [ 1] .text             PROGBITS        00001000 000100 000008 00  AX  0   0  4
    [GeneratedRegex(@"^\s+\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]{8}) ([0-9a-f]{6}) ([0-9a-f]{6}) [0-9a-f]{2} (.{3})")]
    private static partial Regex SectionLine();

    //     1: 00001004     0 FUNC    LOCAL  DEFAULT    1 start.loop
    [GeneratedRegex(@"^\s+\d+: ([0-9a-f]{8})\s+(\d+) (\w+)\s+(\w+)\s+\w+\s+(\w+) (.+)$")]
    private static partial Regex SymbolLine();
}
