// Turns what the user names on the command line into a ProgramImage: an assembly source
// (.asm, .s, .inc) is assembled, an ELF32 file is read, anything else is a flat binary
// loaded at address 0 (entry 0). Every failure becomes a UserError naming the file.
using System.Globalization;
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Cli;

public static class GuestLoader
{
    private static readonly string[] SourceExtensions = [".asm", ".s", ".inc", ".r4"];

    public static bool IsAssemblySource(string path) =>
        SourceExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Loads a guest; <paramref name="flatBase"/> is where a flat binary goes (and
    /// starts), 0 when null; giving it for a source or an ELF image is a usage error.</summary>
    public static ProgramImage Load(string path, IEnumerable<string> defines, TextWriter error, uint? flatBase = null)
    {
        if (IsAssemblySource(path))
        {
            if (flatBase is not null)
                throw new UserError($"{path}: --base applies to flat binaries only (a source places itself with .org)", ExitCodes.Usage);
            return Assemble(path, defines, error).Image!;
        }
        byte[] bytes = ReadAll(path);
        // An image is already assembled: a define would silently change nothing.
        if (defines.Any())
            throw new UserError($"{path}: -D defines apply to assembly sources (.asm, .s, .inc, .r4) only, not to images", ExitCodes.Usage);
        if (!Elf32.LooksLikeElf(bytes))
        {
            RequireBinary(path, bytes);
            if ((flatBase ?? 0) + (ulong)bytes.Length > 1UL << 32)
                throw new UserError($"{path}: {bytes.Length} bytes at --base 0x{flatBase:x8} run past the 4 GiB address space", ExitCodes.Usage);
            return FlatImage(bytes, flatBase ?? 0);
        }
        if (flatBase is not null)
            throw new UserError($"{path}: --base applies to flat binaries only (an ELF image has its own addresses)", ExitCodes.Usage);
        return Elf32.Read(bytes, path);
    }

    /// <summary>Refuses to run text as a flat binary: R4 code is full of zero bytes, so a file
    /// without any NUL that reads as UTF-8 is an assembly source with another extension.</summary>
    public static void RequireBinary(string path, byte[] bytes)
    {
        if (bytes.Length == 0 || Array.IndexOf(bytes, (byte)0) >= 0) return;
        try { _ = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (System.Text.DecoderFallbackException) { return; }
        throw new UserError($"{path}: this is text, not an ELF image or a flat binary; an assembly source is recognised by its extension " +
                            $"({string.Join(", ", SourceExtensions)})", ExitCodes.BadInput);
    }

    /// <summary>A flat binary: its bytes at <paramref name="baseAddress"/>, entry at the base.</summary>
    public static ProgramImage FlatImage(byte[] bytes, uint baseAddress) =>
        new(baseAddress, [new ImageSegment(baseAddress, baseAddress, bytes, (uint)bytes.Length,
            SegmentFlags.Read | SegmentFlags.Write | SegmentFlags.Execute)]);

    public static AssemblyResult Assemble(string path, IEnumerable<string> defines, TextWriter error)
    {
        RequireReadableFile(path);
        var result = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = ParseDefines(defines) });
        if (!result.Succeeded)
        {
            foreach (var diagnostic in result.Errors)
                error.WriteLine(diagnostic.Format());
            throw new UserError($"{path}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}, nothing written", ExitCodes.BadInput);
        }
        return result;
    }

    public static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"cannot read '{path}': {DescribeReadError(path, e)}", ExitCodes.CannotOpen);
        }
    }

    /// <summary>Fails with "cannot read" (exit 66) unless <paramref name="path"/> is an existing
    /// file; <paramref name="what"/> names the input in the message ("disk image").</summary>
    public static void RequireReadableFile(string path, string? what = null)
    {
        string name = what is null ? $"'{path}'" : $"{what} '{path}'";
        if (Directory.Exists(path))
            throw new UserError($"cannot read {name}: it is a directory", ExitCodes.CannotOpen);
        if (!File.Exists(path))
            throw new UserError($"cannot read {name}: no such file", ExitCodes.CannotOpen);
    }

    private static string DescribeReadError(string path, Exception e) =>
        Directory.Exists(path) ? "it is a directory"
        : e is FileNotFoundException or DirectoryNotFoundException ? "no such file"
        : e is UnauthorizedAccessException ? "permission denied"
        : e.Message;

    /// <summary>Why a file cannot be written at <paramref name="path"/>, in the user's terms
    /// (never the name of a temporary file).</summary>
    private static string DescribeWriteError(string path, Exception e)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full)) return "it is a directory";
        if (folder is not null && !Directory.Exists(folder)) return $"no such directory '{folder}'";
        if (e is UnauthorizedAccessException) return "permission denied";
        return e.Message;
    }

    /// <summary>Fails with "cannot write" (exit 73) when <paramref name="path"/> names a directory
    /// or a file in a folder that does not exist: checked before a run, so that a run's result
    /// is not lost to an output that could never have been written.</summary>
    public static void RequireWritablePath(string path)
    {
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserError($"cannot write '{path}': {e.Message}", ExitCodes.CannotWrite);
        }
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full))
            throw new UserError($"cannot write '{path}': it is a directory", ExitCodes.CannotWrite);
        if (folder is not null && !Directory.Exists(folder))
            throw new UserError($"cannot write '{path}': no such directory '{folder}'", ExitCodes.CannotWrite);
    }

    /// <summary>Parses <c>NAME=VALUE</c> (or <c>NAME</c>, meaning 1); VALUE is decimal, 0x hex or 0b binary, maybe negative.</summary>
    public static IReadOnlyDictionary<string, long> ParseDefines(IEnumerable<string> defines)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string define in defines)
        {
            int eq = define.IndexOf('=');
            string name = eq < 0 ? define : define[..eq];
            string valueText = eq < 0 ? "1" : define[(eq + 1)..];
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
                throw new UserError($"-D {define}: '{name}' is not a symbol name", ExitCodes.Usage);
            if (!TryParseNumber(valueText, out long value))
                throw new UserError($"-D {define}: '{valueText}' is not a number (decimal, 0x hex or 0b binary)", ExitCodes.Usage);
            result[name] = value;
        }
        return result;
    }

    public static bool TryParseNumber(string text, out long value)
    {
        text = text.Trim().Replace("_", "");
        bool negative = text.StartsWith('-');
        if (negative) text = text[1..];
        bool ok;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            ok = long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        else if (text.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            value = 0;
            ok = text.Length > 2 && text.Length <= 66 && text[2..].All(c => c is '0' or '1');
            if (ok) value = Convert.ToInt64(text[2..], 2);
        }
        else
            ok = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (negative) value = -value;
        return ok;
    }

    /// <summary>Parses a size such as 16M, 64MiB, 512K, 1G or a plain byte count.</summary>
    public static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        text = text.Trim();
        ulong unit = 1;
        string[] suffixes = ["KiB", "MiB", "GiB", "KB", "MB", "GB", "K", "M", "G"];
        foreach (var suffix in suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                unit = char.ToUpperInvariant(suffix[0]) switch { 'K' => 1UL << 10, 'M' => 1UL << 20, _ => 1UL << 30 };
                text = text[..^suffix.Length];
                break;
            }
        }
        if (!TryParseNumber(text, out long n) || n <= 0) return false;
        bytes = (ulong)n * unit;
        return true;
    }

    /// <summary>Writes a file whole or not at all: a temporary file renamed into place.</summary>
    public static void WriteAtomically(string path, byte[] bytes) => WriteAllAtomically((path, bytes));

    /// <summary>Writes several files all or none: every one goes to a temporary file first, and
    /// only when all of them are written are they renamed into place (so `r4 asm -o OUT
    /// --listing BAD` leaves no OUT behind).</summary>
    public static void WriteAllAtomically(params (string Path, byte[] Bytes)[] files)
    {
        var written = new List<(string Temp, string Full, string Path)>();
        try
        {
            foreach (var (path, bytes) in files)
            {
                string full = Path.GetFullPath(path);
                if (Directory.Exists(full)) throw new UserError($"cannot write '{path}': it is a directory", ExitCodes.CannotWrite);
                string temp = full + ".tmp-" + Environment.ProcessId;
                try { File.WriteAllBytes(temp, bytes); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    throw new UserError($"cannot write '{path}': {DescribeWriteError(path, e)}", ExitCodes.CannotWrite);
                }
                written.Add((temp, full, path));
            }
            foreach (var (temp, full, path) in written)
            {
                try { File.Move(temp, full, overwrite: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UserError($"cannot write '{path}': {DescribeWriteError(path, e)}", ExitCodes.CannotWrite);
                }
            }
        }
        finally
        {
            foreach (var (temp, _, _) in written)
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
