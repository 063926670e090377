// Runs guests together on one Type 1 machine and each alone (GuestMachine, the same layout,
// RAM, input and engine), and compares what each guest saw: console output, stop (reason,
// exit status, pc, diagnostic), registers, pc, instret, virtual CPL and IE (spec §11.1).
using System.Text;
using R4.Assembler;
using R4.Host;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Host;

/// <summary>One guest of a test machine.</summary>
public sealed record TestGuest(string Name, ProgramImage Image, Layout Layout, uint RamBytes = 1 << 20, int Weight = 1,
    byte[]? Input = null, ulong MaxInstructions = HostHarness.DefaultMaxInstructions, ulong FirstSector = 0, ulong SectorCount = 0)
{
    public override string ToString() => $"{Name} [{Layout.Name}, {RamBytes >> 10} KiB, weight {Weight}]";
}

/// <summary>What a guest saw, alone or beside others.</summary>
public sealed record SeenRun(string Console, RunResult Result, GuestState State, string Diagnostics);

public static class HostHarness
{
    public const ulong DefaultMaxInstructions = 3_000_000;

    public static ProgramImage Assemble(string repositoryPath, params (string Name, long Value)[] defines)
    {
        var result = R4Assembler.AssembleFile(RepositoryPaths.Combine(repositoryPath),
            new AssemblyOptions { Defines = defines.ToDictionary(d => d.Name, d => d.Value) });
        Assert.True(result.Succeeded, $"{repositoryPath} does not assemble:\n" + string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    public static ProgramImage AssembleText(string source, string name = "guest.asm")
    {
        var result = R4Assembler.AssembleText(source, name);
        Assert.True(result.Succeeded, $"{name} does not assemble:\n" + string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    /// <summary>The guest alone on a machine of its own (base 0), as `r4 run --layout` runs it.</summary>
    public static SeenRun RunSolo(TestGuest guest, ExecutionEngine engine, string? diskImage = null)
    {
        using var console = new MemoryStream();
        var diagnostics = new StringWriter();
        var options = new MachineOptions
        {
            MemoryBytes = guest.RamBytes,
            ConsoleInput = new MemoryStream(guest.Input ?? [], writable: false),
            ConsoleOutput = console,
            Diagnostics = diagnostics,
            DiskImagePath = diskImage,
            Engine = engine,
        };
        using var machine = GuestMachine.Create(options, guest.Layout);
        machine.Load(guest.Image);
        var result = machine.Run(guest.MaxInstructions);
        machine.Machine.Bus.Flush();
        return new SeenRun(Encoding.Latin1.GetString(console.ToArray()), result, machine.CaptureState(), diagnostics.ToString());
    }

    /// <summary>The guests together on one machine; what each saw, in order, and the host.</summary>
    public static (IReadOnlyList<SeenRun> Runs, HostSummary Host) RunTogether(IReadOnlyList<TestGuest> guests, ExecutionEngine engine,
        ulong sliceInstructions = HostOptions.DefaultSliceInstructions, string? diskImage = null, uint? machineRamBytes = null,
        Action<Type1Host>? inspect = null)
    {
        var consoles = guests.Select(_ => new MemoryStream()).ToList();
        var diagnostics = new StringWriter();
        var specs = guests.Select((g, i) => new GuestSpec
        {
            Name = g.Name,
            Image = g.Image,
            Layout = g.Layout,
            RamBytes = g.RamBytes,
            Weight = g.Weight,
            ConsoleInput = new MemoryStream(g.Input ?? [], writable: false),
            ConsoleOutput = consoles[i],
            MaxInstructions = g.MaxInstructions,
            FirstSector = g.FirstSector,
            SectorCount = g.SectorCount,
        }).ToList();
        var options = new HostOptions
        {
            SliceInstructions = sliceInstructions,
            Engine = engine,
            Diagnostics = diagnostics,
            DiskImagePath = diskImage,
            MachineRamBytes = machineRamBytes,
        };
        using var host = Type1Host.Create(options, specs);
        host.Run();
        inspect?.Invoke(host);
        var runs = host.Guests.Select(g => new SeenRun(Encoding.Latin1.GetString(consoles[g.Index].ToArray()), g.Result!, g.FinalState!, "")).ToList();
        var summary = new HostSummary(host.WorldSwitches, host.Guests.Select(g => g.Slices).ToList(), host.Guests.Select(g => g.Monitor.StopDiagnostic).ToList());
        return (runs, summary);
    }

    /// <summary>Asserts every guest saw together exactly what it saw alone.</summary>
    public static void AssertEachAsAlone(IReadOnlyList<TestGuest> guests, ExecutionEngine engine, ulong sliceInstructions, string context = "")
    {
        var (together, _) = RunTogether(guests, engine, sliceInstructions);
        for (int i = 0; i < guests.Count; i++)
        {
            var alone = RunSolo(guests[i], engine);
            AssertSame(alone, together[i], $"{context}guest {i + 1} {guests[i]} ({engine}, slice {sliceInstructions})");
        }
    }

    public static void AssertSame(SeenRun alone, SeenRun together, string who)
    {
        Assert.True(alone.Console == together.Console,
            $"{who}: console differs\n--- alone ---\n{Tail(alone.Console)}\n--- together ---\n{Tail(together.Console)}");
        Assert.True(alone.Result == together.Result, $"{who}: stop differs: alone {alone.Result}, together {together.Result}");
        Assert.True(alone.State == together.State, $"{who}: CPU differs:\n alone    {alone.State}\n together {together.State}");
    }

    private static string Tail(string text) => text.Length > 400 ? "…" + text[^400..] : text;
}

public sealed record HostSummary(long WorldSwitches, IReadOnlyList<long> Slices, IReadOnlyList<string?> StopDiagnostics);
