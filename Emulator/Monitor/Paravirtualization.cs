// The monitor's side of the paravirtual interface (spec §11.4, docs/monitor.md "The paravirtual
// interface"): the hypercalls a guest kernel makes with `out 0xE0, rs` (rs = the guest-physical
// address of a request block), and the virtual IE flag in guest memory the guest shares with
// the monitor (Xen's event-channel mask, lguest's irq_enabled), which turns the guest kernel's
// cli/sti into plain stores and lets its iret back to user code run in hardware.
//
// Exactness: while the flag is registered the real IE stays on under the guest kernel, so every
// interrupt reaches the monitor at once. When the flag says "off" the monitor holds the interrupt
// back — it latches it again, turns the real IE off and maps the flag's page read-only — so the
// guest's store enabling IE traps and the interrupt is taken right after it (as native takes it
// right after sti), and an iret into code with IE on traps on its IE change and takes it right
// after the iret. The interrupt therefore arrives at the instruction native takes it at.
//
// Kinds 6..10 extend spec §11.4's four (whose block layout is the project's to document), in
// Xen's manner, for the exits a paravirtual kernel still takes once its IE is shared: console
// output (HYPERVISOR_console_io), the timer (set_timer_op's one-shot timer), shadow fills (the
// up-front validation of Xen's page-table pinning), the kernel stack (stack_switch) and several
// requests in one exit (multicall).
using System.Buffers.Binary;
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

/// <summary>The request block of a hypercall and its codes (Guests/lib/paravirt.inc mirrors them).</summary>
public static class Hypercalls
{
    /// <summary>Word offsets in the request block: the kind, the count or argument, the result
    /// the monitor writes, then the entries.</summary>
    public const int KindOffset = 0, ArgumentOffset = 4, ResultOffset = 8, EntriesOffset = 12;

    /// <summary>n (argument) pairs (guest-physical address of a page-table entry, new value).</summary>
    public const uint PteBatch = 1;
    /// <summary>n (argument) virtual addresses, each invalidated as by invlpg.</summary>
    public const uint InvlpgBatch = 2;
    /// <summary>IE = argument != 0, as cli/sti.</summary>
    public const uint SetIe = 3;
    /// <summary>Nothing to do until the next interrupt: IE on and wait, as sti; hlt.</summary>
    public const uint Yield = 4;
    /// <summary>The argument is the guest-physical address of the shared IE word (0: share none).</summary>
    public const uint SharedIe = 5;
    /// <summary>Extension (Xen's HYPERVISOR_console_io write): argument bytes (at most
    /// <see cref="MaxConsoleBytes"/>) at the guest-virtual address in entry 0, read as the guest
    /// kernel would (virtual ring 0, the guest's tables), written to the console in one exit.
    /// All or nothing: a byte the kernel could not read makes it a bad request.</summary>
    public const uint ConsoleWrite = 6;
    /// <summary>Extension (Xen's set_timer_op): the timer period = argument, as `out 0x10`; entry 0
    /// the mode: <see cref="TimerPeriodic"/> (as the port) or <see cref="TimerOneShot"/>.</summary>
    public const uint SetTimer = 7;
    /// <summary>Extension (the up-front work of Xen's page-table pinning): argument pages from the
    /// guest-virtual address in entry 0 get their shadow entries now, from the guest's tables
    /// (the kernel's view), instead of one hidden page fault each. Pages the guest does not map
    /// are skipped. Only with write-protected shadows (a shadow synchronised on invlpg must hold
    /// no more than the guest's TLB could): otherwise done, doing nothing.</summary>
    public const uint ShadowPrefill = 8;
    /// <summary>Extension (Xen's stack_switch): ksp0 = argument, as `mtcr ksp0`.</summary>
    public const uint StackSwitch = 9;
    /// <summary>Extension (Xen's multicall): argument requests (at most <see cref="MaxMulticallRequests"/>)
    /// whose blocks' guest-physical addresses are the entries, performed in order in one exit,
    /// each writing its own result; the multicall's result is the first that is not done (0 when
    /// all were). A multicall may hold neither a multicall nor a yield (a bad request, nothing done).</summary>
    public const uint Multicall = 10;

    /// <summary>SetTimer modes: the timer runs on after its interrupt (as the port), or the
    /// monitor stops it as it delivers the timer interrupt — what a kernel that stops its timer
    /// first thing in its handler would do itself, without the handler's exit.</summary>
    public const uint TimerPeriodic = 0, TimerOneShot = 1;

    public const uint ResultDone = 0, ResultUnknownKind = 1, ResultBadRequest = 2;

    /// <summary>The most entries one batch may carry.</summary>
    public const uint MaxBatchEntries = 512;

    /// <summary>The most bytes one console write may carry, and pages one prefill may cover.</summary>
    public const uint MaxConsoleBytes = 4096, MaxPrefillPages = 1024, MaxMulticallRequests = 16;
}

public sealed partial class VirtualMachineMonitor
{
    private uint _sharedIeAddress;        // guest-physical address of the shared IE word; 0: none
    private bool _interruptDeferred;      // an interrupt is held back until the guest enables IE
    private bool _timerOneShot;           // SetTimer TimerOneShot: the monitor stops the timer as it delivers its tick

    /// <summary>True after a SetTimer hypercall chose the one-shot mode (not saved in a snapshot:
    /// a restored guest asks again, as it shares its IE again).</summary>
    public bool TimerOneShot => _timerOneShot;

    /// <summary>Delivering the timer interrupt in one-shot mode stops the timer, as the guest's
    /// handler would have done first thing (its stop instruction is patched out).</summary>
    private void StopTimerOnTick(int vector)
    {
        if (_timerOneShot && vector == Vectors.Timer)
            Devices.Out(Ports.TimerPeriod, 0, _cpu.Instret);
    }

    /// <summary>The guest-physical address of the guest kernel's shared IE word, 0 when none.</summary>
    public uint SharedIeAddress => _sharedIeAddress;

    /// <summary>True while the guest kernel's IE lives in the shared word (virtual ring 0 only:
    /// user code keeps the real IE as before).</summary>
    private bool KernelIeShared => _sharedIeAddress != 0 && Guest.Cpl == 0;

    private uint ReadSharedIe() => ReadGuestPhysical(_sharedIeAddress);

    /// <summary>Puts the virtual IE into the shared word (delivery through an interrupt gate,
    /// an emulated iret, a set-IE hypercall changed it).</summary>
    private void WriteSharedIe(bool interruptEnable)
    {
        if ((ReadSharedIe() != 0) == interruptEnable) return;
        _cpu.TryWritePhysical32(Map.MachinePhysical(_sharedIeAddress), interruptEnable ? 1u : 0u);
        DirtyLog?.MarkDirty(_sharedIeAddress >> PageBits.PageShift);
        Shadow.GuestWrote(_sharedIeAddress);
    }

    /// <summary>The real IE for the virtual state: under a guest kernel that shares its IE, on —
    /// unless an interrupt is held back, when it is off until the guest enables IE.</summary>
    private bool RealInterruptEnable()
    {
        if (_interruptDeferred && (!KernelIeShared || Guest.InterruptEnable))
        {
            _interruptDeferred = false;   // IE is on (or the real IE mirrors it again): the latched request is taken
            Shadow.UnpinReadOnly();
        }
        if (!KernelIeShared) return Guest.InterruptEnable;
        WriteSharedIe(Guest.InterruptEnable);
        return !_interruptDeferred;
    }

    /// <summary>An interrupt arrived while the guest kernel's shared IE is 0: latch it again,
    /// turn the real IE off and make the flag's page trap stores.</summary>
    private bool TryDeferInterrupt(int vector)
    {
        if (!KernelIeShared || Guest.InterruptEnable) return false;
        CountExit(ExitCause.InterruptDeferred);
        _cpu.Interrupts.Raise(vector);
        _interruptDeferred = true;
        Shadow.PinReadOnly(_sharedIeAddress);
        return true;
    }

    /// <summary>A trapped store into the flag's page changed the shared word.</summary>
    private void SharedIeMayHaveChanged(uint physicalAddress)
    {
        if (_sharedIeAddress != 0 && (physicalAddress & ~3u) == _sharedIeAddress && Guest.Cpl == 0)
            Guest.InterruptEnable = ReadSharedIe() != 0;
    }

    /// <summary>`out 0xE0, rs` at virtual ring 0: performs the request at guest-physical rs,
    /// writes its result into the block and retires the out (a yield then waits, as hlt).</summary>
    private void Hypercall(uint block, uint pc, CostClass costClass)
    {
        uint result = PerformHypercall(block, out bool yield);
        if (result != uint.MaxValue)
            _cpu.TryWritePhysical32(Map.MachinePhysical(block + Hypercalls.ResultOffset), result);
        _cpu.RetireEmulatedInstruction(pc + 4, costClass);
        if (yield) _cpu.EnterHalt();
    }

    /// <summary>The result code; uint.MaxValue when the block itself is unreadable (nothing written).</summary>
    private uint PerformHypercall(uint block, out bool yield)
    {
        yield = false;
        if (!ReadableBlock(block)) return uint.MaxValue;
        uint kind = ReadGuestPhysical(block + Hypercalls.KindOffset);
        uint argument = ReadGuestPhysical(block + Hypercalls.ArgumentOffset);
        uint entries = block + Hypercalls.EntriesOffset;
        switch (kind)
        {
            case Hypercalls.PteBatch:
            {
                if (argument > Hypercalls.MaxBatchEntries || !InPartition(entries, argument * 8)) return Hypercalls.ResultBadRequest;
                for (uint i = 0; i < argument; i++)   // all checked first: all or nothing
                {
                    uint address = ReadGuestPhysical(entries + 8 * i);
                    if ((address & 3) != 0 || !InPartition(address, 4)) return Hypercalls.ResultBadRequest;
                }
                for (uint i = 0; i < argument; i++)
                {
                    uint address = ReadGuestPhysical(entries + 8 * i), value = ReadGuestPhysical(entries + 8 * i + 4);
                    _cpu.TryWritePhysical32(Map.MachinePhysical(address), value);
                    DirtyLog?.MarkDirty(address >> PageBits.PageShift);
                    Shadow.GuestWrote(address);
                }
                ChargeBatch(argument);
                return Hypercalls.ResultDone;
            }
            case Hypercalls.InvlpgBatch:
            {
                if (argument > Hypercalls.MaxBatchEntries || !InPartition(entries, argument * 4)) return Hypercalls.ResultBadRequest;
                for (uint i = 0; i < argument; i++)
                {
                    uint address = ReadGuestPhysical(entries + 4 * i);
                    if (!Shadow.WriteProtect) Shadow.DropPage(address);
                    _cpu.InvalidatePage(address);
                }
                ChargeBatch(argument);
                return Hypercalls.ResultDone;
            }
            case Hypercalls.SetIe:
                Guest.InterruptEnable = argument != 0;
                return Hypercalls.ResultDone;
            case Hypercalls.Yield:
                Guest.InterruptEnable = true;
                yield = true;
                return Hypercalls.ResultDone;
            case Hypercalls.ConsoleWrite:
                return ConsoleWrite(argument, ReadGuestPhysical(entries));
            case Hypercalls.SetTimer:
            {
                uint mode = ReadGuestPhysical(entries);
                if (mode > Hypercalls.TimerOneShot) return Hypercalls.ResultBadRequest;
                _timerOneShot = mode == Hypercalls.TimerOneShot;
                Devices.Out(Ports.TimerPeriod, argument, _cpu.Instret);
                return Hypercalls.ResultDone;
            }
            case Hypercalls.ShadowPrefill:
                return argument > Hypercalls.MaxPrefillPages ? Hypercalls.ResultBadRequest : Prefill(ReadGuestPhysical(entries), argument);
            case Hypercalls.StackSwitch:
                EmulateMtcr(ControlRegister.Ksp0, argument, 0);
                return Hypercalls.ResultDone;
            case Hypercalls.Multicall:
                return Multicall(argument, entries);
            case Hypercalls.SharedIe:
                if (argument != 0 && ((argument & 3) != 0 || !InPartition(argument, 4))) return Hypercalls.ResultBadRequest;
                ShareIe(argument);
                return Hypercalls.ResultDone;
            default:
                return Hypercalls.ResultUnknownKind;
        }
    }

    private bool ReadableBlock(uint block) => (block & 3) == 0 && InPartition(block, Hypercalls.EntriesOffset);

    /// <summary>Checks every request first (readable, neither a multicall nor a yield), then
    /// performs them in order; each writes its own result.</summary>
    private uint Multicall(uint count, uint entries)
    {
        if (count > Hypercalls.MaxMulticallRequests || !InPartition(entries, count * 4)) return Hypercalls.ResultBadRequest;
        for (uint i = 0; i < count; i++)
        {
            uint request = ReadGuestPhysical(entries + 4 * i);
            if (!ReadableBlock(request)) return Hypercalls.ResultBadRequest;
            uint kind = ReadGuestPhysical(request + Hypercalls.KindOffset);
            if (kind is Hypercalls.Multicall or Hypercalls.Yield) return Hypercalls.ResultBadRequest;
        }
        uint first = Hypercalls.ResultDone;
        for (uint i = 0; i < count; i++)
        {
            uint request = ReadGuestPhysical(entries + 4 * i);
            uint result = PerformHypercall(request, out _);
            _cpu.TryWritePhysical32(Map.MachinePhysical(request + Hypercalls.ResultOffset), result);
            if (first == Hypercalls.ResultDone) first = result;
        }
        return first;
    }

    /// <summary>Reads every byte first, as the guest kernel (virtual ring 0) would, then writes them all.</summary>
    private uint ConsoleWrite(uint lengthBytes, uint virtualAddress)
    {
        if (lengthBytes > Hypercalls.MaxConsoleBytes) return Hypercalls.ResultBadRequest;
        var bytes = new byte[lengthBytes];
        for (uint i = 0; i < lengthBytes; i++)
        {
            var walk = Walk(virtualAddress + i, 0, AccessKind.Read);
            if (!walk.Succeeded) return Hypercalls.ResultBadRequest;
            bytes[i] = (byte)(ReadGuestPhysical(walk.PhysicalAddress & ~3u) >> (int)(8 * (walk.PhysicalAddress & 3)));
        }
        foreach (byte b in bytes) Devices.Out(Ports.ConsoleData, b, _cpu.Instret);
        ChargeBatch(lengthBytes);
        return Hypercalls.ResultDone;
    }

    /// <summary>Shadow entries for <paramref name="pages"/> pages from <paramref name="virtualAddress"/>,
    /// in the view of the guest kernel; each costs a fill's work, none an exit of its own.</summary>
    private uint Prefill(uint virtualAddress, uint pages)
    {
        if (!Shadow.WriteProtect || Layout.HardwareAssisted) return Hypercalls.ResultDone;
        int view = Layout.ViewOf(0);
        bool keptOthers = true;
        int filled = 0;
        for (uint page = 0; page < pages; page++)
        {
            uint address = (virtualAddress & PageBits.FrameMask) + page * PageBits.PageSize;
            var walk = Walk(address, 0, AccessKind.Read);
            if (!walk.Succeeded) continue;
            uint entry = Shadow.ShadowEntryFor(walk, view);
            if (entry == 0) continue;
            keptOthers &= Shadow.Fill(view, address, entry);
            filled++;
        }
        if (!keptOthers) Shadow.FlushRealTlb?.Invoke();
        if (filled > 0) _cpu.AddCycles((ulong)Exits.RecordWork(filled * _cpu.Costs.ShadowPageFillCycles));
        return Hypercalls.ResultDone;
    }

    private void ShareIe(uint address)
    {
        Shadow.UnpinReadOnly();
        _interruptDeferred = false;
        _sharedIeAddress = address;
        VectorTable.SharedInterruptFlag = address != 0;
        VectorTable.Install(_cpu, Guest.Gates);
        // The real IE no longer follows the kernel's IE, so an iret from the kernel into kernel
        // code with IE on would not trap on its IE change: the forward ring map sends a frame's
        // ring 0 to real ring 0, which no iret above ring 0 may enter, and every such iret is
        // emulated (it sets the shared word). Returns to user code still run in hardware.
        _cpu.SetControl(ControlRegister.Rmap, address != 0 ? Layout.RealRmap & ~3u : Layout.RealRmap);
        if (address != 0) WriteSharedIe(Guest.InterruptEnable);
    }

    /// <summary>A batch pays one exit and then the monitor's work for each further entry.</summary>
    private void ChargeBatch(uint entries)
    {
        if (entries > 1) _cpu.AddCycles((ulong)Exits.RecordWork((int)(entries - 1) * _cpu.Costs.MonitorEmulationCycles));
    }

    private bool InPartition(uint address, uint lengthBytes) => (ulong)address + lengthBytes <= Map.GuestRamBytes;
}
