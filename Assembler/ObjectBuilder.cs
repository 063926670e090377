// The bytes a pass emits, kept as regions: a region grows while the location counter moves
// forward contiguously; `.org` starts a new one. At the end, regions are checked for overlap
// and become the image's loadable segments (regions that touch are merged).
using R4.Isa.Image;

namespace R4.Assembler;

internal sealed class ObjectBuilder
{
    public const long AddressSpaceEnd = 1L << 32;

    /// <summary>At most this many bytes are emitted in all (see AssemblyOptions).</summary>
    private readonly long maximumProgramBytes;
    private long emittedBytes;

    public ObjectBuilder(long maximumProgramBytes) => this.maximumProgramBytes = maximumProgramBytes;

    internal sealed class Region
    {
        public required uint Start;
        public readonly ByteBuffer Bytes = new();
        /// <summary>The line that started the region (its .org, or its first statement).</summary>
        public required LogicalLine Line;
        public required int Column;
        public long End => Start + (long)Bytes.Count;
    }

    private readonly List<Region> regions = [];
    private Region? open;
    private (LogicalLine Line, int Column)? pendingOrigin;

    /// <summary>The location counter.</summary>
    public long Location { get; private set; }

    public IReadOnlyList<Region> Regions => regions;

    public void SetOrigin(long address, LogicalLine line, int column)
    {
        Location = address;
        open = null;
        pendingOrigin = (line, column);
    }

    /// <summary>Checks that <paramref name="count"/> more bytes may be emitted here.</summary>
    public void CheckRoom(long count)
    {
        if (Location + count > AddressSpaceEnd)
            throw new AssemblyException($"{count} byte{(count == 1 ? "" : "s")} at 0x{Location:x8} would pass the end of the 32-bit address space (the last address is 0xffffffff)", 0);
        if (emittedBytes + count > maximumProgramBytes)
            throw new AssemblyException($"the program would exceed {maximumProgramBytes} bytes of output (is a .space size mistyped?)", 0);
    }

    public void Emit(ReadOnlySpan<byte> bytes, LogicalLine line)
    {
        if (bytes.Length == 0) return;
        CheckRoom(bytes.Length);
        emittedBytes += bytes.Length;
        if (open is null)
        {
            var (originLine, column) = pendingOrigin ?? (line, 1);
            open = new Region { Start = (uint)Location, Line = originLine, Column = column };
            regions.Add(open);
        }
        open.Bytes.Append(bytes);
        Location += bytes.Length;
    }

    /// <summary>Reports every region that overlaps an earlier-written one, naming both lines.</summary>
    public void CheckOverlaps(DiagnosticBag diagnostics)
    {
        for (int later = 1; later < regions.Count; later++)
        {
            var r = regions[later];
            for (int earlier = 0; earlier < later; earlier++)
            {
                var e = regions[earlier];
                if (r.Start < e.End && e.Start < r.End)
                {
                    diagnostics.Report(r.Line, r.Column,
                        $"bytes at 0x{r.Start:x8}..0x{r.End - 1:x8} overlap bytes at 0x{e.Start:x8}..0x{e.End - 1:x8} from {e.Line.File}:{e.Line.Line}");
                    break;
                }
            }
        }
    }

    /// <summary>The loadable segments, in address order; touching regions are merged.</summary>
    public List<ImageSegment> Segments()
    {
        var segments = new List<ImageSegment>();
        var flags = SegmentFlags.Read | SegmentFlags.Write | SegmentFlags.Execute;
        uint start = 0;
        ByteBuffer? bytes = null;
        foreach (var region in NonEmptyByStart())
        {
            if (bytes is not null && start + (long)bytes.Count == region.Start)
            {
                bytes.Append(region.Bytes.AsSpan());
                continue;
            }
            if (bytes is not null) segments.Add(new ImageSegment(start, start, bytes.ToArray(), (uint)bytes.Count, flags));
            start = region.Start;
            bytes = new ByteBuffer();
            bytes.Append(region.Bytes.AsSpan());
        }
        if (bytes is not null) segments.Add(new ImageSegment(start, start, bytes.ToArray(), (uint)bytes.Count, flags));
        return segments;
    }

    /// <summary>The regions that hold bytes, by start address; regions at one start keep their
    /// order (a stable insertion sort: a program has a handful of regions, and OrderBy over a
    /// uint key is a generic instantiation the .NET JIT compiled at every run's start).</summary>
    private List<Region> NonEmptyByStart()
    {
        var sorted = new List<Region>(regions.Count);
        foreach (var region in regions)
        {
            if (region.Bytes.Count == 0) continue;
            int at = sorted.Count;
            while (at > 0 && sorted[at - 1].Start > region.Start) at--;
            sorted.Insert(at, region);
        }
        return sorted;
    }
}
