// A whole guest's state at an instruction boundary, as the sections of a snapshot file
// (spec §11.3; format in docs/hosted.md): META (JSON: layout, RAM size, cost table, where it
// came from), CPU (registers, pc, instret, cycles, hlt, the control registers and the 64
// gates as the guest sees them — virtual under a monitor, so the snapshot does not depend on
// the layout or the engine), DEVS (timer phase, disk registers and request in flight, latched
// and asserted interrupt lines, console input position), STAT (counters), RAM (the guest
// partition, sparse and deflated), DISK (a reference to an unchanged image: path, size,
// SHA-256; or the captured image when the guest wrote it), INPT (the console input the guest
// has not read, when it came from a file), PVIR (the monitor's paravirtual state: shared IE word,
// held-back interrupt, one-shot timer; format version 3). META also carries the layout's knob
// data (--shadow-cache, --shadow-sync, --ptbr-targets, --direct-syscalls, --page-protection),
// so the guest continues exactly as it would have uninterrupted. Monitor caches — shadow page tables, the TLB,
// decoded code, JIT blocks — are not saved: a restored guest refills them lazily and cannot
// tell.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using R4.Isa;
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;

namespace R4.Snapshots;

/// <summary>Where a snapshot came from and how to run it again (the META section).</summary>
public sealed record SnapshotMetadata
{
    public string Layout { get; init; } = "native";
    public uint GuestRamBytes { get; init; }
    public ulong Instret { get; init; }
    public string CostsJson { get; init; } = "{}";
    /// <summary>The machine variant (r4, or x86-flaw of spec §11.5).</summary>
    public string Machine { get; init; } = "r4";
    /// <summary>The engine of the run that saved it (information only: any engine restores it).</summary>
    public string SavedByEngine { get; init; } = "";
    /// <summary>The guest as named on the command line (for symbols in messages), if known.</summary>
    public string? GuestPath { get; init; }
    public string[] Defines { get; init; } = [];
    /// <summary>Why it was saved: "instruction count", "signal", "debugger", "monitor console", "migration".</summary>
    public string Reason { get; init; } = "";
    public string CreatedUtc { get; init; } = "";
    /// <summary>The knob data of the layout the guest ran under (format version 3); null in a
    /// version-2 file: the layout's defaults.</summary>
    public LayoutKnobs? Knobs { get; init; }
}

/// <summary>A layout's experiment-knob data (docs/monitor.md "Knobs"), as a snapshot or a
/// migration carries it: the values in force, not the options typed.</summary>
public sealed record LayoutKnobs(int ShadowCacheSpaces, string ShadowSync, bool PtbrTargets, bool DirectSystemCalls, string PageProtection)
{
    public static LayoutKnobs Of(Layout layout) => new(layout.ShadowCacheSpaces, NameOf(layout.ShadowSync), layout.PtbrTargets,
        layout.DirectSystemCalls, layout.PageProtection.Name);

    private static string NameOf(ShadowSync sync) => sync == R4.Monitor.ShadowSync.Invlpg ? "invlpg" : "write-protect";

    /// <summary>Why these knobs cannot be applied (a damaged file), or null.</summary>
    public string? Problem() =>
        ShadowCacheSpaces < 1 || ShadowCacheSpaces > MonitorMemoryMap.MaximumAddressSpaces ? $"shadow cache of {ShadowCacheSpaces} spaces"
        : ShadowSync is not ("invlpg" or "write-protect") ? $"shadow sync '{ShadowSync}'"
        : !R4.Machine.PageProtection.TryParse(PageProtection, out _) ? $"page protection '{PageProtection}'"
        : null;

    /// <summary><paramref name="layout"/> with these knobs. Under the layout they were saved
    /// with, all of them; under another (resume/receive --layout), only the page protection, which
    /// the guest sees (the monitor's knobs belong to the layout, whose defaults then apply).</summary>
    public Layout ApplyTo(Layout layout, bool savedLayout)
    {
        R4.Machine.PageProtection.TryParse(PageProtection, out var protection);
        if (!savedLayout || !layout.Monitored) return layout with { PageProtection = protection };
        return layout with
        {
            ShadowCacheSpaces = ShadowCacheSpaces,
            ShadowSync = ShadowSync == "invlpg" ? R4.Monitor.ShadowSync.Invlpg : R4.Monitor.ShadowSync.WriteProtect,
            PtbrTargets = PtbrTargets,
            DirectSystemCalls = DirectSystemCalls,
            PageProtection = protection,
        };
    }
}

/// <summary>How a disk image is kept in a snapshot.</summary>
public enum DiskKeeping : byte { None = 0, Referenced = 1, Captured = 2 }

/// <summary>A parsed snapshot: the sections, checked, ready to restore.</summary>
public sealed class GuestSnapshot
{
    private GuestSnapshot(SnapshotMetadata metadata, Dictionary<string, byte[]> sections)
    {
        Metadata = metadata;
        Sections = sections;
    }

    public SnapshotMetadata Metadata { get; }
    internal Dictionary<string, byte[]> Sections { get; }

    // ---- saving -------------------------------------------------------------------------

    /// <summary>The snapshot file image of <paramref name="guest"/>, which must be stopped at an
    /// instruction boundary (between runs). Flushes its console output.</summary>
    public static byte[] Capture(GuestMachine guest, SnapshotMetadata metadata) => Capture(guest, metadata, includeRam: true);

    /// <summary>As <see cref="Capture(GuestMachine, SnapshotMetadata)"/>; without RAM (a RAM
    /// section of zero pages) for live migration, which has sent the pages already.</summary>
    public static byte[] Capture(GuestMachine guest, SnapshotMetadata metadata, bool includeRam)
    {
        var cpu = guest.Cpu;
        var machine = guest.Machine;
        metadata = metadata with
        {
            Layout = guest.Layout.Name,
            GuestRamBytes = guest.GuestRamBytes,
            Instret = cpu.Instret,
            CostsJson = cpu.Costs.ToJson(),
            Machine = MachineVariants.Name(machine.Options.Variant),
            SavedByEngine = cpu.Engine.ToString(),
            CreatedUtc = DateTime.UtcNow.ToString("O"),
            Knobs = LayoutKnobs.Of(guest.Layout),
        };
        var sections = new List<(string, byte[])>
        {
            ("META", JsonSerializer.SerializeToUtf8Bytes(metadata, SnapshotJsonContext.Default.SnapshotMetadata)),
            ("CPU ", CaptureCpu(guest)),
            ("DEVS", CaptureDevices(machine.Bus)),
            ("STAT", CaptureStatistics(machine.Statistics)),
        };
        unsafe
        {
            sections.Add(("RAM ", includeRam
                ? SparsePages.Encode(machine.Memory.Base, guest.GuestRamBytes, TouchedPages(guest))
                : SparsePages.Encode(machine.Memory.Base, guest.GuestRamBytes, [])));
        }
        sections.Add(("DISK", CaptureDisk(machine.Bus.Disk)));
        if (CaptureInputRest(machine.Options) is { } rest)
            sections.Add(("INPT", rest));
        if (guest.Monitor?.Paravirt is { } paravirt && paravirt != default)
            sections.Add(("PVIR", CaptureParavirt(paravirt)));
        return SnapshotContainer.Pack(sections);
    }

    /// <summary>The guest frames that may hold data (committed host pages inside the partition):
    /// the others are zero and need not be looked at.</summary>
    public static List<uint> TouchedPages(GuestMachine guest)
    {
        uint frames = guest.GuestRamBytes >> Isa.PageBits.PageShift;
        var pages = guest.Machine.Memory.TouchedPages();
        pages.RemoveAll(page => page >= frames);
        return pages;
    }

    /// <summary>Captures and writes atomically (see <see cref="SnapshotContainer.WriteAtomically"/>).</summary>
    public static long Save(GuestMachine guest, SnapshotMetadata metadata, string path)
    {
        var file = Capture(guest, metadata);
        SnapshotContainer.WriteAtomically(path, file);
        return file.Length;
    }

    private static unsafe byte[] CaptureCpu(GuestMachine guest)
    {
        var cpu = guest.Cpu;
        var monitor = guest.Monitor;
        monitor?.RefreshFromHardware();
        var bytes = new byte[CpuBytes];
        var w = new SpanWriter(bytes);
        for (int r = 0; r < Registers.Count; r++) w.U32(cpu.GetRegister(r));
        w.U32(cpu.Pc);
        for (int c = 0; c < ControlRegisters.Count; c++)
            w.U32(monitor is null ? cpu.GetControl((ControlRegister)c) : monitor.Guest.Read((ControlRegister)c));
        w.U64(cpu.Instret);
        w.U64(cpu.Cycles);
        w.U32(cpu.Halted ? 1u : 0u);
        for (int v = 0; v < Vectors.Count; v++)
        {
            var gate = monitor is null ? cpu.GetGate(v) : monitor.Guest.Gates[v];
            w.U32(gate.Handler);
            w.U32(gate.Flags);
        }
        return bytes;
    }

    private static byte[] CaptureParavirt(ParavirtState state)
    {
        var bytes = new byte[ParavirtBytes];
        var w = new SpanWriter(bytes);
        w.U32(state.SharedIeAddress);
        w.U32(state.InterruptDeferred ? 1u : 0u);
        w.U32(state.TimerOneShot ? 1u : 0u);
        return bytes;
    }

    private const int ParavirtBytes = 3 * 4;

    /// <summary>The saved paravirtual state (default when the snapshot has none).</summary>
    private ParavirtState Paravirt
    {
        get
        {
            if (!Sections.TryGetValue("PVIR", out var bytes)) return default;
            var r = new SpanReader(bytes, 0);
            return new ParavirtState(r.U32(), r.U32() != 0, r.U32() != 0);
        }
    }

    private const int CpuBytes = 4 * Registers.Count + 4 + 4 * ControlRegisters.Count + 8 + 8 + 4 + 8 * Vectors.Count;

    private static byte[] CaptureDevices(DeviceBus bus)
    {
        var console = bus.Console.CaptureState();
        var disk = bus.Disk.CaptureState();
        var bytes = new byte[DevicesFixedBytes + console.PendingInput.Length];
        var w = new SpanWriter(bytes);
        w.U64(bus.Interrupts.PendingMask);
        w.U64(bus.Interrupts.AssertedLevels);
        w.U32(bus.Timer.PeriodInstructions);
        w.U64(bus.Timer.NextExpiryInstret);
        w.U32(disk.Sector); w.U32(disk.Address); w.U32(disk.Count); w.U32(disk.Command);
        w.U32(disk.Busy ? 1u : 0u); w.U32(disk.Error ? 1u : 0u); w.U64(disk.CompletionInstret);
        w.U32(disk.RequestCommand); w.U32(disk.RequestSector); w.U32(disk.RequestAddress); w.U32(disk.RequestCount);
        w.U32(disk.ImageWritten ? 1u : 0u);
        w.U32(console.InputInterruptEnabled ? 1u : 0u);
        w.U64(console.LastSampleInstret);
        w.U64(console.BytesRead);
        w.U64(console.BytesWritten);
        w.U32(console.InputEnded ? 1u : 0u);
        w.U64(bus.PortReads);
        w.U64(bus.PortWrites);
        w.U32((uint)console.PendingInput.Length);
        w.Bytes(console.PendingInput);
        return bytes;
    }

    private const int DevicesFixedBytes = 8 + 8 + 4 + 8 + 4 * 4 + 4 + 4 + 8 + 4 * 4 + 4 + 4 + 8 + 8 + 8 + 4 + 8 + 8 + 4;

    private static byte[] CaptureStatistics(MachineStatistics statistics)
    {
        var bytes = new byte[8 + 8 + 8 + 8 * 64];
        var w = new SpanWriter(bytes);
        w.U64((ulong)BitConverter.DoubleToInt64Bits(statistics.HostSeconds));
        w.U64(statistics.TlbMisses);
        w.U64(statistics.TlbFlushes);
        foreach (long traps in statistics.TrapsByVector) w.U64((ulong)traps);
        return bytes;
    }

    private static byte[] CaptureDisk(DiskDevice disk)
    {
        if (disk.ImagePath is null) return [(byte)DiskKeeping.None];
        string full = Path.GetFullPath(disk.ImagePath);
        byte[] contents = ReadShared(full);
        if (disk.ImageWritten)
        {
            var encoded = SparsePages.Encode(contents);
            var captured = new byte[1 + encoded.Length];
            captured[0] = (byte)DiskKeeping.Captured;
            encoded.CopyTo(captured, 1);
            return captured;
        }
        var path = System.Text.Encoding.UTF8.GetBytes(full);
        var bytes = new byte[1 + 4 + path.Length + 8 + 32];
        var w = new SpanWriter(bytes);
        w.U8((byte)DiskKeeping.Referenced);
        w.U32((uint)path.Length);
        w.Bytes(path);
        w.U64((ulong)contents.Length);
        w.Bytes(SHA256.HashData(contents));
        return bytes;
    }

    /// <summary>Reads a file the disk device may hold open for writing.</summary>
    internal static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The console input the guest has not read yet, when it comes from a file or a
    /// buffer (a seekable stream): the snapshot then carries it and does not need the input
    /// again. Null for a terminal or a pipe: the restored guest reads on from its own input.</summary>
    private static byte[]? CaptureInputRest(MachineOptions options)
    {
        var input = options.ConsoleInput;
        if (input is null || options.ConsoleInputInteractive || !input.CanSeek) return null;
        long position = input.Position;
        var rest = new byte[input.Length - position];
        input.ReadExactly(rest);
        input.Position = position;
        return rest;
    }

    // ---- reading ------------------------------------------------------------------------------

    /// <summary>Reads and checks a snapshot file; <see cref="SnapshotFormatException"/> for a bad one.</summary>
    public static GuestSnapshot Read(byte[] file, string name)
    {
        var sections = SnapshotContainer.Unpack(file, name);
        foreach (var tag in new[] { "META", "CPU ", "DEVS", "STAT", "RAM ", "DISK" })
            if (!sections.ContainsKey(tag))
                throw new SnapshotFormatException($"{name}: snapshot malformed (no '{tag.Trim()}' section)");
        SnapshotMetadata? metadata;
        try { metadata = JsonSerializer.Deserialize(sections["META"], SnapshotJsonContext.Default.SnapshotMetadata); }
        catch (JsonException e) { throw new SnapshotFormatException($"{name}: snapshot malformed (META: {e.Message})"); }
        if (metadata is null || !Layouts.TryParse(metadata.Layout, out _) || !MachineVariants.TryParse(metadata.Machine, out _) || metadata.GuestRamBytes == 0 || metadata.GuestRamBytes % 4096 != 0)
            throw new SnapshotFormatException($"{name}: snapshot malformed (META names no known layout or RAM size)");
        if (sections["CPU "].Length != CpuBytes || sections["DEVS"].Length < DevicesFixedBytes)
            throw new SnapshotFormatException($"{name}: snapshot malformed (CPU or DEVS section of the wrong size)");
        if (DiskSectionProblem(sections["DISK"]) is { } problem)
            throw new SnapshotFormatException($"{name}: snapshot malformed (DISK: {problem})");
        if (metadata.Knobs?.Problem() is { } knobs)
            throw new SnapshotFormatException($"{name}: snapshot malformed (META knobs: {knobs})");
        if (sections.TryGetValue("PVIR", out var paravirt) && paravirt.Length != ParavirtBytes)
            throw new SnapshotFormatException($"{name}: snapshot malformed (PVIR section of {paravirt.Length} bytes, not {ParavirtBytes})");
        if (DevicesSectionProblem(sections["DEVS"]) is { } devices)
            throw new SnapshotFormatException($"{name}: snapshot malformed (DEVS: {devices})");
        return new GuestSnapshot(metadata, sections);
    }

    /// <summary>Device states no running machine has, which a restore cannot be trusted with:
    /// a running timer or a busy disk with no next event would leave a guest in `hlt` waiting
    /// for host time forever, instructions never advancing (found by the snapshot fuzz target).</summary>
    private static string? DevicesSectionProblem(byte[] devices)
    {
        var r = new SpanReader(devices, 0);
        r.U64();
        r.U64();
        uint period = r.U32();
        ulong nextExpiry = r.U64();
        if (period != 0 && nextExpiry == ulong.MaxValue) return $"the timer runs (period {period}) with no next expiry";
        for (int i = 0; i < 4; i++) r.U32();
        bool busy = r.U32() != 0;
        r.U32();
        if (busy && r.U64() == ulong.MaxValue) return "the disk is busy with no completion";
        return null;
    }

    /// <summary>The most bytes a captured disk may have: what the disk device's 32-bit sector
    /// numbers address.</summary>
    private const ulong MaximumDiskBytes = (ulong)uint.MaxValue * R4.Machine.Devices.DiskDevice.SectorBytes;

    /// <summary>Parses the DISK section as a restore will, so that a damaged one is refused when
    /// the file is read, with its name (found by the snapshot fuzz target, docs/fuzzing.md);
    /// null when it is sound.</summary>
    private static string? DiskSectionProblem(byte[] bytes)
    {
        if (bytes.Length == 0) return null;
        try
        {
            switch ((DiskKeeping)bytes[0])
            {
                case DiskKeeping.None:
                    return null;
                case DiskKeeping.Referenced:
                    var r = new SpanReader(bytes, 1);
                    r.Bytes((int)r.U32());
                    r.U64();
                    r.Bytes(32);
                    return null;
                case DiskKeeping.Captured:
                    ulong length = SparsePages.LengthOf(bytes.AsSpan(1));
                    return length > MaximumDiskBytes ? $"a captured disk of {length} bytes, more than the disk device addresses ({MaximumDiskBytes})" : null;
                default:
                    return $"disk kept as {bytes[0]}";
            }
        }
        catch (SnapshotFormatException e)
        {
            const string malformed = "snapshot malformed (";
            return e.Message.StartsWith(malformed, StringComparison.Ordinal) ? e.Message[malformed.Length..^1] : e.Message;
        }
    }

    public static GuestSnapshot Load(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotFormatException($"cannot read snapshot '{path}': {e.Message}");
        }
        return Read(file, path);
    }

    /// <summary>How the disk is kept, and for a referenced disk its path.</summary>
    public (DiskKeeping Keeping, string? Path) Disk
    {
        get
        {
            var bytes = Sections["DISK"];
            if (bytes.Length == 0) return (DiskKeeping.None, null);
            var keeping = (DiskKeeping)bytes[0];
            if (keeping != DiskKeeping.Referenced) return (keeping, null);
            var r = new SpanReader(bytes, 1);
            int length = (int)r.U32();
            return (keeping, System.Text.Encoding.UTF8.GetString(r.Bytes(length)));
        }
    }

    /// <summary>True when the snapshot carries the rest of the console input.</summary>
    public bool CarriesInput => Sections.ContainsKey("INPT");

    // ---- restoring ----------------------------------------------------------------------------

    /// <summary>A new machine running the snapshot's guest, under its layout (or
    /// <paramref name="options"/>.Layout). The caller owns the result.</summary>
    public RestoredGuest Restore(RestoreOptions options)
    {
        var layout = LayoutFor(Metadata.Layout, Metadata.Knobs, options);
        CostTable costs;
        try { costs = options.Costs ?? CostTable.FromJson(Metadata.CostsJson, "snapshot cost table"); }
        catch (CostTableException e) { throw new SnapshotFormatException($"snapshot malformed ({e.Message})"); }

        string? temporaryDisk = null;
        string? diskPath = PrepareDisk(options.DiskPath, ref temporaryDisk);
        Stream? input = options.ConsoleInput;
        bool interactive = options.ConsoleInputInteractive;
        if (Sections.TryGetValue("INPT", out var rest))
        {
            input = new MemoryStream(rest, writable: false);
            interactive = false;
        }
        var machineOptions = MachineOptionsFor(options, Metadata.GuestRamBytes, costs, Metadata.Machine, input, interactive, diskPath);
        GuestMachine? guest = null;
        try
        {
            guest = options.CreateMachine?.Invoke(machineOptions, layout) ?? GuestMachine.Create(machineOptions, layout);
            RestoreInto(guest);
            return new RestoredGuest(guest, temporaryDisk);
        }
        catch
        {
            guest?.Dispose();
            if (temporaryDisk is not null) File.Delete(temporaryDisk);
            throw;
        }
    }

    /// <summary>The layout a saved or migrating guest continues under: the saved one with its knob
    /// data (<paramref name="knobs"/>; null for a version-2 file), or <paramref name="options"/>.Layout
    /// with the saved page protection, then the caller's knobs (<see cref="RestoreOptions.Knobs"/>).</summary>
    internal static Layout LayoutFor(string savedLayout, LayoutKnobs? knobs, RestoreOptions options)
    {
        if (!Layouts.TryParse(options.Layout ?? savedLayout, out var layout))
            throw new SnapshotFormatException($"layout '{options.Layout ?? savedLayout}': give one of {Layouts.Names}");
        bool saved = string.Equals(layout.Name, savedLayout, StringComparison.OrdinalIgnoreCase);
        if (knobs is not null) layout = knobs.ApplyTo(layout, saved);
        return options.Knobs?.Invoke(layout, saved) ?? layout;
    }

    /// <summary>The options of a machine that continues a saved or migrating guest.</summary>
    internal static MachineOptions MachineOptionsFor(RestoreOptions options, uint guestRamBytes, CostTable costs, string machine,
        Stream? input, bool interactive, string? diskPath) => new()
    {
        MemoryBytes = guestRamBytes,
        Costs = costs,
        ConsoleInput = input,
        ConsoleInputInteractive = interactive,
        ConsoleOutput = options.ConsoleOutput,
        Diagnostics = options.Diagnostics,
        DiskImagePath = diskPath,
        Engine = options.Engine ?? new MachineOptions().Engine,
        Variant = MachineVariants.TryParse(machine, out var variant) ? variant : MachineVariant.R4,
    };

    /// <summary>The console input of the restored guest: the rest the snapshot carries, else null.</summary>
    internal Stream? CarriedInput => Sections.TryGetValue("INPT", out var rest) ? new MemoryStream(rest, writable: false) : null;

    private string? PrepareDisk(string? requestedPath, ref string? temporaryDisk)
    {
        var bytes = Sections["DISK"];
        var keeping = bytes.Length == 0 ? DiskKeeping.None : (DiskKeeping)bytes[0];
        switch (keeping)
        {
            case DiskKeeping.None:
                return null;
            case DiskKeeping.Referenced:
            {
                var r = new SpanReader(bytes, 1);
                string path = System.Text.Encoding.UTF8.GetString(r.Bytes((int)r.U32()));
                ulong size = r.U64();
                byte[] hash = r.Bytes(32).ToArray();
                if (requestedPath is not null) path = requestedPath;
                if (!File.Exists(path))
                    throw new SnapshotFormatException($"disk image '{path}' the snapshot refers to is missing");
                var contents = ReadShared(path);
                if ((ulong)contents.Length != size || !SHA256.HashData(contents).AsSpan().SequenceEqual(hash))
                    throw new SnapshotFormatException($"disk image '{path}' changed since the snapshot (size or SHA-256 differs)");
                return path;
            }
            case DiskKeeping.Captured:
            {
                var encoded = bytes.AsSpan(1).ToArray();
                ulong length = SparsePages.LengthOf(encoded);
                string path = requestedPath ?? (temporaryDisk = Path.Combine(Path.GetTempPath(), $"r4-restored-disk-{Environment.ProcessId}-{Guid.NewGuid():N}.img"));
                using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
                {
                    file.SetLength((long)length);   // sparse where the guest never wrote
                    SparsePages.Decode(encoded, (offset, page) =>
                    {
                        file.Position = (long)offset;
                        file.Write(page);
                    });
                }
                return path;
            }
            default:
                throw new SnapshotFormatException($"snapshot malformed (disk kept as {(int)keeping})");
        }
    }

    /// <summary>Puts the saved RAM, devices, CPU and monitor state into a fresh machine of the
    /// same RAM size (created for this snapshot; nothing of it has run).</summary>
    public unsafe void RestoreInto(GuestMachine guest)
    {
        var machine = guest.Machine;
        if (guest.GuestRamBytes != Metadata.GuestRamBytes)
            throw new SnapshotFormatException($"snapshot of {Metadata.GuestRamBytes} bytes of RAM cannot go into a guest of {guest.GuestRamBytes}");
        var ram = Sections["RAM "];
        if (SparsePages.LengthOf(ram) != Metadata.GuestRamBytes)
            throw new SnapshotFormatException("snapshot malformed (RAM section of another size than META says)");
        SparsePages.Decode(ram, (offset, page) => machine.Memory.Write((uint)offset, page));

        RestoreDevices(machine.Bus);
        RestoreStatistics(machine.Statistics);

        var r = new SpanReader(Sections["CPU "], 0);
        var state = default(CpuState);
        for (int i = 0; i < Registers.Count; i++) state.Registers[i] = r.U32();
        state.Registers[0] = 0;
        state.Pc = r.U32();
        var control = new uint[ControlRegisters.Count];
        for (int c = 0; c < control.Length; c++) control[c] = r.U32();
        state.Instret = r.U64();
        state.Cycles = r.U64();
        state.Halted = r.U32() != 0 ? 1u : 0u;
        var gates = new Gate[Vectors.Count];
        for (int v = 0; v < gates.Length; v++) gates[v] = new Gate(r.U32(), r.U32());

        if (guest.Monitor is null)
        {
            for (int c = 0; c < control.Length; c++) state.Control[c] = control[c];
            state.Control[(int)ControlRegister.Status] &= StatusBits.Defined;
            state.Control[(int)ControlRegister.Rmap] &= 0xFFFF;
            machine.Cpu.RestoreState(state, gates);
        }
        else
        {
            state.Control[(int)ControlRegister.Rmap] = RingMap.Identity;   // the reset state the monitor builds on
            machine.Cpu.RestoreState(state, new Gate[Vectors.Count]);
            guest.Monitor.RestoreGuest(virtualCpu =>
            {
                virtualCpu.Cpl = (int)(control[(int)ControlRegister.Status] & StatusBits.CplMask);
                for (int c = 0; c < control.Length; c++) virtualCpu.Write((ControlRegister)c, control[c]);
                gates.CopyTo(virtualCpu.Gates, 0);
            }, Paravirt);
        }
        machine.Statistics.Instructions = state.Instret;
        machine.Statistics.Cycles = state.Cycles;
    }

    private void RestoreDevices(DeviceBus bus)
    {
        var r = new SpanReader(Sections["DEVS"], 0);
        ulong pending = r.U64(), asserted = r.U64();
        uint period = r.U32();
        ulong nextExpiry = r.U64();
        var disk = new DiskDeviceState(r.U32(), r.U32(), r.U32(), r.U32(), r.U32() != 0, r.U32() != 0, r.U64(),
            r.U32(), r.U32(), r.U32(), r.U32(), r.U32() != 0);
        bool irqEnabled = r.U32() != 0;
        ulong lastSample = r.U64(), bytesRead = r.U64(), bytesWritten = r.U64();
        bool inputEnded = r.U32() != 0;
        ulong portReads = r.U64(), portWrites = r.U64();
        int pendingLength = (int)r.U32();
        if (pendingLength < 0 || pendingLength > Sections["DEVS"].Length - DevicesFixedBytes)
            throw new SnapshotFormatException("snapshot malformed (console input in DEVS runs past the end)");
        var pendingInput = r.Bytes(pendingLength).ToArray();

        bus.Timer.Restore(period, nextExpiry);
        bus.Disk.RestoreState(disk);
        bus.Console.RestoreState(new ConsoleDeviceState(irqEnabled, lastSample, bytesRead, bytesWritten, pendingInput, inputEnded), inputEnded: false);
        bus.Interrupts.Restore(pending, asserted);
        bus.AfterRestore(portReads, portWrites);
    }

    private void RestoreStatistics(MachineStatistics statistics)
    {
        if (Sections["STAT"].Length < 24 + 8 * 64) return;
        var r = new SpanReader(Sections["STAT"], 0);
        statistics.HostSeconds = BitConverter.Int64BitsToDouble((long)r.U64());
        statistics.TlbMisses = r.U64();
        statistics.TlbFlushes = r.U64();
        for (int v = 0; v < 64; v++) statistics.TrapsByVector[v] = (long)r.U64();
    }
}

/// <summary>What a restore needs from the host: where the console goes, the console input
/// when the snapshot does not carry it, the engine, optionally another layout or cost table,
/// and where a captured disk image is written (default: a temporary file, removed on Dispose).</summary>
public sealed record RestoreOptions
{
    public Stream? ConsoleOutput { get; init; }
    public Stream? ConsoleInput { get; init; }
    public bool ConsoleInputInteractive { get; init; }
    public TextWriter? Diagnostics { get; init; }
    public ExecutionEngine? Engine { get; init; }
    public string? Layout { get; init; }
    public CostTable? Costs { get; init; }
    public string? DiskPath { get; init; }
    /// <summary>The caller's knobs (r4 resume's and the receiver's options) applied to the layout the
    /// guest continues under, which already carries the saved knob data; the flag is true when that
    /// is the layout it was saved under. May throw to refuse a conflict.</summary>
    public Func<Layout, bool, Layout>? Knobs { get; init; }
    /// <summary>Builds the machine instead of GuestMachine.Create (the hosted monitor's seam).</summary>
    public Func<MachineOptions, Layout, GuestMachine>? CreateMachine { get; init; }
}

/// <summary>A restored guest and the temporary disk file it may own.</summary>
public sealed class RestoredGuest(GuestMachine guest, string? temporaryDisk) : IDisposable
{
    public GuestMachine Guest { get; } = guest;
    public string? TemporaryDisk { get; } = temporaryDisk;

    public void Dispose()
    {
        Guest.Dispose();
        if (TemporaryDisk is not null)
            try { File.Delete(TemporaryDisk); } catch (IOException) { }
    }
}

/// <summary>Little-endian writes into a fixed buffer.</summary>
internal ref struct SpanWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _at;
    public void U8(byte value) => _buffer[_at++] = value;
    public void U32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_at..], value); _at += 4; }
    public void U64(ulong value) { BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_at..], value); _at += 8; }
    public void Bytes(ReadOnlySpan<byte> bytes) { bytes.CopyTo(_buffer[_at..]); _at += bytes.Length; }
}

/// <summary>Little-endian reads; running past the end is a malformed snapshot.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> buffer, int start)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _at = start;
    private ReadOnlySpan<byte> Take(int count)
    {
        // Not _at + count: a count near int.MaxValue (a length field of a damaged file) wraps.
        if (count < 0 || count > _buffer.Length - _at) throw new SnapshotFormatException("snapshot malformed (a section ends early)");
        var span = _buffer.Slice(_at, count);
        _at += count;
        return span;
    }
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public ReadOnlySpan<byte> Bytes(int count) => Take(count);
}
