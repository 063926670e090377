// Start-up (docs/performance.md): the first use of Console.Error costs a short run ~10 ms of
// CPU (the console's encoding, its stream and terminal set-up), and most runs never write to
// standard error. Main hands the verbs this writer instead; the real one is made on the first
// write, and every call goes to it unchanged (Console.Error's own locking, EPIPE handling and
// flushing).
using System.Text;

namespace R4.Cli;

/// <summary>A TextWriter that creates its target on first use and forwards every call to it.</summary>
public sealed class LazyWriter(Func<TextWriter> create) : TextWriter
{
    private TextWriter? target;

    /// <summary>The writer behind this one (made now if it was not yet).</summary>
    public TextWriter Target => target ??= CreateOnce();

    private TextWriter CreateOnce()
    {
        lock (create)
            return Volatile.Read(ref target) ?? (target = create());
    }

    public override Encoding Encoding => Target.Encoding;
    public override IFormatProvider FormatProvider => Target.FormatProvider;
    // The newline stays the platform's ("\n" here), as Console.Error's.
    public override void Write(char value) => Target.Write(value);
    public override void Write(string? value) => Target.Write(value);
    public override void Write(char[] buffer, int index, int count) => Target.Write(buffer, index, count);
    public override void Write(ReadOnlySpan<char> buffer) => Target.Write(buffer);
    public override void WriteLine() => Target.WriteLine();
    public override void WriteLine(string? value) => Target.WriteLine(value);
    public override void WriteLine(ReadOnlySpan<char> buffer) => Target.WriteLine(buffer);
    public override void Flush()
    {
        // Nothing written yet: nothing to flush, and no reason to make the writer now.
        if (target is not null) target.Flush();
    }
}
