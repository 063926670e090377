// The fuzz driver (issue 16 item 9, docs/fuzzing.md): `r4-fuzz TARGET` runs one target under
// AFL++ through SharpFuzz's fork server (started by Fuzz/run.sh); `r4-fuzz TARGET FILE…` runs
// the target once on each file and says what happened (to reproduce a crash AFL++ saved, and to
// check a seeds corpus). A target's input is "handled" when it runs to an end or is refused
// with the error the real tool shows a user; any other exception — a host exception, or a
// divergence the target throws — is a crash.
using R4.Fuzz;

if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: r4-fuzz {string.Join("|", FuzzTargets.All.Keys)} [FILE…]");
    Console.Error.WriteLine("  without FILE: the target under afl-fuzz (Fuzz/run.sh); with FILEs: one run of each, reporting crashes");
    return 64;
}

if (args.Length == 1)
{
    // Under afl-fuzz the fork server feeds inputs one after another; alone, the action runs once on stdin.
    // Out of process: the inputs run in a child that SharpFuzz restarts, so an input that hangs
    // (AFL++ kills it at -t) or kills the process is saved and the campaign goes on.
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target(buffer.ToArray());
    });
    return 0;
}

// The instrumented assemblies (run.sh) record branches in AFL's shared memory; outside
// afl-fuzz they get a scratch map instead, so the same build replays crashes.
unsafe { SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16); }
int crashes = 0;
foreach (var file in args.Skip(1))
{
    try
    {
        target(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }
    catch (Exception e)
    {
        crashes++;
        Console.WriteLine($"{file}: CRASH {e.GetType().FullName}: {e.Message}");
        Console.WriteLine(e.StackTrace);
    }
}
return crashes == 0 ? 0 : 1;
