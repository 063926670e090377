// The snapshot file's envelope (docs/hosted.md#the-file-format): magic, format version, a
// list of tagged sections, and a SHA-256 of everything before it. Reading checks, in order:
// the magic (not a snapshot), the version (another format), the length and the checksum
// (damaged or cut short) — before any section is parsed, so a bad file is refused whole with
// one line. Writing is atomic: a temporary file in the same folder, flushed to the device,
// then renamed over the target, so a save killed half-way leaves no file that looks valid
// and the previous snapshot of that name stays whole.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace R4.Snapshots;

/// <summary>A snapshot file that cannot be used: not a snapshot, another format version,
/// damaged, cut short, or inconsistent. The message is one line naming the file.</summary>
public sealed class SnapshotFormatException(string message) : Exception(message);

public static class SnapshotContainer
{
    /// <summary>"R4SNAP" then CR LF SUB NUL: a text transfer or a truncating tool damages it visibly.</summary>
    public static ReadOnlySpan<byte> Magic => "R4SNAP\r\n\x1a\0"u8;
    public const uint FormatVersion = 3;   // 2: pages carry a filter byte (SparsePages); 3: META's Knobs and the PVIR section
    /// <summary>The oldest version still read: a version-2 file has no knob data nor paravirtual
    /// state, and is continued under its layout's defaults (what every version-2 writer but an
    /// experiment-knob run used). An r4 before version 3 refuses a version-3 file by its version,
    /// rather than dropping the knobs it would not understand.</summary>
    public const uint OldestReadableVersion = 2;
    private const int HeaderBytes = 10 + 4 + 4 + 8;   // magic, version, section count, payload length
    private const int ChecksumBytes = 32;
    private const int SectionHeaderBytes = 4 + 8;

    /// <summary>Packs the sections (tag of four ASCII letters, bytes) into a file image.</summary>
    public static byte[] Pack(IReadOnlyList<(string Tag, byte[] Bytes)> sections)
    {
        long payload = sections.Sum(s => (long)SectionHeaderBytes + s.Bytes.Length);
        var file = new byte[HeaderBytes + payload + ChecksumBytes];
        var span = file.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[10..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], (uint)sections.Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[18..], payload);
        int at = HeaderBytes;
        foreach (var (tag, bytes) in sections)
        {
            if (tag.Length != 4) throw new ArgumentException($"section tag '{tag}': four letters", nameof(sections));
            Encoding.ASCII.GetBytes(tag, span[at..]);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 4)..], bytes.Length);
            bytes.CopyTo(span[(at + SectionHeaderBytes)..]);
            at += SectionHeaderBytes + bytes.Length;
        }
        SHA256.HashData(span[..at], span[at..]);
        return file;
    }

    /// <summary>Checks a file image and returns its sections by tag; throws
    /// <see cref="SnapshotFormatException"/> naming <paramref name="name"/> and the problem.</summary>
    public static Dictionary<string, byte[]> Unpack(ReadOnlySpan<byte> file, string name)
    {
        if (file.Length < Magic.Length || !file[..Magic.Length].SequenceEqual(Magic))
            throw new SnapshotFormatException($"{name}: not an r4 snapshot (no R4SNAP header)");
        if (file.Length < HeaderBytes + ChecksumBytes)
            throw new SnapshotFormatException($"{name}: snapshot cut short ({file.Length} bytes, the header alone needs {HeaderBytes + ChecksumBytes})");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        if (version < OldestReadableVersion || version > FormatVersion)
            throw new SnapshotFormatException($"{name}: snapshot format version {version}; this r4 reads versions {OldestReadableVersion} to {FormatVersion}");
        long payload = BinaryPrimitives.ReadInt64LittleEndian(file[18..]);
        // Compared before adding: a payload length near long.MaxValue must not wrap around.
        if (payload < 0 || payload > file.Length - HeaderBytes - ChecksumBytes)
            throw new SnapshotFormatException($"{name}: snapshot cut short ({file.Length} bytes of {(payload < 0 ? "?" : ((decimal)payload + HeaderBytes + ChecksumBytes).ToString())})");
        long expected = HeaderBytes + payload + ChecksumBytes;
        if (file.Length > expected)
            throw new SnapshotFormatException($"{name}: snapshot damaged ({file.Length - expected} bytes after its checksum)");
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        int body = (int)(HeaderBytes + payload);
        SHA256.HashData(file[..body], checksum);
        if (!checksum.SequenceEqual(file[body..]))
            throw new SnapshotFormatException($"{name}: snapshot damaged (SHA-256 checksum does not match)");

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(file[14..]);
        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int at = HeaderBytes;
        for (uint i = 0; i < count; i++)
        {
            if (at + SectionHeaderBytes > body)
                throw new SnapshotFormatException($"{name}: snapshot malformed (section {i} runs past the end)");
            string tag = Encoding.ASCII.GetString(file.Slice(at, 4));
            long length = BinaryPrimitives.ReadInt64LittleEndian(file[(at + 4)..]);
            if (length < 0 || length > body - at - SectionHeaderBytes)   // not at + ... + length: that wraps for a huge length
                throw new SnapshotFormatException($"{name}: snapshot malformed (section '{tag}' runs past the end)");
            sections[tag] = file.Slice(at + SectionHeaderBytes, (int)length).ToArray();
            at += SectionHeaderBytes + (int)length;
        }
        return sections;
    }

    /// <summary>Writes <paramref name="file"/> to <paramref name="path"/> atomically: a temporary
    /// file beside it, flushed to the device, renamed into place. On failure the temporary file
    /// is removed and the old file at <paramref name="path"/> (if any) is untouched.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> file)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
            {
                stream.Write(file);
                stream.Flush(flushToDisk: true);   // fsync: the rename must never expose unwritten data
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
