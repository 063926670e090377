// Property-based engine/layout equivalence (issue 16 item 9): kernels from the random guest
// generator (Tests/Monitor/RandomGuests, reused rather than a second generator), with a
// CsCheck-chosen seed and a small number of user blocks, run on the interpreter (traced) and
// on the JIT (untraced), natively and under ring012 and ring3; every run must show the same
// registers, retired instructions, stop reason and console. CsCheck shrinks a failure towards
// a small seed and fewer blocks and prints the seed to replay it.
using CsCheck;
using R4.Monitor;
using R4.Tests.Monitor.RandomGuests;

namespace R4.Tests.Properties;

public class EngineLayoutProperties
{
    private static readonly Layout[] Layouts_ = [Layouts.Native, Layouts.Ring012, Layouts.Ring3];

    [Fact]
    public void InterpreterAndJitAgreeNativelyAndUnderRing012AndRing3()
    {
        int programs = 0;
        Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 12]).Sample((seed, userBlocks) =>
        {
            var kernel = RandomKernelGenerator.Generate(seed, userBlocks);
            var image = kernel.Build();
            var reference = RandomGuestRunner.Run(image, Layouts.Native);   // traced: the interpreter
            if (reference.Result.Reason != R4.Machine.StopReason.PowerOff)
                throw new Exception($"{kernel}: the native interpreter run stopped with {reference.Result}, not at its exit call");
            Interlocked.Increment(ref programs);
            foreach (var layout in Layouts_)
                foreach (bool traced in new[] { true, false })
                {
                    if (layout == Layouts.Native && traced) continue;
                    var run = RandomGuestRunner.Run(image, layout, keptTraceEntries: 0, traced);
                    string where = $"{kernel}, {layout.Name} {(traced ? "interpreter" : "JIT")}";
                    if (run.Result.Reason != reference.Result.Reason || run.Result != reference.Result)
                        throw new Exception($"{where}: stop {run.Result}, native interpreter {reference.Result}");
                    if (run.State.Instret != reference.State.Instret)
                        throw new Exception($"{where}: instret {run.State.Instret}, native interpreter {reference.State.Instret}");
                    if (!run.State.Equals(reference.State))
                        throw new Exception($"{where}: state {run.State}, native interpreter {reference.State}");
                    if (run.Console != reference.Console)
                        throw new Exception($"{where}: console output differs");
                }
        }, iter: 30, threads: 1);
        Assert.True(programs >= 30, $"only {programs} programs ran");
    }
}
