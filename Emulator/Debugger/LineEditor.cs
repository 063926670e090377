// Line editing for the interactive prompt when stdin is a terminal, on Console.ReadKey only:
// left/right arrows, Home/End and Ctrl-A/Ctrl-E, Backspace/Delete, Ctrl-U (kill line), Ctrl-K
// (kill to the end), up/down or Ctrl-P/Ctrl-N through the history (the line being typed is
// kept and comes back below the newest entry), Enter; Ctrl-D on an empty line ends input.
// Redrawing rewrites the whole line after the prompt, which is simple and right for lines
// shorter than the terminal. Keys and the terminal are injectable, for the tests.
namespace R4.Debugger;

public sealed class LineEditor(string prompt, Func<ConsoleKeyInfo> readKey, TextWriter terminal)
{
    private readonly List<string> _history = [];

    /// <summary>Reads keys from the console and draws on it.</summary>
    public LineEditor(string prompt) : this(prompt, () => Console.ReadKey(intercept: true), Console.Out) { }

    public IReadOnlyList<string> History => _history;

    /// <summary>Reads one line, or null at end of input (Ctrl-D on an empty line).</summary>
    public string? ReadLine()
    {
        terminal.Write(prompt);
        var line = new List<char>();
        int cursor = 0, historyIndex = _history.Count, shown = 0;
        List<char> draft = [];   // the line being typed, kept while browsing the history
        while (true)
        {
            var key = readKey();
            bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    terminal.WriteLine();
                    string text = new(line.ToArray());
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text)) _history.Add(text);
                    return text;
                case ConsoleKey.Backspace when cursor > 0:
                    line.RemoveAt(--cursor);
                    break;
                case ConsoleKey.Delete when cursor < line.Count:
                    line.RemoveAt(cursor);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0: cursor--; break;
                case ConsoleKey.RightArrow when cursor < line.Count: cursor++; break;
                case ConsoleKey.Home: cursor = 0; break;
                case ConsoleKey.End: cursor = line.Count; break;
                case ConsoleKey.A when control: cursor = 0; break;
                case ConsoleKey.E when control: cursor = line.Count; break;
                case ConsoleKey.U when control: line.Clear(); cursor = 0; break;
                case ConsoleKey.K when control: line.RemoveRange(cursor, line.Count - cursor); break;
                case ConsoleKey.D when control:
                    if (line.Count == 0) { terminal.WriteLine(); return null; }
                    if (cursor < line.Count) line.RemoveAt(cursor);
                    break;
                case ConsoleKey.UpArrow or ConsoleKey.P when (key.Key == ConsoleKey.UpArrow || control) && historyIndex > 0:
                    if (historyIndex == _history.Count) draft = line;
                    historyIndex--;
                    line = [.. _history[historyIndex]];
                    cursor = line.Count;
                    break;
                case ConsoleKey.DownArrow or ConsoleKey.N when (key.Key == ConsoleKey.DownArrow || control) && historyIndex < _history.Count:
                    historyIndex++;
                    line = historyIndex == _history.Count ? draft : [.. _history[historyIndex]];
                    cursor = line.Count;
                    break;
                default:
                    if (key.KeyChar >= ' ' && !control) line.Insert(cursor++, key.KeyChar);
                    break;
            }
            Redraw(line, cursor, ref shown);
        }
    }

    private void Redraw(List<char> line, int cursor, ref int shown)
    {
        string text = new(line.ToArray());
        terminal.Write("\r" + prompt + text + new string(' ', Math.Max(0, shown - text.Length)));
        terminal.Write("\r" + prompt + text[..cursor]);
        shown = text.Length;
    }
}
