// What the debugger shows of a stopped machine: addresses as symbol+offset and file:line,
// registers, control registers decoded, memory (virtual through the guest's own page tables,
// never the TLB, so looking changes nothing), disassembly with source lines, the frame-pointer
// backtrace, the page-table walk and, under a layout, the monitor's view.
using System.Text;
using R4.Assembler;
using R4.Isa;
using R4.Machine;
using R4.Monitor;

namespace R4.Debugger;

public sealed class DebugViews(DebugTarget target)
{
    public DebugTarget Target => target;

    private Cpu Cpu => target.Cpu;
    public VirtualMachineMonitor? Monitor => target.Guest.Monitor;
    private uint GuestRamBytes => target.Guest.GuestRamBytes;

    /// <summary>The page directory register the guest believes in (virtual under a monitor).</summary>
    public uint GuestPtbr => Monitor?.Guest.Ptbr ?? Cpu.GetControl(ControlRegister.Ptbr);

    /// <summary>The `fault` register the guest sees.</summary>
    public uint FaultRegister => Monitor?.Guest.Fault ?? Cpu.GetControl(ControlRegister.Fault);

    // ---- naming addresses ------------------------------------------------------------------

    /// <summary>"0x00001040 <user_main+0x10> at broken.asm:97"; a label only inside its
    /// extent (ImageSymbol.Size), and "0x00007ff8 <stack>" for an address no label holds in the
    /// live stack (<see cref="InLiveStack"/>).</summary>
    public string Where(uint address, bool withLine = true)
    {
        var text = new StringBuilder($"0x{address:x8}");
        if (target.Image.Symbolize(address) is { } symbol) text.Append($" <{symbol}>");
        else if (InLiveStack(address)) text.Append(" <stack>");
        if (withLine && target.Image.LineAt(address) is { } line) text.Append($" at {Path.GetFileName(line.File)}:{line.Line}");
        return text.ToString();
    }

    /// <summary>True when <paramref name="address"/> is in the stack in use: from sp up to the
    /// first label above sp in sp's segment (the `stack_top:` a kernel loads into sp) or that
    /// segment's end; for an sp outside the image (`li sp, 0x8000`), up to the end of sp's page
    /// (all the debugger can be sure of). Symbols carry no "this is a stack" mark, so this is
    /// the honest part: below sp, or farther up, an address is named by its label or not at all.</summary>
    public bool InLiveStack(uint address)
    {
        uint sp = Cpu.GetRegister(Isa.Registers.StackPointer);
        if (address < sp) return false;
        ulong top = ((ulong)sp + 0xFFF) & ~0xFFFUL;
        foreach (var segment in target.Image.Segments)
        {
            if (sp - segment.VirtualAddress >= segment.MemorySize) continue;
            top = (ulong)segment.VirtualAddress + segment.MemorySize;
            foreach (var symbol in target.Image.Symbols)
                if (symbol.Kind == Isa.Image.SymbolKind.Label && symbol.Value > sp && symbol.Value < top) top = symbol.Value;
            break;
        }
        return address < top;
    }

    /// <summary>The current instruction: "=> 0x... <sym>:  ldw r2, [r7]    ; file:line".</summary>
    public string CurrentInstruction() => DisassemblyLine(Cpu.Pc);

    public string DisassemblyLine(uint address)
    {
        string marker = address == Cpu.Pc && target.Final is null ? "=>" : "  ";
        string symbol = target.Image.Symbolize(address) is { } s ? $" <{s}>" : "";
        string text = TryReadVirtual(address, 4) is { } b
            ? Disassembler.Format(BitConverter.ToUInt32(b), address, target.Image)
            : "<unmapped>";
        string line = target.Image.LineAt(address) is { } l ? $"  ; {Path.GetFileName(l.File)}:{l.Line}" : "";
        return $"{marker} 0x{address:x8}{symbol}:  {text}{line}".TrimEnd();
    }

    public IEnumerable<string> Disassemble(uint start, int count)
    {
        for (int i = 0; i < count; i++) yield return DisassemblyLine(start + 4u * (uint)i);
    }

    // ---- memory ------------------------------------------------------------------------------

    /// <summary>Translates through the guest's tables as ring 0 reading (no TLB, no side effects).</summary>
    public GuestTranslation Translate(uint va, int ring = 0, AccessKind access = AccessKind.Read) =>
        GuestPageWalk.Translate(GuestPtbr, va, ring, access, GuestRamBytes, ReadPhysicalWord);

    /// <summary>Translates through the page tables of a given ptbr value (an address space that
    /// need not be the loaded one), as ring 0 reading.</summary>
    public GuestTranslation TranslateIn(uint ptbr, uint va) =>
        GuestPageWalk.Translate(ptbr, va, 0, AccessKind.Read, GuestRamBytes, ReadPhysicalWord);

    private uint ReadPhysicalWord(uint pa) => Cpu.TryReadPhysical32(pa, out uint v) ? v : 0;

    public byte[]? TryReadVirtual(uint va, int length) => TryReadVirtualIn(GuestPtbr, va, length);

    /// <summary>Reads through the page tables of <paramref name="ptbr"/>, or null where they map nothing.</summary>
    public byte[]? TryReadVirtualIn(uint ptbr, uint va, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            var t = TranslateIn(ptbr, va + (uint)i);
            if (!t.Succeeded) return null;
            Cpu.Memory.Read(t.PhysicalAddress, bytes.AsSpan(i, 1));
        }
        return bytes;
    }

    /// <summary>Why <paramref name="va"/> cannot be read now ("not mapped: page not present",
    /// "outside RAM"), or null when it can.</summary>
    public string? WhyUnreadable(uint va)
    {
        var t = Translate(va);
        return t.Outcome switch
        {
            WalkOutcome.Translated => null,
            WalkOutcome.PageFault => $"0x{va:x8} is not mapped by the guest's page tables (pt 0x{va:x8} shows the walk)",
            _ => $"0x{va:x8} is outside RAM (0x{GuestRamBytes:x8} bytes)",
        };
    }

    /// <summary>Guest RAM in bytes (physical addresses 0 .. this - 1).</summary>
    public uint RamBytes => GuestRamBytes;

    public byte[]? TryReadPhysical(uint pa, int length)
    {
        if ((ulong)pa + (ulong)length > GuestRamBytes) return null;
        var bytes = new byte[length];
        Cpu.Memory.Read(pa, bytes);
        return bytes;
    }

    /// <summary>x/Nw, x/Nb (virtual) and xp/Nw, xp/Nb (physical): four words or eight bytes a line.</summary>
    public IEnumerable<string> Examine(uint address, int count, int unitBytes, bool physical)
    {
        int perLine = unitBytes == 4 ? 4 : 8;
        for (int i = 0; i < count; i += perLine)
        {
            uint lineAddress = address + (uint)(i * unitBytes);
            var text = new StringBuilder(physical ? $"0x{lineAddress:x8}:" : $"{Where(lineAddress, withLine: false)}:");
            for (int j = i; j < Math.Min(count, i + perLine); j++)
            {
                uint a = address + (uint)(j * unitBytes);
                var bytes = physical ? TryReadPhysical(a, unitBytes) : TryReadVirtual(a, unitBytes);
                text.Append(bytes is null ? (unitBytes == 4 ? " ??????????" : " ????")
                    : unitBytes == 4 ? $" 0x{BitConverter.ToUInt32(bytes):x8}" : $" 0x{bytes[0]:x2}");
            }
            yield return text.ToString();
        }
    }

    /// <summary>x/Ns: N NUL-terminated strings from ADDR, each as a C literal (at most 256 bytes
    /// each; an unmapped byte ends it with "&lt;unmapped&gt;").</summary>
    public IEnumerable<string> Strings(uint address, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var text = new StringBuilder($"{Where(address, withLine: false)}: \"");
            string end = "\"";
            for (int n = 0; ; n++, address++)
            {
                if (n == 256) { end = "\"..."; break; }
                if (TryReadVirtual(address, 1) is not [var b]) { end = "\" <unmapped>"; break; }
                if (b == 0) { address++; break; }
                text.Append(b switch
                {
                    (byte)'\n' => "\\n", (byte)'\t' => "\\t", (byte)'\r' => "\\r", (byte)'"' => "\\\"", (byte)'\\' => "\\\\",
                    >= 0x20 and < 0x7f => ((char)b).ToString(),
                    _ => $"\\x{b:x2}",
                });
            }
            yield return text.Append(end).ToString();
        }
    }

    // ---- vectors and page tables ---------------------------------------------------------------

    /// <summary>`info vectors`: the present gates of the vector table the machine uses (the
    /// copy loaded when ivt was written; the guest's virtual one under a monitor).</summary>
    public IEnumerable<string> VectorTable()
    {
        uint ivt = Monitor?.Guest.Ivt ?? Cpu.GetControl(ControlRegister.Ivt);
        yield return $"ivt 0x{ivt:x8}{(target.Image.Symbolize(ivt) is { } s ? $" <{s}>" : "")}";
        int present = 0;
        for (int v = 0; v < Vectors.Count; v++)
        {
            var gate = Monitor?.Guest.Gates[v] ?? Cpu.GetGate(v);
            if (!gate.Present) continue;
            present++;
            yield return $"  {v,2} {Vectors.Name(v),-8} -> {Where(gate.Handler)}  ring {gate.TargetRing}, dpl {gate.Dpl}, {(gate.IsInterruptGate ? "interrupt gate" : "trap gate")}";
        }
        yield return $"{present} of {Vectors.Count} gates present";
    }

    /// <summary>`info pagetable`: every mapping of the guest's page tables, runs of pages that
    /// continue one another (virtual and physical) with the same rights merged into one line.</summary>
    public IEnumerable<string> PageTable()
    {
        uint ptbr = GuestPtbr;
        if ((ptbr & PageBits.PtbrEnable) == 0) { yield return "paging off"; yield break; }
        uint directory = ptbr & PageBits.FrameMask;
        yield return $"page directory 0x{directory:x8}";
        (uint Va, uint Pa, uint Flags, uint Pages)? run = null;
        var lines = new List<string>();
        string Line((uint Va, uint Pa, uint Flags, uint Pages) r) =>
            $"  0x{r.Va:x8}-0x{r.Va + r.Pages * 4096 - 1:x8} -> 0x{r.Pa:x8}  {r.Pages,5} page{(r.Pages == 1 ? " " : "s")}  {DescribePte(r.Flags | PageBits.Present)[(DescribePte(r.Flags | PageBits.Present).IndexOf("present", StringComparison.Ordinal) + 9)..]}";
        for (uint d = 0; d < 1024; d++)
        {
            uint pdeAddress = directory + d * 4;
            if (pdeAddress >= GuestRamBytes) break;
            uint pde = ReadPhysicalWord(pdeAddress);
            if ((pde & PageBits.Present) == 0) continue;
            uint table = pde & PageBits.FrameMask;
            for (uint t = 0; t < 1024; t++)
            {
                if (table + t * 4 >= GuestRamBytes) break;
                uint pte = ReadPhysicalWord(table + t * 4);
                if ((pte & PageBits.Present) == 0) continue;
                uint va = d << 22 | t << 12, pa = pte & PageBits.FrameMask, flags = pte & ~PageBits.FrameMask & ~PageBits.Present;
                if (run is { } r && r.Va + r.Pages * 4096 == va && r.Pa + r.Pages * 4096 == pa && r.Flags == flags)
                    run = r with { Pages = r.Pages + 1 };
                else
                {
                    if (run is { } done) lines.Add(Line(done));
                    run = (va, pa, flags, 1);
                }
            }
        }
        if (run is { } last) lines.Add(Line(last));
        foreach (var line in lines) yield return line;
        yield return $"{lines.Count} run{(lines.Count == 1 ? "" : "s")} of mapped pages";
    }

    // ---- registers ---------------------------------------------------------------------------

    public IEnumerable<string> Registers()
    {
        for (int row = 0; row < 4; row++)
        {
            var line = new StringBuilder();
            for (int col = 0; col < 4; col++)
            {
                int r = row * 4 + col;
                line.Append($"{Isa.Registers.Name(r),-3} 0x{Cpu.GetRegister(r):x8}   ");
            }
            yield return line.ToString().TrimEnd();
        }
        yield return $"pc  {Where(Cpu.Pc)}";
        yield return $"instret {Cpu.Instret}  ring {GuestRing}{(Monitor is null ? "" : $" (real {Cpu.Cpl})")}  ie {(GuestInterruptEnable ? 1 : 0)}";
    }

    public int GuestRing
    {
        get
        {
            if (Monitor is null) return Cpu.Cpl;
            Monitor.RefreshFromHardware();
            return Monitor.Guest.Cpl;
        }
    }

    private bool GuestInterruptEnable
    {
        get
        {
            if (Monitor is null) return Cpu.InterruptsEnabled;
            Monitor.RefreshFromHardware();
            return Monitor.Guest.InterruptEnable;
        }
    }

    /// <summary>Control registers as the guest sees them (virtual under a monitor), decoded.</summary>
    public IEnumerable<string> ControlRegisters(bool real = false)
    {
        Monitor?.RefreshFromHardware();
        foreach (var cr in Enum.GetValues<ControlRegister>())
        {
            uint value = real || Monitor is null ? Cpu.GetControl(cr) : Monitor.Guest.Read(cr);
            yield return $"{Isa.ControlRegisters.Name(cr),-9} 0x{value:x8}  {DecodeControl(cr, value)}".TrimEnd();
        }
    }

    private string DecodeControl(ControlRegister cr, uint value) => cr switch
    {
        ControlRegister.Status => $"cpl={value & StatusBits.CplMask} ie={((value & StatusBits.InterruptEnable) != 0 ? 1 : 0)}",
        ControlRegister.Ptbr => (value & PageBits.PtbrEnable) != 0 ? $"paging on, directory 0x{value & PageBits.FrameMask:x8}" : "paging off",
        ControlRegister.Rmap => $"forward {string.Join(",", Enumerable.Range(0, 4).Select(v => RingMap.Forward(value, v)))} reverse {string.Join(",", Enumerable.Range(0, 4).Select(v => RingMap.Reverse(value, v)))}",
        ControlRegister.Ivt or ControlRegister.Fault => target.Image.Symbolize(value) is { } s ? $"<{s}>" : "",
        _ => "",
    };

    // ---- backtrace -----------------------------------------------------------------------------

    /// <summary>Frame #0 is pc. Then the frame-pointer chain of docs/debugging.md: a function that
    /// keeps a frame does `push lr; push fp; mov fp, sp`, so [fp] = the caller's fp and [fp+4] =
    /// the return address; the chain ends at fp = 0. A leaf (or a function before its prologue)
    /// has no frame of its own: when lr points into another function than pc's and differs from
    /// the frame's return address, lr is shown first, as the leaf's return. Inside a trap
    /// handler the chain goes through the trap frame: lr and fp unchanged since the trap are the
    /// interrupted code's (never the handler's return), so the next line is the interrupted pc
    /// from the frame, and the interrupted code's own lr and fp chain follow.</summary>
    public IEnumerable<string> Backtrace(int maxFrames = 32)
    {
        var lines = new List<string> { $"#0  {Where(Cpu.Pc)}" };
        uint pc = Cpu.Pc, lr = Cpu.GetRegister(Isa.Registers.LinkRegister), fp = Cpu.GetRegister(Isa.Registers.FramePointer);
        var seen = new HashSet<uint>();
        int? ring = null;   // the interrupted code's ring (its saved status), once past a trap frame
        foreach (var trap in LiveTrapFrames().Select(f => (TrapFrameRecord?)f).Append(null))
        {
            bool lrIsInterrupted = trap is { } t && lr == t.InterruptedLr;
            // user code entered by iret still holds the kernel's lr: not a return address it can execute
            bool lrExecutable = ring is not { } r || Translate(lr, r, AccessKind.Fetch).Succeeded;
            if (!lrIsInterrupted && lrExecutable && LeafReturnAddress(pc, lr, fp) is { } leaf) lines.Add($"#{lines.Count}  {Where(leaf)}  (from lr)");
            while (fp != 0 && !(trap is { } u && fp == u.InterruptedFp) && lines.Count < maxFrames && seen.Add(fp))
            {
                var frame = TryReadVirtual(fp, 8);
                if (frame is null) { lines.Add($"#{lines.Count}  <frame at 0x{fp:x8} unreadable>"); return lines; }
                lines.Add($"#{lines.Count}  {Where(BitConverter.ToUInt32(frame, 4))}  (frame 0x{fp:x8})");
                fp = BitConverter.ToUInt32(frame, 0);
            }
            if (trap is not { } f || lines.Count >= maxFrames) break;
            lines.Add($"#{lines.Count}  {Where(f.SavedPc)}  (interrupted by {Vectors.Name(f.Vector)}: trap frame 0x{f.FrameSp:x8}, ring {SavedRing(f)})");
            (pc, lr, fp, ring) = (f.SavedPc, f.InterruptedLr, f.InterruptedFp, SavedRing(f));
        }
        return lines;
    }

    /// <summary>The ring a trap frame saved, as the guest sees it (its saved status).</summary>
    private int SavedRing(TrapFrameRecord frame) =>
        TryReadVirtual(frame.FrameSp + 8, 4) is { } b ? (int)(BitConverter.ToUInt32(b) & StatusBits.CplMask) : frame.FromRing;

    /// <summary>The trap frames the code at pc runs above, innermost first: pushed, not popped
    /// by an iret (DebugTarget tracks them), on the stack in use (sp at or below the frame, in
    /// the ring the trap entered) and still holding the saved pc. A frame from a less
    /// privileged ring is the last: nothing of this stack lies beyond it.</summary>
    public List<TrapFrameRecord> LiveTrapFrames()
    {
        var live = new List<TrapFrameRecord>();
        uint sp = Cpu.GetRegister(Isa.Registers.StackPointer);
        var frames = target.TrapFrames;
        for (int i = frames.Count - 1; i >= 0; i--)
        {
            var f = frames[i];
            if (f.ToRing != Cpu.Cpl || f.FrameSp < sp) continue;
            if (live.Count > 0 && f.FrameSp <= live[^1].FrameSp) continue;
            if (TryReadVirtual(f.FrameSp + 4, 4) is not { } saved || BitConverter.ToUInt32(saved) != f.SavedPc) continue;
            live.Add(f);
            sp = f.FrameSp + 16;
            if (f.FromRing != f.ToRing) break;
        }
        return live;
    }

    /// <summary>The trap frame `finish` returns through: the innermost live one, when the code
    /// at pc still has the interrupted code's lr (it called nothing since the trap), or null.</summary>
    public TrapFrameRecord? TrapReturn() =>
        LiveTrapFrames() is [var f, ..] && Cpu.GetRegister(Isa.Registers.LinkRegister) == f.InterruptedLr ? f : null;

    /// <summary>lr, when the current function has no frame of its own (see <see cref="Backtrace"/>).</summary>
    private uint? LeafReturnAddress() =>
        LeafReturnAddress(Cpu.Pc, Cpu.GetRegister(Isa.Registers.LinkRegister), Cpu.GetRegister(Isa.Registers.FramePointer));

    private uint? LeafReturnAddress(uint pc, uint lr, uint fp)
    {
        if (lr == 0) return null;
        if (fp == 0) return lr;
        uint? frameReturn = TryReadVirtual(fp + 4, 4) is { } b ? BitConverter.ToUInt32(b) : null;
        return lr != frameReturn && FunctionOf(lr) != FunctionOf(pc) ? lr : null;
    }

    private string? FunctionOf(uint address) => target.Image.LabelAtOrBelow(address)?.Name.Split('.')[0];

    /// <summary>The return address of the current function: lr for a leaf, else [fp+4].</summary>
    public uint ReturnAddress() => TryReturnAddress() ?? Cpu.GetRegister(Isa.Registers.LinkRegister);

    /// <summary>As <see cref="ReturnAddress"/>, or null when there is no caller to return to:
    /// no leaf lr and no readable frame (fp = 0 at the outermost function), or a return to 0.</summary>
    public uint? TryReturnAddress()
    {
        if (LeafReturnAddress() is { } lr) return lr;
        uint fp = Cpu.GetRegister(Isa.Registers.FramePointer);
        if (fp == 0) return null;
        return TryReadVirtual(fp + 4, 4) is { } b && BitConverter.ToUInt32(b) is var returnAddress and not 0 ? returnAddress : null;
    }

    // ---- page-table walk ---------------------------------------------------------------------

    public IEnumerable<string> PageWalk(uint va)
    {
        uint ptbr = GuestPtbr;
        yield return $"pt 0x{va:x8}: ptbr 0x{ptbr:x8}{(Monitor is null ? "" : " (the guest's)")}, directory index {va >> 22}, table index {(va >> 12) & 0x3FF}, offset 0x{va & 0xFFF:x3}";
        if ((ptbr & PageBits.PtbrEnable) == 0)
        {
            yield return va < GuestRamBytes ? $"paging off: physical 0x{va:x8}, every ring may read, write and execute"
                : $"paging off: physical 0x{va:x8} is outside RAM (#MC)";
            yield break;
        }
        uint pdeAddress = (ptbr & PageBits.FrameMask) + (va >> 22) * 4;
        if (pdeAddress >= GuestRamBytes) { yield return $"directory entry at 0x{pdeAddress:x8} is outside RAM: #MC"; yield break; }
        uint pde = ReadPhysicalWord(pdeAddress);
        yield return $"directory entry [0x{pdeAddress:x8}] = 0x{pde:x8}: {((pde & PageBits.Present) != 0 ? $"present, table at 0x{pde & PageBits.FrameMask:x8}" : "not present")}";
        if ((pde & PageBits.Present) == 0) { yield return "walk fails at the directory: #PF (page not present)"; yield break; }
        uint pteAddress = (pde & PageBits.FrameMask) + ((va >> 12) & 0x3FF) * 4;
        if (pteAddress >= GuestRamBytes) { yield return $"table entry at 0x{pteAddress:x8} is outside RAM: #MC"; yield break; }
        uint pte = ReadPhysicalWord(pteAddress);
        yield return $"table entry     [0x{pteAddress:x8}] = 0x{pte:x8}: {DescribePte(pte)}";
        if ((pte & PageBits.Present) == 0) { yield return "walk fails at the table: #PF (page not present)"; yield break; }
        uint pa = (pte & PageBits.FrameMask) | (va & 0xFFF);
        yield return $"physical 0x{pa:x8}{(pa >= GuestRamBytes ? " (outside RAM: #MC)" : "")}";
        for (int ring = 0; ring < 4; ring++)
        {
            string Allowed(AccessKind kind, string letter) =>
                GuestPageWalk.Translate(ptbr, va, ring, kind, GuestRamBytes, ReadPhysicalWord) is var t && t.Succeeded ? letter
                    : t.Outcome == WalkOutcome.PageFault ? "-" : "!";
            yield return $"  ring {ring}: {Allowed(AccessKind.Read, "r")}{Allowed(AccessKind.Write, "w")}{Allowed(AccessKind.Fetch, "x")}";
        }
    }

    public static string DescribePte(uint pte)
    {
        if ((pte & PageBits.Present) == 0) return "not present";
        var parts = new List<string> { $"frame 0x{pte & PageBits.FrameMask:x8}", "present" };
        parts.Add((pte & PageBits.Writable) != 0 ? "writable" : "read-only");
        if ((pte & PageBits.Executable) != 0) parts.Add("executable");
        parts.Add($"ring {(pte & PageBits.RingMask) >> PageBits.RingShift}");
        return string.Join(", ", parts);
    }

    // ---- the monitor ---------------------------------------------------------------------------

    /// <summary>The hardware part of the trap frame at the guest's sp — right after a delivery,
    /// the frame the guest was just given: error code, saved pc and the (virtual) ring saved in
    /// its status. Null when the stack is unreadable.</summary>
    public (uint Error, uint SavedPc, int SavedRing)? GuestFrame()
    {
        var frame = TryReadVirtual(Cpu.GetRegister(Isa.Registers.StackPointer), 12);
        if (frame is null) return null;
        return (BitConverter.ToUInt32(frame, 0), BitConverter.ToUInt32(frame, 4), (int)(BitConverter.ToUInt32(frame, 8) & StatusBits.CplMask));
    }

    public IEnumerable<string> MonitorInfo(uint? address)
    {
        if (Monitor is not { } m)
        {
            yield return "not under a monitor (layout native)";
            yield break;
        }
        m.RefreshFromHardware();
        yield return $"layout {m.Layout.Name}: {m.Layout.Summary}";
        yield return $"ring: virtual {m.Guest.Cpl}, real {Cpu.Cpl}; ie: virtual {(m.Guest.InterruptEnable ? 1 : 0)}, real {(Cpu.InterruptsEnabled ? 1 : 0)}";
        yield return "virtual control registers:";
        foreach (var cr in Enum.GetValues<ControlRegister>())
            yield return $"  {Isa.ControlRegisters.Name(cr),-9} 0x{m.Guest.Read(cr):x8}   real 0x{Cpu.GetControl(cr):x8}";
        if (address is { } va)
        {
            int view = m.Layout.ViewOf(m.Guest.Cpl);
            uint shadow = m.Shadow.EntryOf(view, va);
            var guest = Translate(va);
            string guestSide = guest.Outcome switch
            {
                WalkOutcome.Translated => $"entry 0x{guest.PageEntry:x8} -> physical 0x{guest.PhysicalAddress:x8}",
                WalkOutcome.PageFault => "not mapped (#PF)",
                _ => "outside guest RAM (#MC)",
            };
            yield return $"0x{va:x8}: guest {guestSide}; shadow entry (view {view}) 0x{shadow:x8}: {DescribePte(shadow)}";
        }
        var exits = m.Exits.ByName();
        yield return $"exits: {m.Exits.TotalExits} total" + (exits.Count == 0 ? "" : ": " + string.Join(", ", exits.Select(e => $"{e.Key} {e.Value}")));
    }
}
