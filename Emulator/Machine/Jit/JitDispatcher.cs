// The JIT's run loop (part of Cpu, beside the interpreter's): boundary work, the fetch
// page and traps are the interpreter's own code; between them it runs compiled regions
// and, where a region exits, lets the interpreter execute precisely — one instruction
// (system instructions, TLB misses, faults, stores into code), or up to the next event
// when a block does not fit before NextEventInstret. With a trace sink attached the
// interpreter runs alone (it reports every instruction).
using R4.Machine.Jit;

namespace R4.Machine;

public sealed unsafe partial class Cpu
{
    private JitEngine? jit;
    private bool jitUnavailable;
    /// <summary>The interpreter returns to the JIT's loop once instret reaches this (MaxValue: never).</summary>
    private ulong interpreterYieldInstret = ulong.MaxValue;

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
            int exit = engine.Execute(entry, codeVirtualBase);
            if (exit == CodeGenerator.ExitContinue) continue;
            if (exit == CodeGenerator.ExitSequential) { fellThrough = true; continue; }
            interpreterYieldInstret = exit == CodeGenerator.ExitInterpretOne ? st->Instret + 1 : st->NextEventInstret;
            Interpret();
            interpreterYieldInstret = ulong.MaxValue;
        }
    }
}
