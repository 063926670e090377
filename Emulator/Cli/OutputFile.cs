// The one way `r4` writes an output file (-o, --listing, --stats-json, --trace-file, --plot,
// isa-doc -o, snapshots): what is at the path decides how.
//   - `-` (and /dev/stdout, /dev/fd/1, /proc/self/fd/1) is the verb's standard output;
//   - a regular file, or a new path, is written to a temporary file beside it and renamed
//     over it only once complete, so a failed or interrupted write leaves the old file;
//   - a symlink is followed: its final target is written (atomically when it is a regular
//     file) and the link stays a link;
//   - anything else (a FIFO, a character or block device, a socket, anything under /dev or
//     /proc) is opened and written through: renaming over it would replace the device or
//     the pipe with a regular file.
// Every failure is a UserError "cannot write 'PATH': why" with exit 73, never naming the
// temporary file.
using System.Runtime.InteropServices;
using System.Text;

namespace R4.Cli;

public sealed partial class OutputFile : IDisposable
{
    /// <summary>How an output reaches its path.</summary>
    public enum Kind { StandardOutput, Atomic, WriteThrough }

    private readonly string _path;          // as the user gave it, for messages
    private readonly string? _targetPath;   // the file finally written (symlinks resolved)
    private readonly string? _tempPath;     // Atomic: where the bytes go until Commit
    private readonly TextWriter? _stdout;   // StandardOutput to a TextWriter (tests): the buffer's text goes there on Commit
    private bool _committed;

    private OutputFile(string path, Kind kind, Stream stream, string? targetPath, string? tempPath, TextWriter? stdout)
    {
        _path = path;
        How = kind;
        Stream = stream;
        _targetPath = targetPath;
        _tempPath = tempPath;
        _stdout = stdout;
    }

    public Kind How { get; }

    /// <summary>Where to write the output's bytes; complete it with <see cref="Commit"/>.</summary>
    public Stream Stream { get; }

    /// <summary>Opens the output named by <paramref name="path"/>. <paramref name="stdout"/>
    /// is the verb's standard output (null or Console.Out: the process's own).</summary>
    public static OutputFile Open(string path, TextWriter? stdout = null)
    {
        if (IsStandardOutput(path))
        {
            if (stdout is null || ReferenceEquals(stdout, Console.Out))
            {
                Console.Out.Flush();
                return new OutputFile(path, Kind.StandardOutput, OpenProcessStandardOutput(), null, null, null);
            }
            return new OutputFile(path, Kind.StandardOutput, new MemoryStream(), null, null, stdout);
        }
        RequireWritable(path);
        string target = ResolveTarget(path);
        try
        {
            if (File.Exists(target) && !IsRegularFile(target))
            {
                var through = new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
                return new OutputFile(path, Kind.WriteThrough, through, target, null, null);
            }
            string folder = Path.GetDirectoryName(target) ?? ".";
            string temp = Path.Combine(folder, $".{Path.GetFileName(target)}.tmp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return new OutputFile(path, Kind.Atomic, stream, target, temp, null);
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            throw Failure(path, e);
        }
    }

    /// <summary>Flushes the output and, for a regular file, renames it into place (keeping
    /// the permissions of the file it replaces).</summary>
    public void Commit()
    {
        if (_committed) return;
        try
        {
            Stream.Flush();
            if (How == Kind.StandardOutput && _stdout is not null)
            {
                _stdout.Write(Encoding.UTF8.GetString(((MemoryStream)Stream).ToArray()));
                _stdout.Flush();
            }
            if (How == Kind.Atomic)
            {
                Stream.Dispose();
                if (!OperatingSystem.IsWindows() && File.Exists(_targetPath))
                    File.SetUnixFileMode(_tempPath!, File.GetUnixFileMode(_targetPath!));
                File.Move(_tempPath!, _targetPath!, overwrite: true);
            }
            _committed = true;
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            throw Failure(_path, e);
        }
    }

    /// <summary>Closes the output; an Atomic one not committed is deleted (the path keeps what it had).</summary>
    public void Dispose()
    {
        try { Stream.Dispose(); }
        catch (Exception e) when (IsWriteFailure(e)) { }
        if (How == Kind.Atomic && !_committed)
            try { File.Delete(_tempPath!); } catch (Exception e) when (IsWriteFailure(e)) { }
    }

    /// <summary>Writes one output whole.</summary>
    public static void Write(string path, byte[] bytes, TextWriter? stdout = null) => WriteAll(stdout, (path, bytes));

    /// <summary>Writes several outputs all or none as far as the file system allows: every
    /// regular file is written to its temporary file first, then the write-through outputs,
    /// and only then are the temporary files renamed into place (so `r4 asm -o OUT --listing
    /// BAD` leaves no OUT behind).</summary>
    public static void WriteAll(TextWriter? stdout, params (string Path, byte[] Bytes)[] files)
    {
        var opened = new List<OutputFile>();
        try
        {
            foreach (var (path, _) in files)
                opened.Add(Open(path, stdout));
            var order = Enumerable.Range(0, files.Length).OrderBy(i => opened[i].How == Kind.Atomic ? 0 : 1).ToList();
            foreach (int i in order)
            {
                try { opened[i].Stream.Write(files[i].Bytes); }
                catch (Exception e) when (IsWriteFailure(e)) { throw Failure(files[i].Path, e); }
                if (opened[i].How != Kind.Atomic) opened[i].Commit();
            }
            foreach (var file in opened)
                file.Commit();
        }
        finally
        {
            foreach (var file in opened)
                file.Dispose();
        }
    }

    /// <summary>Fails with "cannot write" (exit 73) when <paramref name="path"/> names a
    /// directory or a file in a folder that does not exist: checked before a run, so that a
    /// run's result is not lost to an output that could never have been written.</summary>
    public static void RequireWritable(string path)
    {
        if (IsStandardOutput(path)) return;
        string full;
        try { full = Path.GetFullPath(ResolveTarget(path)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot write '{path}': {e.Message}", ExitCodes.CannotWrite);
        }
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full))
            throw new UserError($"cannot write '{path}': it is a directory", ExitCodes.CannotWrite);
        if (folder is not null && !Directory.Exists(folder))
            throw new UserError($"cannot write '{path}': no such directory '{folder}'", ExitCodes.CannotWrite);
    }

    /// <summary>The process's standard output as a stream that reports a closed pipe: .NET's
    /// console stream silently drops writes after EPIPE, so `r4 run flood.asm | head` would
    /// run forever; a FileStream over descriptor 1 throws an IOException instead.</summary>
    public static Stream OpenProcessStandardOutput()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        return new StandardOutputStream();
    }

    /// <summary>Descriptor 1 written with write(2) itself: no position of its own (a FileStream
    /// over a redirected regular file would write at offset 0 over what the shell or `dotnet
    /// run` already wrote there), and a closed pipe is an IOException, not a silent drop.</summary>
    private sealed unsafe partial class StandardOutputStream : Stream
    {
        private const int Interrupted = 4;   // EINTR
        private const int BrokenPipe = 32;   // EPIPE

        // LibraryImport (with DisableRuntimeMarshalling, Program.cs): ReadyToRun compiles the call,
        // where a DllImport with SetLastError had the .NET JIT build an IL stub in every run.
        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static partial nint WriteDescriptor(int descriptor, byte* buffer, nint count);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                int written = 0;
                while (written < buffer.Length)
                {
                    nint count = WriteDescriptor(1, start + written, buffer.Length - written);
                    if (count >= 0) { written += (int)count; continue; }
                    int error = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (error == BrokenPipe) throw new StandardOutputClosedException();
                    if (error != Interrupted) throw new IOException($"standard output: write failed (errno {error})");
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>True for `-` and the names of the process's own standard output.</summary>
    public static bool IsStandardOutput(string path) =>
        path is "-" or "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1";

    /// <summary>The file a write to <paramref name="path"/> must change: the final target of
    /// a symlink chain (relative targets taken from the link's folder), else the path.
    /// Paths under /dev and /proc are left alone: their links are the kernel's.</summary>
    private static string ResolveTarget(string path)
    {
        string full = Path.GetFullPath(path);
        if (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal))
            return full;
        for (int hops = 0; hops < 40; hops++)
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not { } link) return full;
            full = Path.GetFullPath(link, Path.GetDirectoryName(full) ?? "/");
        }
        throw new IOException("too many levels of symbolic links");
    }

    /// <summary>True when <paramref name="path"/> (following symlinks) is a regular file; a
    /// FIFO, device or socket is not. Without statx every file outside /dev and /proc counts
    /// as regular.</summary>
    private static unsafe bool IsRegularFile(string path)
    {
        if (path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal))
            return false;
        if (!OperatingSystem.IsLinux()) return true;
        byte* buffer = stackalloc byte[256];
        try
        {
            if (Statx(-100 /* AT_FDCWD */, path, 0, 1 /* STATX_TYPE */, buffer) != 0) return true;
        }
        catch (EntryPointNotFoundException) { return true; }
        ushort mode = *(ushort*)(buffer + 28);   // struct statx: stx_mode
        return (mode & 0xF000) == 0x8000;        // S_IFREG
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    private static bool IsWriteFailure(Exception e) =>
        e is (IOException and not StandardOutputClosedException) or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static UserError Failure(string path, Exception e) =>
        new($"cannot write '{path}': {Describe(path, e)}", ExitCodes.CannotWrite);

    /// <summary>Why a file cannot be written, in the user's terms (never the name of a temporary file).</summary>
    private static string Describe(string path, Exception e)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full)) return "it is a directory";
        if (folder is not null && !Directory.Exists(folder)) return $"no such directory '{folder}'";
        if (e is UnauthorizedAccessException) return "permission denied";
        return e.Message;
    }
}

/// <summary>The reader of the process's standard output went away (EPIPE): not a failure to
/// write a file (73) but the end of the command, exit 74 (Program.Run), without a message.</summary>
public sealed class StandardOutputClosedException() : IOException("standard output closed (broken pipe)");
