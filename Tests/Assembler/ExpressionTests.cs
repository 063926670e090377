// Expressions: C precedence and associativity, every operator, numbers and character
// literals, hi/lo, defined() and the location counter.
namespace R4.Tests.AssemblerTests;

public class ExpressionTests
{
    private static int Value(string expression, IReadOnlyDictionary<string, long>? defines = null) =>
        (int)Asm.Words($".word {expression}", defines)[0];

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("10 - 4 - 3", 3)]                 // left-associative
    [InlineData("100 / 10 / 5", 2)]
    [InlineData("7 % 4 * 2", 6)]
    [InlineData("1 << 2 + 1", 8)]                 // + binds tighter than <<
    [InlineData("1 + 2 << 3", 24)]
    [InlineData("0x10 >> 2", 4)]
    [InlineData("1 < 2 == 1", 1)]                 // < binds tighter than ==
    [InlineData("2 == 2 < 1", 0)]
    [InlineData("6 & 3 == 3", 0)]                 // == binds tighter than & (as in C)
    [InlineData("1 | 2 ^ 3 & 1", 3)]              // & over ^ over |
    [InlineData("5 ^ 1 | 8", 12)]
    [InlineData("1 || 0 && 0", 1)]                // && over ||
    [InlineData("0 && 1 || 1", 1)]
    [InlineData("!0 + 1", 2)]                     // unary binds tightest
    [InlineData("!5", 0)]
    [InlineData("-2 * -3", 6)]
    [InlineData("+4", 4)]
    [InlineData("~0 & 0xFF", 255)]
    [InlineData("-(3 - 5)", 2)]
    [InlineData("3 > 2 && 2 >= 2 && 1 <= 1 && 0 != 1 && 1 < 2", 1)]
    [InlineData("2 > 3", 0)]
    [InlineData("2 <= 1", 0)]
    [InlineData("-7 / 2", -3)]                    // division truncates toward zero
    [InlineData("-7 % 2", -1)]
    [InlineData("7 % -2", 1)]
    [InlineData("0 && 1 / 0", 0)]                 // && does not evaluate its right side
    [InlineData("1 || 1 / 0", 1)]
    [InlineData("0xFFFFFFFF > 0", 1)]             // values are exact, not wrapped to 32 bits
    [InlineData("0xFFFFFFFF + 1 - 1", -1)]
    [InlineData("-1 < 0", 1)]
    [InlineData("hi(0x12345678)", 0x1234)]
    [InlineData("lo(0x12345678)", 0x5678)]
    [InlineData("HI(-1)", 0xFFFF)]
    [InlineData("lo(-2)", 0xFFFE)]
    [InlineData("hi(0x12345678) << 16 | lo(0x12345678)", 0x12345678)]
    [InlineData("0b1010", 10)]
    [InlineData("0B11", 3)]
    [InlineData("0XfF", 255)]
    [InlineData("1_000", 1000)]
    [InlineData("0x_ffff_0000", -65536)]
    [InlineData("007", 7)]
    [InlineData("'A' + 1", 66)]
    [InlineData(@"'\n'", 10)]
    [InlineData(@"'\t'", 9)]
    [InlineData(@"'\r'", 13)]
    [InlineData(@"'\0'", 0)]
    [InlineData(@"'\\'", 92)]
    [InlineData(@"'\''", 39)]
    [InlineData(@"'""'", 34)]
    [InlineData("';'", 59)]                       // a ';' inside quotes is not a comment
    public void EvaluatesWithCPrecedence(string expression, int expected)
    {
        Assert.Equal(expected, Value(expression));
    }

    [Fact]
    public void DefinedSeesDefinesAndEarlierSymbolsOnly()
    {
        var defines = new Dictionary<string, long> { ["X"] = 3 };
        var words = Asm.Words("""
                    .word defined(X), defined(Y), defined(early), defined(late), defined(K)
            early:  .word defined(early), defined(late)
            late:   .word defined(late)
                    K = 1
            """, defines);
        Assert.Equal(new uint[] { 1, 0, 0, 0, 0, 1, 0, 1 }, words);
    }

    [Fact]
    public void DotIsTheAddressOfTheStatement()
    {
        var words = Asm.Words(".org 0x100\n.word ., . + 4\nhere: .word here - .");
        Assert.Equal(new uint[] { 0x100, 0x104, 0 }, words);
    }

    [Fact]
    public void SymbolsAreCaseSensitive()
    {
        var words = Asm.Words("abc = 1\nABC = 2\n.word abc, ABC");
        Assert.Equal(new uint[] { 1, 2 }, words);
    }

    [Fact]
    public void ForwardReferencesAndLabelArithmetic()
    {
        var words = Asm.Words(".word end - start, SIZE\nstart: .space 12\nend:\nSIZE = end - start + 1");
        Assert.Equal(new uint[] { 12, 13, 0, 0, 0 }, words);
    }
}
