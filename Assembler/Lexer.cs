// The lexer: one source line into tokens (identifiers, numbers, strings, punctuation),
// stopping at a ';' comment. Numbers are decimal, 0x hex, 0b binary (underscores allowed
// between digits) or character literals 'c' with the escapes \n \t \r \0 \\ \' \".
using System.Globalization;

namespace R4.Assembler;

internal enum TokenKind { Identifier, Number, String, Punctuation, End }

/// <summary>A token; <see cref="Start"/> is the 0-based offset in the line. Numbers carry
/// <see cref="Number"/>, strings their unescaped <see cref="StringValue"/>. A class, not a
/// struct: lists of tokens and the LINQ the preprocessor runs over them then share the runtime's
/// precompiled reference-type code instead of being compiled by the .NET JIT at every start.</summary>
internal sealed record Token(TokenKind Kind, string Text, int Start, int Length, long Number = 0, string? StringValue = null)
{
    public int Column => Start + 1;
    public int EndOffset => Start + Length;
    public bool Is(string punctuation) => Kind == TokenKind.Punctuation && Text == punctuation;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of line",
        TokenKind.String => "a string",
        _ => $"'{Text}'",
    };
}

internal static class Lexer
{
    private static readonly string[] TwoCharacterOperators = ["<<", ">>", "<=", ">=", "==", "!=", "&&", "||"];
    private const string OneCharacterOperators = "+-*/%&|^~!<>()[],:=";

    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == '.';
    public static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.';

    /// <summary>The tokens of a line, always ending with an <see cref="TokenKind.End"/> token
    /// placed where the code ends (at the comment or the end of the line).</summary>
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length || text[i] == ';')
            {
                tokens.Add(new Token(TokenKind.End, "", i, 0));
                return tokens;
            }
            char c = text[i];
            int start = i;
            if (IsIdentifierStart(c))
            {
                while (i < text.Length && IsIdentifierPart(text[i])) i++;
                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start, i - start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                string word = text[start..i];
                tokens.Add(new Token(TokenKind.Number, word, start, i - start, ParseNumber(word, start + 1)));
            }
            else if (c == '\'')
            {
                string value = ReadQuoted(text, ref i, "character literal");
                if (value.Length != 1)
                    throw new AssemblyException("a character literal holds exactly one character", start + 1);
                tokens.Add(new Token(TokenKind.Number, text[start..i], start, i - start, value[0]));
            }
            else if (c == '"')
            {
                string value = ReadQuoted(text, ref i, "string");
                tokens.Add(new Token(TokenKind.String, text[start..i], start, i - start, 0, value));
            }
            else
            {
                string? op = null;
                if (i + 1 < text.Length)
                {
                    string two = text.Substring(i, 2);
                    if (Array.IndexOf(TwoCharacterOperators, two) >= 0) op = two;
                }
                if (op is null && OneCharacterOperators.Contains(c)) op = c.ToString();
                if (op is null) throw new AssemblyException($"unexpected character '{c}'", start + 1);
                i += op.Length;
                tokens.Add(new Token(TokenKind.Punctuation, op, start, op.Length));
            }
        }
    }

    /// <summary>Reads a quoted literal starting at the quote <c>text[i]</c>; leaves i after the closing quote.</summary>
    private static string ReadQuoted(string text, ref int i, string what)
    {
        int start = i;
        char quote = text[i++];
        var value = new System.Text.StringBuilder();
        while (i < text.Length && text[i] != quote) value.Append(ReadCharacter(text, ref i));
        if (i >= text.Length) throw new AssemblyException($"missing closing quote of the {what}", start + 1);
        i++;
        return value.ToString();
    }

    private static char ReadCharacter(string text, ref int i)
    {
        char c = text[i++];
        if (c != '\\') return c;
        if (i >= text.Length) throw new AssemblyException("a backslash must be followed by an escape character", i);
        char e = text[i++];
        return e switch
        {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            '\\' => '\\',
            '\'' => '\'',
            '"' => '"',
            _ => throw new AssemblyException($"unknown escape '\\{e}' (known: \\n \\t \\r \\0 \\\\ \\' \\\")", i - 1),
        };
    }

    private static long ParseNumber(string word, int column)
    {
        string digits = word;
        int radix = 10;
        if (word.Length > 1 && word[0] == '0' && (word[1] is 'x' or 'X')) { radix = 16; digits = word[2..]; }
        else if (word.Length > 1 && word[0] == '0' && (word[1] is 'b' or 'B')) { radix = 2; digits = word[2..]; }
        digits = digits.Replace("_", "");
        bool valid = digits.Length > 0 && digits.All(d => radix switch
        {
            16 => char.IsAsciiHexDigit(d),
            2 => d is '0' or '1',
            _ => char.IsAsciiDigit(d),
        });
        if (!valid) throw new AssemblyException($"malformed number '{word}'", column);
        ulong value = 0;
        foreach (char d in digits)
        {
            ulong digit = (ulong)int.Parse(d.ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (value > (ulong.MaxValue - digit) / (ulong)radix || value * (ulong)radix + digit > long.MaxValue)
                throw new AssemblyException($"number '{word}' is too large", column);
            value = value * (ulong)radix + digit;
        }
        return (long)value;
    }
}
