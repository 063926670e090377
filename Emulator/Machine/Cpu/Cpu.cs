// The R4 CPU: owns the architectural state (CpuState in native memory), the MMU, the
// decoded-code cache and the internal gate copy, and exposes the members a monitor
// (IRing0Host) and a JIT need: registers, pc, status, control registers, virtual and
// physical memory access as a given ring, TLB control, trap delivery and time accounting.
// The interpreter loop is in Interpreter.cs, system instructions in SystemInstructions.cs,
// traps and gates in TrapDelivery.cs.
using System.Runtime.InteropServices;
using R4.Isa;
using R4.Machine.Devices;

namespace R4.Machine;

public sealed unsafe partial class Cpu : IDisposable
{
    private CpuState* st;
    private readonly DecodedCodeCache code;
    private readonly CostTable costs;
    private readonly Gate[] gates = new Gate[Vectors.Count];
    private MachineStatistics statistics;

    // The fetch page: the virtual page the interpreter is executing in, its physical page and
    // decoded block. None is noCodeBlock (a page of NotDecoded ops, never executed: entering
    // the fast loop with it refills the fetch page first, so a misaligned pc always reaches
    // the #AC of the refill).
    private uint codeVirtualBase;
    private uint codePhysicalBase;
    private DecodedOp* codeBlock;
    private readonly DecodedOp* noCodeBlock;

    public Cpu(PhysicalMemory memory, DeviceBus bus, InterruptRequests interrupts, CostTable costs, MachineStatistics statistics)
    {
        Memory = memory;
        Bus = bus;
        Interrupts = interrupts;
        this.costs = costs;
        this.statistics = statistics;
        st = (CpuState*)NativeMemory.AllocZeroed((nuint)sizeof(CpuState));
        noCodeBlock = (DecodedOp*)NativeMemory.Alloc(DecodedCodeCache.OpsPerPage + 1, (nuint)sizeof(DecodedOp));
        for (int i = 0; i <= DecodedCodeCache.OpsPerPage; i++) noCodeBlock[i] = new DecodedOp { Op = DecodedOp.NotDecoded };
        codeBlock = noCodeBlock;
        code = new DecodedCodeCache(memory.SizeBytes);
        memory.CodeCache = code;
        Mmu = new Mmu(memory, st, costs);
        Mmu.Invalidated += DropFetchPage;
        Mmu.CodePages = code.PageHasCode;
        code.PageBecameCode = Mmu.MarkCodeFrame;
        Reset(0);
    }

    public PhysicalMemory Memory { get; }
    public Mmu Mmu { get; }
    /// <summary>The devices the CPU's boundary work, `in`/`out` and interrupts use; a Type 1
    /// host swaps them at each world switch (<see cref="RestoreContext"/>).</summary>
    public DeviceBus Bus { get; private set; }
    public InterruptRequests Interrupts { get; private set; }
    public DecodedCodeCache CodeCache => code;
    public CostTable Costs => costs;

    /// <summary>The architectural state, for a JIT (fields at CpuState.Offset*).</summary>
    public CpuState* State => st;

    /// <summary>The monitor; null natively (traps into ring 0 are then delivered to guest code).</summary>
    public IRing0Host? Ring0Host { get; set; }

    /// <summary>Receives every executed instruction and trap when set (the interpreter then
    /// takes its slow boundary path before every instruction).</summary>
    public ITraceSink? Trace { get; set; }

    /// <summary>Reset (spec §6a): registers 0, pc = entry, CPL 0, IE 0, paging off, rmap
    /// identity, other control registers 0, no gates, empty TLB and counters.</summary>
    public void Reset(uint entry)
    {
        *st = default;
        st->Pc = entry;
        st->Control[(int)ControlRegister.Rmap] = RingMap.Identity;
        Array.Clear(gates);
        ptbrTargetCount = 0;
        PtbrTargetHits = 0;
        Mmu.Reset();
        DropFetchPage();
        stop = null;
        finalStop = null;
        trapsWithoutProgress = 0;
        IretIeChangesIgnored = 0;
        lastTrapInstret = ulong.MaxValue;
        HaltedInstructions = 0;
    }

    /// <summary>Puts back a snapshot's architectural state (R4.Snapshots): registers, pc, control
    /// registers, instret, cycles, hlt, and the gate copy. The TLB (keeping its miss and flush
    /// counts), the fetch page and any stop are dropped: they are caches and run state, and
    /// the guest cannot tell. Decoded code and JIT blocks follow RAM as usual.</summary>
    public void RestoreState(in CpuState state, ReadOnlySpan<Gate> savedGates)
    {
        if (savedGates.Length != Vectors.Count) throw new ArgumentException($"give {Vectors.Count} gates", nameof(savedGates));
        ulong misses = Mmu.Misses, flushes = Mmu.Flushes;
        *st = state;
        savedGates.CopyTo(gates);
        Mmu.Reset();
        (Mmu.Misses, Mmu.Flushes) = (misses, flushes);
        DropFetchPage();
        stop = null;
        finalStop = null;
        trapsWithoutProgress = 0;
        lastTrapInstret = ulong.MaxValue;
        RequestBoundary();
    }

    // ---- registers and control registers -------------------------------------------------

    public uint GetRegister(int register) => st->Registers[CheckRegister(register)];

    /// <summary>Writes a register; writes to r0 are discarded.</summary>
    public void SetRegister(int register, uint value)
    {
        if (CheckRegister(register) != 0) st->Registers[register] = value;
    }

    private static int CheckRegister(int register) => (uint)register < Registers.Count
        ? register : throw new ArgumentOutOfRangeException(nameof(register), $"r{register} does not exist");

    public uint Pc { get => st->Pc; set => st->Pc = value; }
    public ulong Instret => st->Instret;
    public ulong Cycles => st->Cycles;
    public bool Halted => st->Halted != 0;
    public int Cpl => st->Cpl;
    public bool InterruptsEnabled => st->InterruptsEnabled;

    /// <summary>The whole status register, CPL included (the host may change CPL; guest
    /// `mtcr status` cannot).</summary>
    public uint Status
    {
        get => st->Control[(int)ControlRegister.Status];
        set => SetStatus(value & StatusBits.Defined);
    }

    public uint GetControl(ControlRegister register) => st->Control[CheckControl(register)];

    /// <summary>Writes a control register as the host: status sets CPL too; ptbr flushes the
    /// TLB; rmap keeps bits 15:0; ivt only stores the address (use <see cref="TryLoadGates"/>
    /// to read a table); the others store the value.</summary>
    public void SetControl(ControlRegister register, uint value)
    {
        switch (register)
        {
            case ControlRegister.Status: Status = value; break;
            case ControlRegister.Ptbr: WritePtbr(value); break;
            case ControlRegister.Rmap: st->Control[(int)register] = value & 0xFFFF; break;
            default: st->Control[CheckControl(register)] = value; break;
        }
    }

    private static int CheckControl(ControlRegister register) => ControlRegisters.IsDefined((uint)register)
        ? (int)register : throw new ArgumentOutOfRangeException(nameof(register), $"control register {(int)register} does not exist");

    private void SetStatus(uint status)
    {
        uint old = st->Control[(int)ControlRegister.Status];
        st->Control[(int)ControlRegister.Status] = status;
        if (((old ^ status) & StatusBits.CplMask) != 0) DropFetchPage();
        RequestBoundary();   // IE may have turned on with an interrupt pending
    }

    private void WritePtbr(uint value)
    {
        st->Control[(int)ControlRegister.Ptbr] = value;
        Mmu.Flush();
    }

    public Gate GetGate(int vector) => gates[vector];

    /// <summary>Replaces one gate of the internal copy (the monitor's shadow vector table).</summary>
    public void SetGate(int vector, Gate gate) => gates[vector] = gate;

    /// <summary>Reads 64 gates from virtual address <paramref name="ivt"/> at ring 0 (as `mtcr ivt`
    /// does) and, when every read succeeds, sets `ivt` and the internal copy. Otherwise returns
    /// the fault (vector #AC, #PF or #MC and the #PF error code) and changes nothing.</summary>
    public bool TryLoadGates(uint ivt, out int faultVector, out uint pageFaultError, out uint faultAddress)
    {
        pageFaultError = 0;
        faultAddress = ivt;
        faultVector = -1;
        if ((ivt & 3) != 0)
        {
            faultVector = Vectors.Alignment;
            return false;
        }
        var loaded = new Gate[Vectors.Count];
        for (int v = 0; v < Vectors.Count; v++)
        {
            uint handlerAddress = ivt + (uint)(v * GateBits.SizeBytes);
            if (!TryAccess(handlerAddress, 0, AccessKind.Read, 4, out uint handler, out faultVector, out pageFaultError)) { faultAddress = handlerAddress; return false; }
            if (!TryAccess(handlerAddress + 4, 0, AccessKind.Read, 4, out uint flags, out faultVector, out pageFaultError)) { faultAddress = handlerAddress + 4; return false; }
            loaded[v] = new Gate(handler, flags);
        }
        loaded.CopyTo(gates, 0);
        st->Control[(int)ControlRegister.Ivt] = ivt;
        return true;
    }

    // ---- memory as a given ring ------------------------------------------------------------

    /// <summary>The trap vector of the last failed Try* access: #PF, #AC or #MC.</summary>
    public int LastAccessFault { get; private set; } = -1;

    public bool TryRead32(uint va, int ring, out uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Read, 4, out value, out pfError);
    public bool TryRead16(uint va, int ring, out uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Read, 2, out value, out pfError);
    public bool TryRead8(uint va, int ring, out uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Read, 1, out value, out pfError);
    public bool TryWrite32(uint va, int ring, uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Write, 4, out _, out pfError, value);
    public bool TryWrite16(uint va, int ring, uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Write, 2, out _, out pfError, value);
    public bool TryWrite8(uint va, int ring, uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Write, 1, out _, out pfError, value);
    /// <summary>Reads an instruction word as a fetch from <paramref name="ring"/> would.</summary>
    public bool TryFetch32(uint va, int ring, out uint value, out uint pfError) => TryHostAccess(va, ring, AccessKind.Fetch, 4, out value, out pfError);

    private bool TryHostAccess(uint va, int ring, AccessKind kind, int size, out uint value, out uint pfError, uint store = 0)
    {
        value = store;
        bool ok = TryAccess(va, ring, kind, size, out value, out int vector, out pfError, store);
        LastAccessFault = ok ? -1 : vector;
        return ok;
    }

    /// <summary>One naturally aligned access through the MMU (TLB filled, misses counted).
    /// Stores keep the decoded-code cache coherent. No trap is raised and `fault` is untouched.</summary>
    private bool TryAccess(uint va, int ring, AccessKind kind, int size, out uint value, out int faultVector, out uint pfError, uint store = 0)
    {
        value = 0;
        pfError = 0;
        if ((va & (uint)(size - 1)) != 0)
        {
            faultVector = Vectors.Alignment;
            return false;
        }
        faultVector = Mmu.Translate(va, ring, kind, out uint pa, out pfError);
        if (faultVector != Mmu.NoFault) return false;
        byte* p = Memory.Base + pa;
        if (kind == AccessKind.Write)
        {
            switch (size)
            {
                case 4: *(uint*)p = store; break;
                case 2: *(ushort*)p = (ushort)store; break;
                default: *p = (byte)store; break;
            }
            if (code.PageHasCode[pa >> PageBits.PageShift] != 0) code.InvalidateWord(pa);
            value = store;
        }
        else
            value = size == 4 ? *(uint*)p : size == 2 ? *(ushort*)p : *p;
        return true;
    }

    public bool TryReadPhysical32(uint pa, out uint value)
    {
        value = 0;
        if ((pa & 3) != 0 || !Memory.Contains(pa, 4)) return false;
        value = *(uint*)(Memory.Base + pa);
        return true;
    }

    public bool TryWritePhysical32(uint pa, uint value)
    {
        if ((pa & 3) != 0 || !Memory.Contains(pa, 4)) return false;
        *(uint*)(Memory.Base + pa) = value;
        code.InvalidateWord(pa);
        return true;
    }

    // ---- TLB, time, stops --------------------------------------------------------------------

    /// <summary>Drops every cached translation (counted as a flush, like tlbflush).</summary>
    public void FlushTlb() => Mmu.Flush();

    /// <summary>Drops the cached translation of one page (like invlpg).</summary>
    public void InvalidatePage(uint va) => Mmu.InvalidatePage(va);

    /// <summary>Counts an instruction the host emulated: instret + 1, its class's cycles, pc = next.</summary>
    public void RetireEmulatedInstruction(uint nextPc, CostClass costClass = CostClass.Privileged)
    {
        st->Instret++;
        st->Cycles += (ulong)costs.CyclesByClass[(int)costClass];
        st->Pc = nextPc;
    }

    public void AddCycles(ulong cycles) => st->Cycles += cycles;

    /// <summary>Makes the CPU wait for the next interrupt, as hlt with IE = 1 does.</summary>
    public void EnterHalt()
    {
        st->Halted = 1;
        RequestBoundary();
    }

    /// <summary>Ends the current Run after the host returns (a monitor stopping its guest).</summary>
    public void RequestStop(StopReason reason, uint exitStatus, string? diagnostic) => Stop(reason, exitStatus, diagnostic);

    /// <summary>Makes the interpreter leave its fast loop before the next instruction.</summary>
    public void RequestBoundary() => st->NextEventInstret = 0;

    private void DropFetchPage()
    {
        codeVirtualBase = 0;
        codePhysicalBase = 0;
        codeBlock = noCodeBlock;
    }

    public void Dispose()
    {
        if (st == null) return;
        jit?.Dispose();
        jit = null;
        Mmu.Dispose();
        code.Dispose();
        NativeMemory.Free(st);
        NativeMemory.Free(noCodeBlock);
        st = null;
    }
}
