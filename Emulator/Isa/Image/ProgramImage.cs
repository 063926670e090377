// A loadable program: what the assembler produces and the machine loads. The ELF32 file
// format (Elf32.cs) and flat binaries are two encodings of it.
namespace R4.Isa.Image;

[Flags]
public enum SegmentFlags : byte { None = 0, Execute = 1, Write = 2, Read = 4 }

/// <summary>A loadable segment: <see cref="Data"/> is copied to <see cref="PhysicalAddress"/>;
/// the remaining <see cref="MemorySize"/> - Data.Length bytes are zero.</summary>
public sealed record ImageSegment(uint VirtualAddress, uint PhysicalAddress, byte[] Data, uint MemorySize, SegmentFlags Flags);

public enum SymbolKind : byte { Label, Constant }

/// <summary>A symbol: a label (an address) or a constant from <c>.equ</c>. A label's
/// <see cref="Size"/> is its extent in bytes (ELF st_size): the assembler gives every label the
/// bytes from it to the next label at a higher address, <c>.align</c>, <c>.org</c> or the end of
/// its region, so padding and an unlabelled <c>.space</c> after <c>.align</c> (a stack) belong
/// to no label. 0 for a label with nothing after it, and for images that carry no sizes.</summary>
public sealed record ImageSymbol(string Name, uint Value, SymbolKind Kind, uint Size = 0);

/// <summary>Where the instruction or data at <see cref="Address"/> came from.</summary>
public sealed record SourceLine(uint Address, string File, int Line);

/// <summary>Raised for an image that cannot be loaded; the message names the file and what is wrong.</summary>
public sealed class ImageFormatException(string message) : Exception(message);

public sealed class ProgramImage
{
    private readonly ImageSymbol[] labelsByAddress;
    private readonly SourceLine[] linesByAddress;

    public ProgramImage(uint entry, IReadOnlyList<ImageSegment> segments,
        IReadOnlyList<ImageSymbol>? symbols = null, IReadOnlyList<SourceLine>? lines = null)
    {
        Entry = entry;
        Segments = segments;
        Symbols = symbols ?? Array.Empty<ImageSymbol>();
        Lines = lines ?? Array.Empty<SourceLine>();
        // By address, a global label before a local one, then by name (ordinal); lines by
        // address. Stable sorts written out rather than LINQ's OrderBy over a uint key, a generic
        // instantiation no ReadyToRun image holds: the .NET JIT compiled ten methods for it in
        // every `r4 run` (start-up, docs/performance.md).
        var labels = new List<ImageSymbol>();
        foreach (var symbol in Symbols)
            if (symbol.Kind == SymbolKind.Label) labels.Add(symbol);
        labelsByAddress = StableSorted(labels, CompareLabels);
        linesByAddress = StableSorted(Lines, static (a, b) => a.Address.CompareTo(b.Address));
        foreach (var label in labelsByAddress)
            hasLabelSizes |= label.Size > 0;
    }

    private static int CompareLabels(ImageSymbol a, ImageSymbol b)
    {
        int order = a.Value.CompareTo(b.Value);
        if (order == 0) order = (a.Name.StartsWith('.') ? 1 : 0).CompareTo(b.Name.StartsWith('.') ? 1 : 0);
        return order != 0 ? order : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>The items in order, equal ones as they came (a merge sort).</summary>
    private static T[] StableSorted<T>(IReadOnlyList<T> items, Comparison<T> compare) where T : class
    {
        var sorted = new T[items.Count];
        for (int i = 0; i < sorted.Length; i++) sorted[i] = items[i];
        var scratch = new T[sorted.Length];
        for (int width = 1; width < sorted.Length; width *= 2)
        {
            for (int low = 0; low < sorted.Length; low += 2 * width)
            {
                int middle = Math.Min(low + width, sorted.Length), high = Math.Min(low + 2 * width, sorted.Length);
                int left = low, right = middle, at = low;
                while (left < middle && right < high)
                    scratch[at++] = compare(sorted[right], sorted[left]) < 0 ? sorted[right++] : sorted[left++];
                while (left < middle) scratch[at++] = sorted[left++];
                while (right < high) scratch[at++] = sorted[right++];
            }
            (sorted, scratch) = (scratch, sorted);
        }
        return sorted;
    }

    /// <summary>True when the labels carry extents (the assembler's images): a label then names
    /// only the addresses inside it, and one of size 0 only its own address. Images without
    /// sizes (other tools, hand-made) fall back to "up to the end of the label's segment".</summary>
    private readonly bool hasLabelSizes;

    public uint Entry { get; }
    public IReadOnlyList<ImageSegment> Segments { get; }
    public IReadOnlyList<ImageSymbol> Symbols { get; }
    public IReadOnlyList<SourceLine> Lines { get; }

    /// <summary>The nearest label at or below <paramref name="address"/> (a global label is
    /// preferred over a local one at the same address), or null.</summary>
    public ImageSymbol? LabelAtOrBelow(uint address)
    {
        int lo = 0, hi = labelsByAddress.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (labelsByAddress[mid].Value <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (found < 0) return null;
        uint value = labelsByAddress[found].Value;
        while (found > 0 && labelsByAddress[found - 1].Value == value) found--;
        return labelsByAddress[found];
    }

    /// <summary>"name" or "name+0x1c" for an address, or null when no label precedes it in
    /// the same loadable segment: an address past the image's end (a stack, a page a kernel
    /// maps later) is not "last_label+0x3f68". With label sizes, a label names only the
    /// addresses inside it: a stack of unlabelled <c>.space</c> after a vector table is not "ivt+0x2f0".</summary>
    public string? Symbolize(uint address)
    {
        var label = LabelAtOrBelow(address);
        if (label is null) return null;
        uint offset = address - label.Value;
        if (offset == 0) return label.Name;
        if (hasLabelSizes) return offset < label.Size ? $"{label.Name}+0x{offset:x}" : null;
        foreach (var segment in Segments)
            if (label.Value - segment.VirtualAddress < segment.MemorySize && address - segment.VirtualAddress < segment.MemorySize)
                return $"{label.Name}+0x{offset:x}";
        return null;
    }

    /// <summary>The source line of the instruction at <paramref name="address"/>, or null.</summary>
    public SourceLine? LineAt(uint address)
    {
        int lo = 0, hi = linesByAddress.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint a = linesByAddress[mid].Address;
            if (a == address) return linesByAddress[mid];
            if (a < address) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }

    /// <summary>The address of a symbol by name, or null.</summary>
    public uint? Lookup(string name)
    {
        foreach (var s in Symbols)
            if (s.Name == name) return s.Value;
        return null;
    }
}
