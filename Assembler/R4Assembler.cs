// The assembler's public face: options, results and the two entry points. The driver runs
// passes (AssemblyPass) until every symbol keeps its value from one pass to the next, then
// builds the ProgramImage from the last pass: segments, entry point, symbols, line table.
//
// Entry point: the value of `.entry` if given; else the label `_start` if defined; else the
// lowest loaded address (0 when nothing is loaded).
using R4.Isa.Image;

namespace R4.Assembler;

public sealed class AssemblyOptions
{
    /// <summary>Symbols defined before the first line (-D NAME=VALUE).</summary>
    public IReadOnlyDictionary<string, long> Defines { get; init; } = NoDefines;

    /// <summary>No defines: the default of <see cref="Defines"/>, which the assembler recognises
    /// without touching it (a Dictionary&lt;string, long&gt; costs start-up: docs/performance.md).</summary>
    public static IReadOnlyDictionary<string, long> NoDefines { get; } = new Dictionary<string, long>();

    /// <summary>The most bytes a program may emit in all: a guard against a mistyped
    /// <c>.space</c> filling the host's memory, far above any RAM size a guest uses.</summary>
    public long MaximumProgramBytes { get; init; } = 256L << 20;

    /// <summary>The most lines one pass processes after includes and macro expansion
    /// (<see cref="AssemblerLimits.MaximumExpandedLines"/>; at most that, tests set less).</summary>
    public int MaximumExpandedLines { get; init; } = AssemblerLimits.MaximumExpandedLines;
}

public sealed class AssemblyResult
{
    public bool Succeeded => Errors.Count == 0 && Image is not null;
    public IReadOnlyList<AssemblyDiagnostic> Errors { get; init; } = [];
    /// <summary>The program; null when there are errors.</summary>
    public ProgramImage? Image { get; init; }
    /// <summary>The listing of the last pass (also produced when there are errors).</summary>
    public string Listing
    {
        get => listing ??= renderListing?.Invoke() ?? "";
        init => listing = value;
    }

    // The listing is made when first asked for: `r4 run` never reads it, and rendering it
    // (hex, padding) was a measurable part of a short run's start-up.
    private string? listing;
    private readonly Func<string>? renderListing;
    internal Func<string> ListingSource { init => renderListing = value; }

    public byte[] ToElf() => Elf32.Write(Image ?? throw NoImage());

    /// <summary>The bytes from the lowest to the highest loaded address, gaps zero-filled;
    /// <paramref name="baseAddress"/> is the lowest address (0 for an empty program).</summary>
    /// <exception cref="FlatBinaryException">The span from the lowest to the highest address is
    /// larger than <see cref="MaximumFlatBytes"/> (regions far apart: mostly gap).</exception>
    public byte[] ToFlatBinary(out uint baseAddress)
    {
        var image = Image ?? throw NoImage();
        baseAddress = 0;
        if (image.Segments.Count == 0) return [];
        uint low = image.Segments.Min(s => s.VirtualAddress);
        long high = image.Segments.Max(s => s.VirtualAddress + (long)s.MemorySize);
        if (high - low > MaximumFlatBytes)
            throw new FlatBinaryException(
                $"a flat binary would span 0x{low:x8}..0x{high - 1:x8} ({high - low} bytes, gaps zero-filled), more than {MaximumFlatBytes >> 20} MiB; " +
                "write an ELF image instead (it keeps each region as a segment of its own)");
        var bytes = new byte[high - low];
        foreach (var segment in image.Segments)
            segment.Data.CopyTo(bytes, segment.VirtualAddress - low);
        baseAddress = low;
        return bytes;
    }

    /// <summary>The largest flat binary written: the same bound as the bytes a program may emit.</summary>
    public const long MaximumFlatBytes = 256L << 20;

    private static InvalidOperationException NoImage() =>
        new("the assembly has errors, so there is no program to write");
}

/// <summary>A program that cannot be written as a flat binary; the message says why.</summary>
public sealed class FlatBinaryException(string message) : Exception(message);

public static class R4Assembler
{
    /// <summary>Passes after which the layout is declared unsettled (each li grows at most
    /// once, so only layout-dependent .if/.org can keep addresses moving).</summary>
    public const int MaximumPasses = 16;

    public const string EntrySymbol = "_start";

    public static AssemblyResult AssembleFile(string path, AssemblyOptions? options = null)
    {
        string text;
        try
        {
            text = SourceFiles.ReadText(path);
        }
        catch (SourceLimitException e)
        {
            return new AssemblyResult { Errors = [new AssemblyDiagnostic(path, e.Line, e.Column, e.Message, "")] };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new AssemblyResult { Errors = [new AssemblyDiagnostic(path, 0, 0, $"cannot read '{path}': {SourceFiles.DescribeReadError(e)}", "")] };
        }
        return AssembleText(text, path, options);
    }

    /// <summary>Assembles text; includes are resolved relative to <paramref name="fileName"/>'s folder.</summary>
    public static AssemblyResult AssembleText(string source, string fileName = "<input>", AssemblyOptions? options = null)
    {
        var files = new SourceFiles();
        string fullPath = Path.GetFullPath(fileName);
        files.Add(fullPath, source);
        var shared = new PassShared(files, options ?? new AssemblyOptions());

        IReadOnlyDictionary<string, SymbolDefinition>? previous = null;
        AssemblyPass pass;
        bool settled;
        int passes = 0;
        do
        {
            int twoWordLiBefore = shared.TwoWordLi.Count;
            pass = new AssemblyPass(shared, previous);
            pass.Run(fileName, fullPath);
            passes++;
            settled = pass.Symbols.SameValuesAs(previous) && shared.TwoWordLi.Count == twoWordLiBefore;
            previous = pass.Symbols.Current;
        } while (!settled && passes < MaximumPasses && !pass.Diagnostics.Fatal);

        var diagnostics = pass.Diagnostics;
        // Other errors are the likelier cause of moving addresses; report them alone.
        if (!settled && diagnostics.Count == 0)
            diagnostics.Add(new AssemblyDiagnostic(fileName, 0, 0,
                $"addresses still change after {MaximumPasses} passes (a .if or .org depends on addresses that keep moving)", ""));
        // A pass stopped by a limit may have listed half a million lines: nobody reads them.
        var finalPass = pass;
        Func<string> listing = finalPass.Diagnostics.Fatal ? () => "" : () => finalPass.Listing.Render();
        if (diagnostics.Count > 0)
            return new AssemblyResult { Errors = diagnostics.All, ListingSource = listing };

        var segments = pass.Output.Segments();
        // An explicit entry point must hold code the program loads: elsewhere RAM is zero (#UD).
        if (pass.Entry is { } given && segments.Count > 0
            && !segments.Any(s => (ulong)given.Address - s.VirtualAddress < s.MemorySize))
        {
            var bag = new DiagnosticBag();
            bag.Report(given.Line, 0, $"entry point 0x{given.Address:x8} is outside every loaded region (" +
                string.Join(", ", segments.Select(s => $"0x{s.VirtualAddress:x8}..0x{s.VirtualAddress + s.MemorySize - 1:x8}")) + ")");
            return new AssemblyResult { Errors = bag.All, ListingSource = listing };
        }
        uint entry = pass.Entry is { } e ? (uint)e.Address
            : pass.Symbols.Current.TryGetValue(EntrySymbol, out var start) && start.Kind == SymbolKind.Label ? (uint)start.Value
            : segments.Count > 0 ? segments[0].VirtualAddress : 0;
        var symbols = new List<ImageSymbol>(pass.Symbols.InDefinitionOrder.Count + shared.DefinesInOrder.Count);
        foreach (var s in pass.Symbols.InDefinitionOrder)
            symbols.Add(new ImageSymbol(s.Name, (uint)s.Value, s.Kind, s.Kind == SymbolKind.Label ? pass.LabelSize(s.Name) : 0));
        foreach (var d in shared.DefinesInOrder)
            symbols.Add(new ImageSymbol(d.Name, (uint)d.Value, SymbolKind.Constant));
        return new AssemblyResult
        {
            Image = new ProgramImage(entry, segments, symbols, pass.Lines),
            ListingSource = listing,
        };
    }
}
