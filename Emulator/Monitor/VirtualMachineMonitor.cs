// The monitor (spec §9): the machine's ring-0 host. Every trap whose real gate enters ring 0
// arrives in OnTrap, which keeps the virtual CPU in step with the real one, dispatches the
// exit by cause — hidden or guest page fault, #GP of a privileged instruction / iret / int,
// #DF of a brk, a fault to reflect, an interrupt to inject — and leaves the real CPU in the
// state that mirrors the virtual one (real ring of the virtual CPL, real IE = virtual IE,
// the shadow view of the virtual CPL). Emulation of instructions is in PrivilegedEmulation.cs,
// delivery into the guest in TrapReflection.cs. Nothing here asks which layout it runs under:
// every difference between layouts comes from the Layout record.
using R4.Isa;
using R4.Machine;

namespace R4.Monitor;

public sealed partial class VirtualMachineMonitor : IRing0Host
{
    /// <summary>Consecutive fills of the same page at the same pc after which the monitor
    /// gives up (the fill did not make the access succeed: a monitor bug, never a guest's).</summary>
    private const int MaxRepeatedFills = 4;

    private readonly Cpu _cpu;
    private int _currentView = -1;
    private uint _realPtbr;
    private long _installedSpacesVersion = -1;
    private uint _lastFillPc, _lastFillAddress;
    private int _repeatedFills;
    private bool _stopped;

    /// <param name="bus">The guest's devices (default: the CPU's own bus).</param>
    public VirtualMachineMonitor(Cpu cpu, Layout layout, MonitorMemoryMap map, Machine.Devices.DeviceBus? bus = null)
    {
        if (!layout.Monitored) throw new ArgumentException($"layout {layout.Name} runs without a monitor", nameof(layout));
        if (cpu.Memory.SizeBytes < map.MachineRamBytes)
            throw new ArgumentException($"machine RAM 0x{cpu.Memory.SizeBytes:x} is smaller than the monitor's map needs (0x{map.MachineRamBytes:x})", nameof(map));
        _cpu = cpu;
        unsafe { _partition = cpu.Memory.Base + map.MachinePhysical(0); }
        Layout = layout;
        Map = map;
        Exits = new ExitAccounting(cpu.Costs);
        cpu.Mmu.Protection = layout.PageProtection;
        Shadow = new ShadowPaging(cpu.Memory, layout, map)
        {
            InvalidateRealPage = cpu.InvalidatePage,
            FlushRealTlb = () => { cpu.FlushTlb(); Exits.RecordTlbFlush(); },
        };
        VectorTable = new ShadowVectorTable(layout, map);
        Devices = new VirtualDevices(bus ?? cpu.Bus);
        Exits.PtbrTargetSwitches = () => cpu.PtbrTargetHits;
        cpu.IretIgnoredIeChange += OnIretIgnoredIeChange;
    }

    /// <summary>What the monitor can say before the run about the machine it runs on (spec §11.5):
    /// on the flawed machine a layout whose guest kernel irets in hardware above ring 0 cannot
    /// virtualize it by trap-and-emulate; null when there is nothing to say.</summary>
    public static string? FlawWarning(Layout layout, MachineVariant variant) =>
        variant == MachineVariant.X86Flaw && layout.Monitored && layout.KernelIretMustTrap
            ? $"monitor ({layout.Name}): on this machine (x86-flaw) an iret at ring {layout.RealRingOfVirtual[0]} that changes IE " +
              "neither traps nor takes effect: iret is sensitive but not privileged, so the machine is not virtualizable by " +
              "trap-and-emulate (Popek and Goldberg 1974, Theorem 1) and a guest kernel that enables interrupts with iret " +
              "diverges; layouts ring3, bt and hw run it as native"
            : null;

    /// <summary>The flawed machine let an iret retire at real ring <paramref name="realCpl"/> with its IE
    /// change ignored. Where that ring hosts the guest's ring 0 the guest expected the change (native
    /// ring 0 makes it), so the guest has already diverged: the monitor stops it and says why.
    /// (Real x86 told its monitors nothing; R4 lets the machine report it, like a performance counter.)</summary>
    private void OnIretIgnoredIeChange(uint pc, int realCpl)
    {
        if (_stopped || _cpu.Ring0Host != this || Layout.TransitionsSwitchViews || Layout.VirtualRingOfReal(realCpl) != 0) return;
        StopGuest($"the guest's iret at virtual ring 0 would have changed IE, but this machine (x86-flaw) ran it in real ring {realCpl} " +
                  "without a trap and left IE as it was: iret is sensitive but not privileged, so trap-and-emulate cannot virtualize " +
                  "this machine (Popek and Goldberg 1974, Theorem 1); layouts ring3, bt and hw run it as native", pc);
    }

    public Layout Layout { get; }
    public MonitorMemoryMap Map { get; }
    public VirtualCpu Guest { get; } = new();
    public ExitAccounting Exits { get; }
    public ShadowPaging Shadow { get; }
    public ShadowVectorTable VectorTable { get; }
    public VirtualDevices Devices { get; }

    /// <summary>Brings <see cref="Guest"/>'s CPL and IE up to date with what hardware did since
    /// the last exit (a direct system call, a hardware iret). Call between runs before reading
    /// <see cref="Guest"/> (the debugger, the tests).</summary>
    public void RefreshFromHardware() => SyncFromReal();

    /// <summary>Why the monitor itself stopped the guest (ring compression, a fill that did not
    /// resolve), or null — also null for the guest's own triple fault, which stops the machine
    /// as natively.</summary>
    public string? StopDiagnostic { get; private set; }

    /// <summary>Puts the guest in its reset state (spec §6a: virtual ring 0, IE 0, paging off,
    /// identity rmap, no gates) on the real CPU — real ring of the guest kernel, real paging on
    /// through an empty shadow, the layout's ring map, the monitor's gates — and installs the
    /// monitor as the CPU's ring-0 host. Call after the machine loaded the guest image.</summary>
    public void Reset()
    {
        if (Layout.HardwareAssisted)
        {
            ResetGuestMode();
            return;
        }
        Guest.Reset();
        Exits.Clear();
        BuildRealStateFromGuest();
    }

    /// <summary>Builds the real CPU's state for the virtual CPU in <see cref="Guest"/>.</summary>
    private void BuildRealStateFromGuest()
    {
        _stopped = false;
        StopDiagnostic = null;
        _repeatedFills = 0;
        // the paravirtual IE flag is the monitor's state, not the guest's: a reset guest shares
        // none until it asks; RestoreGuest puts a saved guest's back (docs/monitor.md)
        _sharedIeAddress = 0;
        _interruptDeferred = false;
        _timerOneShot = false;
        VectorTable.SharedInterruptFlag = false;
        Shadow.Reset();
        // A restored guest may already run in an address space: the shadow cache keys it by
        // the guest's ptbr, as an emulated mtcr ptbr would (a reset guest has ptbr 0).
        if (Guest.Ptbr != 0) Shadow.SwitchTo(Guest.Ptbr);
        _installedSpacesVersion = -1;
        InstallPtbrTargets();
        _cpu.SetControl(ControlRegister.Rmap, Layout.RealRmap);
        VectorTable.Install(_cpu, Guest.Gates);
        UpdateRealKernelStacks();
        _currentView = -1;
        ApplyVirtualState();
        _cpu.TranslatedRingMask = Layout.TranslatedRingMask;
        _cpu.TranslationHost = Layout.TranslatedRingMask != 0 ? this : null;
        _cpu.Ring0Host = this;
    }

    /// <summary>Continues a guest restored from a snapshot (R4.Snapshots): the virtual CPU is
    /// set from <paramref name="restore"/> (the guest's CPL, IE, control registers and gates as
    /// it saw them) and the real CPU is rebuilt from it exactly as <see cref="Reset"/> builds it:
    /// the layout's ring map, the shadow vector table, the real kernel stacks, the real ring,
    /// IE and shadow view. Shadow page tables are caches and start empty (refilled lazily).
    /// Call after the machine's RAM, devices and CPU state were put back;
    /// <paramref name="paravirt"/> is the saved paravirtual state (<see cref="Paravirt"/>).</summary>
    public void RestoreGuest(Action<VirtualCpu> restore, ParavirtState paravirt = default)
    {
        if (Layout.HardwareAssisted)
        {
            RestoreGuestMode(restore);
            return;
        }
        Guest.Reset();
        restore(Guest);
        BuildRealStateFromGuest();
        if (paravirt != default) RestoreParavirt(paravirt);
    }

    /// <summary>The log-dirty mode of live migration; null when off (see <see cref="DirtyPageLog"/>).</summary>
    public DirtyPageLog? DirtyLog { get; private set; }

    /// <summary>Turns log-dirty mode on (or starts a new round): every guest frame is
    /// write-protected again by dropping the shadow and the real TLB.</summary>
    public DirtyPageLog StartDirtyLogRound()
    {
        if (Layout.HardwareAssisted)
            throw new InvalidOperationException("layout hw keeps no shadow tables to write-protect: compare pages instead");
        DirtyLog ??= new DirtyPageLog(Map.GuestRamBytes);
        DropShadowForLogging();
        return DirtyLog;
    }

    /// <summary>Turns log-dirty mode off; shadow entries are refilled writable as the guest allows.</summary>
    public void StopDirtyLog()
    {
        if (DirtyLog is null) return;
        DirtyLog = null;
        DropShadowForLogging();
    }

    private void DropShadowForLogging()
    {
        Shadow.DropAll();
        _cpu.FlushTlb();
        _repeatedFills = 0;
        InstallPtbrTargets();   // the dropped spaces must leave the CPU's ptbr-target list too
    }

    public void OnTrap(Cpu cpu, int vector, uint errorCode, uint savedPc)
    {
        if (_stopped) return;
        Exits.ExitPc = savedPc;
        SyncFromReal();
        switch (vector)
        {
            case Vectors.PageFault:
                HandlePageFault(errorCode, savedPc);
                break;
            case Vectors.GeneralProtection:
                HandleGeneralProtection(savedPc);
                break;
            case Vectors.DoubleFault:
                HandleDoubleFault(savedPc);
                break;
            case Vectors.Alignment when IsDirectGatePush(savedPc, out int pushVector):
                _repeatedFills = 0;
                ReflectDirectGatePushFault(pushVector, Vectors.Alignment, 0, cpu.GetControl(ControlRegister.Fault), savedPc);
                break;
            case < Vectors.Timer:
                _repeatedFills = 0;
                ReflectFault(vector, errorCode, savedPc);
                break;
            default:
                _repeatedFills = 0;
                InjectInterrupt(vector, savedPc);
                break;
        }
        if (!_stopped) ApplyVirtualState();
    }

    // ---- the virtual CPU against the real one ---------------------------------------------

    /// <summary>Reads back what hardware may have changed since the last exit: where real
    /// rings tell guest rings apart, a direct system call or a hardware iret changed the CPL;
    /// an interrupt gate cleared IE.</summary>
    private void SyncFromReal()
    {
        if (Layout.HardwareAssisted)
        {
            CopyGuestStateFromHardware();
            return;
        }
        if (!Layout.TransitionsSwitchViews)
            Guest.Cpl = Layout.VirtualRingOfReal(_cpu.Cpl);
        Guest.InterruptEnable = KernelIeShared ? ReadSharedIe() != 0 : _cpu.InterruptsEnabled;
        if (_installedSpacesVersion >= 0 && _cpu.GetControl(ControlRegister.Ptbr) is var realPtbr && realPtbr != _realPtbr && _currentView >= 0)
        {
            // the guest kernel switched address space through the ptbr-target list, in hardware
            int space = Shadow.SpaceOfRealPtbr(realPtbr);
            Shadow.Select(space);
            Guest.Ptbr = Shadow.KeyOf(space);
            _realPtbr = realPtbr;
        }
    }

    /// <summary>Gives the CPU the guest ptbr values of the cached spaces (the ptbr-target
    /// assist) whenever they changed; only where the layout asks for it, real rings separate
    /// guest kernel from user (the list admits writes from the guest kernel's real ring only)
    /// and write protection keeps every cached shadow current.</summary>
    private void InstallPtbrTargets()
    {
        if (!Layout.PtbrTargets || Layout.TransitionsSwitchViews || !Shadow.WriteProtect) return;
        if (Shadow.SpacesVersion == _installedSpacesVersion) return;
        Span<uint> guestValues = stackalloc uint[Map.AddressSpaces];
        Span<uint> realValues = stackalloc uint[Map.AddressSpaces];
        int count = Shadow.CachedSpaces(guestValues, realValues);
        _cpu.SetPtbrTargets(Layout.RealRingOfVirtual[0], guestValues[..count], realValues[..count]);
        _installedSpacesVersion = Shadow.SpacesVersion;
    }

    /// <summary>The guest wrote ptbr: its address space's shadow becomes current (a lookup in
    /// the cache, or an empty shadow), and the real ptbr write flushes the real TLB as the
    /// guest's write flushes its own.</summary>
    private void SwitchAddressSpace(uint guestPtbr)
    {
        bool hit = Shadow.SwitchTo(guestPtbr);
        Exits.RecordAddressSpaceSwitch(hit);
        _realPtbr = Shadow.RealPtbr(_currentView);
        _cpu.SetControl(ControlRegister.Ptbr, _realPtbr);
        Exits.RecordTlbFlush();
        InstallPtbrTargets();
    }

    /// <summary>Makes the real CPU run the virtual state: the real ring of the virtual CPL,
    /// real IE = virtual IE (so interrupts arrive exactly where native takes them), and the
    /// shadow view of the virtual CPL.</summary>
    private void ApplyVirtualState()
    {
        uint realStatus = (uint)Layout.RealRingOfVirtual[Guest.Cpl] | (RealInterruptEnable() ? StatusBits.InterruptEnable : 0);
        if (_cpu.Status != realStatus) _cpu.Status = realStatus;
        int view = Layout.ViewOf(Guest.Cpl);
        if (view != _currentView)
        {
            if (_currentView >= 0) Exits.RecordPageTableSwitch();
            _realPtbr = Shadow.RealPtbr(view);
            _cpu.SetControl(ControlRegister.Ptbr, _realPtbr);
            _currentView = view;
        }
    }

    /// <summary>Hardware loads ksp&lt;R&gt; when a direct gate enters real ring R below the
    /// user's: that must be the guest's ksp of the virtual ring R hosts.</summary>
    private void UpdateRealKernelStacks()
    {
        for (int virtualRing = 0; virtualRing < 3; virtualRing++)
        {
            int real = Layout.RealRingOfVirtual[virtualRing];
            if (real is > 0 and < 3)
                _cpu.SetControl((ControlRegister)((int)ControlRegister.Ksp0 + real), Guest.KernelStackPointers[virtualRing]);
        }
    }

    /// <summary>Stops the VM with a diagnostic naming the cause and the guest pc.</summary>
    private void StopGuest(string cause, uint guestPc)
    {
        if (_stopped) return;
        _stopped = true;
        CountExit(ExitCause.Stop);
        StopDiagnostic = $"monitor ({Layout.Name}): {cause} at guest pc 0x{guestPc:x8}";
        _cpu.RequestStop(StopReason.Shutdown, 0, StopDiagnostic);
    }

    private void StopForRingCompression(string what, int ring, uint guestPc) =>
        StopGuest($"{what} ring {ring}, which layout {Layout.Name} has no ring for (ring compression, spec §9.2)", guestPc);

    private void CountExit(ExitCause cause, int vector = -1) => _cpu.AddCycles((ulong)Exits.RecordExit(cause, vector, _exitKind));

    // ---- the guest's memory, through the guest's own tables ---------------------------------

    private unsafe GuestTranslation Walk(uint virtualAddress, int ring, AccessKind access) =>
        GuestPageWalk.Translate(Guest.Ptbr, virtualAddress, ring, access, Map.GuestRamBytes, new PartitionReader(_partition), Layout.PageProtection);

    /// <summary>The partition's first byte in host memory: the guest walk reads its tables and
    /// TryReadGuest its words straight from there (the walk checks every address against the
    /// partition's size and all are aligned). A delegate per walk was 64 bytes of garbage per exit
    /// in the CLI's ReadyToRun code, and the CPU's checked read ~10% of an exit.</summary>
    private readonly unsafe byte* _partition;

    private readonly unsafe struct PartitionReader(byte* partition) : GuestPageWalk.IPhysicalWordReader
    {
        public uint Read(uint guestPhysical) => *(uint*)(partition + guestPhysical);
    }

    /// <summary>Reads a guest-physical word (inside the partition: the guest walk checked it).</summary>
    private uint ReadGuestPhysical(uint physicalAddress)
    {
        _cpu.TryReadPhysical32(Map.MachinePhysical(physicalAddress), out uint value);
        return value;
    }

    /// <summary>Reads a guest word as code of <paramref name="ring"/> would; on failure the
    /// fault native would raise (vector, #PF error code).</summary>
    private bool TryReadGuest(uint virtualAddress, int ring, AccessKind access, out uint value, out int faultVector, out uint errorCode)
    {
        value = 0;
        errorCode = 0;
        if ((virtualAddress & 3) != 0)
        {
            faultVector = Vectors.Alignment;
            return false;
        }
        var walk = Walk(virtualAddress, ring, access);
        if (!walk.Succeeded)
        {
            faultVector = walk.Outcome == WalkOutcome.PageFault ? Vectors.PageFault : Vectors.MachineCheck;
            errorCode = walk.ErrorCode;
            return false;
        }
        faultVector = -1;
        unsafe { value = *(uint*)(_partition + walk.PhysicalAddress); }   // aligned, inside the partition (the walk checked)
        return true;
    }

    /// <summary>The instruction at <paramref name="pc"/> as the guest's current ring fetches it.</summary>
    private bool TryFetchGuestInstruction(uint pc, out DecodedInstruction instruction)
    {
        instruction = default;
        return TryReadGuest(pc, Guest.Cpl, AccessKind.Fetch, out uint word, out _, out _) &&
               InstructionCodec.TryDecode(word, out instruction);
    }

    // ---- exits by cause -----------------------------------------------------------------------

    /// <summary>A real #PF. The monitor walks the guest's tables for the same access: if they
    /// allow it the fault was hidden (the shadow lacked the page) and the shadow is filled and
    /// the instruction retried; otherwise the guest gets the #PF (or #MC) native would give.</summary>
    private void HandlePageFault(uint hardwareError, uint savedPc)
    {
        uint address = _cpu.GetControl(ControlRegister.Fault);
        var access = (hardwareError & PageBits.ErrorFetch) != 0 ? AccessKind.Fetch
                   : (hardwareError & PageBits.ErrorWrite) != 0 ? AccessKind.Write
                   : AccessKind.Read;
        // A write fault on a direct gate's `int` is its frame push: the access was the gate's
        // (kernel) ring writing the kernel stack.
        int pushVector = 0;
        bool framePush = access == AccessKind.Write && IsDirectGatePush(savedPc, out pushVector);
        int ring = framePush ? Guest.Gates[pushVector].TargetRing : Guest.Cpl;

        var walk = Walk(address, ring, access);
        switch (walk.Outcome)
        {
            case WalkOutcome.Translated when access == AccessKind.Write && Shadow.IsProtected(walk.PhysicalAddress):
                HandlePageTableWrite(address, walk, savedPc, framePush);
                break;
            case WalkOutcome.Translated:
                FillShadow(address, walk, savedPc, access);
                break;
            case var _ when framePush:
                _repeatedFills = 0;
                int fault = walk.Outcome == WalkOutcome.PageFault ? Vectors.PageFault : Vectors.MachineCheck;
                ReflectDirectGatePushFault(pushVector, fault, walk.ErrorCode, address, savedPc);
                break;
            case WalkOutcome.PageFault:
                _repeatedFills = 0;
                CountExit(ExitCause.ReflectedFault, Vectors.PageFault);
                RaiseGuestFault(Vectors.PageFault, walk.ErrorCode, address, savedPc);
                break;
            default:
                _repeatedFills = 0;
                CountExit(ExitCause.ReflectedFault, Vectors.MachineCheck);
                RaiseGuestFault(Vectors.MachineCheck, 0, address, savedPc);
                break;
        }
    }

    /// <summary>True when the `int` at <paramref name="savedPc"/> went through a direct gate:
    /// a data fault on it is then a fault of the hardware's frame push.</summary>
    private bool IsDirectGatePush(uint savedPc, out int vector)
    {
        vector = 0;
        if (!TryFetchGuestInstruction(savedPc, out var instruction) || instruction.Opcode != Opcode.Int) return false;
        vector = instruction.Imm;
        return VectorTable.IsDirect(vector, Guest.Gates[vector]);
    }

    private void FillShadow(uint address, in GuestTranslation walk, uint savedPc, AccessKind access)
    {
        if (savedPc == _lastFillPc && (address & PageBits.FrameMask) == _lastFillAddress)
        {
            if (++_repeatedFills >= MaxRepeatedFills)
            {
                StopGuest($"shadow fill of page 0x{address & PageBits.FrameMask:x8} did not resolve the page fault", savedPc);
                return;
            }
        }
        else
        {
            (_lastFillPc, _lastFillAddress, _repeatedFills) = (savedPc, address & PageBits.FrameMask, 0);
        }
        CountExit(ExitCause.ShadowFill);
        uint entry = Shadow.ShadowEntryFor(walk, _currentView);
        if (entry == 0)
        {
            StopGuest($"shadow view {_currentView} cannot show page 0x{address & PageBits.FrameMask:x8}", savedPc);
            return;
        }
        if (DirtyLog is { } log)
        {
            uint frame = walk.PhysicalAddress >> PageBits.PageShift;
            if (access == AccessKind.Write) log.MarkDirty(frame);
            else if (!log.IsDirty(frame)) entry &= ~PageBits.Writable;   // the first write must come back here
        }
        if (Shadow.Fill(_currentView, address, entry))
            _cpu.InvalidatePage(address);
        else
        {
            _cpu.FlushTlb();
            Exits.RecordTlbFlush();
        }
    }

    /// <summary>A write the guest's tables allow into a write-protected guest page-table page:
    /// a store (stw, sth, stb, push) is performed by the monitor, which then updates the shadow
    /// entries made from the word it changed, and retires; any other writer (the hardware's
    /// frame push of a direct gate) makes the monitor stop protecting that page and fill the
    /// shadow writable, dropping every shadow made from it.</summary>
    private void HandlePageTableWrite(uint address, in GuestTranslation walk, uint savedPc, bool framePush)
    {
        _repeatedFills = 0;
        if (framePush || !TryFetchGuestInstruction(savedPc, out var instruction) ||
            instruction.Opcode is not (Opcode.Stw or Opcode.Sth or Opcode.Stb or Opcode.Push))
        {
            Shadow.Unprotect(walk.PhysicalAddress);
            FillShadow(address, walk, savedPc, AccessKind.Write);
            return;
        }
        CountExit(ExitCause.PageTableWrite);
        uint physical = walk.PhysicalAddress;
        uint wordAddress = physical & ~3u;
        _cpu.TryReadPhysical32(Map.MachinePhysical(wordAddress), out uint word);
        int shift = (int)(physical & 3) * 8;
        word = instruction.Opcode switch
        {
            Opcode.Stw => _cpu.GetRegister(instruction.Rt),
            Opcode.Push => _cpu.GetRegister(instruction.Rs),
            Opcode.Sth => (word & ~(0xFFFFu << shift)) | (_cpu.GetRegister(instruction.Rt) & 0xFFFF) << shift,
            _ => (word & ~(0xFFu << shift)) | (_cpu.GetRegister(instruction.Rt) & 0xFF) << shift,
        };
        _cpu.TryWritePhysical32(Map.MachinePhysical(wordAddress), word);
        DirtyLog?.MarkDirty(wordAddress >> PageBits.PageShift);   // a migration must resend the table it changed
        if (instruction.Opcode == Opcode.Push)
            _cpu.SetRegister(Registers.StackPointer, address);
        Shadow.GuestWrote(wordAddress);
        SharedIeMayHaveChanged(wordAddress);
        _cpu.RetireEmulatedInstruction(savedPc + 4, instruction.Info.CostClass);
    }

    /// <summary>A real #GP: the instruction at the saved pc says why. A privileged instruction
    /// in virtual ring 0, an iret in virtual ring &lt;= 2 and any `int` are emulated; anything
    /// else is the guest's own #GP.</summary>
    private void HandleGeneralProtection(uint savedPc)
    {
        _repeatedFills = 0;
        if (!TryFetchGuestInstruction(savedPc, out var instruction))
        {
            ReflectFault(Vectors.GeneralProtection, 0, savedPc);
            return;
        }
        switch (instruction.Opcode)
        {
            case Opcode.Int:
                EmulateInt(instruction.Imm, savedPc);
                return;
            case Opcode.Iret when Guest.Cpl <= 2 && RingMap.Reverse(Guest.Rmap, Guest.Cpl) != 3:
                EmulateIret(savedPc);
                return;
            default:
                if (instruction.Info.IsPrivileged && Guest.Cpl == 0)
                    EmulatePrivileged(instruction, savedPc);
                else
                    ReflectFault(Vectors.GeneralProtection, 0, savedPc);
                return;
        }
    }

    /// <summary>A real #DF: raised only by a `brk` (the real #BP gate is absent so that the
    /// monitor sees the brk before it retires); emulated against the guest's gate.</summary>
    private void HandleDoubleFault(uint savedPc)
    {
        _repeatedFills = 0;
        if (TryFetchGuestInstruction(savedPc, out var instruction) && instruction.Opcode == Opcode.Brk)
            EmulateBrk(savedPc);
        else
            ReflectFault(Vectors.DoubleFault, 0, savedPc);
    }
}
