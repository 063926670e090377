// The start-up fast path of `r4 run` (Program.QuickRunVerb): for the plain forms it accepts it
// must build exactly the RunVerb CommandLineParser builds, and leave every other form to
// CommandLineParser (its errors and help stay the same).
using CommandLine;
using R4.Cli;

namespace R4.Tests.Cli;

public sealed class QuickRunParseTests
{
    private static IEnumerable<(System.Reflection.PropertyInfo Property, OptionAttribute Option)> Options() =>
        typeof(RunVerb).GetProperties()
            .SelectMany(p => p.GetCustomAttributes(typeof(OptionAttribute), false).OfType<OptionAttribute>().Select(o => (p, o)));

    [Fact]
    public void EveryRunOptionStartsAtItsDefault()
    {
        var verb = new RunVerb();
        foreach (var (property, option) in Options())
        {
            object? value = property.GetValue(verb);
            if (option.Default is not null) Assert.Equal(option.Default, value);
            else Assert.True(value is null or false || (value is System.Collections.IEnumerable sequence and not string && !sequence.GetEnumerator().MoveNext()),
                $"--{option.LongName} starts at {value}, not its default");
        }
    }

    private static RunVerb ParsedByCommandLineParser(string[] args)
    {
        using var parser = new Parser(settings =>
        {
            settings.HelpWriter = null;
            settings.AllowMultiInstance = true;
            settings.CaseInsensitiveEnumValues = true;
        });
        var parsed = parser.ParseArguments<RunVerb>(args.Skip(1));   // without the verb
        Assert.Equal(ParserResultType.Parsed, parsed.Tag);
        return ((Parsed<RunVerb>)parsed).Value;
    }

    [Theory]
    [InlineData("run", "g.asm")]
    [InlineData("run", "g.asm", "--engine", "interp")]
    [InlineData("run", "--engine", "jit", "g.asm", "--stats")]
    [InlineData("run", "--layout", "ring3", "--stats", "g.asm", "--engine", "interp")]
    [InlineData("run", "g.asm", "--layout", "ring012")]
    public void ThePlainFormsParseAsCommandLineParserParsesThem(params string[] args)
    {
        var quick = Program.QuickRunVerb(args);
        Assert.NotNull(quick);
        var expected = ParsedByCommandLineParser(args);
        Assert.Equal(expected.Guest, quick.Guest);
        foreach (var (property, option) in Options())
            Assert.Equal(property.GetValue(expected), property.GetValue(quick));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("asm", "g.asm")]
    [InlineData("run", "g.asm", "h.asm")]
    [InlineData("run", "g.asm", "--stats", "--stats")]
    [InlineData("run", "g.asm", "--engine")]
    [InlineData("run", "g.asm", "--engine", "--stats")]
    [InlineData("run", "g.asm", "--engine=interp")]
    [InlineData("run", "g.asm", "--mem", "64M")]
    [InlineData("run", "g.asm", "--help")]
    [InlineData("run", "--", "g.asm")]
    [InlineData("run", "")]
    public void EveryOtherFormIsLeftToCommandLineParser(params string[] args) =>
        Assert.Null(Program.QuickRunVerb(args));
}
