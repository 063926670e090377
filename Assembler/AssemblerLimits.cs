// The assembler's documented limits (docs/assembly.md, "Limits"): what keeps a hostile or
// mistaken input — /dev/zero as a source, a macro that doubles itself 60 times, megabytes of
// noise — from taking the host's memory or time. Each limit ends the assembly with one
// file:line:col error (exit 65 from `r4`), never an out-of-memory abort.
namespace R4.Assembler;

public static class AssemblerLimits
{
    /// <summary>The largest source file (the main file or one include), in bytes.</summary>
    public const int MaximumSourceFileBytes = 16 << 20;

    /// <summary>The most source bytes one assembly reads, all files together.</summary>
    public const long MaximumTotalSourceBytes = 64L << 20;

    /// <summary>The most lines one pass processes after includes and macro expansion.</summary>
    public const int MaximumExpandedLines = 500_000;

    /// <summary>The longest line after macro parameter substitution, in characters.</summary>
    public const int MaximumLineCharacters = 64 << 10;

    /// <summary>Errors reported before the assembler stops with "too many errors".</summary>
    public const int MaximumErrors = 100;
}
