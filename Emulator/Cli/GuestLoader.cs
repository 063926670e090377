// Turns what the user names on the command line into a ProgramImage: an assembly source
// (.asm, .s, .inc, .r4) is assembled, an ELF32 file is read, anything else is a flat binary
// loaded and started at --base (default 0); text is never taken for a flat binary. Every
// failure becomes a UserError naming the file; outputs are checked and written whole.
using System.Globalization;
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Cli;

public static class GuestLoader
{
    private static readonly string[] SourceExtensions = [".asm", ".s", ".inc", ".r4"];

    public static bool IsAssemblySource(string path)
    {
        // A loop, not LINQ's Contains with a comparer (which loads System.Memory for one lookup).
        string extension = Path.GetExtension(path);
        foreach (string source in SourceExtensions)
            if (string.Equals(extension, source, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

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
            throw new UserError($"{path}: -D defines apply to assembly sources ({string.Join(", ", SourceExtensions)}) only, not to images", ExitCodes.Usage);
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
        if (new FileInfo(path).Length == 0)
            error.WriteLine($"{path}: warning: the source file is empty");
        var result = R4Assembler.AssembleFile(path, new AssemblyOptions { Defines = ParseDefines(defines) });
        if (!result.Succeeded)
        {
            foreach (var diagnostic in result.Errors)
                error.WriteLine(diagnostic.Format());
            throw new UserError($"{path}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}, nothing written", ExitCodes.BadInput);
        }
        return result;
    }

    /// <summary>The largest file `r4` reads whole (an image, a flat binary, console input):
    /// what one .NET array holds, a little under 2 GiB.</summary>
    public static readonly long MaximumInputBytes = Array.MaxLength;

    /// <summary>A file's bytes, read no further than <see cref="MaximumInputBytes"/> (so a
    /// file over 2 GiB, or a device that never ends, gets our message, not the runtime's).</summary>
    public static byte[] ReadAll(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            long known = stream.CanSeek ? stream.Length : 0;
            if (known > MaximumInputBytes) throw TooLarge(path, $"it is {known} bytes");
            var buffer = new byte[Math.Max(known, 4096)];
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= MaximumInputBytes) throw TooLarge(path, "it does not end");
                    Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, MaximumInputBytes));
                }
                int read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0) break;
                length += read;
            }
            Array.Resize(ref buffer, length);
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"cannot read '{path}': {DescribeReadError(path, e)}", ExitCodes.CannotOpen);
        }
    }

    private static UserError TooLarge(string path, string why) =>
        new($"{path}: {why}; r4 reads files of at most {MaximumInputBytes} bytes (2 GiB, the most RAM a machine has)", ExitCodes.BadInput);

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

    /// <summary>Checks an output path before a run (see <see cref="OutputFile.RequireWritable"/>).</summary>
    public static void RequireWritablePath(string path) => OutputFile.RequireWritable(path);

    /// <summary>Parses <c>NAME=VALUE</c> (or <c>NAME</c>, meaning 1); VALUE is decimal, 0x hex or 0b binary, maybe negative.</summary>
    public static IReadOnlyDictionary<string, long> ParseDefines(IEnumerable<string> defines)
    {
        // None given (most runs): the assembler's own empty set, which it skips without
        // touching a Dictionary<string, long> (start-up, docs/performance.md).
        if (defines is ICollection<string> { Count: 0 }) return R4.Assembler.AssemblyOptions.NoDefines;
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

    /// <summary>Writes an output whole (see <see cref="OutputFile"/>: atomic for regular files,
    /// written through to FIFOs and devices, symlinks followed, `-` for standard output).</summary>
    public static void WriteAtomically(string path, byte[] bytes, TextWriter? stdout = null) => OutputFile.WriteAll(stdout, (path, bytes));

    /// <summary>Writes several outputs all or none (see <see cref="OutputFile.WriteAll"/>).</summary>
    public static void WriteAllAtomically(params (string Path, byte[] Bytes)[] files) => OutputFile.WriteAll(null, files);
}
