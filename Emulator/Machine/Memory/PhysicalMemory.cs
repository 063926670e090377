// Physical RAM: one zeroed native region addressed through a byte* Base, so the
// interpreter (and a JIT) touch guest memory with plain pointer arithmetic. Bulk copies
// (loader, disk DMA, monitor) go through Read/Write, which keep the CPU's decoded-code
// cache coherent.
//
// On Linux the region is an anonymous private mapping reserved without swap accounting
// (MAP_NORESERVE): the kernel commits a page on its first touch, so a machine given 2 GiB
// costs what the guest touches, and reset gives pages back with madvise(MADV_DONTNEED)
// (which reads back as zeros) instead of writing every byte. Elsewhere it falls back to
// one zeroed allocation. TouchedPages tells which pages may hold data (mincore), so
// snapshots and the hosted monitor need not scan all of RAM.
using System.Runtime.InteropServices;

namespace R4.Machine;

public sealed unsafe class PhysicalMemory : IDisposable
{
    private readonly bool mapped;

    public PhysicalMemory(uint sizeBytes)
    {
        if (sizeBytes == 0 || sizeBytes % Isa.PageBits.PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), $"RAM size {sizeBytes} bytes: give a non-zero multiple of 4096");
        SizeBytes = sizeBytes;
        if (OperatingSystem.IsLinux())
        {
            void* p = LinuxMemory.mmap(null, sizeBytes, LinuxMemory.ProtRead | LinuxMemory.ProtWrite,
                LinuxMemory.MapPrivate | LinuxMemory.MapAnonymous | LinuxMemory.MapNoReserve, -1, 0);
            if (p != LinuxMemory.MapFailed)
            {
                Base = (byte*)p;
                mapped = true;
                return;
            }
        }
        Base = (byte*)NativeMemory.AllocZeroed(sizeBytes);
    }

    public uint SizeBytes { get; }

    /// <summary>Host address of physical address 0.</summary>
    public byte* Base { get; private set; }

    /// <summary>True when RAM is committed page by page on first touch (Linux).</summary>
    public bool IsCommittedOnTouch => mapped;

    /// <summary>The decoded-code cache told about every bulk write (set by the CPU).</summary>
    internal DecodedCodeCache? CodeCache { get; set; }

    /// <summary>True when [address, address + length) lies inside RAM.</summary>
    public bool Contains(uint address, uint length) => (ulong)address + length <= SizeBytes;

    /// <summary>Copies RAM into <paramref name="destination"/> (DMA, loaders); the range must be inside RAM.</summary>
    public void Read(uint address, Span<byte> destination)
    {
        CheckRange(address, destination.Length);
        new ReadOnlySpan<byte>(Base + address, destination.Length).CopyTo(destination);
    }

    /// <summary>Copies bytes into RAM (DMA, loaders), keeping any decoded-code cache coherent.</summary>
    public void Write(uint address, ReadOnlySpan<byte> source)
    {
        CheckRange(address, source.Length);
        source.CopyTo(new Span<byte>(Base + address, source.Length));
        CodeCache?.InvalidateRange(address, (uint)source.Length);
    }

    /// <summary>Zeroes all of RAM (reset). With RAM mapped on touch this hands the touched
    /// pages back to the kernel (they read as zero again) and costs what was touched.</summary>
    public void Clear()
    {
        if (!mapped || LinuxMemory.madvise(Base, SizeBytes, LinuxMemory.MadvDontNeed) != 0)
            NativeMemory.Clear(Base, SizeBytes);
        CodeCache?.InvalidateRange(0, SizeBytes);
    }

    /// <summary>Numbers of the pages (physical address >> 12, ascending) that may hold
    /// non-zero data: the pages the host has committed since the last Clear (a page only
    /// read may be listed and read as zeros; a page not listed is certainly zero). Without
    /// on-touch RAM every page is listed. Cost: one mincore call, one byte per page.</summary>
    public List<uint> TouchedPages()
    {
        uint pageCount = SizeBytes >> Isa.PageBits.PageShift;
        var pages = new List<uint>();
        if (mapped)
        {
            var residency = (byte*)NativeMemory.Alloc(pageCount);
            try
            {
                if (LinuxMemory.mincore(Base, SizeBytes, residency) == 0)
                {
                    for (uint page = 0; page < pageCount; page++)
                        if ((residency[page] & 1) != 0) pages.Add(page);
                    return pages;
                }
            }
            finally { NativeMemory.Free(residency); }
        }
        for (uint page = 0; page < pageCount; page++) pages.Add(page);
        return pages;
    }

    private void CheckRange(uint address, int length)
    {
        if (!Contains(address, (uint)length))
            throw new ArgumentOutOfRangeException(nameof(address),
                $"physical range 0x{address:x8}+{length} lies outside RAM ({SizeBytes} bytes)");
    }

    public void Dispose()
    {
        if (Base != null)
        {
            if (mapped) LinuxMemory.munmap(Base, SizeBytes);
            else NativeMemory.Free(Base);
            Base = null;
        }
    }

    /// <summary>The few libc calls on-touch RAM needs (Linux values of the flags). Blittable and
    /// without SetLastError, so ReadyToRun compiles the calls (no IL stub for the .NET JIT at start-up).</summary>
    private static class LinuxMemory
    {
        public const int ProtRead = 1, ProtWrite = 2;
        public const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;
        public const int MadvDontNeed = 4;
        public static readonly void* MapFailed = (void*)-1;

        [DllImport("libc")]
        public static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc")]
        public static extern int munmap(void* address, nuint length);

        [DllImport("libc")]
        public static extern int madvise(void* address, nuint length, int advice);

        [DllImport("libc")]
        public static extern int mincore(void* address, nuint length, byte* residency);
    }
}
