// Interpreter/JIT throughput in guest MIPS on the three programs of ThroughputPrograms,
// each beside the same computation in plain C#. The reported time is per guest
// instruction (OperationsPerInvoke), and the MIPS column is 1000 / that time.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;

namespace R4.Perf;

[Config(typeof(Config))]
public class ThroughputBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new MipsColumn());
        }
    }

    private const int AluIterations = 25_000_000;
    private const int LoadStorePasses = 400;
    private const int IrregularIterations = 20_000;
    private const int CodePageCounterIterations = 10_000_000;

    private const int AluInstructions = AluIterations * ThroughputPrograms.AluInstructionsPerIteration;
    private const int LoadStoreInstructions = LoadStorePasses * ThroughputPrograms.LoadStoreArrayWords * ThroughputPrograms.LoadStoreInstructionsPerWord;
    private const int IrregularInstructions = IrregularIterations * ThroughputPrograms.IrregularBodyInstructions;
    private const int CodePageCounterInstructions = CodePageCounterIterations * ThroughputPrograms.CodePageCounterInstructionsPerIteration;

    private ProgramImage aluImage = null!, loadStoreImage = null!, irregularImage = null!, codePageCounterImage = null!;
    private readonly uint[] array = new uint[ThroughputPrograms.LoadStoreArrayWords];
    private readonly uint[] irregularRegisters = new uint[16];
    private readonly uint[] irregularBuffer = new uint[ThroughputPrograms.IrregularBufferWords];

    [GlobalSetup]
    public void Setup()
    {
        aluImage = Assemble(ThroughputPrograms.AluLoop(AluIterations));
        loadStoreImage = Assemble(ThroughputPrograms.LoadStoreLoop(LoadStorePasses));
        irregularImage = Assemble(ThroughputPrograms.IrregularLoop(IrregularIterations));
        codePageCounterImage = Assemble(ThroughputPrograms.CodePageCounterLoop(CodePageCounterIterations));
        ThroughputPrograms.IrregularLoopInCSharp(irregularRegisters, irregularBuffer, 1);   // compile outside the measurement
    }

    [Benchmark(OperationsPerInvoke = AluInstructions, Description = "(a) ALU loop, guest")]
    public ulong AluLoopGuest() => RunGuest(aluImage);

    [Benchmark(OperationsPerInvoke = AluInstructions, Description = "(a) ALU loop, plain C#")]
    public uint AluLoopCSharp() => ThroughputPrograms.AluLoopInCSharp(AluIterations);

    [Benchmark(OperationsPerInvoke = LoadStoreInstructions, Description = "(b) load/store loop, paging on, guest")]
    public ulong LoadStoreLoopGuest() => RunGuest(loadStoreImage);

    [Benchmark(OperationsPerInvoke = LoadStoreInstructions, Description = "(b) load/store loop, plain C#")]
    public uint LoadStoreLoopCSharp()
    {
        ThroughputPrograms.LoadStoreLoopInCSharp(array, LoadStorePasses);
        return array[0];
    }

    [Benchmark(OperationsPerInvoke = IrregularInstructions, Description = "(c) 2000 irregular instructions, guest")]
    public ulong IrregularLoopGuest() => RunGuest(irregularImage);

    [Benchmark(OperationsPerInvoke = IrregularInstructions, Description = "(c) 2000 irregular instructions, plain C#")]
    public uint IrregularLoopCSharp()
    {
        Array.Clear(irregularRegisters);
        Array.Clear(irregularBuffer);
        ThroughputPrograms.IrregularLoopInCSharp(irregularRegisters, irregularBuffer, IrregularIterations);
        return irregularRegisters[1];
    }

    // The same three guests on the interpreter alone (no JIT): what a host without the JIT
    // (or a traced run) gets.
    [Benchmark(OperationsPerInvoke = AluInstructions, Description = "(a) ALU loop, guest, interpreter only")]
    public ulong AluLoopInterpreter() => RunGuest(aluImage, ExecutionEngine.Interpreter);

    [Benchmark(OperationsPerInvoke = LoadStoreInstructions, Description = "(b) load/store loop, paging on, guest, interpreter only")]
    public ulong LoadStoreLoopInterpreter() => RunGuest(loadStoreImage, ExecutionEngine.Interpreter);

    [Benchmark(OperationsPerInvoke = IrregularInstructions, Description = "(c) 2000 irregular instructions, guest, interpreter only")]
    public ulong IrregularLoopInterpreter() => RunGuest(irregularImage, ExecutionEngine.Interpreter);

    [Benchmark(OperationsPerInvoke = CodePageCounterInstructions, Description = "(d) counter on the code page, guest")]
    public ulong CodePageCounterGuest() => RunGuest(codePageCounterImage);

    [Benchmark(OperationsPerInvoke = CodePageCounterInstructions, Description = "(d) counter on the code page, guest, interpreter only")]
    public ulong CodePageCounterInterpreter() => RunGuest(codePageCounterImage, ExecutionEngine.Interpreter);

    public static ProgramImage Assemble(string source)
    {
        var result = R4Assembler.AssembleText(source, "benchmark.asm");
        if (!result.Succeeded)
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    public static ulong RunGuest(ProgramImage image, ExecutionEngine engine = ExecutionEngine.Jit)
    {
        using var machine = new R4Machine(new MachineOptions { MemoryBytes = 1 << 20, ConsoleOutput = Stream.Null, Diagnostics = TextWriter.Null, Engine = engine });
        machine.Load(image);
        var result = machine.Run();
        if (result.Reason != StopReason.PowerOff)
            throw new InvalidOperationException($"benchmark guest stopped with {result.Reason} at 0x{result.Pc:x8}: {result.Diagnostic}");
        return machine.Statistics.Instructions;
    }
}
