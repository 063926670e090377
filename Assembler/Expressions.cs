// Expressions: parsing a token range into a tree with C precedence, and evaluating it.
// Values are computed exactly in 64-bit signed arithmetic (so 0xFFFFFFFF stays positive and
// -1 stays negative); where a value lands in a field, the field's range is checked by the user
// of the value. Operators, tightest first:
//   unary - + ~ !   |  * / %  |  + -  |  << >>  |  < <= > >=  |  == !=  |  &  |  ^  |  |  |  &&  |  ||
// Comparisons and && || ! give 1 or 0. hi(e) = bits 31:16 of e, lo(e) = bits 15:0,
// defined(NAME) = 1 when NAME is defined before the current line. '.' is the address of the
// start of the current statement.
namespace R4.Assembler;

internal abstract record Expr(int Column);
internal sealed record NumberExpr(long Value, int Column) : Expr(Column);
internal sealed record SymbolExpr(string Name, int Column) : Expr(Column);
internal sealed record LocationExpr(int Column) : Expr(Column);
internal sealed record UnaryExpr(string Operator, Expr Operand, int Column) : Expr(Column);
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Column) : Expr(Column);
internal sealed record FunctionExpr(string Function, Expr Argument, int Column) : Expr(Column);
internal sealed record DefinedExpr(string Name, int Column) : Expr(Column);

/// <summary>What an expression can see: symbols, the location counter, what is defined.</summary>
internal interface IExpressionScope
{
    long Location { get; }
    /// <summary>The value of a symbol; throws <see cref="AssemblyException"/> when it has none.</summary>
    long Resolve(string name, int column);
    bool IsDefined(string name, int column);
}

/// <summary>Recursive-descent parser over a token list that ends with an End token.</summary>
internal sealed class ExpressionParser
{
    private static readonly Dictionary<string, int> BinaryPrecedence = new()
    {
        ["||"] = 1, ["&&"] = 2, ["|"] = 3, ["^"] = 4, ["&"] = 5,
        ["=="] = 6, ["!="] = 6, ["<"] = 7, ["<="] = 7, [">"] = 7, [">="] = 7,
        ["<<"] = 8, [">>"] = 8, ["+"] = 9, ["-"] = 9, ["*"] = 10, ["/"] = 10, ["%"] = 10,
    };

    private readonly IReadOnlyList<Token> tokens;
    private int position;

    private ExpressionParser(IReadOnlyList<Token> tokens) => this.tokens = tokens;

    /// <summary>Parses the whole token list (which ends with End) as one expression.</summary>
    public static Expr Parse(IReadOnlyList<Token> tokens)
    {
        var parser = new ExpressionParser(tokens);
        var expr = parser.ParseBinary(1);
        var next = parser.Peek;
        if (next.Kind != TokenKind.End)
            throw new AssemblyException($"unexpected {next.Describe()} after the expression", next.Column);
        return expr;
    }

    private Token Peek => tokens[position];

    private Expr ParseBinary(int minimumPrecedence)
    {
        var left = ParseUnary();
        while (Peek.Kind == TokenKind.Punctuation && BinaryPrecedence.TryGetValue(Peek.Text, out int precedence) && precedence >= minimumPrecedence)
        {
            var op = tokens[position++];
            var right = ParseBinary(precedence + 1);
            left = new BinaryExpr(op.Text, left, right, op.Column);
        }
        return left;
    }

    private Expr ParseUnary()
    {
        var token = Peek;
        if (token.Kind == TokenKind.Punctuation && token.Text is "-" or "+" or "~" or "!")
        {
            position++;
            return new UnaryExpr(token.Text, ParseUnary(), token.Column);
        }
        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var token = tokens[position];
        switch (token.Kind)
        {
            case TokenKind.Number:
                position++;
                return new NumberExpr(token.Number, token.Column);
            case TokenKind.Identifier:
                position++;
                if (token.Text == ".") return new LocationExpr(token.Column);
                string lower = token.Text.ToLowerInvariant();
                if (Peek.Is("(") && lower is "hi" or "lo" or "defined")
                {
                    position++;
                    Expr result;
                    if (lower == "defined")
                    {
                        var name = tokens[position];
                        if (name.Kind != TokenKind.Identifier || name.Text == ".")
                            throw new AssemblyException($"defined() takes a symbol name, found {name.Describe()}", name.Column);
                        position++;
                        result = new DefinedExpr(name.Text, name.Column);
                    }
                    else
                        result = new FunctionExpr(lower, ParseBinary(1), token.Column);
                    Expect(")", token);
                    return result;
                }
                return new SymbolExpr(token.Text, token.Column);
            case TokenKind.Punctuation when token.Text == "(":
                position++;
                var inner = ParseBinary(1);
                Expect(")", token);
                return inner;
            default:
                throw new AssemblyException($"expected an expression, found {token.Describe()}", token.Column);
        }
    }

    private void Expect(string punctuation, Token opening)
    {
        if (!Peek.Is(punctuation))
            throw new AssemblyException($"missing '{punctuation}' for the '(' at column {opening.Column}, found {Peek.Describe()}", Peek.Column);
        position++;
    }
}

internal static class ExpressionEvaluator
{
    public static long Evaluate(Expr expr, IExpressionScope scope) => expr switch
    {
        NumberExpr n => n.Value,
        SymbolExpr s => scope.Resolve(s.Name, s.Column),
        LocationExpr => scope.Location,
        DefinedExpr d => scope.IsDefined(d.Name, d.Column) ? 1 : 0,
        FunctionExpr f => f.Function == "hi"
            ? (Evaluate(f.Argument, scope) >> 16) & 0xFFFF
            : Evaluate(f.Argument, scope) & 0xFFFF,
        UnaryExpr u => Unary(u, Evaluate(u.Operand, scope)),
        BinaryExpr b => Binary(b, scope),
        _ => throw new InvalidOperationException("unknown expression node"),
    };

    private static long Unary(UnaryExpr u, long v) => u.Operator switch
    {
        "-" => unchecked(-v),
        "+" => v,
        "~" => ~v,
        _ => v == 0 ? 1 : 0,
    };

    private static long Binary(BinaryExpr b, IExpressionScope scope)
    {
        long left = Evaluate(b.Left, scope);
        // && and || do not evaluate their right side when the left decides (C semantics).
        if (b.Operator == "&&") return left != 0 && Evaluate(b.Right, scope) != 0 ? 1 : 0;
        if (b.Operator == "||") return left != 0 || Evaluate(b.Right, scope) != 0 ? 1 : 0;
        long right = Evaluate(b.Right, scope);
        unchecked
        {
            return b.Operator switch
            {
                "+" => left + right,
                "-" => left - right,
                "*" => left * right,
                "/" => right == 0 ? throw new AssemblyException("division by zero", b.Column) : left == long.MinValue && right == -1 ? left : left / right,
                "%" => right == 0 ? throw new AssemblyException("division by zero", b.Column) : right == -1 ? 0 : left % right,
                "<<" => ShiftCount(right, b) is int l ? left << l : 0,
                ">>" => ShiftCount(right, b) is int r ? left >> r : 0,
                "&" => left & right,
                "|" => left | right,
                "^" => left ^ right,
                "==" => left == right ? 1 : 0,
                "!=" => left != right ? 1 : 0,
                "<" => left < right ? 1 : 0,
                "<=" => left <= right ? 1 : 0,
                ">" => left > right ? 1 : 0,
                ">=" => left >= right ? 1 : 0,
                _ => throw new InvalidOperationException("unknown operator " + b.Operator),
            };
        }
    }

    private static int ShiftCount(long count, BinaryExpr b) => count is >= 0 and <= 63
        ? (int)count
        : throw new AssemblyException($"shift count {count} is out of range (0..63)", b.Column);
}
