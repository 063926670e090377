// The modelled-cycle cost table (spec 7): cycles per instruction class and per machine event,
// its defaults (explained in docs/costs.md), and loading overrides from a JSON file with every
// key and value checked. Cycles measure the cost of a layout; they never change what the
// guest sees.
using System.Text;
using System.Text.Json;
using R4.Isa;

namespace R4.Machine;

/// <summary>A cost table file is unreadable or wrong; the message names the file, the place
/// (line:column) and the key.</summary>
public sealed class CostTableException(string message) : Exception(message);

/// <summary>Modelled cycles: each retired instruction costs the cycles of its class; traps, iret,
/// TLB misses and flushes and monitor work add theirs on top.</summary>
public sealed class CostTable
{
    // (Static fields initialise in textual order: these come before Default.)
    private static readonly int ClassCount = Enum.GetValues<CostClass>().Length;
    private static readonly int[] DefaultClassCycles = [1, 3, 20, 2, 2, 2, 1, 1, 5, 5, 30];

    /// <summary>The defaults, documented in docs/costs.md.</summary>
    public static CostTable Default { get; } = new();

    private int[] classCycles = (int[])DefaultClassCycles.Clone();

    /// <summary>Cycles per retired instruction of each cost class, indexed by (int)CostClass.
    /// The list is an int[] underneath; a hot loop may copy it once.</summary>
    public IReadOnlyList<int> CyclesByClass
    {
        get => classCycles;
        init
        {
            if (value.Count != ClassCount)
                throw new ArgumentException($"CyclesByClass needs {ClassCount} entries (one per CostClass), got {value.Count}", nameof(value));
            classCycles = [.. value];
        }
    }

    public int CyclesFor(CostClass costClass) => classCycles[(int)costClass];

    /// <summary>Delivering a trap or interrupt through a gate: gate read, stack switch, 4-word frame.</summary>
    public int TrapCycles { get; init; } = 30;
    /// <summary>`iret` on top of its class: 3-word frame read, ring and IE change, pipeline refill.</summary>
    public int IretCycles { get; init; } = 20;
    /// <summary>A TLB miss: a two-level page walk (two dependent memory reads).</summary>
    public int TlbMissCycles { get; init; } = 20;
    /// <summary>`tlbflush`, a write to `ptbr`: invalidating every entry (misses that follow are counted separately).</summary>
    public int TlbFlushCycles { get; init; } = 50;
    /// <summary>The monitor: a world switch out of the guest into the monitor and back.</summary>
    public int MonitorExitCycles { get; init; } = 400;
    /// <summary>The monitor: emulating one privileged instruction against the virtual CPU, or
    /// building the guest's frame for a reflected fault, system call or interrupt.</summary>
    public int MonitorEmulationCycles { get; init; } = 50;
    /// <summary>The monitor: filling one shadow page-table entry from the guest's tables.</summary>
    public int ShadowPageFillCycles { get; init; } = 200;
    /// <summary>Binary translation: translated code calling the monitor's emulation of one sensitive
    /// instruction and returning (no trap, no world switch), instead of <see cref="MonitorExitCycles"/>.</summary>
    public int TranslatedCallCycles { get; init; } = 20;
    /// <summary>Hardware assist: a VM exit and the VM entry back (the round trip), instead of <see cref="MonitorExitCycles"/>.</summary>
    public int VmExitCycles { get; init; } = 1000;
    /// <summary>Hardware assist: each memory reference of a nested (two-dimensional) page walk, up to 8 per TLB miss.</summary>
    public int NestedWalkReferenceCycles { get; init; } = 10;
    /// <summary>A Type 1 host (spec §11.1): switching the one CPU from one guest to another —
    /// the slice-end exit, saving one guest's CPU state and gate copy, scheduling, restoring the
    /// next guest's and loading its shadow ptbr (the TLB flush it causes is tlbFlush, extra).</summary>
    public int GuestSwitchCycles { get; init; } = 1200;
    /// <summary>The hosted monitor (Type 2): a world switch from the ring-0 part to the user-level
    /// part and back, around every device exit (docs/costs.md cites the published figures).</summary>
    public int WorldSwitchCycles { get; init; } = 4500;
    /// <summary>The hosted monitor: one host OS call made by the user-level part (a terminal
    /// read or write, a disk-file read or write).</summary>
    public int HostCallCycles { get; init; } = 12000;

    // The JSON keys, in the order ToJson writes them: the cost classes, then the events.
    private static readonly (string Key, Func<CostTable, int> Get)[] Events =
    [
        ("trap", t => t.TrapCycles),
        ("iret", t => t.IretCycles),
        ("tlbMiss", t => t.TlbMissCycles),
        ("tlbFlush", t => t.TlbFlushCycles),
        ("monitorExit", t => t.MonitorExitCycles),
        ("monitorEmulation", t => t.MonitorEmulationCycles),
        ("shadowPageFill", t => t.ShadowPageFillCycles),
        ("translatedCall", t => t.TranslatedCallCycles),
        ("vmExit", t => t.VmExitCycles),
        ("nestedWalkReference", t => t.NestedWalkReferenceCycles),
        ("guestSwitch", t => t.GuestSwitchCycles),
        ("worldSwitch", t => t.WorldSwitchCycles),
        ("hostCall", t => t.HostCallCycles),
    ];

    /// <summary>Every key a cost file may use, in ToJson order.</summary>
    public static IReadOnlyList<string> Keys => keys ??= [.. Enum.GetValues<CostClass>().Select(ClassKey), .. Events.Select(e => e.Key)];

    // Made when first asked for (a cost file, ToJson), not by the static constructor: enum names
    // and LINQ over the enum cost every run start-up time (docs/performance.md).
    private static IReadOnlyList<string>? keys;

    /// <summary>The JSON key of a cost class: its name in camelCase ("alu", "portIo").</summary>
    public static string ClassKey(CostClass costClass)
    {
        string name = costClass.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>The value of entry <paramref name="key"/> (a name from <see cref="Keys"/>).</summary>
    public int this[string key]
    {
        get
        {
            int index = IndexOfKey(key);
            if (index < 0)
                throw new KeyNotFoundException($"unknown cost entry '{key}'");
            return index < ClassCount ? classCycles[index] : Events[index - ClassCount].Get(this);
        }
    }

    /// <summary>Every entry as a JSON object, one key per line in <see cref="Keys"/> order.</summary>
    public string ToJson()
    {
        var text = new StringBuilder("{\n");
        for (int i = 0; i < Keys.Count; i++)
            text.Append($"  \"{Keys[i]}\": {this[Keys[i]]}{(i + 1 < Keys.Count ? "," : "")}\n");
        return text.Append("}\n").ToString();
    }

    /// <summary>The defaults with the entries of the JSON object in <paramref name="path"/>
    /// overriding them, e.g. {"alu": 1, "divide": 25, "trap": 40}.</summary>
    public static CostTable LoadJson(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CostTableException($"cannot read cost table '{path}': {e.Message}");
        }
        return Parse(bytes, path);
    }

    /// <summary>As <see cref="LoadJson"/>, from text; <paramref name="fileName"/> names it in errors.</summary>
    public static CostTable FromJson(string json, string fileName = "<costs>") => Parse(Encoding.UTF8.GetBytes(json), fileName);

    private static CostTable Parse(byte[] bytes, string fileName)
    {
        ReadOnlySpan<byte> json = bytes;
        if (json.StartsWith("\uFEFF"u8))
            json = json[3..];
        var values = new int?[Keys.Count];
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Error(json, fileName, reader.TokenStartIndex, "expected a JSON object of cost entries, e.g. {\"alu\": 1, \"trap\": 40}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                long keyAt = reader.TokenStartIndex;
                int index = IndexOfKey(key);
                if (index < 0)
                    throw Error(json, fileName, keyAt, $"unknown cost entry '{key}' (known: {string.Join(", ", Keys)})");
                if (values[index] is not null)
                    throw Error(json, fileName, keyAt, $"cost entry '{key}' is given twice");
                reader.Read();
                values[index] = ReadCycles(ref reader, json, fileName, key);
            }
            // Anything after the object is a syntax error the reader reports.
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            long offset = LineStart(json, (int)(e.LineNumber ?? 0)) + (e.BytePositionInLine ?? 0);
            throw Error(json, fileName, offset, "malformed JSON: " + ReaderMessage(e));
        }
        return WithOverrides(values);
    }

    private static int ReadCycles(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string fileName, string key)
    {
        long valueAt = reader.TokenStartIndex;
        string shown = reader.TokenType switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => $"the string \"{reader.GetString()}\"",
            JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null => Encoding.UTF8.GetString(reader.ValueSpan),
            _ => Encoding.UTF8.GetString(reader.ValueSpan),
        };
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long cycles))
            throw Error(json, fileName, valueAt, $"cost entry '{key}': expected a whole number of cycles, got {shown}");
        if (cycles < 0)
            throw Error(json, fileName, valueAt, $"cost entry '{key}': {cycles} is negative; cycles must be 0 or more");
        if (cycles > int.MaxValue)
            throw Error(json, fileName, valueAt, $"cost entry '{key}': {cycles} is too large (at most {int.MaxValue})");
        return (int)cycles;
    }

    private static CostTable WithOverrides(int?[] values)
    {
        var d = Default;
        int Value(string key) => values[IndexOfKey(key)] ?? d[key];
        return new CostTable
        {
            CyclesByClass = [.. Enumerable.Range(0, ClassCount).Select(i => values[i] ?? d.classCycles[i])],
            TrapCycles = Value("trap"),
            IretCycles = Value("iret"),
            TlbMissCycles = Value("tlbMiss"),
            TlbFlushCycles = Value("tlbFlush"),
            MonitorExitCycles = Value("monitorExit"),
            MonitorEmulationCycles = Value("monitorEmulation"),
            ShadowPageFillCycles = Value("shadowPageFill"),
            TranslatedCallCycles = Value("translatedCall"),
            VmExitCycles = Value("vmExit"),
            NestedWalkReferenceCycles = Value("nestedWalkReference"),
            GuestSwitchCycles = Value("guestSwitch"),
            WorldSwitchCycles = Value("worldSwitch"),
            HostCallCycles = Value("hostCall"),
        };
    }

    // Keys match case-insensitively ("ALU", "portio"); the canonical spelling is in Keys.
    private static int IndexOfKey(string key)
    {
        for (int i = 0; i < Keys.Count; i++)
            if (string.Equals(Keys[i], key, StringComparison.OrdinalIgnoreCase))
                return i;
        return -1;
    }

    private static CostTableException Error(ReadOnlySpan<byte> json, string fileName, long offset, string message)
    {
        var (line, column) = LineAndColumn(json, (int)Math.Min(offset, json.Length));
        return new CostTableException($"{fileName}:{line}:{column}: {message}");
    }

    // 1-based line and column (in characters) of a byte offset.
    private static (int Line, int Column) LineAndColumn(ReadOnlySpan<byte> json, int offset)
    {
        var before = json[..offset];
        int line = before.Count((byte)'\n') + 1;
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (line, Encoding.UTF8.GetCharCount(json[lineStart..offset]) + 1);
    }

    private static long LineStart(ReadOnlySpan<byte> json, int zeroBasedLine)
    {
        int start = 0;
        for (int line = 0; line < zeroBasedLine; line++)
        {
            int newline = json[start..].IndexOf((byte)'\n');
            if (newline < 0)
                break;
            start += newline + 1;
        }
        return start;
    }

    // The reader's message without its own "LineNumber: .. | BytePositionInLine: .." suffix.
    private static string ReaderMessage(JsonException e)
    {
        string message = e.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
