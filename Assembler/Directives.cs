// Directives and assignments: .org .entry .word .half .byte .ascii .asciz .space .align
// .equ (and NAME = e) .include .if. (.else/.endif/.macro/.endm are handled by the
// Preprocessor and never arrive here.)
using System.Text;
using R4.Isa.Image;

namespace R4.Assembler;

internal sealed partial class AssemblyPass
{
    public static readonly string[] DirectiveNames =
        [".org", ".entry", ".word", ".half", ".byte", ".ascii", ".asciz", ".space", ".align", ".equ", ".include", ".macro", ".endm", ".if", ".else", ".endif"];

    private void Directive(string name, Token operation, Statement statement)
    {
        var operands = statement.Operands;
        switch (name)
        {
            case ".org":
            {
                Expect(name, operation, statement, 1);
                long address = EvaluateForLayout(operands[0], name);
                CheckAddress(address, operands[0]);
                CloseLabelExtents();
                Output.SetOrigin(address, line, operation.Column);
                break;
            }
            case ".entry":
            {
                Expect(name, operation, statement, 1);
                if (Entry is { } first)
                    throw new AssemblyException($"'.entry' is given twice (first at {first.Line.File}:{first.Line.Line})", operation.Column);
                long address = Encoder.Evaluate(operands[0].Tokens, this);
                CheckAddress(address, operands[0]);
                if (address % 4 != 0)
                    throw new AssemblyException($"entry point 0x{address:x8} is not 4-byte aligned (the first fetch would raise #AC)", operands[0].Column);
                Entry = new EntryPoint(address, line);
                break;
            }
            case ".word": Data(name, operation, statement, 4, int.MinValue, uint.MaxValue, "32"); break;
            case ".half": Data(name, operation, statement, 2, short.MinValue, ushort.MaxValue, "16"); break;
            case ".byte": Data(name, operation, statement, 1, sbyte.MinValue, byte.MaxValue, "8"); break;
            case ".ascii":
            case ".asciz":
            {
                if (operands.Count == 0)
                    throw new AssemblyException($"'{name}' expects a string in double quotes", statement.EndColumn);
                var bytes = new List<byte>();
                foreach (var operand in operands)
                {
                    if (!operand.IsSingle(TokenKind.String))
                        throw new AssemblyException($"'{name}' expects a string in double quotes, found {operand.First.Describe()}", operand.Column);
                    bytes.AddRange(Encoding.UTF8.GetBytes(operand.First.StringValue!));
                    if (name == ".asciz") bytes.Add(0);
                }
                EmitData([.. bytes]);
                break;
            }
            case ".space":
            {
                if (operands.Count is < 1 or > 2)
                    throw new AssemblyException($"'.space' expects a size and an optional fill byte, got {operands.Count} operands", operation.Column);
                long size = EvaluateForLayout(operands[0], name);
                if (size < 0)
                    throw new AssemblyException($"'.space' size {size} is negative", operands[0].Column);
                Output.CheckRoom(size);
                // The size is known: emit even when the fill is wrong, so that an error never
                // changes the layout (the fill may be a forward reference).
                var bytes = new byte[size];
                try
                {
                    if (operands.Count == 2)
                        Array.Fill(bytes, (byte)CheckRange(Encoder.Evaluate(operands[1].Tokens, this), sbyte.MinValue, byte.MaxValue, "8", operands[1]));
                }
                finally
                {
                    EmitData(bytes);
                }
                break;
            }
            case ".align":
            {
                Expect(name, operation, statement, 1);
                long alignment = EvaluateForLayout(operands[0], name);
                if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > 1L << 16)
                    throw new AssemblyException($"alignment {alignment} is not a power of two between 1 and 65536", operands[0].Column);
                long padding = (alignment - Output.Location % alignment) % alignment;
                CloseLabelExtents();   // padding, and what follows it unlabelled, is no label's
                EmitData(new byte[padding]);
                break;
            }
            case ".equ":
            {
                Expect(name, operation, statement, 2);
                if (!operands[0].IsSingle(TokenKind.Identifier))
                    throw new AssemblyException($"'.equ' expects a symbol name first, found {operands[0].First.Describe()}", operands[0].Column);
                DefineConstant(operands[0].First, operands[1]);
                break;
            }
            case ".include":
            {
                Expect(name, operation, statement, 1);
                if (operands[0].First.Kind == TokenKind.String && !operands[0].IsSingle(TokenKind.String))
                    throw new AssemblyException($"'.include' takes one file name; unexpected {operands[0].Tokens[1].Describe()} after it", operands[0].Tokens[1].Column);
                if (!operands[0].IsSingle(TokenKind.String))
                    throw new AssemblyException($"'.include' expects a file name in double quotes, found {operands[0].First.Describe()}", operands[0].Column);
                if (operands[0].First.StringValue!.Length == 0)
                    throw new AssemblyException("'.include' needs a file name, found an empty string", operands[0].Column);
                preprocessor.Include(operands[0].First.StringValue!, line, operands[0].Column);
                break;
            }
            case ".if":
            {
                Expect(name, operation, statement, 1);
                bool condition = EvaluateForLayout(operands[0], name) != 0;
                preprocessor.EnterIf(condition, line);
                conditionalEntered = true;
                break;
            }
            default:
                throw new AssemblyException($"unknown directive '{operation.Text}'", operation.Column, () => Suggestions.DidYouMean(name, DirectiveNames));
        }
    }

    private void Assign(Token name, Statement statement)
    {
        if (statement.Operands.Count != 1)
            throw new AssemblyException(statement.Operands.Count == 0
                ? $"'{name.Text} =' needs a value"
                : $"'{name.Text} =' takes one value, got {statement.Operands.Count}", statement.Operands.Count == 0 ? statement.EndColumn : statement.Operands[1].Column);
        DefineConstant(name, statement.Operands[0]);
    }

    private void DefineConstant(Token name, Operand value)
    {
        if (name.Text.StartsWith('.'))
            throw new AssemblyException($"'{name.Text}': constants cannot be local; drop the leading '.'", name.Column);
        string qualified = QualifyForDefinition(name);
        Symbols.Define(qualified, Encoder.Evaluate(value.Tokens, this), SymbolKind.Constant, line, name.Column);
    }

    private static void Expect(string directive, Token operation, Statement statement, int count)
    {
        if (statement.Operands.Count != count)
            throw new AssemblyException(
                $"'{directive}' expects {count} operand{(count == 1 ? "" : "s")}, got {statement.Operands.Count}",
                statement.Operands.Count > count ? statement.Operands[count].Column : operation.Column);
    }

    private void Data(string directive, Token operation, Statement statement, int size, long minimum, long maximum, string bits)
    {
        if (statement.Operands.Count == 0)
            throw new AssemblyException($"'{directive}' expects at least one value", statement.EndColumn);
        var bytes = new byte[size * statement.Operands.Count];
        AssemblyException? firstError = null;
        for (int i = 0; i < statement.Operands.Count; i++)
        {
            var operand = statement.Operands[i];
            long value;
            try
            {
                value = CheckRange(Encoder.Evaluate(operand.Tokens, this), minimum, maximum, bits, operand);
            }
            catch (AssemblyException e)
            {
                // Keep the size right (a forward reference in a first pass) and report after.
                firstError ??= e;
                value = 0;
            }
            for (int b = 0; b < size; b++) bytes[i * size + b] = (byte)(value >> (8 * b));
        }
        EmitData(bytes);
        if (firstError is not null) throw firstError;
    }

    private static long CheckRange(long value, long minimum, long maximum, string bits, Operand operand) =>
        value >= minimum && value <= maximum
            ? value
            : throw new AssemblyException($"value {value} does not fit in {bits} bits ({minimum}..{maximum})", operand.Column);

    private static void CheckAddress(long address, Operand operand)
    {
        if (address < 0 || address > uint.MaxValue)
            throw new AssemblyException($"address {address} is outside 0..0xFFFFFFFF", operand.Column);
    }

    private void EmitData(byte[] bytes)
    {
        if (bytes.Length == 0) return;
        Lines.Add(new SourceLine((uint)Output.Location, line.File, line.Line));
        Emit(bytes, code: false);
    }
}
