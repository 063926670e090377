// The JIT's run loop (part of Cpu, beside the interpreter's): boundary work, the fetch
// page and traps are the interpreter's own code; between them it runs compiled regions
// and, where a region exits, lets the interpreter execute precisely — one instruction
// (system instructions, TLB misses, faults, stores into code), or up to the next event
// when a block does not fit before NextEventInstret. With a trace sink attached the
// interpreter runs alone (it reports every instruction).
// Tiering: code starts in the interpreter. Where the JIT has no compiled entry for pc yet,
// the interpreter runs up to its next taken jump and returns there (JumpYield), so the JIT
// sees every jump target and counts it; a target entered JitCompileThreshold times is
// compiled (with the region reachable from it), so a short run never pays more for
// compiling than it gains.
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

    /// <summary>The engine Run uses (the interpreter whenever a trace sink is attached or the
    /// JIT is unavailable on this platform).</summary>
    public ExecutionEngine Engine { get; set; } = ExecutionEngine.Interpreter;

    /// <summary>True when the JIT has been created and runs guest code.</summary>
    public bool JitActive => jit is not null;

    /// <summary>Regions the JIT has compiled (0 with the interpreter).</summary>
    public int JitRegionsCompiled => jit?.RegionsCompiled ?? 0;

    private bool TryRunJit()
    {
        if (Engine != ExecutionEngine.Jit || Trace is not null || jitUnavailable) return false;
        if (jit is null)
        {
            jit = JitEngine.TryCreate(st, Mmu.Entries, Memory.Base, code, costs, Memory.SizeBytes);
            if (jit is null) { jitUnavailable = true; return false; }
        }
        jit.CompileThreshold = JitCompileThreshold;
        RunCompiled(jit);
        return true;
    }

    /// <summary>The order of checks is the interpreter's: on entering its loop, after a slow path
    /// and after a jump it checks the fetch page first (a fetch fault comes before a boundary);
    /// after falling through into the next page the boundary comes first.</summary>
    private void RunCompiled(JitEngine engine)
    {
        bool fellThrough = false;
        while (stop is null)
        {
            if (!fellThrough && !EnsureFetchPage()) continue;   // the fetch faulted and the fault was delivered
            fellThrough = false;
            if (st->Instret >= st->NextEventInstret) { OnBoundary(); continue; }
            if (!EnsureFetchPage()) continue;
            uint offset = st->Pc - codeVirtualBase;
            nint entry = engine.EntryFor(codePhysicalBase, offset, st->Cpl, codeBlock);
            if (entry == 0)
            {
                // Not hot yet: interpret up to the next taken jump (or stop, as the interpreter would).
                interpreterJumpYieldInstret = st->Instret;
                Interpret();
                interpreterJumpYieldInstret = ulong.MaxValue;
                continue;
            }
            int exit = engine.Execute(entry, codeVirtualBase);
            if (exit == CodeGenerator.ExitContinue) continue;
            if (exit == CodeGenerator.ExitSequential) { fellThrough = true; continue; }
            interpreterYieldInstret = exit == CodeGenerator.ExitInterpretOne ? st->Instret + 1 : st->NextEventInstret;
            Interpret();
            interpreterYieldInstret = ulong.MaxValue;
        }
    }
}
