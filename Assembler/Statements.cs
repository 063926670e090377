// Statements: the shape of one line after lexing — labels, then an operation (instruction,
// pseudo-instruction, directive or macro name) or an assignment NAME = e, then operands
// separated by commas at the top level (commas inside ( ) or [ ] do not split).
namespace R4.Assembler;

/// <summary>One operand: its tokens followed by an End token placed where the operand ends.</summary>
internal sealed record Operand(List<Token> Tokens, string Text)
{
    public Token First => Tokens[0];
    public int Column => Tokens[0].Column;
    public bool IsSingle(TokenKind kind) => Tokens.Count == 2 && Tokens[0].Kind == kind;
}

internal sealed class Statement
{
    public List<Token> Labels { get; } = [];
    /// <summary>The instruction, directive or macro name; for an assignment, the symbol.</summary>
    public Token? Operation { get; set; }
    public bool IsAssignment { get; set; }
    public List<Operand> Operands { get; } = [];
    /// <summary>The column just after the last token (for "missing operand" errors).</summary>
    public int EndColumn { get; set; }

    public static Statement Parse(string text, List<Token> tokens)
    {
        var statement = new Statement { EndColumn = tokens[^1].Column };
        int i = 0;
        while (tokens[i].Kind == TokenKind.Identifier && tokens[i + 1].Is(":"))
        {
            statement.Labels.Add(tokens[i]);
            i += 2;
        }
        var head = tokens[i];
        if (head.Kind == TokenKind.End) return statement;
        if (head.Kind != TokenKind.Identifier)
            throw new AssemblyException($"expected an instruction, directive or label, found {head.Describe()}", head.Column);
        statement.Operation = head;
        i++;
        if (tokens[i].Is("=") && !head.Text.StartsWith('.'))
        {
            statement.IsAssignment = true;
            i++;
        }
        if (tokens[i].Kind == TokenKind.End) return statement;

        int depth = 0, operandStart = i;
        for (; ; i++)
        {
            var t = tokens[i];
            if (t.Is("(") || t.Is("[")) depth++;
            else if (t.Is(")") || t.Is("]")) depth--;
            bool split = t.Kind == TokenKind.End || (t.Is(",") && depth <= 0);
            if (!split) continue;
            if (i == operandStart)
                throw new AssemblyException(t.Kind == TokenKind.End ? "missing operand after ','" : "missing operand before ','", t.Column);
            var operandTokens = tokens.GetRange(operandStart, i - operandStart);
            operandTokens.Add(new Token(TokenKind.End, "", t.Start, 0));
            int from = tokens[operandStart].Start, to = tokens[i - 1].EndOffset;
            statement.Operands.Add(new Operand(operandTokens, text[from..to]));
            if (t.Kind == TokenKind.End) break;
            operandStart = i + 1;
        }
        return statement;
    }
}
