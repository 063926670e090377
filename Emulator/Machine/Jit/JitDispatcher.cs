// The JIT's run loop (part of Cpu, beside the interpreter's): boundary work, the fetch
// page and traps are the interpreter's own code; between them it runs compiled regions
// and, where a region exits, lets the interpreter execute precisely — one instruction
// (system instructions, TLB misses, faults, stores into code), or up to the next event
// when a block does not fit before NextEventInstret. With a trace sink attached the
// interpreter runs alone (it reports every instruction).
// Call-outs (Cpu.JitCallOuts, off by default): generated code does not return here at its
// ways out; the trampoline calls CallOut (a reverse P/Invoke: the trampoline was entered
// through a `delegate* unmanaged` call), which runs the same AfterExit and NextEntry as
// RunCompiled and answers the next compiled entry, so syscall -> monitor -> guest kernel and
// iret -> user code stay in generated code and Execute returns only at a stop. Being the same
// code, every exit by cause, cycle and TLB count is the dispatcher's by construction. The
// reverse transition costs more than the round trip it saves (docs/performance.md), so by
// default exits return to RunCompiled.
// Tiering: code starts in the interpreter. Where the JIT has no compiled entry for pc yet,
// the interpreter runs up to its next taken jump and returns there (JumpYield), so the JIT
// sees every jump target and counts it; a target entered JitCompileThreshold times is
// compiled (with the region reachable from it), so a short run never pays more for
// compiling than it gains. Before that the interpreter runs alone, with no JIT engine, until
// its work since the first Run on the JIT reaches JitWarmupInstructions instructions' worth:
// each retired instruction counts 1, each system instruction, memory slow path, fault and
// delivered trap JitWarmupExitWeight more (exits are what the interpreter spends most on in
// exit-heavy guests, so those tier up early, while a short compute-light guest never creates
// the JIT). The count is deterministic: with a weight the warm-up ends only at instret
// multiples of WarmupGranuleInstructions, and it counts nothing that depends on how Runs are
// sliced. The code generator's one-time start-up can run beforehand on a thread of its own
// (StartJitPrewarm, Jit/JitPrewarm.cs); the engine waits for it before its first compile.
using R4.Machine.Jit;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    private JitEngine? jit;
    private bool jitUnavailable;
    /// <summary>The interpreter returns to the JIT's loop once instret reaches this (MaxValue: never).</summary>
    private ulong interpreterYieldInstret = ulong.MaxValue;
    /// <summary>The interpreter returns to the JIT's loop at the first taken jump once instret reaches this (MaxValue: never).</summary>
    private ulong interpreterJumpYieldInstret = ulong.MaxValue;

    /// <summary>How many times the JIT must arrive at an instruction it has not compiled before it
    /// compiles a region from there (0 or 1: at the first arrival). Pages whose compiled code keeps
    /// being overwritten need more (JitEngine backs off).</summary>
    public int JitCompileThreshold { get; set; } = DefaultJitCompileThreshold;

    /// <summary>Arrivals at an uncompiled instruction before the JIT compiles it (chosen by measurement: docs/performance.md).</summary>
    public const int DefaultJitCompileThreshold = 32;

    /// <summary>The interpreter work a machine's JIT lets pass, from its first Run on the JIT, before
    /// it creates itself and looks for anything to compile, in instructions' worth: every retired
    /// instruction counts 1 and every slow-path exit of the interpreter (system instruction,
    /// memory access off the inline TLB path, fault, delivered trap) JitWarmupExitWeight more
    /// (default 0: no warm-up; MachineOptions sets it). The JIT's first regions cost a few
    /// milliseconds of one-time work in the r4 CLI (ReadyToRun fix-ups of the code generator),
    /// which a run pays back only once the JIT has saved as much; a guest that stops sooner runs
    /// as on the interpreter, and one whose exits cost the interpreter much tiers up sooner.</summary>
    public ulong JitWarmupInstructions { get; set; }

    /// <summary>Instructions' worth one interpreter slow-path exit adds to the warm-up's work
    /// (see JitWarmupInstructions; default 0: instructions alone).</summary>
    public ulong JitWarmupExitWeight { get; set; }

    /// <summary>The warm-up `r4 run` uses (chosen by measurement: docs/performance.md).</summary>
    public const ulong RecommendedJitWarmupInstructions = 2_500_000;

    /// <summary>The exit weight `r4 run` uses (chosen by measurement: docs/performance.md).</summary>
    public const ulong RecommendedJitWarmupExitWeight = 200;

    /// <summary>With an exit weight the warm-up ends only at instret multiples of this, so where the
    /// JIT takes over depends on the guest's instructions and exits alone, not on how a host
    /// slices its Runs (deterministic; the exits are counted to the granule).</summary>
    internal const ulong WarmupGranuleInstructions = 4096;

    private bool jitWarmupStarted;
    private ulong jitWarmupStartInstret;
    /// <summary>The interpreter's system-instruction, memory slow-path and fault exits since the
    /// warm-up began (counted only while it runs), and the traps delivered before it began.</summary>
    private ulong warmupExits, warmupTrapsAtStart;
    private bool countWarmupExits;

    /// <summary>Counts one of the interpreter's slow paths for the warm-up. Boundaries are not counted
    /// (a Run's start and its instruction limit are boundaries, so their number depends on how the
    /// host slices Runs); the interrupts delivered at them are, as traps.</summary>
    private void CountWarmupExit(LoopExit exit)
    {
        if (exit is LoopExit.SystemInstruction or LoopExit.SlowMemory or LoopExit.Fault) warmupExits++;
    }

    private ulong TrapsDelivered()
    {
        ulong sum = 0;
        foreach (long count in statistics.TrapsByVector) sum += (ulong)count;
        return sum;
    }

    /// <summary>Instructions' worth of interpreter work since the warm-up began.</summary>
    private ulong WarmupWork()
    {
        ulong instructions = st->Instret - jitWarmupStartInstret;
        ulong traps = TrapsDelivered(), exits = warmupExits + (traps >= warmupTrapsAtStart ? traps - warmupTrapsAtStart : traps);
        ulong weight = Math.Max(JitWarmupExitWeight, 1), weighted = exits > ulong.MaxValue / weight ? ulong.MaxValue : exits * JitWarmupExitWeight;
        return instructions > ulong.MaxValue - weighted ? ulong.MaxValue : instructions + weighted;
    }

    /// <summary>True when the warm-up is over at the current instret: its instructions reached
    /// JitWarmupInstructions (no exit weight), or, with one, its weighted work did at a granule.</summary>
    private bool WarmupOver() => JitWarmupExitWeight == 0
        ? st->Instret - jitWarmupStartInstret >= JitWarmupInstructions
        : st->Instret % WarmupGranuleInstructions == 0 && WarmupWork() >= JitWarmupInstructions;

    /// <summary>The interpreter's own loop until the warm-up is over or the run stops; returns false
    /// on a stop. Without an exit weight it yields where the warm-up ends, with one at each granule.</summary>
    private bool WarmUp()
    {
        if (!jitWarmupStarted)
        {
            jitWarmupStarted = true;
            jitWarmupStartInstret = st->Instret;
            warmupExits = 0;
            warmupTrapsAtStart = TrapsDelivered();
        }
        if (JitWarmupInstructions == 0) return true;
        countWarmupExits = JitWarmupExitWeight != 0;
        try
        {
            while (!WarmupOver())
            {
                ulong end = jitWarmupStartInstret + Math.Min(JitWarmupInstructions, ulong.MaxValue - jitWarmupStartInstret);
                interpreterYieldInstret = JitWarmupExitWeight == 0 ? end : (st->Instret | (WarmupGranuleInstructions - 1)) + 1;
                Interpret();
                interpreterYieldInstret = ulong.MaxValue;
                if (stop is not null) return false;
            }
        }
        finally { countWarmupExits = false; }
        return true;
    }

    /// <summary>Bytes of executable memory the JIT reserves (tests make it small to exercise the
    /// arena-full path: every compiled page is dropped and compiling starts over).</summary>
    internal int JitArenaBytes { get; set; } = JitEngine.DefaultArenaBytes;

    /// <summary>The engine Run uses (the interpreter whenever a trace sink is attached or the
    /// JIT is unavailable on this platform).</summary>
    public ExecutionEngine Engine { get; set; } = ExecutionEngine.Interpreter;

    /// <summary>instret when the JIT was created (the warm-up's end), or null while it has not been.</summary>
    internal ulong? JitCreatedAtInstret { get; private set; }

    /// <summary>True when the JIT has been created and runs guest code.</summary>
    public bool JitActive => jit is not null;

    /// <summary>Regions the JIT has compiled (0 with the interpreter).</summary>
    public int JitRegionsCompiled => jit?.RegionsCompiled ?? 0;

    /// <summary>Starts the JIT's one-time start-up (the code generator's first use) on a thread of its
    /// own, once per process, so that a machine created later compiles its first region without it
    /// (Jit/JitPrewarm.cs). Guest-visible results do not depend on it.</summary>
    public static void StartJitPrewarm() => JitPrewarm.Start();

    private bool TryRunJit()
    {
        if (Engine != ExecutionEngine.Jit || Trace is not null || jitUnavailable) return false;
        if (jit is null)
        {
            // Warming up: the interpreter's own loop until the warm-up's work is done, before the
            // JIT exists, so a run that ends within it pays nothing for the JIT (its arena, its
            // trampoline, the code generator's first use) and runs exactly as the interpreter.
            if (!WarmUp()) return true;
            long tq0 = System.Diagnostics.Stopwatch.GetTimestamp();
            JitPrewarm.Wait();
            jit = JitEngine.TryCreate(st, Mmu.Entries, Memory.Base, code, costs, Memory.SizeBytes, JitArenaBytes);
            if (jit is null) { jitUnavailable = true; return false; }
            JitCreatedAtInstret = st->Instret;
        }
        jit.CompileThreshold = JitCompileThreshold;
        RunCompiled(jit);
        return true;
    }

    /// <summary>Instructions the interpreter runs before it looks for a jump to yield at, on a page
    /// whose compiled code keeps being overwritten (JitEngine.KeepsBeingOverwritten).</summary>
    private const ulong OverwrittenPageStretchInstructions = 1024;

    /// <summary>What the dispatcher runs itself, by opcode byte, instead of entering the
    /// interpreter's loop for one instruction: system instructions (ExecuteSystem, as the
    /// interpreter's SystemInstruction exit does) and, after a block exited before a load or
    /// store, that memory instruction (ExecuteMemorySlow, the interpreter's own slow path).</summary>
    private static readonly byte[] DispatchKinds = BuildDispatchKinds();
    private const byte DispatchCompiled = 0, DispatchSystem = 1, DispatchMemory = 2;

    private static byte[] BuildDispatchKinds()
    {
        var kinds = new byte[256];
        for (int code = 0; code < 256; code++)
        {
            var info = R4.Isa.InstructionTable.ForCode((byte)code);
            if (info is null || code == (int)R4.Isa.Opcode.Invalid) continue;
            if ((info.Flags & R4.Isa.InstructionFlags.System) != 0) kinds[code] = DispatchSystem;
            else if ((info.Flags & R4.Isa.InstructionFlags.Memory) != 0) kinds[code] = DispatchMemory;
        }
        return kinds;
    }

    /// <summary>The order of checks is the interpreter's: on entering its loop, after a slow path
    /// and after a jump it checks the fetch page first (a fetch fault comes before a boundary);
    /// after falling through into the next page the boundary comes first. A system instruction
    /// at pc runs here directly (the interpreter's loop would exit to the same ExecuteSystem
    /// after the same two checks), as does the memory instruction a block exited before.
    /// With call-outs on, generated code does not return here at its exits: it calls out
    /// (CallOut), which runs the same AfterExit and NextEntry and jumps on to the next entry, so
    /// Execute returns only at a stop.</summary>
    private void RunCompiled(JitEngine engine)
    {
        engine.AttachCallOut(this);
        engine.CallOutsEnabled = JitCallOuts;
        dispatchFellThrough = false;
        dispatchInterpretOne = false;
        while (true)
        {
            nint entry = NextEntry(engine);
            if (entry == 0) return;   // a stop
            int exit = engine.Execute(entry, codeVirtualBase);
            if (callOutFailure is { } failure) { callOutFailure = null; failure.Throw(); }
            AfterExit(engine, exit);
        }
    }

    /// <summary>What the dispatcher remembers from the last exit of generated code: it fell through
    /// to pc (ExitSequential: the boundary before the fetch-page check), or the instruction at pc
    /// must run outside generated code (ExitInterpretOne).</summary>
    private bool dispatchFellThrough, dispatchInterpretOne;

    /// <summary>The dispatcher's work from the current state up to the next compiled code to run:
    /// the fetch page, boundaries, system instructions, slow memory accesses and the interpreter
    /// where nothing is compiled; returns the compiled entry for pc (0: a stop).</summary>
    private nint NextEntry(JitEngine engine)
    {
        while (stop is null)
        {
            if (!dispatchFellThrough && !EnsureFetchPage()) { dispatchInterpretOne = false; continue; }   // the fetch faulted and the fault was delivered
            dispatchFellThrough = false;
            if (st->Instret >= st->NextEventInstret) { dispatchInterpretOne = false; OnBoundary(); continue; }
            if (!EnsureFetchPage()) { dispatchInterpretOne = false; continue; }
            uint offset = st->Pc - codeVirtualBase;
            DecodedOp* d = codeBlock + (offset >> 2);
            byte kind = DispatchKinds[d->Op];
            if (kind == DispatchSystem) { dispatchInterpretOne = false; ExecuteSystem(*d); continue; }
            if (dispatchInterpretOne)
            {
                dispatchInterpretOne = false;
                if (kind == DispatchMemory) { ExecuteMemorySlow(*d); continue; }
                interpreterYieldInstret = st->Instret + 1;   // div/rem by zero, a word not decoded yet, an invalid one
                Interpret();
                interpreterYieldInstret = ulong.MaxValue;
                continue;
            }
            nint entry = engine.EntryFor(codePhysicalBase, offset, st->Cpl, codeBlock);
            if (entry != 0) return entry;
            // Not hot yet: interpret up to the next taken jump (or stop, as the interpreter would);
            // on a page whose compiled code keeps being overwritten, up to the first taken jump
            // after a stretch, so that its stores cost what they cost the interpreter.
            interpreterJumpYieldInstret = engine.KeepsBeingOverwritten(codePhysicalBase) ? st->Instret + OverwrittenPageStretchInstructions : st->Instret;
            Interpret();
            interpreterJumpYieldInstret = ulong.MaxValue;
        }
        return 0;
    }

    /// <summary>What follows an exit of generated code of kind <paramref name="exit"/> (pc, registers,
    /// instret and cycles in CpuState).</summary>
    private void AfterExit(JitEngine engine, int exit)
    {
        // Generated code that chained into another page made that the fetch page (its translation was a
        // TLB hit, which the refill repeats without side effects): re-translate pc, as the interpreter
        // would not find it in the page it entered with.
        if (engine.VirtualBaseAtExit != codeVirtualBase) codeBlock = noCodeBlock;
        if (exit == CodeGenerator.ExitContinue) return;
        if (exit == CodeGenerator.ExitSequential) { dispatchFellThrough = true; return; }
        if (exit == CodeGenerator.ExitInterpretOne) { dispatchInterpretOne = true; return; }
        interpreterYieldInstret = st->NextEventInstret;   // ExitNoRoom: step to the event exactly
        Interpret();
        interpreterYieldInstret = ulong.MaxValue;
    }

    /// <summary>True when generated code calls out at its ways out (see CallOut); false (the
    /// default: a call-out measured ~5 ns slower than the round trip it replaces, see
    /// docs/performance.md) when it returns to the dispatcher each time. Tests run both;
    /// R4_JIT_CALLOUTS=1 makes true the default. Applies to code compiled afterwards.</summary>
    internal bool JitCallOuts { get; set; } = JitEngine.CallOutsByDefault;

    /// <summary>Call-outs from generated code so far (tests check that the path ran).</summary>
    internal ulong JitCallOutCount { get; private set; }

    /// <summary>What a call-out caught (it runs under generated code, where an exception must not
    /// unwind): the dispatcher throws it when the generated code has returned.</summary>
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? callOutFailure;

    /// <summary>A call-out from generated code (JitEngine.CallOutEntry): generated code reached a way
    /// out of kind <paramref name="exitKind"/> with pc, registers, instret and cycles in CpuState and
    /// <paramref name="context"/>'s VirtualBase = the page it ran on, exactly as an exit leaves them.
    /// Runs what the dispatcher runs after that exit (AfterExit, NextEntry: the very same code) and
    /// returns the compiled entry to go on at, with context->Event = the event r12 is to count to and
    /// VirtualBase = the fetch page; 0 at a stop (or after an exception, kept for the dispatcher),
    /// when the generated code leaves with ExitContinue and the dispatcher finds the stop.
    /// Generated code is on the stack, but none of it is returned into (only the trampoline's
    /// call-out path), so compiling here, even starting the arena over, is allowed.</summary>
    internal nint CallOut(JitContext* context, int exitKind)
    {
        var engine = jit!;
        nint entry = 0;
        JitCallOutCount++;
        try
        {
            AfterExit(engine, exitKind);
            entry = NextEntry(engine);
            if (entry != 0) context->Event = Math.Min(st->NextEventInstret, st->Instret + (ulong)CodeGenerator.MaxBudget);
        }
        catch (Exception e)
        {
            callOutFailure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            entry = 0;
        }
        context->VirtualBase = codeVirtualBase;
        return entry;
    }
}
