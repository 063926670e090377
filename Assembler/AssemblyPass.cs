// One pass over the whole program: labels, instructions, pseudo-instructions, macro calls and
// directives (Directives.cs) are processed line by line, emitting bytes into an
// ObjectBuilder. The driver (R4Assembler) repeats passes until every symbol keeps its value;
// only the last pass's errors, bytes and listing count. Each statement is processed inside
// one try/catch, so a statement reports at most one error and the pass goes on.
using R4.Isa;
using R4.Isa.Image;

namespace R4.Assembler;

/// <summary>What survives from one pass to the next.</summary>
internal sealed class PassShared
{
    public PassShared(SourceFiles files, AssemblyOptions options)
    {
        Files = files;
        MaximumProgramBytes = options.MaximumProgramBytes;
        MaximumExpandedLines = Math.Min(options.MaximumExpandedLines, AssemblerLimits.MaximumExpandedLines);
        if (ReferenceEquals(options.Defines, AssemblyOptions.NoDefines)) return;
        foreach (var pair in options.Defines)
        {
            var definition = new SymbolDefinition(pair.Key, pair.Value, SymbolKind.Constant, "-D", 0);
            Defines[pair.Key] = definition;
            DefinesInOrder.Add(definition);
        }
    }

    // Start-up (docs/performance.md): the assembler's own collections hold reference types or
    // are its own classes. CoreLib generics over value types (Dictionary<string, long>,
    // HashSet<int>, List<(string, long)>) have no ReadyToRun code in any image, so each of
    // their methods was compiled by the .NET JIT in every `r4 run` before the guest started.
    // (The -D defines still arrive as a Dictionary<string, long>; without any, none is touched.)

    public SourceFiles Files { get; }
    /// <summary>The -D defines as symbol definitions, by name and in the order given.</summary>
    public Dictionary<string, SymbolDefinition> Defines { get; } = new(StringComparer.Ordinal);
    public List<SymbolDefinition> DefinesInOrder { get; } = [];
    public long MaximumProgramBytes { get; }
    public int MaximumExpandedLines { get; }
    /// <summary>Ordinals (in pass order) of li statements that need two words; only grows.</summary>
    public OrdinalSet TwoWordLi { get; } = new();
}

/// <summary>Where `.entry` put the entry point (a class: a nullable (long, LogicalLine) tuple has
/// no ReadyToRun code and cost a .NET JIT compile at start-up).</summary>
internal sealed record EntryPoint(long Address, LogicalLine Line);

/// <summary>A set of small non-negative ordinals (see PassShared: not a HashSet&lt;int&gt;).</summary>
internal sealed class OrdinalSet
{
    private bool[] members = new bool[16];

    public int Count { get; private set; }

    public bool Contains(int ordinal) => ordinal >= 0 && ordinal < members.Length && members[ordinal];

    public void Add(int ordinal)
    {
        if (ordinal >= members.Length) Array.Resize(ref members, Math.Max(2 * members.Length, ordinal + 1));
        if (!members[ordinal]) Count++;
        members[ordinal] = true;
    }
}

internal sealed partial class AssemblyPass : IExpressionScope
{
    private readonly PassShared shared;
    private readonly Preprocessor preprocessor;
    private LogicalLine line = null!;
    private string? globalLabel;
    private int liOrdinal;
    /// <summary>Set while evaluating an operand whose value decides the layout (.org, .space,
    /// .align, .if): such values may not use symbols defined later.</summary>
    private string? layoutDirective;
    private bool conditionalEntered;

    public AssemblyPass(PassShared shared, IReadOnlyDictionary<string, SymbolDefinition>? previousPass)
    {
        this.shared = shared;
        Symbols = new SymbolTable(shared.Defines, previousPass);
        Diagnostics = new DiagnosticBag(stopAfterTooMany: previousPass is not null);
        Output = new ObjectBuilder(shared.MaximumProgramBytes);
        preprocessor = new Preprocessor(shared.Files, Diagnostics, shared.MaximumExpandedLines);
    }

    public DiagnosticBag Diagnostics { get; }
    public SymbolTable Symbols { get; }
    public ObjectBuilder Output { get; }
    public ListingBuilder Listing { get; } = new();
    public List<SourceLine> Lines { get; } = [];
    public EntryPoint? Entry { get; private set; }

    /// <summary>The address of the statement being assembled ('.').</summary>
    public long Location { get; private set; }

    public void Run(string displayName, string fullPath)
    {
        preprocessor.Start(displayName, fullPath);
        while (!Diagnostics.Fatal && preprocessor.Next(out var next))
        {
            line = next;
            Listing.Begin(line);
            if (line.Kind != LineKind.Statement) continue;
            try
            {
                Process();
            }
            catch (AssemblyException e)
            {
                Diagnostics.Report(line, e);
                // A '.if' that failed before its condition was known still opens a block
                // (skipped whole), so its '.else'/'.endif' do not report errors of their own.
                if (!conditionalEntered && Preprocessor.FirstWord(line.Text).Word == ".if")
                    preprocessor.EnterBrokenIf(line);
            }
            finally
            {
                layoutDirective = null;
                conditionalEntered = false;
            }
        }
        CloseLabelExtents();
        if (!Diagnostics.Fatal) Output.CheckOverlaps(Diagnostics);
    }

    /// <summary>The extent of each label in bytes (ImageSymbol.Size, ELF st_size); 0 when not known.</summary>
    public uint LabelSize(string name) => labelSizes.TryGetValue(name, out var size) ? size.Bytes : 0;

    private sealed record LabelExtent(uint Bytes);
    private readonly Dictionary<string, LabelExtent> labelSizes = new(StringComparer.Ordinal);

    /// <summary>Labels whose extent is still open: all at <see cref="openLabelsAddress"/> (labels
    /// at one address share their extent).</summary>
    private readonly List<string> openLabels = [];
    private long openLabelsAddress;

    /// <summary>Ends the open labels' extents here: at the next label at a higher address, at
    /// .align, at .org and at the end of the program.</summary>
    private void CloseLabelExtents()
    {
        var extent = new LabelExtent((uint)Math.Clamp(Output.Location - openLabelsAddress, 0, uint.MaxValue));
        foreach (string name in openLabels)
            labelSizes[name] = extent;
        openLabels.Clear();
    }

    private void Process()
    {
        var tokens = Lexer.Tokenize(line.Text);
        var statement = Statement.Parse(line.Text, tokens);
        Location = Output.Location;
        foreach (var label in statement.Labels)
            DefineLabel(label);
        if (statement.Operation is not { } operation) return;
        if (statement.IsAssignment)
        {
            Assign(operation, statement);
            return;
        }
        string name = operation.Text;
        if (name.StartsWith('.'))
            Directive(name.ToLowerInvariant(), operation, statement);
        else if (InstructionTable.ForMnemonic(name) is { } info)
            Instruction(info, operation, statement);
        else if (PseudoInstructions.Find(name) is { } pseudo)
            Pseudo(pseudo, operation, statement);
        else if (preprocessor.FindMacro(name) is { } macro)
            preprocessor.Expand(macro, statement.Operands.Select(o => o.Text).ToList(), line, operation.Column);
        else
            throw new AssemblyException($"unknown instruction '{name}'", operation.Column, () => Suggestions.DidYouMean(name,
                InstructionTable.All.Select(i => i.Mnemonic).Concat(PseudoInstructions.All.Select(p => p.Mnemonic)).Concat(preprocessor.MacroNames)));
    }

    private void DefineLabel(Token label)
    {
        string name = QualifyForDefinition(label);
        Symbols.Define(name, Location, SymbolKind.Label, line, label.Column);
        if (openLabels.Count > 0 && openLabelsAddress != Location) CloseLabelExtents();
        openLabelsAddress = Location;
        openLabels.Add(name);
        if (!label.Text.StartsWith('.')) globalLabel = name;
    }

    /// <summary>Checks a name being defined and turns a local '.name' into 'global.name'.</summary>
    private string QualifyForDefinition(Token token)
    {
        string name = token.Text;
        bool local = name.StartsWith('.');
        string bare = local ? name[1..] : name;
        if (bare.Length == 0 || bare.Contains('.') || char.IsAsciiDigit(bare[0]))
            throw new AssemblyException($"'{name}' is not a valid symbol name (letters, digits and '_'; a local label is '.name')", token.Column);
        // A local label may be any name after its dot (spec §10): '.sp' is 'global.sp', never sp.
        if (!local && Registers.TryParse(bare, out _))
            throw new AssemblyException($"'{name}' is a register name and cannot name a symbol", token.Column);
        if (!local) return name;
        if (globalLabel is null)
            throw new AssemblyException($"local label '{name}' has no global label before it", token.Column);
        return globalLabel + name;
    }

    private string QualifyReference(string name, int column)
    {
        if (!name.StartsWith('.')) return name;
        if (globalLabel is null)
            throw new AssemblyException($"local label '{name}' used before any global label", column);
        return globalLabel + name;
    }

    public long Resolve(string name, int column)
    {
        string qualified = QualifyReference(name, column);
        if (Symbols.TryGetNow(qualified, out long value)) return value;
        if (Registers.TryParse(name, out _))
            throw new AssemblyException($"register '{name}' cannot be used in an expression", column);
        if (layoutDirective is not null)
        {
            if (Symbols.TryGetFromPreviousPass(qualified, out _))
                throw new AssemblyException($"'{name}' is defined after this line, but '{layoutDirective}' needs a value known here", column);
            throw Undefined(name, qualified, column);
        }
        if (Symbols.TryGetFromPreviousPass(qualified, out value)) return value;
        throw Undefined(name, qualified, column);
    }

    /// <summary>"undefined symbol 'x'", with the closest known name when one is near
    /// (a local label is suggested in the form it was referred to).</summary>
    private AssemblyException Undefined(string name, string qualified, int column)
    {
        string prefix = qualified[..^name.Length];
        var names = Symbols.AllNamesAsNow();   // the names known here, even if the suggestion is read later
        return new AssemblyException($"undefined symbol '{name}'", column, () => Suggestions.DidYouMean(name,
            names().Select(n => prefix.Length > 0 && n.StartsWith(prefix, StringComparison.Ordinal) ? n[prefix.Length..] : n)));
    }

    public bool IsDefined(string name, int column) => Symbols.IsDefinedNow(QualifyReference(name, column));

    private long EvaluateForLayout(Operand operand, string directive)
    {
        layoutDirective = directive;
        try
        {
            return Encoder.Evaluate(operand.Tokens, this);
        }
        finally
        {
            layoutDirective = null;
        }
    }

    private void Instruction(InstructionInfo info, Token operation, Statement statement)
    {
        try
        {
            CheckInstructionAlignment(operation);
            var operands = Encoder.ParseOperands(info.Mnemonic, Encoder.Syntax(info.Form), info.Form, statement, this);
            EmitInstructions([Encoder.Build(info, operands)]);
        }
        catch (AssemblyException)
        {
            EmitPlaceholderWords(1);
            throw;
        }
    }

    private void Pseudo(PseudoInstruction pseudo, Token operation, Statement statement)
    {
        int ordinal = pseudo.VariableSize ? liOrdinal++ : -1;
        bool twoWords = shared.TwoWordLi.Contains(ordinal);
        ParsedOperand[] operands;
        try
        {
            CheckInstructionAlignment(operation);
            operands = Encoder.ParseOperands(pseudo.Mnemonic, pseudo.Operands, null, statement, this);
        }
        catch (AssemblyException)
        {
            // The value is unknown (in a first pass, a forward reference): assume the shortest.
            EmitPlaceholderWords(pseudo.VariableSize ? (twoWords ? 2 : 1) : pseudo.Expand(Placeholders(pseudo), 2).Length);
            throw;
        }
        if (pseudo.VariableSize && !twoWords && pseudo.Words(operands) == 2)
        {
            shared.TwoWordLi.Add(ordinal);
            twoWords = true;
        }
        var expansion = pseudo.Expand(operands, twoWords ? 2 : 1);
        try
        {
            EmitInstructions(expansion);
        }
        catch (AssemblyException)
        {
            EmitPlaceholderWords(expansion.Length);
            throw;
        }
    }

    private static ParsedOperand[] Placeholders(PseudoInstruction pseudo)
    {
        var operands = new ParsedOperand[pseudo.Operands.Length];
        for (int i = 0; i < operands.Length; i++) operands[i] = new ParsedOperand(pseudo.Operands[i], 0, 0, 1);
        return operands;
    }

    private void CheckInstructionAlignment(Token operation)
    {
        if ((Location & 3) != 0)
            throw new AssemblyException($"instruction at 0x{Location:x8} is not 4-byte aligned (put '.align 4' before it)", operation.Column);
    }

    /// <summary>Encodes all words first, so a failing instruction emits nothing but placeholders.</summary>
    private void EmitInstructions(RealInstruction[] instructions)
    {
        var words = new uint[instructions.Length];
        for (int i = 0; i < words.Length; i++)
            words[i] = Encoder.Encode(instructions[i], Location + 4L * i);
        foreach (uint word in words)
        {
            Lines.Add(new SourceLine((uint)Output.Location, line.File, line.Line));
            Emit(BitConverter.GetBytes(word), code: true);
        }
    }

    private void EmitPlaceholderWords(int count) => Emit(new byte[4 * count], code: true);

    private void Emit(ReadOnlySpan<byte> bytes, bool code)
    {
        long address = Output.Location;
        Output.Emit(bytes, line);
        Listing.Record(address, bytes, code);
    }
}
