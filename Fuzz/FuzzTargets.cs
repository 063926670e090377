// The four fuzz targets (docs/fuzzing.md). Each takes the fuzzer's bytes, feeds them to one
// part of R4 and returns when R4 handled them: ran them to an end, or refused them with the
// exception its CLI turns into a one-line error (ImageFormatException, SnapshotFormatException,
// DiskImageException; assembly errors are results, not exceptions). Anything else escaping is
// a crash for AFL++, and so is a FuzzDivergence: two engines or layouts showing the guest
// different machines, or an image that does not read back as written.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using R4.Assembler;
using R4.Isa.Image;
using R4.Machine;
using R4.Machine.Devices;
using R4.Monitor;
using R4.Snapshots;
using R4.Tests.Monitor.RandomGuests;

namespace R4.Fuzz;

/// <summary>Thrown by a target when R4 contradicts itself: a crash for the fuzzer.</summary>
public sealed class FuzzDivergence(string message) : Exception(message);

public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["asm"] = Assembler,
        ["elf"] = ElfLoader,
        ["snapshot"] = SnapshotLoader,
        ["machine"] = Machine,
    };

    /// <summary>Guest RAM of the machines the targets build: small, so that a run stays cheap.</summary>
    private const uint GuestRamBytes = 1 << 20;
    /// <summary>Instructions each run of a loaded image or snapshot may retire.</summary>
    private const ulong LoadedRunInstructions = 5_000;
    /// <summary>Instructions each run of the machine target may retire (its guests exit well before).</summary>
    private const ulong WordRunInstructions = 50_000;

    /// <summary>Assembly source text in, an ELF image out; the image must read back as it was
    /// written, disassemble, and `disasm --source` of it must assemble to the same entry point
    /// and loaded bytes.</summary>
    public static void Assembler(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        // Smaller limits than the CLI's keep one input quick; the limits themselves are tested in Tests/Assembler.
        var options = new AssemblyOptions { MaximumProgramBytes = 1 << 20, MaximumExpandedLines = 20_000 };
        var result = R4Assembler.AssembleText(text, Path.Combine(Path.GetTempPath(), "r4-fuzz", "input.asm"), options);
        foreach (var error in result.Errors) _ = error.Format();
        if (!result.Succeeded) return;
        var image = result.Image!;
        byte[] elf = result.ToElf();
        var again = Elf32.Read(elf, "assembled.elf");
        RequireSameImage(image, again, "the assembler's image, written as ELF and read back");
        foreach (var _ in Disassembler.DisassembleImage(again)) { }
        RequireDisassemblyReassembles(again);
    }

    /// <summary>`r4 disasm --source` promises source that assembles back to the same entry point
    /// and loaded bytes (README, Assembler/Disassembler.cs): check it.</summary>
    private static void RequireDisassemblyReassembles(ProgramImage image)
    {
        var loaded = LoadedBytes(image);
        if (loaded is null) return;   // overlapping segments: which bytes load is not the source's to say
        string source = string.Join("\n", Disassembler.DisassembleImage(image, asSource: true)) + "\n";
        var result = R4Assembler.AssembleText(source, "disassembled.asm", new AssemblyOptions { MaximumProgramBytes = 1 << 20 });
        if (!result.Succeeded)
            throw new FuzzDivergence("disasm --source does not assemble: " + result.Errors[0].Format());
        var again = result.Image!;
        if (again.Entry != image.Entry)
            throw new FuzzDivergence($"disasm --source reassembles with entry 0x{again.Entry:x8}, not 0x{image.Entry:x8}");
        var reloaded = LoadedBytes(again) ?? throw new FuzzDivergence("disasm --source reassembles to overlapping segments");
        if (!reloaded.SequenceEqual(loaded))
        {
            var first = loaded.Zip(reloaded).FirstOrDefault(p => p.First != p.Second);
            throw new FuzzDivergence($"disasm --source reassembles to other loaded bytes (first difference {first.First} vs {first.Second}; " +
                $"{loaded.Count} vs {reloaded.Count} loaded bytes)");
        }
    }

    /// <summary>Every loaded address and its byte (zero past a segment's data), in address
    /// order; null when segments overlap.</summary>
    private static List<(uint Address, byte Value)>? LoadedBytes(ProgramImage image)
    {
        var bytes = new List<(uint, byte)>();
        foreach (var segment in image.Segments.OrderBy(s => s.VirtualAddress))
        {
            if (bytes.Count > 0 && segment.VirtualAddress <= bytes[^1].Item1) return null;
            if (bytes.Count + (long)segment.MemorySize > 256 << 10) return null;   // big zero-fill: not worth comparing byte by byte
            for (uint i = 0; i < segment.MemorySize; i++)
                bytes.Add((segment.VirtualAddress + i, i < segment.Data.Length ? segment.Data[i] : (byte)0));
        }
        return bytes;
    }

    /// <summary>Any bytes as an ELF image: read it (or refuse it), write it back and read that
    /// again (the same image), then run it natively on both engines (the same machine).</summary>
    public static void ElfLoader(byte[] input)
    {
        ProgramImage image;
        try { image = Elf32.Read(input, "input.elf"); }
        catch (ImageFormatException) { return; }
        RequireSameImage(image, Elf32.Read(Elf32.Write(image), "rewritten.elf"), "an image read, written and read again");
        // Not RequireDisassemblyReassembles: a foreign image's symbol names and entry point need
        // not be ones source can spell; the promise is for images the assembler made (target asm).
        foreach (var _ in Disassembler.DisassembleImage(image)) { }

        GuestRun? reference = null;
        foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
        {
            var run = Run(engine, Layouts.Native, LoadedRunInstructions, machine => machine.Load(image), out bool refused);
            if (refused) return;   // a segment outside RAM: the loader's own error
            if (reference is null) reference = run;
            else RequireSame(reference, run, "input.elf");
        }
    }

    /// <summary>Any bytes as a snapshot file, with its length field and SHA-256 made to fit (else
    /// nearly every mutation would stop at the checksum): read it (or refuse it), restore it on
    /// both engines and run on; both must show the guest the same machine.</summary>
    public static void SnapshotLoader(byte[] input)
    {
        byte[] file = SealSnapshot(input);
        GuestSnapshot snapshot;
        try { snapshot = GuestSnapshot.Read(file, "input.r4snap"); }
        catch (SnapshotFormatException) { return; }
        // A referenced disk names a host file: the fuzzer does not go reading the host's files
        // (Read has checked the DISK section, so this cannot throw).
        if (snapshot.Disk.Keeping == DiskKeeping.Referenced) return;
        if (snapshot.Metadata.GuestRamBytes > 64u << 20) return;   // a big RAM is legal, but slow to clear per input

        GuestRun? reference = null;
        foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
        {
            using var console = new MemoryStream();
            RestoredGuest restored;
            try
            {
                restored = snapshot.Restore(new RestoreOptions
                {
                    ConsoleOutput = console, ConsoleInput = new MemoryStream([], writable: false),
                    Diagnostics = new StringWriter(), Engine = engine,
                });
            }
            catch (Exception e) when (e is SnapshotFormatException or DiskImageException) { return; }
            using (restored)
            {
                var machine = restored.Guest;
                var result = machine.Run(LoadedRunInstructions);
                machine.Machine.Bus.Flush();
                var run = new GuestRun($"{engine}", result, Encoding.Latin1.GetString(console.ToArray()), machine.CaptureState());
                if (reference is null) reference = run;
                else RequireSame(reference, run, "input.r4snap");
            }
        }
    }

    /// <summary>The input's first four bytes pick a random kernel (Tests/Monitor/RandomGuests),
    /// the rest are instruction words its ring-3 user program runs. The native interpreter is the
    /// reference; every layout on both engines must show the guest the same machine (console,
    /// stop, registers, instret), except where the layout stops a guest it cannot run (docs/monitor.md).</summary>
    public static void Machine(byte[] input)
    {
        if (input.Length < 4) return;
        int seed = (int)(BinaryPrimitives.ReadUInt32LittleEndian(input) % 1_000_000) + 1;
        int count = Math.Min((input.Length - 4) / 4, RandomKernelGenerator.MaximumUserWords);
        var words = new uint[count];
        for (int i = 0; i < count; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(4 + 4 * i));
        var kernel = RandomKernelGenerator.GenerateWithUserWords(seed, words);
        var image = kernel.Build();

        var reference = Run(ExecutionEngine.Interpreter, Layouts.Native, WordRunInstructions, machine => machine.Load(image), out _);
        foreach (var layout in Layouts.Known)
            foreach (var engine in new[] { ExecutionEngine.Interpreter, ExecutionEngine.Jit })
            {
                if (layout == Layouts.Native && engine == ExecutionEngine.Interpreter) continue;
                var run = Run(engine, layout, WordRunInstructions, machine => machine.Load(image), out _);
                if (run.StoppedByMonitor) continue;
                RequireSame(reference, run, kernel.ToString());
            }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private sealed record GuestRun(string Name, RunResult Result, string Console, GuestState State, bool StoppedByMonitor = false);

    private static GuestRun Run(ExecutionEngine engine, Layout layout, ulong maxInstructions, Action<GuestMachine> load, out bool refused)
    {
        using var console = new MemoryStream();
        var options = new MachineOptions
        {
            MemoryBytes = GuestRamBytes,
            ConsoleInput = new MemoryStream([], writable: false),
            ConsoleOutput = console,
            Diagnostics = new StringWriter(),
            Engine = engine,
        };
        using var machine = GuestMachine.Create(options, layout);
        refused = false;
        try { load(machine); }
        catch (ImageFormatException)
        {
            refused = true;
            return new GuestRun("", new RunResult(StopReason.Shutdown, 0, 0, null), "", machine.CaptureState());
        }
        var result = machine.Run(maxInstructions);
        machine.Machine.Bus.Flush();
        return new GuestRun($"{layout.Name} {engine}", result, Encoding.Latin1.GetString(console.ToArray()), machine.CaptureState(),
            machine.Monitor?.StopDiagnostic is not null);
    }

    private static void RequireSame(GuestRun reference, GuestRun run, string what)
    {
        string? difference =
            reference.Console != run.Console ? "console output differs"
            : reference.Result != run.Result ? $"stop differs: {reference.Result} vs {run.Result}"
            : !reference.State.Equals(run.State) ? $"state differs: {reference.State} vs {run.State}"
            : null;
        if (difference is not null)
            throw new FuzzDivergence($"{what}: {reference.Name} and {run.Name}: {difference}");
    }

    private static void RequireSameImage(ProgramImage expected, ProgramImage actual, string what)
    {
        string Describe(ProgramImage image) =>
            $"entry 0x{image.Entry:x8}; " + string.Join("; ", image.Segments.Select(s =>
                $"0x{s.VirtualAddress:x8}/{s.PhysicalAddress:x8}+{s.MemorySize} {s.Flags} {Convert.ToHexString(SHA256.HashData(s.Data))[..16]}"))
            + "; symbols " + string.Join(",", image.Symbols.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => $"{s.Name}={s.Value:x}:{s.Kind}"));
        // The ELF symbol table lists local symbols first (ELF rules), so compare them as sets.
        string a = Describe(expected), b = Describe(actual);
        if (a != b) throw new FuzzDivergence($"{what} differs:\n  {a}\n  {b}");
    }

    /// <summary>Sets a snapshot file's payload length and SHA-256 to fit its bytes (the layout of
    /// Emulator/Snapshots/SnapshotContainer.cs: 26 header bytes, the sections, 32 checksum bytes).</summary>
    public static byte[] SealSnapshot(byte[] input)
    {
        const int headerBytes = 26, checksumBytes = 32;
        if (input.Length < headerBytes + checksumBytes) return input;
        var file = (byte[])input.Clone();
        int body = file.Length - checksumBytes;
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(18), body - headerBytes);
        SHA256.HashData(file.AsSpan(0, body), file.AsSpan(body));
        return file;
    }
}
