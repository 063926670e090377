// What `r4` does differently when a person watches: whether a writer is a terminal, whether
// colour may be used there (never when NO_COLOR is set to anything, see no-color.org, nor on
// TERM=dumb), the terminal's width, ANSI styling that keeps table columns aligned, and the
// one-line progress bar that long experiments redraw in place. Piped or redirected output
// gets none of it: the same bytes as before, whatever the terminal.
using System.Text;

namespace R4.Cli;

public static class Terminal
{
    /// <summary>Whether <paramref name="writer"/> is the process's standard output or error
    /// and that stream is a terminal (a test's StringWriter never is).</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) ? !Console.IsOutputRedirected
        : (ReferenceEquals(writer, Program.StandardError) || ReferenceEquals(writer, Console.Error)) && !Console.IsErrorRedirected;

    /// <summary>Colour only on a terminal, and never with NO_COLOR set (to anything but the
    /// empty string) or TERM=dumb.</summary>
    public static bool ColourAllowed(bool isTerminal, Func<string, string?> environment) =>
        isTerminal && string.IsNullOrEmpty(environment("NO_COLOR")) && environment("TERM") != "dumb";

    public static bool ColourAllowed(TextWriter writer) => ColourAllowed(IsTerminal(writer), Environment.GetEnvironmentVariable);

    /// <summary>The terminal's width in columns (80 when it cannot be told).</summary>
    public static int Width
    {
        get
        {
            try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
            catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException) { return 80; }
        }
    }

    public enum Style { Bold, Red, Yellow, Green, Dim }

    /// <summary><paramref name="text"/> in a style: the escape codes add no width, so a cell
    /// padded before it is styled stays aligned.</summary>
    public static string Styled(string text, Style style) => style switch
    {
        Style.Bold => $"\u001b[1m{text}\u001b[0m",
        Style.Red => $"\u001b[31m{text}\u001b[0m",
        Style.Yellow => $"\u001b[33m{text}\u001b[0m",
        Style.Green => $"\u001b[32m{text}\u001b[0m",
        _ => $"\u001b[2m{text}\u001b[0m",
    };

    /// <summary><paramref name="text"/> without ANSI escape sequences.</summary>
    public static string Plain(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");

    /// <summary>One progress line, at most <paramref name="width"/> - 1 columns (the last column
    /// of a terminal line would wrap): "r4 compare [#######-------------]  12/56  label".</summary>
    public static string ProgressLine(string what, int done, int total, string label, int width)
    {
        string count = $"{done}/{total}".PadLeft(2 * total.ToString().Length + 1);
        int barWidth = Math.Clamp(width / 4, 10, 40);
        int filled = total == 0 ? barWidth : (int)((long)barWidth * done / total);
        var line = new StringBuilder()
            .Append(what).Append(" [").Append('#', filled).Append('-', barWidth - filled).Append("]  ")
            .Append(count).Append("  ").Append(label);
        int room = Math.Max(width - 1, 20);
        return line.Length <= room ? line.ToString() : line.ToString(0, room - 1) + "…";
    }
}
