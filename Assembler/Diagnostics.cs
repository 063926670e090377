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
/// text of the line as assembled (after macro parameter substitution). A "did you mean"
/// <paramref name="suggestion"/> is computed only when the message is read: the early
/// passes throw many of these for forward references and drop them.</summary>
internal sealed class AssemblyException(string message, int column, Func<string>? suggestion = null) : Exception(message)
{
    private string? fullMessage;

    public int Column { get; } = column;

    public override string Message => fullMessage ??= suggestion is null ? base.Message : base.Message + suggestion();
}

/// <summary>All errors of one pass, in the order they were found.</summary>
internal sealed class DiagnosticBag
{
    // An error of a statement keeps its exception until the message is needed (see AssemblyException).
    private readonly List<Func<AssemblyDiagnostic>> diagnostics = [];

    public IReadOnlyList<AssemblyDiagnostic> All => diagnostics.Select(d => d()).ToList();
    public int Count => diagnostics.Count;

    /// <summary>Reports a statement's error; its message (and suggestion) is built only if read.</summary>
    public void Report(LogicalLine line, AssemblyException error)
    {
        int column = error.Column;
        if (column <= 0) column = line.Text.Length - line.Text.TrimStart().Length + 1;
        diagnostics.Add(() => new AssemblyDiagnostic(line.File, line.Line, column, error.Message + line.ExpansionSuffix, line.Text));
    }

    /// <summary>Adds an error; a column of 0 or less means "the statement as a whole" and
    /// points at the line's first non-blank character.</summary>
    public void Report(LogicalLine line, int column, string message)
    {
        if (column <= 0) column = line.Text.Length - line.Text.TrimStart().Length + 1;
        var diagnostic = new AssemblyDiagnostic(line.File, line.Line, column, message + line.ExpansionSuffix, line.Text);
        diagnostics.Add(() => diagnostic);
    }

    public void Add(AssemblyDiagnostic diagnostic) => diagnostics.Add(() => diagnostic);
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
        // Short names only get a suggestion for a difference of case (or one edit from 3 letters).
        int allowed = word.Length <= 2 ? 0 : word.Length <= 4 ? 1 : 2;
        return best is not null && bestDistance <= allowed ? $" (did you mean '{best}'?)" : "";
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) from a to b.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(d[i - 1, j - 1] + cost, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
