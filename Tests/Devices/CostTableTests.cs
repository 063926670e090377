// The cost table: defaults, JSON overrides, one test per error message, docs/costs.md in step.
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Devices;

public sealed class CostTableTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"r4-costs-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(path);

    private CostTable Load(string json)
    {
        File.WriteAllText(path, json);
        return CostTable.LoadJson(path);
    }

    private string LoadError(string json) => Assert.Throws<CostTableException>(() => Load(json)).Message;

    [Fact]
    public void DefaultsMatchTheTableThatIsDocumented()
    {
        var d = CostTable.Default;
        Assert.Equal([1, 3, 20, 2, 2, 2, 1, 1, 5, 5, 30], d.CyclesByClass);
        Assert.Equal(
            (30, 20, 20, 50, 400, 50, 200),
            (d.TrapCycles, d.IretCycles, d.TlbMissCycles, d.TlbFlushCycles, d.MonitorExitCycles,
             d.MonitorEmulationCycles, d.ShadowPageFillCycles));
        Assert.Equal(20, d.CyclesFor(CostClass.Divide));
        Assert.Equal(30, d["portIo"]);
    }

    [Fact]
    public void KeysAreTheClassesInCamelCaseThenTheEvents()
    {
        Assert.Equal(
            ["alu", "multiply", "divide", "load", "store", "stack", "branch", "jump", "system", "privileged", "portIo",
             "trap", "iret", "tlbMiss", "tlbFlush", "monitorExit", "monitorEmulation", "shadowPageFill",
             "translatedCall", "vmExit", "nestedWalkReference", "guestSwitch", "worldSwitch", "hostCall"],
            CostTable.Keys);
    }

    [Fact]
    public void AFileOverridesOnlyTheEntriesItNames()
    {
        var t = Load("""
            // comments and a trailing comma are allowed
            { "alu": 2, "Divide": 25, "trap": 40, "portio": 0, }
            """);
        Assert.Equal([2, 3, 25, 2, 2, 2, 1, 1, 5, 5, 0], t.CyclesByClass);
        Assert.Equal(40, t.TrapCycles);
        Assert.Equal(CostTable.Default.IretCycles, t.IretCycles);
        Assert.Equal(CostTable.Default.ShadowPageFillCycles, t.ShadowPageFillCycles);
        Assert.Equal(1, CostTable.Default.CyclesByClass[0]); // the defaults are untouched
    }

    [Fact]
    public void EveryKeyCanBeOverridden()
    {
        var json = "{" + string.Join(",", CostTable.Keys.Select((k, i) => $"\"{k}\": {1000 + i}")) + "}";
        var t = Load(json);
        for (int i = 0; i < CostTable.Keys.Count; i++)
            Assert.Equal(1000 + i, t[CostTable.Keys[i]]);
    }

    [Fact]
    public void ToJsonRoundTrips()
    {
        var t = CostTable.FromJson("""{"stack": 9, "monitorExit": 1234}""");
        var again = CostTable.FromJson(t.ToJson());
        Assert.Equal(t.ToJson(), again.ToJson());
        Assert.Equal(9, again["stack"]);
        Assert.Equal(1234, again.MonitorExitCycles);
    }

    [Fact]
    public void AnEmptyObjectIsTheDefaults() => Assert.Equal(CostTable.Default.ToJson(), Load("{}").ToJson());

    [Fact]
    public void UnknownKey() =>
        Assert.StartsWith($"{path}:2:3: unknown cost entry 'alus' (known: alu, multiply, ", LoadError("{\n  \"alus\": 1\n}"));

    [Fact]
    public void DuplicateKey() =>
        Assert.Equal($"{path}:1:13: cost entry 'TRAP' is given twice", LoadError("""{"trap": 1, "TRAP": 2}"""));

    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1e3")]
    [InlineData("\"3\"", "the string \"3\"")]
    [InlineData("true", "true")]
    [InlineData("null", "null")]
    [InlineData("[1]", "an array")]
    [InlineData("{}", "an object")]
    public void NonIntegerValue(string value, string shown) =>
        Assert.Equal($"{path}:1:11: cost entry 'divide': expected a whole number of cycles, got {shown}",
            LoadError($$"""{"divide":{{value}}}"""));

    [Fact]
    public void NegativeValue() =>
        Assert.Equal($"{path}:1:8: cost entry 'alu': -1 is negative; cycles must be 0 or more", LoadError("""{"alu":-1}"""));

    [Fact]
    public void TooLargeValue() =>
        Assert.Equal($"{path}:1:8: cost entry 'alu': 2147483648 is too large (at most 2147483647)", LoadError("""{"alu":2147483648}"""));

    [Fact]
    public void TopLevelNotAnObject() =>
        Assert.Equal($"{path}:1:1: expected a JSON object of cost entries, e.g. {{\"alu\": 1, \"trap\": 40}}", LoadError("[1, 2]"));

    [Fact]
    public void SyntaxErrorNamesLineAndColumn()
    {
        string message = LoadError("{\n  \"alu\": 1\n  \"trap\": 2\n}");
        Assert.StartsWith($"{path}:3:3: malformed JSON: ", message);
        Assert.DoesNotContain("LineNumber", message);
    }

    [Fact]
    public void TruncatedFile() => Assert.StartsWith($"{path}:1:", LoadError("{\"alu\": 1"));

    [Fact]
    public void EmptyFile() => Assert.StartsWith($"{path}:1:1: malformed JSON: ", LoadError(""));

    [Fact]
    public void TrailingGarbage() => Assert.StartsWith($"{path}:1:4: malformed JSON: ", LoadError("{} x"));

    [Fact]
    public void UnreadableFile()
    {
        string missing = path + ".missing";
        var e = Assert.Throws<CostTableException>(() => CostTable.LoadJson(missing));
        Assert.StartsWith($"cannot read cost table '{missing}': ", e.Message);
    }

    [Fact]
    public void AByteOrderMarkIsAccepted()
    {
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "{\"jump\": 4}"u8]);
        Assert.Equal(4, CostTable.LoadJson(path).CyclesFor(CostClass.Jump));
    }

    [Fact]
    public void ColumnsCountCharactersNotBytes() =>
        Assert.StartsWith($"{path}:1:10: unknown cost entry 'x'", LoadError("""/* é */ {"x": 1}"""));

    [Fact]
    public void ClassListOfTheWrongLengthIsRefused() =>
        Assert.Throws<ArgumentException>(() => new CostTable { CyclesByClass = [1, 2, 3] });

    [Fact]
    public void DocsCostsMdShowsTheDefaultsAndEveryKey()
    {
        string doc = File.ReadAllText(RepositoryPaths.Combine("docs", "costs.md")).ReplaceLineEndings("\n");
        Assert.Contains("```json\n" + CostTable.Default.ToJson() + "```", doc);
        foreach (string key in CostTable.Keys)
            Assert.Contains($"| `{key}` | {CostTable.Default[key]} |", doc);
    }
}
