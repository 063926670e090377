// Symbols of one pass: labels (addresses) and constants (.equ, NAME = e), plus the -D
// defines and, for forward references, the values the previous pass ended with.
using R4.Isa.Image;

namespace R4.Assembler;

internal sealed record SymbolDefinition(string Name, long Value, SymbolKind Kind, string File, int Line);

internal sealed class SymbolTable(Dictionary<string, SymbolDefinition> defines, IReadOnlyDictionary<string, SymbolDefinition>? previousPass)
{
    private readonly Dictionary<string, SymbolDefinition> current = new(StringComparer.Ordinal);
    private readonly List<SymbolDefinition> inOrder = [];

    /// <summary>Symbols defined so far in this pass, by name.</summary>
    public IReadOnlyDictionary<string, SymbolDefinition> Current => current;
    public IReadOnlyList<SymbolDefinition> InDefinitionOrder => inOrder;

    /// <summary>Defines a symbol. A constant named by -D keeps the -D value (the source gives
    /// a default, the command line overrides it); anything else defined twice is an error.</summary>
    public void Define(string name, long value, SymbolKind kind, LogicalLine line, int column)
    {
        if (defines.TryGetValue(name, out var define))
        {
            if (kind == SymbolKind.Constant) return;
            throw new AssemblyException($"symbol '{name}' is already defined by -D {name}={define.Value}", column);
        }
        if (current.TryGetValue(name, out var existing))
            throw new AssemblyException($"symbol '{name}' is already defined at {existing.File}:{existing.Line}", column);
        var definition = new SymbolDefinition(name, value, kind, line.File, line.Line);
        current.Add(name, definition);
        inOrder.Add(definition);
    }

    /// <summary>True when defined in this pass before now, or by -D.</summary>
    public bool IsDefinedNow(string name) => current.ContainsKey(name) || defines.ContainsKey(name);

    public bool TryGetNow(string name, out long value)
    {
        if (current.TryGetValue(name, out var definition) || defines.TryGetValue(name, out definition)) { value = definition.Value; return true; }
        value = 0;
        return false;
    }

    /// <summary>A forward reference: the value the previous pass found.</summary>
    public bool TryGetFromPreviousPass(string name, out long value)
    {
        value = 0;
        if (previousPass is null || !previousPass.TryGetValue(name, out var definition)) return false;
        value = definition.Value;
        return true;
    }

    /// <summary>Every name known in this pass so far, the -D defines and the previous pass, as
    /// it is now but listed only when called (for a suggestion computed only if an error is shown).</summary>
    public Func<IEnumerable<string>> AllNamesAsNow()
    {
        int count = inOrder.Count;
        return () => inOrder.Take(count).Select(d => d.Name).Concat(defines.Keys).Concat(previousPass?.Keys ?? []).Distinct();
    }

    /// <summary>True when every symbol has the same value as in <paramref name="other"/>.</summary>
    public bool SameValuesAs(IReadOnlyDictionary<string, SymbolDefinition>? other)
    {
        if (other is null || other.Count != current.Count) return false;
        foreach (var definition in inOrder)   // a plain loop: no LINQ over KeyValuePair (start-up)
            if (!other.TryGetValue(definition.Name, out var o) || o.Value != definition.Value) return false;
        return true;
    }
}
