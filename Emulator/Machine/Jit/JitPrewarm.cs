// The JIT's one-time start-up, taken off the guest's path. The first region a process compiles
// costs ~2-2.5 ms that later ones do not (ReadyToRun method-entry and type fix-ups of the code
// generator and the assembler, and one static initializer the .NET JIT compiles: docs/
// performance.md, "Issue 14, tiering stream"); all of it is process-wide. So a host that knows
// early that it will run the JIT (r4 run with R4_JIT_PREWARM=1, before it assembles and loads
// the guest; off by default: it costs every JIT run ~10 ms of process CPU) starts a
// thread that assembles the trampoline and compiles a small made-up page (ALU, loads, stores,
// branches, calls, register jumps, a system instruction) for ring 0 and ring 3 into throw-away
// buffers. An engine waits for that thread before its own first compile, so the code
// generator never runs on two threads at once and nothing the guest sees depends on when the
// thread ran: only the host time does. (Started at a Run instead, the thread competes with the
// guest for the loader's locks and, on a loaded machine, for a core: slower.)
using System.Runtime.InteropServices;
using R4.Isa;

namespace R4.Machine.Jit;

internal static unsafe class JitPrewarm
{
    private static Thread? thread;
    private static readonly object Gate = new();

    /// <summary>Starts the process's prewarm once, on a thread of its own (later calls do nothing).</summary>
    public static void Start()
    {
        if (thread is not null || !JitEngine.IsSupported) return;
        lock (Gate)
        {
            if (thread is not null) return;
            thread = new Thread(RunQuietly) { IsBackground = true, Name = "r4 JIT prewarm" };
            thread.Start();
        }
    }

    /// <summary>Waits until the prewarm (if started) is done.</summary>
    public static void Wait() => thread?.Join();

    private static void RunQuietly()
    {
        try { Run(); }
        catch (Exception) { }   // warming is an optimisation; the engine's own compile reports real errors
    }

    /// <summary>Words of the made-up page, from offset 0.</summary>
    private static uint[] Program() =>
    [
        InstructionCodec.Encode(Opcode.Addi, rd: 1, rs: 1, imm: 1),          // 0
        InstructionCodec.Encode(Opcode.Ldw, rd: 2, rs: 3, imm: 4),           // 1
        InstructionCodec.Encode(Opcode.Stw, rt: 2, rs: 3, imm: 8),           // 2
        InstructionCodec.Encode(Opcode.Add, rd: 4, rs: 1, rt: 2),            // 3
        InstructionCodec.Encode(Opcode.Shli, rd: 5, rs: 4, imm: 3),          // 4
        InstructionCodec.Encode(Opcode.Ldbu, rd: 6, rs: 5, imm: 1),          // 5
        InstructionCodec.Encode(Opcode.Bne, rs: 1, rt: 7, imm: -7),          // 6: to 0
        InstructionCodec.Encode(Opcode.Push, rs: 1),                         // 7
        InstructionCodec.Encode(Opcode.Pop, rd: 2),                          // 8
        InstructionCodec.Encode(Opcode.Call, imm: 2),                        // 9: to 12
        InstructionCodec.Encode(Opcode.Sltu, rd: 8, rs: 1, rt: 2),           // 10
        InstructionCodec.Encode(Opcode.Jmp, imm: -12),                       // 11: to 0
        InstructionCodec.Encode(Opcode.Out, rs: 1, imm: 0),                  // 12
        InstructionCodec.Encode(Opcode.Sth, rt: 6, rs: 3, imm: 2),           // 13
        InstructionCodec.Encode(Opcode.Jr, rs: 15),                          // 14
    ];

    private static void Run()
    {
        const int ops = DecodedCodeCache.OpsPerPage;
        var pageBytes = (byte*)NativeMemory.AllocZeroed(PageBits.PageSize);
        var decoded = (DecodedOp*)NativeMemory.AllocZeroed(ops + 1, (nuint)sizeof(DecodedOp));
        var entries = (nint*)NativeMemory.AllocZeroed(ops, (nuint)sizeof(nint));
        try
        {
            var words = Program();
            for (int i = 0; i < words.Length; i++) ((uint*)pageBytes)[i] = words[i];
            for (int i = 0; i <= ops; i++) decoded[i].Op = i == ops ? DecodedOp.PageEnd : DecodedOp.NotDecoded;
            const ulong rip = 0x7000_0000_0000;
            CodeGenerator.Trampoline(rip, out ulong exitAddress, out ulong callOutAddress);
            foreach (int cpl in (ReadOnlySpan<int>)[0, 3])
            {
                NativeMemory.Clear(entries, ops * (nuint)sizeof(nint));
                var blocks = BlockDiscovery.Discover(decoded, pageBytes, 0, CostTable.Default, entries);
                CodeGenerator.Region(blocks, decoded, cpl, entries, exitAddress, rip + 4096, out _, callOutAddress: JitEngine.CallOutsByDefault ? callOutAddress : 0);
            }
        }
        finally
        {
            NativeMemory.Free(entries);
            NativeMemory.Free(decoded);
            NativeMemory.Free(pageBytes);
        }
    }
}
