// The interactive prompt's line editing, driven by scripted key presses: cursor movement,
// deletion, killing, the history (with the line being typed kept while browsing it), and
// Ctrl-D ending input only on an empty line.
using R4.Debugger;

namespace R4.Tests.Debugger;

public sealed class LineEditorTests
{
    private static ConsoleKeyInfo Key(ConsoleKey key, char c = '\0', bool control = false) => new(c, key, shift: false, alt: false, control);

    /// <summary>Types the text (each character a key press) then the given keys.</summary>
    private static IEnumerable<ConsoleKeyInfo> Type(string text) =>
        text.Select(c => Key(char.IsAsciiLetter(c) ? Enum.Parse<ConsoleKey>(char.ToUpperInvariant(c).ToString()) : ConsoleKey.Oem1, c));

    private static (LineEditor Editor, Func<string?> Read) Editor(params IEnumerable<ConsoleKeyInfo>[] keys)
    {
        var queue = new Queue<ConsoleKeyInfo>(keys.SelectMany(k => k));
        var editor = new LineEditor("(r4) ", queue.Dequeue, TextWriter.Null);
        return (editor, editor.ReadLine);
    }

    private static readonly ConsoleKeyInfo Enter = Key(ConsoleKey.Enter, '\r');

    [Fact]
    public void CursorMovementInsertsAndDeletesInTheMiddleOfTheLine()
    {
        var (_, read) = Editor(
            Type("brak mainx"), [Key(ConsoleKey.Home), Key(ConsoleKey.RightArrow), Key(ConsoleKey.RightArrow)], Type("e"),
            [Key(ConsoleKey.End), Key(ConsoleKey.Backspace)], [Enter],
            Type("xyz"), [Key(ConsoleKey.A, control: true)], Type("a"), [Key(ConsoleKey.E, control: true)], Type("b"),
            [Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), Key(ConsoleKey.K, control: true)],
            [Key(ConsoleKey.Home), Key(ConsoleKey.Delete)], [Enter],
            Type("junk"), [Key(ConsoleKey.U, control: true)], Type("c"), [Enter]);

        Assert.Equal("break main", read());   // "e" inserted after "br", the stray "x" erased
        Assert.Equal("xy", read());           // "axyzb", Ctrl-K at "axy|zb", then Delete at the start
        Assert.Equal("c", read());            // Ctrl-U killed "junk"
    }

    [Fact]
    public void HistoryBrowsesOlderLinesAndKeepsTheLineBeingTyped()
    {
        var (editor, read) = Editor(
            Type("one"), [Enter], Type("two"), [Enter], Type("two"), [Enter], [Enter],
            Type("dr"), [Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow)], [Enter],
            Type("dr"), [Key(ConsoleKey.P, control: true), Key(ConsoleKey.DownArrow)], Type("aft"), [Enter],
            [Key(ConsoleKey.UpArrow), Key(ConsoleKey.N, control: true)], [Enter]);

        Assert.Equal("one", read());
        Assert.Equal("two", read());
        Assert.Equal("two", read());
        Assert.Equal("", read());
        Assert.Equal(["one", "two"], editor.History);         // repeats and empty lines are not kept
        Assert.Equal("one", read());                         // up past the oldest stays there
        Assert.Equal("draft", read());                       // down again: the typed "dr" is back
        Assert.Equal("", read());                            // Ctrl-N back below the newest: the empty draft
    }

    [Fact]
    public void CtrlDEndsInputOnAnEmptyLineAndDeletesOtherwise()
    {
        var (_, read) = Editor(Type("ab"), [Key(ConsoleKey.Home), Key(ConsoleKey.D, control: true)], [Enter],
            [Key(ConsoleKey.D, control: true)]);

        Assert.Equal("b", read());
        Assert.Null(read());
    }
}
