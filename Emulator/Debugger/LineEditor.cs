// Line editing for the interactive prompt when stdin is a terminal, on Console.ReadKey only:
// left/right arrows, Home/End and Ctrl-A/Ctrl-E, Backspace/Delete, Ctrl-U (kill line), up/down
// through the history, Enter; Ctrl-D on an empty line ends input. Redrawing rewrites the whole
// line after the prompt, which is simple and right for lines shorter than the terminal.
namespace R4.Debugger;

public sealed class LineEditor(string prompt)
{
    private readonly List<string> _history = [];

    public IReadOnlyList<string> History => _history;

    /// <summary>Reads one line, or null at end of input (Ctrl-D on an empty line).</summary>
    public string? ReadLine()
    {
        Console.Write(prompt);
        var line = new List<char>();
        int cursor = 0, historyIndex = _history.Count, shown = 0;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
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
                case ConsoleKey.D when control:
                    if (line.Count == 0) { Console.WriteLine(); return null; }
                    if (cursor < line.Count) line.RemoveAt(cursor);
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    historyIndex--;
                    line = [.. _history[historyIndex]];
                    cursor = line.Count;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    line = historyIndex == _history.Count ? [] : [.. _history[historyIndex]];
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
        Console.Write("\r" + prompt + text + new string(' ', Math.Max(0, shown - text.Length)));
        Console.Write("\r" + prompt + text[..cursor]);
        shown = text.Length;
    }
}
