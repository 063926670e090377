// Runs one guest image under a layout with captured console and diagnostics, and compares
// monitored runs with the native one: console output, stop reason / exit status / pc /
// diagnostic, guest-visible CPU state (registers, pc, instret, virtual CPL and IE) and the
// per-instruction trace, naming the first differing instruction when traces part.
using System.Text;
using R4.Assembler;
using R4.Isa;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public sealed record GuestRun(
    Layout Layout, RunResult Result, string Console, string Diagnostics, GuestState State,
    InstructionTraceRecorder? Trace, ExitSnapshot? Exits, MachineStatistics Statistics);

/// <summary>Exit counts copied out of a finished run.</summary>
public sealed record ExitSnapshot(long Total, IReadOnlyDictionary<string, long> ByName, IReadOnlyDictionary<ExitCause, long> ByCause)
{
    public long Count(string name) => ByName.GetValueOrDefault(name);
}

public static class MonitorHarness
{
    public const uint GuestRamBytes = 1 << 20;

    public static GuestRun Run(ProgramImage image, Layout layout, ulong maxInstructions = 2_000_000, bool trace = true,
        uint memoryBytes = GuestRamBytes, byte[]? input = null, string? diskImage = null, Action<GuestMachine>? inspect = null,
        int shadowPoolPages = MonitorMemoryMap.DefaultPoolPages, ITraceSink? traceSink = null, MachineVariant variant = MachineVariant.R4,
        ExecutionEngine? engine = null)
    {
        using var console = new MemoryStream();
        var diagnostics = new StringWriter();
        var options = new MachineOptions
        {
            MemoryBytes = memoryBytes,
            ConsoleInput = new MemoryStream(input ?? [], writable: false),
            ConsoleOutput = console,
            Diagnostics = diagnostics,
            DiskImagePath = diskImage,
            Variant = variant,
        };
        if (engine is { } chosen) options = new MachineOptions
        {
            MemoryBytes = options.MemoryBytes, ConsoleInput = options.ConsoleInput, ConsoleOutput = options.ConsoleOutput,
            Diagnostics = options.Diagnostics, DiskImagePath = options.DiskImagePath, Variant = variant, Engine = chosen,
        };
        using var machine = GuestMachine.Create(options, layout, shadowPoolPages);
        machine.Load(image);
        var recorder = trace && traceSink is null ? new InstructionTraceRecorder() : null;
        machine.Trace = traceSink ?? recorder;
        var result = machine.Run(maxInstructions);
        machine.Machine.Bus.Flush();
        recorder?.Finish();
        inspect?.Invoke(machine);
        ExitSnapshot? exits = machine.Exits is { } e
            ? new ExitSnapshot(e.TotalExits, e.ByName().ToDictionary(kv => kv.Key, kv => kv.Value), Enum.GetValues<ExitCause>().ToDictionary(c => c, c => e[c]))
            : null;
        return new GuestRun(layout, result, Encoding.Latin1.GetString(console.ToArray()), diagnostics.ToString(),
            machine.CaptureState(), recorder, exits, machine.Statistics);
    }

    /// <summary>The layouts AssertEquivalent compares with native by default: trap-and-emulate's three
    /// (spec §9.1), binary translation and hardware assist (spec §11.6, §11.7).</summary>
    public static IReadOnlyList<Layout> EveryMonitoredLayout { get; } = [.. Layouts.MonitoredLayouts, .. Layouts.Techniques];

    /// <summary>Runs natively and under every monitored layout; asserts each monitored run
    /// shows the guest exactly the native machine. Returns all runs (native first).</summary>
    public static IReadOnlyList<GuestRun> AssertEquivalent(ProgramImage image, ulong maxInstructions = 2_000_000,
        uint memoryBytes = GuestRamBytes, byte[]? input = null, string? diskImage = null, IEnumerable<Layout>? layouts = null,
        int shadowPoolPages = MonitorMemoryMap.DefaultPoolPages, Action<GuestMachine>? inspect = null, MachineVariant variant = MachineVariant.R4)
    {
        var native = Run(image, Layouts.Native, maxInstructions, memoryBytes: memoryBytes, input: input, diskImage: diskImage, variant: variant);
        var runs = new List<GuestRun> { native };
        foreach (var layout in layouts ?? EveryMonitoredLayout)
        {
            var run = Run(image, layout, maxInstructions, memoryBytes: memoryBytes, input: input, diskImage: diskImage,
                inspect: machine => { AssertMonitorMemoryIntact(machine); inspect?.Invoke(machine); }, shadowPoolPages: shadowPoolPages, variant: variant);
            if (native.Trace is not null && run.Trace is not null && TraceComparison.FirstDivergence(native.Trace, run.Trace) is not null)
            {
                // the recorders keep the first 100 000 entries: re-run both for the exact place
                var exact = TraceComparison.FirstDivergence(
                    sink => Run(image, Layouts.Native, maxInstructions, memoryBytes: memoryBytes, input: input, diskImage: diskImage, traceSink: sink, variant: variant),
                    sink => Run(image, layout, maxInstructions, memoryBytes: memoryBytes, input: input, diskImage: diskImage, shadowPoolPages: shadowPoolPages, traceSink: sink, variant: variant))!;
                Assert.Fail($"{layout.Name}: {exact.Describe((word, pc) => R4.Assembler.Disassembler.Format(word, pc, image), "native", layout.Name)}");
            }
            AssertSameAsNative(native, run, image);
            runs.Add(run);
        }
        return runs;
    }

    public static void AssertSameAsNative(GuestRun native, GuestRun run, ProgramImage image)
    {
        string name = run.Layout.Name;
        if (native.Trace is not null && run.Trace is not null &&
            TraceComparison.FirstDivergence(native.Trace, run.Trace) is { } divergence)
            Assert.Fail($"{name}: {divergence.Describe((word, pc) => R4.Assembler.Disassembler.Format(word, pc, image), "native", name)}");
        Assert.Equal(native.Console, run.Console);
        Assert.Equal(native.Result, run.Result);
        Assert.Equal(native.State, run.State);
    }

    /// <summary>The monitor's own memory after a run: the shadow vector table holds exactly the
    /// gates the monitor computed, and no shadow entry of any view maps a frame outside the
    /// guest partition — except the monitor's window, which must map exactly the monitor's own
    /// area, ring 0 (supervisor only), in the window's slot of every directory whose guest maps
    /// nothing there.</summary>
    public static void AssertMonitorMemoryIntact(GuestMachine machine)
    {
        var monitor = machine.Monitor!;
        var cpu = machine.Cpu;
        var map = monitor.Map;
        if (monitor.Layout.HardwareAssisted)
        {
            AssertNestedTablesMapOnlyThePartition(machine);
            return;
        }
        for (int v = 0; v < Vectors.Count; v++)
        {
            var expected = monitor.VectorTable.RealGate(v, monitor.Guest.Gates[v]);
            Assert.True(cpu.TryReadPhysical32(map.GateTableAddress + (uint)(8 * v), out uint handler));
            Assert.True(cpu.TryReadPhysical32(map.GateTableAddress + (uint)(8 * v) + 4, out uint flags));
            Assert.Equal(expected, new Gate(handler, flags));
            Assert.Equal(expected, cpu.GetGate(v));
        }
        for (int space = 0; space < map.AddressSpaces; space++)
        for (int view = 0; view < map.ViewCount; view++)
        {
            for (uint slot = 0; slot < 1024; slot++)
            {
                Assert.True(cpu.TryReadPhysical32(map.DirectoryAddress(space, view) + slot * 4, out uint directoryEntry));
                if ((directoryEntry & PageBits.Present) == 0) continue;
                uint table = directoryEntry & PageBits.FrameMask;
                if (map.HasWindow && table == map.WindowTableAddress)
                {
                    Assert.Equal((uint)MonitorMemoryMap.WindowDirectoryIndex, slot);
                    AssertWindowTableIntact(cpu, map);
                    continue;
                }
                Assert.InRange(table, map.PoolAddress, map.MachineRamBytes - 4096);
                for (uint i = 0; i < 1024; i++)
                {
                    Assert.True(cpu.TryReadPhysical32(table + i * 4, out uint entry));
                    if ((entry & PageBits.Present) == 0) continue;
                    Assert.True((entry & PageBits.FrameMask) < map.GuestRamBytes,
                        $"view {view} maps 0x{(slot << 22) | (i << 12):x8} to frame 0x{entry & PageBits.FrameMask:x8}, outside the partition");
                    Assert.NotEqual(0, (int)((entry & PageBits.RingMask) >> PageBits.RingShift));
                }
            }
        }
    }

    /// <summary>The window's table maps the monitor's area page for page, writable, ring 0, and nothing else.</summary>
    public static void AssertWindowTableIntact(Cpu cpu, MonitorMemoryMap map)
    {
        for (uint i = 0; i < 1024; i++)
        {
            Assert.True(cpu.TryReadPhysical32(map.WindowTableAddress + i * 4, out uint entry));
            uint expected = i < map.WindowPages ? (map.MonitorAreaAddress + i * 4096) | PageBits.Present | PageBits.Writable : 0;
            Assert.True(expected == entry, $"window entry {i}: 0x{entry:x8}, expected 0x{expected:x8}");
        }
    }

    /// <summary>hw: the nested tables still map guest-physical [0, G) to the same machine-physical
    /// pages and nothing else, whatever the guest did.</summary>
    private static void AssertNestedTablesMapOnlyThePartition(GuestMachine machine)
    {
        var cpu = machine.Cpu;
        var map = machine.Monitor!.Map;
        Assert.True(cpu.InGuestMode);
        for (uint slot = 0; slot < 1024; slot++)
        {
            Assert.True(cpu.TryReadPhysical32(map.DirectoryAddress(0) + slot * 4, out uint directoryEntry));
            if ((directoryEntry & PageBits.Present) == 0) continue;
            uint table = directoryEntry & PageBits.FrameMask;
            for (uint i = 0; i < 1024; i++)
            {
                Assert.True(cpu.TryReadPhysical32(table + i * 4, out uint entry));
                uint guestPhysical = (slot << 22) | (i << 12);
                if (guestPhysical < map.GuestRamBytes)
                    Assert.Equal(guestPhysical | PageBits.Present | PageBits.Writable, entry);
                else
                    Assert.Equal(0u, entry);
            }
        }
    }
}
