// The debugger's command language: the command table (gdb-like names, abbreviations, one-line
// help), resolution of a typed word to a command (exact name, alias, or unique prefix), and the
// operands: numbers, registers ($r1, $sp, $pc), symbols with +/- offsets, and file:line.
using System.Globalization;
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Debugger;

/// <summary>A mistake in a command: reported as one line, the session goes on.</summary>
public sealed class CommandException(string message) : Exception(message);

public sealed record DebugCommand(string Name, string[] Aliases, string Usage, string Help, Action<string> Run);

public sealed class CommandTable
{
    private readonly List<DebugCommand> _commands = [];

    public IReadOnlyList<DebugCommand> All => _commands;

    public void Add(string name, string[] aliases, string usage, string help, Action<string> run) =>
        _commands.Add(new DebugCommand(name, aliases, usage, help, run));

    /// <summary>Finds the command for <paramref name="word"/>: an exact name or alias first,
    /// then a prefix that only one command name has.</summary>
    public DebugCommand Resolve(string word)
    {
        foreach (var c in _commands)
            if (c.Name == word || c.Aliases.Contains(word)) return c;
        var matches = _commands.Where(c => c.Name.StartsWith(word, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CommandException($"unknown command '{word}' (try 'help')"),
            _ => throw new CommandException($"ambiguous command '{word}': {string.Join(", ", matches.Select(m => m.Name))}"),
        };
    }
}

/// <summary>FILE:LINE resolved: the line asked for, the line that has code, and where each
/// stretch of that line's code starts.</summary>
public sealed record FileLineLocations(string File, int RequestedLine, int Line, IReadOnlyList<uint> Addresses);

public static class Operands
{
    public static bool TryParseNumber(string text, out uint value)
    {
        value = 0;
        text = text.Trim().Replace("_", "");
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        if (text.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            if (text.Length is < 3 or > 34 || text.Skip(2).Any(c => c is not ('0' or '1'))) return false;
            value = Convert.ToUInt32(text[2..], 2);
            return true;
        }
        if (text.StartsWith('-') && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int negative))
        {
            value = (uint)negative;
            return true;
        }
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public static int ParseCount(string text, string what)
    {
        if (!TryParseNumber(text, out uint n) || n == 0 || n > 1_000_000)
            throw new CommandException($"{what}: '{text}' is not a count from 1 to 1000000");
        return (int)n;
    }

    /// <summary>A register name for `set reg` and `$name`: r0..r15, fp, sp, lr, zero, pc (-1).</summary>
    public static int ParseRegister(string text)
    {
        text = text.TrimStart('$');
        if (text.Equals("pc", StringComparison.OrdinalIgnoreCase)) return -1;
        return Registers.TryParse(text, out int r) ? r : throw new CommandException($"'{text}' is not a register (r0..r15, fp, sp, lr, pc)");
    }

    /// <summary>An address or value: terms joined by + and -, each a number, a $register or a symbol.</summary>
    public static uint ParseValue(string text, ProgramImage image, Cpu cpu)
    {
        text = text.Trim();
        if (text.Length == 0) throw new CommandException("missing address or value");
        uint total = 0;
        int sign = 1, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && !(text[i] is '+' or '-' && i > start)) continue;
            string term = text[start..i].Trim();
            uint value = ParseTerm(term, image, cpu);
            total = sign > 0 ? total + value : total - value;
            if (i < text.Length) sign = text[i] == '+' ? 1 : -1;
            start = i + 1;
        }
        return total;
    }

    private static uint ParseTerm(string term, ProgramImage image, Cpu cpu)
    {
        if (term.Length == 0) throw new CommandException("missing term in expression");
        if (TryParseNumber(term, out uint n)) return n;
        if (term.StartsWith('$'))
        {
            int r = ParseRegister(term);
            return r < 0 ? cpu.Pc : cpu.GetRegister(r);
        }
        // A term that starts like a number but is none ("0xZZ", "12a") is a typo, not a symbol.
        if (char.IsAsciiDigit(term[0]))
            throw new CommandException($"'{term}' is not a number (decimal, 0x hex or 0b binary)");
        if (!IsSymbolName(term))
            throw new CommandException($"'{term}' is not a number, a $register or a symbol");
        return image.Lookup(term) ?? throw new CommandException($"no symbol '{term}' in the image");
    }

    /// <summary>The assembler's symbol names: letters, digits, '_' and '.', not starting with a digit.</summary>
    private static bool IsSymbolName(string text) =>
        text.Length > 0 && !char.IsAsciiDigit(text[0]) && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');

    /// <summary>The address of the first instruction of FILE:LINE, or of the next line with code.</summary>
    public static uint ParseFileLine(string text, ProgramImage image) => ParseFileLineLocations(text, image).Addresses[0];

    /// <summary>Where FILE:LINE stops: the line with code (LINE, or the first after it that has an
    /// instruction) and the first address of each stretch of its code — one stretch per expansion
    /// when the line is inside a macro (the line table names the macro's own lines), or per
    /// inclusion of a file included more than once.</summary>
    public static FileLineLocations ParseFileLineLocations(string text, ProgramImage image)
    {
        int colon = text.LastIndexOf(':');
        string file = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int line) || line <= 0)
            throw new CommandException($"'{text}': the line after ':' must be a positive number");
        bool SameFile(SourceLine l) => l.File == file || Path.GetFileName(l.File) == file ||
            l.File.Replace('\\', '/').EndsWith("/" + file.Replace('\\', '/'), StringComparison.Ordinal);
        if (file.Length == 0) throw new CommandException($"'{text}': give a file name before ':' (e.g. kernel.asm:{line})");
        var inFile = image.Lines.Where(SameFile).ToList();
        if (inFile.Count == 0) throw new CommandException($"no code from a file named '{file}' in the image");
        // The line table records data lines too (.word, .space, strings): a breakpoint there
        // would never hit, so only lines whose first word decodes as an instruction count.
        var candidates = inFile.Where(l => l.Line >= line && IsInstruction(image, l.Address)).ToList();
        if (candidates.Count == 0) throw new CommandException($"{file} has no code at or after line {line}");
        int best = candidates.Min(l => l.Line);
        var addresses = candidates.Where(l => l.Line == best).Select(l => l.Address).Distinct().Order().ToList();
        var starts = addresses.Where((a, i) => i == 0 || addresses[i - 1] + 4 != a).ToList();
        return new FileLineLocations(file, line, best, starts);
    }

    /// <summary>Whether the image holds an instruction word at <paramref name="address"/> (aligned,
    /// inside a segment's bytes, and decodable).</summary>
    private static bool IsInstruction(ProgramImage image, uint address)
    {
        if ((address & 3) != 0) return false;
        foreach (var segment in image.Segments)
        {
            ulong offset = (ulong)address - segment.VirtualAddress;
            if (address < segment.VirtualAddress || offset + 4 > (ulong)segment.Data.Length) continue;
            return InstructionCodec.TryDecode(BitConverter.ToUInt32(segment.Data, (int)offset), out _);
        }
        return false;
    }

    /// <summary>A breakpoint location: FILE:LINE when it has a colon and is no number, else a value.</summary>
    public static uint ParseLocation(string text, ProgramImage image, Cpu cpu) =>
        text.Contains(':') ? ParseFileLine(text, image) : ParseValue(text, image, cpu);
}
