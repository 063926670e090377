// Diagnostics: the error record every failure becomes (file:line:col, message, the source
// line and a caret), the exception that carries an error out of one statement, the bag that
// collects all errors of a pass, and "did you mean" suggestions.
namespace R4.Assembler;

/// <summary>One error: <c>file:line:col: error: message</c>, the source line and a caret.
/// A diagnostic with <see cref="Line"/> 0 is about the file as a whole (e.g. it cannot be read).</summary>
public sealed record AssemblyDiagnostic(string File, int Line, int Column, string Message, string SourceText)
{
    public string Format()
    {
        if (Line <= 0)
            return $"{File}: error: {Message}";
        // The caret line copies tabs from the source so the caret lines up in a terminal.
        var caret = new System.Text.StringBuilder();
        for (int i = 0; i < Column - 1; i++)
            caret.Append(i < SourceText.Length && SourceText[i] == '\t' ? '\t' : ' ');
        caret.Append('^');
        return $"{File}:{Line}:{Column}: error: {Message}\n{SourceText}\n{caret}";
    }

    public override string ToString() => Format();
}

/// <summary>An error in the statement being assembled. <see cref="Column"/> is 1-based, in the
/// text of the line as assembled (after macro parameter substitution).</summary>
internal sealed class AssemblyException(string message, int column) : Exception(message)
{
    public int Column { get; } = column;
}

/// <summary>All errors of one pass, in the order they were found.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<AssemblyDiagnostic> diagnostics = [];

    public IReadOnlyList<AssemblyDiagnostic> All => diagnostics;
    public int Count => diagnostics.Count;

    public void Report(LogicalLine line, int column, string message) =>
        diagnostics.Add(new AssemblyDiagnostic(line.File, line.Line, Math.Max(1, column), message + line.ExpansionSuffix, line.Text));

    public void Add(AssemblyDiagnostic diagnostic) => diagnostics.Add(diagnostic);
}

/// <summary>Closest-spelling suggestions for unknown names.</summary>
internal static class Suggestions
{
    /// <summary>" (did you mean 'x'?)" for the closest candidate within edit distance 2, else "".</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates)
    {
        string lower = word.ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = EditDistance(lower, candidate.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = candidate; }
        }
        int allowed = word.Length <= 3 ? 1 : 2;
        return best is not null && bestDistance <= allowed ? $" (did you mean '{best}'?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
