// Differential test (3): every bundled guest that has a golden .expected file (examples,
// bench, the teaching kernels) runs on the interpreter and on the JIT; console output, exit
// status, instret, cycles, registers, statistics and RAM must match — natively, and under
// binary translation (bt) and hardware assist (hw), where the monitor's exit counts must match too.
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Jit;

public class GuestTests
{
    public static IEnumerable<object[]> Guests =>
        Directory.EnumerateFiles(RepositoryPaths.Combine("Guests"), "*.expected", SearchOption.AllDirectories)
            .Select(expected => Path.ChangeExtension(expected, ".asm"))
            .Where(File.Exists)
            .Select(asm => Path.GetRelativePath(RepositoryPaths.Root, asm).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(path => new object[] { path });

    [Theory]
    [MemberData(nameof(Guests))]
    public void GuestRunsTheSameOnBothEngines(string guest)
    {
        var image = GuestRunner.Assemble(guest);
        int regions = Differential.RunBoth(16 << 20, m => m.Load(image), [GuestRunner.DefaultBudgetInstructions], guest);
        Assert.True(regions > 0, $"{guest}: the JIT compiled nothing");
    }

    public static IEnumerable<object[]> GuestsUnderTechniques =>
        Guests.SelectMany(g => Layouts.Techniques.Select(layout => new object[] { g[0], layout.Name }));

    [Theory]
    [MemberData(nameof(GuestsUnderTechniques))]
    public void GuestRunsTheSameOnBothEnginesUnderBtAndHw(string guest, string layoutName)
    {
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var image = GuestRunner.Assemble(guest);
        string Snapshot(ExecutionEngine engine, out int regions)
        {
            var console = new MemoryStream();
            using var machine = GuestMachine.Create(new MachineOptions
            {
                MemoryBytes = 16 << 20, Engine = engine, ConsoleOutput = console,
                ConsoleInput = new MemoryStream([]), Diagnostics = TextWriter.Null,
            }, layout);
            machine.Cpu.JitCompileThreshold = 1;   // compile at first sight, as the other differential tests do
            machine.Load(image);
            var result = machine.Run(GuestRunner.DefaultBudgetInstructions);
            machine.Machine.Bus.Flush();
            regions = machine.Cpu.JitRegionsCompiled;
            return Differential.Snapshot(machine.Machine, result) + "\nguest " + machine.CaptureState() +
                   "\nexits " + string.Join(",", machine.Exits!.ByName()) + "\nconsole " + Convert.ToHexString(console.ToArray());
        }
        string interpreter = Snapshot(ExecutionEngine.Interpreter, out _);
        string jit = Snapshot(ExecutionEngine.Jit, out int compiled);
        Differential.AssertSame(interpreter, jit, $"{guest} under {layoutName}");
        Assert.True(compiled > 0, $"{guest} under {layoutName}: the JIT compiled nothing");
    }

    /// <summary>With the default tiering (interpret first, compile what is hot) the long guests
    /// mix interpreted and compiled code on the same pages; everything must still match.</summary>
    [Theory]
    [InlineData("Guests/kernels/teach/kernel.asm")]
    [InlineData("Guests/kernels/teach/faults.asm")]
    [InlineData("Guests/bench/ctxswitch.asm")]
    [InlineData("Guests/bench/pagefault.asm")]
    public void GuestRunsTheSameWithDefaultTiering(string guest)
    {
        var image = GuestRunner.Assemble(guest);
        int regions = Differential.RunBoth(16 << 20, m => m.Load(image), [GuestRunner.DefaultBudgetInstructions], guest,
            jitCompileThreshold: Cpu.DefaultJitCompileThreshold);
        Assert.True(regions > 0, $"{guest}: the JIT compiled nothing");
    }

    [Fact]
    public void TheGuestListIsNotEmpty() => Assert.True(Guests.Count() >= 10, $"only {Guests.Count()} guests found");
}
