// Executable memory for the JIT: one anonymous read/write/execute mapping per machine
// (mmap/munmap through P/Invoke; Linux x64 only), handed out by a bump pointer. All code of
// a machine lives in one mapping, so every jump between its pieces fits a rel32. When the
// arena is full the engine drops every compiled block and starts again from the bottom.
using System.Runtime.InteropServices;

// Every P/Invoke of R4.Machine is blittable: with runtime marshalling off, ReadyToRun compiles
// the calls into the image instead of the .NET JIT compiling an IL stub for each at its first
// call (~0.3 ms apiece, the arena's mmap among them at a run's first JIT compile).
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

namespace R4.Machine.Jit;

internal sealed unsafe partial class ExecutableMemory : IDisposable
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    private nint mapping;
    private readonly nuint sizeBytes;
    private nuint used;

    private ExecutableMemory(nint mapping, nuint sizeBytes)
    {
        this.mapping = mapping;
        this.sizeBytes = sizeBytes;
    }

    /// <summary>Maps <paramref name="sizeBytes"/> of RWX memory, or returns null when the platform
    /// is not Linux x64 or the kernel refuses (the machine then interprets).</summary>
    public static ExecutableMemory? TryCreate(nuint sizeBytes)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        try
        {
            nint p = Mmap(0, sizeBytes, ProtRead | ProtWrite | ProtExec, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);   // pages cost memory only once written
            return p == -1 || p == 0 ? null : new ExecutableMemory(p, sizeBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The address the next piece of code will be copied to.</summary>
    public ulong NextAddress => (ulong)(mapping + (nint)used);

    public nuint FreeBytes => sizeBytes - used;

    /// <summary>Copies code assembled for <see cref="NextAddress"/> into the arena.</summary>
    public nint Append(ReadOnlySpan<byte> code)
    {
        if ((nuint)code.Length > FreeBytes) throw new InvalidOperationException("executable arena full");
        nint at = mapping + (nint)used;
        code.CopyTo(new Span<byte>((void*)at, code.Length));
        used += (nuint)((code.Length + 15) & ~15);
        return at;
    }

    /// <summary>Forgets everything after the first <paramref name="keepBytes"/> (the trampolines).</summary>
    public void ResetTo(nuint keepBytes) => used = keepBytes;

    public nuint Used => used;

    public void Dispose()
    {
        if (mapping == 0) return;
        Munmap(mapping, sizeBytes);
        mapping = 0;
    }
}
