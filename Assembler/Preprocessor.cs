// Preprocessing: the stream of lines the assembler sees. It owns the stack of sources
// (the main file, included files, macro expansions), macro definitions (.macro/.endm) and
// their expansion with \param and \@ substitution, and conditional assembly
// (.if/.else/.endif, nestable). The pass asks it for the next line, evaluates .if
// conditions itself (they need symbols) and calls EnterIf, Include and Expand.
//
// Every line keeps where its text lives: for an included file, that file and line; for a
// macro expansion, the file and line of the macro body line (plus where it was expanded,
// which error messages mention).
using R4.Isa;

namespace R4.Assembler;

internal enum LineKind
{
    /// <summary>A line the assembler processes.</summary>
    Statement,
    /// <summary>A line in a false conditional branch.</summary>
    Skipped,
    /// <summary>.macro / .endm / .else / .endif and macro body lines: listed, handled here.</summary>
    Preprocessor,
}

/// <summary>The first word of a line after its labels (lower case), its column, and whether
/// labels came before it. A struct of our own, not a (string, int, bool) tuple: that tuple's
/// constructor has no ReadyToRun code and was compiled by the .NET JIT at start-up.</summary>
internal readonly record struct LeadingWord(string Word, int Column, bool Labeled);

internal sealed record MacroExpansion(string MacroName, string CallFile, int CallLine);

/// <summary>One line of text and where it lives.</summary>
internal sealed record LogicalLine(string Text, string File, int Line, MacroExpansion? Expansion = null, LineKind Kind = LineKind.Statement)
{
    public string ExpansionSuffix => Expansion is null ? "" : $" (in macro '{Expansion.MacroName}' expanded at {Expansion.CallFile}:{Expansion.CallLine})";
}

internal sealed record MacroDefinition(string Name, IReadOnlyList<string> Parameters, List<LogicalLine> Body, LogicalLine DefinedAt);

/// <summary>Source text by full path, read once per assembly and shared by all passes.</summary>
internal sealed class SourceFiles
{
    private readonly Dictionary<string, string[]> linesByPath = new(StringComparer.Ordinal);
    private long totalChars;

    public void Add(string fullPath, string text)
    {
        totalChars += text.Length;
        linesByPath[fullPath] = SplitLines(text);
    }

    /// <summary>The lines of a file; throws <see cref="IOException"/>-like exceptions when
    /// unreadable or past a limit (<see cref="SourceLimitException"/>).</summary>
    public string[] Read(string fullPath)
    {
        if (!linesByPath.TryGetValue(fullPath, out var lines))
        {
            string text = ReadText(fullPath);
            if (totalChars + text.Length > AssemblerLimits.MaximumTotalSourceBytes)
                throw new SourceLimitException($"the sources read so far and this one exceed {AssemblerLimits.MaximumTotalSourceBytes >> 20} MiB together (the assembler's limit)", 0, 0);
            Add(fullPath, text);
            lines = linesByPath[fullPath];
        }
        return lines;
    }

    /// <summary>A source file's text, read no further than the limit of one file (so a
    /// device such as /dev/zero ends in an error, not in the host's memory); a file that holds
    /// a NUL byte is not assembly source (an image or a flat binary, most likely), which
    /// <see cref="NotSourceTextException"/> says.</summary>
    public static string ReadText(string path)
    {
        if (Directory.Exists(path)) throw new NotSourceTextException("it is a directory");
        const int limit = AssemblerLimits.MaximumSourceFileBytes;
        byte[] buffer;
        int length = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
        {
            long known = stream.CanSeek ? stream.Length : 0;
            buffer = new byte[(int)Math.Clamp(known + 1, 4096, limit + 1L)];
            while (length <= limit)
            {
                if (length == buffer.Length)
                    Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, limit + 1L));
                int read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0) break;
                length += read;
            }
        }
        if (length > limit)
        {
            int line = 1, lineStart = 0;
            for (int i = 0; i < limit; i++)
                if (buffer[i] == (byte)'\n') { line++; lineStart = i + 1; }
            throw new SourceLimitException($"the file is larger than {limit >> 20} MiB (the assembler's limit for one source file)", line, limit - lineStart + 1);
        }
        using var reader = new StreamReader(new MemoryStream(buffer, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string text = reader.ReadToEnd();
        int nul = text.IndexOf('\0');
        if (nul >= 0)
            throw new NotSourceTextException($"it is not a text file (a NUL byte at character {nul}; an image or a flat binary is run with 'r4 run' and read with 'r4 disasm')");
        return text;
    }

    /// <summary>The lines of a text; no more than one past <see cref="AssemblerLimits.MaximumExpandedLines"/>
    /// are split off (a pass stops there anyway), so a file of newlines costs no more.</summary>
    private static string[] SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        while (lines.Count <= AssemblerLimits.MaximumExpandedLines)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                // A final newline does not start another line (an empty text is one empty line).
                if (start < text.Length || lines.Count == 0) lines.Add(text[start..] is { } last && last.EndsWith('\r') ? last[..^1] : text[start..]);
                break;
            }
            lines.Add(text[start..(end > start && text[end - 1] == '\r' ? end - 1 : end)]);
            start = end + 1;
        }
        return [.. lines];
    }

    public static string DescribeReadError(Exception e) =>
        e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
}

/// <summary>A file that exists but cannot be assembly source (a directory, a binary file).</summary>
internal sealed class NotSourceTextException(string message) : IOException(message);

/// <summary>A source past one of <see cref="AssemblerLimits"/>; <see cref="Line"/> and
/// <see cref="Column"/> say where in the file the limit was crossed (0 when not known).</summary>
internal sealed class SourceLimitException(string message, int line, int column) : IOException(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

internal sealed class Preprocessor(SourceFiles files, DiagnosticBag diagnostics, int maximumExpandedLines)
{
    public const int MaximumMacroDepth = 64;

    private sealed class Frame
    {
        public required IReadOnlyList<LogicalLine> Lines;
        public int Index;
        public string? FullPath;          // null for a macro expansion
        public required string DisplayName;
        public int MacroDepth;
    }

    private sealed class Conditional
    {
        public required bool ParentActive;
        public required bool Condition;
        public bool InElse;
        public required LogicalLine IfLine;
        public required int FrameDepth;
        public bool Active => ParentActive && (InElse ? !Condition : Condition);
    }

    private readonly List<Frame> frames = [];
    private readonly List<Conditional> conditionals = [];
    private readonly Dictionary<string, MacroDefinition> macros = new(StringComparer.OrdinalIgnoreCase);
    private MacroDefinition? collecting;
    private int collectingFrameDepth;
    private int expansionCount;
    private int linesSeen;

    public IEnumerable<string> MacroNames => macros.Keys;

    private bool Active => conditionals.Count == 0 || conditionals[^1].Active;

    public void Start(string displayName, string fullPath)
    {
        var lines = files.Read(fullPath);
        frames.Add(new Frame { Lines = FileLines(lines, displayName), FullPath = fullPath, DisplayName = displayName });
    }

    /// <summary>The next line, or false at the end of the main file (or when the pass must
    /// stop: too many errors, or more lines than <see cref="AssemblerLimits.MaximumExpandedLines"/>).</summary>
    public bool Next(out LogicalLine line)
    {
        while (frames.Count > 0 && !diagnostics.Fatal)
        {
            var frame = frames[^1];
            if (frame.Index >= frame.Lines.Count)
            {
                EndFrame();
                continue;
            }
            var next = frame.Lines[frame.Index++];
            if (++linesSeen > maximumExpandedLines)
            {
                diagnostics.ReportFatal(next, 0, $"more than {maximumExpandedLines} lines after includes and macro expansion " +
                    "(the assembler's limit; does a macro expand into several calls of another, over and over?)");
                break;
            }
            line = Classify(next);
            return true;
        }
        line = null!;
        return false;
    }

    private LogicalLine Classify(LogicalLine line)
    {
        var (word, wordColumn, labeled) = FirstWord(line.Text);
        if (collecting is not null)
        {
            if (word == ".endm")
            {
                FinishMacro();
                if (!RejectLabel(line, word, labeled)) CheckNothingAfter(line, word);
            }
            else if (word == ".macro")
                diagnostics.Report(line, wordColumn, collecting.Name.Length == 0 ? "'.macro' inside the definition of the unnamed macro above (is its '.endm' missing?)" : $"'.macro' inside the definition of macro '{collecting.Name}' (is its '.endm' missing?)");
            else
                collecting.Body.Add(line);
            return line with { Kind = LineKind.Preprocessor };
        }
        switch (word)
        {
            case ".if":
                if (Active) return line; // the pass evaluates the condition and calls EnterIf
                conditionals.Add(new Conditional { ParentActive = false, Condition = false, IfLine = line, FrameDepth = frames.Count });
                return line with { Kind = LineKind.Skipped };
            case ".else":
            {
                var open = OwnConditional();
                if (RejectLabel(line, word, labeled)) { }
                else if (open is null)
                    diagnostics.Report(line, wordColumn, "'.else' without '.if'");
                else if (open.InElse)
                    diagnostics.Report(line, wordColumn, $"second '.else' for the '.if' at line {open.IfLine.Line}");
                else
                    CheckNothingAfter(line, word);
                if (open is not null) open.InElse = true;
                return line with { Kind = LineKind.Preprocessor };
            }
            case ".endif":
            {
                var open = OwnConditional();
                if (RejectLabel(line, word, labeled)) { }
                else if (open is null)
                    diagnostics.Report(line, wordColumn, "'.endif' without '.if'");
                else
                    CheckNothingAfter(line, word);
                if (open is not null) conditionals.RemoveAt(conditionals.Count - 1);
                return line with { Kind = LineKind.Preprocessor };
            }
        }
        if (!Active) return line with { Kind = LineKind.Skipped };
        switch (word)
        {
            case ".endm":
                if (!RejectLabel(line, word, labeled))
                    diagnostics.Report(line, wordColumn, "'.endm' without '.macro'");
                return line with { Kind = LineKind.Preprocessor };
            case ".macro":
                StartMacro(line, wordColumn, labeled);
                return line with { Kind = LineKind.Preprocessor };
        }
        return line;
    }

    private Conditional? OwnConditional() =>
        conditionals.Count > 0 && conditionals[^1].FrameDepth == frames.Count ? conditionals[^1] : null;

    private void CheckNothingAfter(LogicalLine line, string directive)
    {
        try
        {
            var tokens = Lexer.Tokenize(line.Text);
            var after = tokens.SkipWhile(t => !(t.Kind == TokenKind.Identifier && t.Text.Equals(directive, StringComparison.OrdinalIgnoreCase))).Skip(1).First();
            if (after.Kind != TokenKind.End)
                diagnostics.Report(line, after.Column, $"unexpected {after.Describe()} after '{directive}'");
        }
        catch (AssemblyException e)
        {
            diagnostics.Report(line, e);
        }
    }

    /// <summary>Called by the pass for an active <c>.if</c> line with its evaluated condition.</summary>
    public void EnterIf(bool condition, LogicalLine line) =>
        conditionals.Add(new Conditional { ParentActive = Active, Condition = condition, IfLine = line, FrameDepth = frames.Count });

    /// <summary>Called by the pass for an active <c>.if</c> whose condition could not be
    /// evaluated: the whole construct is skipped (the error has been reported).</summary>
    public void EnterBrokenIf(LogicalLine line) =>
        conditionals.Add(new Conditional { ParentActive = false, Condition = false, IfLine = line, FrameDepth = frames.Count });

    private void EndFrame()
    {
        int depth = frames.Count;
        while (conditionals.Count > 0 && conditionals[^1].FrameDepth == depth)
        {
            var open = conditionals[^1];
            conditionals.RemoveAt(conditionals.Count - 1);
            diagnostics.Report(open.IfLine, FirstWord(open.IfLine.Text).Column, "'.if' without '.endif'");
        }
        if (collecting is not null && collectingFrameDepth == depth)
        {
            diagnostics.Report(collecting.DefinedAt, FirstWord(collecting.DefinedAt.Text).Column, "'.macro' without '.endm'");
            collecting = null;
        }
        frames.RemoveAt(frames.Count - 1);
    }

    private void StartMacro(LogicalLine line, int wordColumn, bool labeled)
    {
        bool reported = RejectLabel(line, ".macro", labeled);
        try
        {
            var tokens = Lexer.Tokenize(line.Text);
            int first = tokens.FindIndex(t => t.Column == wordColumn) + 1;
            var nameToken = tokens[first];
            if (nameToken.Kind != TokenKind.Identifier || nameToken.Text.StartsWith('.'))
                throw new AssemblyException($"'.macro' needs a name, found {nameToken.Describe()}", nameToken.Column);
            string name = nameToken.Text;
            if (InstructionTable.ForMnemonic(name) is not null || PseudoInstructions.Find(name) is not null)
                throw new AssemblyException($"macro name '{name}' is already an instruction", nameToken.Column);
            if (macros.TryGetValue(name, out var existing))
                throw new AssemblyException($"macro '{name}' is already defined at {existing.DefinedAt.File}:{existing.DefinedAt.Line}", nameToken.Column);
            var parameters = new List<string>();
            for (int i = first + 1; tokens[i].Kind != TokenKind.End; i++)
            {
                if (parameters.Count > 0)
                {
                    if (!tokens[i].Is(",")) throw new AssemblyException($"expected ',' between macro parameters, found {tokens[i].Describe()}", tokens[i].Column);
                    i++;
                }
                var p = tokens[i];
                if (p.Kind != TokenKind.Identifier || p.Text.Contains('.'))
                    throw new AssemblyException($"expected a parameter name, found {p.Describe()}", p.Column);
                if (parameters.Contains(p.Text))
                    throw new AssemblyException($"parameter '{p.Text}' appears twice", p.Column);
                parameters.Add(p.Text);
            }
            collecting = new MacroDefinition(name, parameters, [], line);
        }
        catch (AssemblyException e)
        {
            if (!reported) diagnostics.Report(line, e.Column, e.Message);
            // Still swallow the body up to .endm so it is not assembled as ordinary lines.
            collecting = new MacroDefinition("", [], [], line);
        }
        collectingFrameDepth = frames.Count;
    }

    private void FinishMacro()
    {
        if (collecting!.Name.Length > 0) macros[collecting.Name] = collecting;
        collecting = null;
    }

    public MacroDefinition? FindMacro(string name) => macros.GetValueOrDefault(name);

    /// <summary>Pushes the expansion of a macro; its lines come next.</summary>
    public void Expand(MacroDefinition macro, IReadOnlyList<string> arguments, LogicalLine call, int column)
    {
        if (arguments.Count != macro.Parameters.Count)
            throw new AssemblyException(
                $"macro '{macro.Name}' expects {macro.Parameters.Count} argument{(macro.Parameters.Count == 1 ? "" : "s")}" +
                (macro.Parameters.Count > 0 ? $" ({string.Join(", ", macro.Parameters)})" : "") + $", got {arguments.Count}", column);
        int depth = frames[^1].MacroDepth + 1;
        if (depth > MaximumMacroDepth)
            throw new AssemblyException($"macro expansions nested more than {MaximumMacroDepth} deep (does '{macro.Name}' expand itself?)", column);
        int unique = expansionCount++;
        // Errors point at the body line; the suffix names the outermost call site in a real file.
        var origin = call.Expansion is { } outer ? outer : new MacroExpansion(macro.Name, call.File, call.Line);
        origin = origin with { MacroName = macro.Name };
        var lines = new List<LogicalLine>(macro.Body.Count);
        foreach (var bodyLine in macro.Body)
        {
            var expanded = bodyLine with { Expansion = origin, Kind = LineKind.Statement };
            try
            {
                string text = Substitute(bodyLine.Text, macro, arguments, unique);
                if (text.Length > AssemblerLimits.MaximumLineCharacters)
                    throw new AssemblyException($"the line is longer than {AssemblerLimits.MaximumLineCharacters} characters after macro parameter substitution (the assembler's limit)", 0);
                lines.Add(expanded with { Text = text });
            }
            catch (AssemblyException e)
            {
                diagnostics.Report(expanded, e.Column, e.Message);
                lines.Add(expanded with { Text = "", Kind = LineKind.Skipped });
            }
        }
        frames.Add(new Frame { Lines = lines, DisplayName = frames[^1].DisplayName, MacroDepth = depth });
    }

    /// <summary>Replaces \param with its argument and \@ with the expansion's unique number,
    /// outside string and character literals.</summary>
    private static string Substitute(string text, MacroDefinition macro, IReadOnlyList<string> arguments, int unique)
    {
        var result = new System.Text.StringBuilder(text.Length);
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                result.Append(c);
                if (c == '\\' && i + 1 < text.Length) result.Append(text[++i]);
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c == ';') { result.Append(text, i, text.Length - i); break; }
            if (c is '"' or '\'') { quote = c; result.Append(c); continue; }
            if (c != '\\') { result.Append(c); continue; }
            if (i + 1 < text.Length && text[i + 1] == '@')
            {
                result.Append(unique);
                i++;
                continue;
            }
            int start = i + 1, end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
            string name = text[start..end];
            int index = -1;
            for (int p = 0; p < macro.Parameters.Count; p++)
                if (macro.Parameters[p] == name) index = p;
            if (index < 0)
                throw new AssemblyException(
                    $"unknown macro parameter '\\{name}' (parameters of '{macro.Name}': " +
                    (macro.Parameters.Count == 0 ? "none" : string.Join(", ", macro.Parameters)) + ")", i + 1);
            result.Append(arguments[index]);
            i = end - 1;
        }
        return result.ToString();
    }

    /// <summary>Pushes an included file; its lines come next.</summary>
    public void Include(string name, LogicalLine from, int column)
    {
        var includer = frames.Last(f => f.FullPath is not null);
        string fullPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(includer.FullPath!) ?? "", name));
        // Messages name an included file as the main file was named: absolute, or relative to
        // the current folder (normalized, so "a/../lib/x.inc" reads "lib/x.inc").
        string display = Path.IsPathRooted(includer.DisplayName)
            ? fullPath
            : Path.GetRelativePath(Directory.GetCurrentDirectory(), fullPath);
        var chain = frames.Where(f => f.FullPath is not null).ToList();
        int first = chain.FindIndex(f => f.FullPath == fullPath);
        if (first >= 0)
        {
            var names = chain.Skip(first).Select(f => Path.GetFileName(f.DisplayName)).Append(Path.GetFileName(display));
            throw new AssemblyException("include cycle: " + string.Join(" -> ", names), column);
        }
        string[] lines;
        try
        {
            lines = files.Read(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new AssemblyException($"cannot read include '{name}': {SourceFiles.DescribeReadError(e)}", column);
        }
        frames.Add(new Frame { Lines = FileLines(lines, display), FullPath = fullPath, DisplayName = display, MacroDepth = frames[^1].MacroDepth });
    }

    /// <summary>A file's lines, each made a LogicalLine only when the pass reaches it (a
    /// pass stopped by a limit never builds the rest of a huge file).</summary>
    private static IReadOnlyList<LogicalLine> FileLines(string[] lines, string displayName) => new FileLineList(lines, displayName);

    private sealed class FileLineList(string[] lines, string displayName) : IReadOnlyList<LogicalLine>
    {
        public LogicalLine this[int index] => new(lines[index], displayName, index + 1);
        public int Count => lines.Length;
        public IEnumerator<LogicalLine> GetEnumerator()
        {
            for (int i = 0; i < lines.Length; i++) yield return this[i];
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The operation word of a line (after any labels), lower-cased, its column, and
    /// whether labels precede it. A cheap scan, so skipped lines need not be lexed.</summary>
    public static LeadingWord FirstWord(string text)
    {
        int i = 0;
        bool labeled = false;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            int start = i;
            while (i < text.Length && Lexer.IsIdentifierPart(text[i])) i++;
            int end = i;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (end > start && i < text.Length && text[i] == ':')
            {
                labeled = true;
                i++;
                continue;
            }
            return new LeadingWord(text[start..end].ToLowerInvariant(), start + 1, labeled);
        }
    }

    /// <summary>Reports a label on a preprocessor directive's line; true when it did (the
    /// directive still takes effect, but reports nothing else: one error per line).</summary>
    private bool RejectLabel(LogicalLine line, string word, bool labeled)
    {
        if (labeled)
            diagnostics.Report(line, 0, $"a label cannot be on a '{word}' line; put it on a line of its own");
        return labeled;
    }
}
