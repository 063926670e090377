// The JIT's event checks and memory-access memos (Jit/CodeGenerator.cs): a region checks for
// room before the next event only at loop heads and outer entries (one compare per
// iteration, covering the longest unchecked path), and accesses in loops compare a memo of
// their last page held in host registers instead of indexing the TLB. Both must keep the
// interpreter's exact behaviour: runs that stop at every instruction offset of a loop,
// timer interrupts at every offset, memo sites that cross pages, meet read-only, ring-0,
// unmapped and outside-RAM pages, pages whose mapping changes (invlpg, tlbflush, ptbr), and
// stores through a memo into the loop's own code page (data words and decoded words).
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Jit;

public class LoopCheckTests
{
    internal const uint RamBytes = 64 << 10;
    private const uint PageDirectory = 0x0000, PageTable = 0x1000, Handler = 0x2800, KernelStack = 0xF000;

    /// <summary>Identity page tables (ring 3, writable) except page 0xA read-only, page 0xB
    /// ring 0 only, page 0xC mapped outside RAM and page 0xD not present; the skipping trap
    /// handler; the given ring, optionally interrupts and a timer.</summary>
    internal static void Setup(R4Machine m, string source, bool paging, int ring, uint timerPeriod)
    {
        m.Load(ThroughputProgramTests.Assemble(source));
        var cpu = m.Cpu;
        m.Memory.Write(Handler, SkipHandler().SelectMany(BitConverter.GetBytes).ToArray());
        for (int v = 0; v < Vectors.Count; v++)
            cpu.SetGate(v, new Gate(Handler, Gate.MakeFlags(0, 3, interruptGate: true)));
        for (uint p = 0; p < RamBytes >> 12; p++)
        {
            uint pte = p switch
            {
                0xA => (p << 12) | 0x1D,        // present, executable, ring 3: read-only
                0xB => (p << 12) | 0x07,        // ring 0 only
                0xC => (0x40u << 12) | 0x1F,    // a frame outside RAM
                0xD => 0,                       // not present
                _ => (p << 12) | 0x1F,
            };
            m.Memory.Write(PageTable + 4 * p, BitConverter.GetBytes(pte));
        }
        m.Memory.Write(PageDirectory, BitConverter.GetBytes(PageTable | 1));
        if (paging) cpu.SetControl(ControlRegister.Ptbr, PageDirectory | 1);
        cpu.SetControl(ControlRegister.Ksp0, KernelStack);
        cpu.SetRegister(Registers.StackPointer, 0xE000);
        cpu.Status = (uint)ring | (timerPeriod != 0 ? StatusBits.InterruptEnable : 0);
        if (timerPeriod != 0) m.Bus.Out(Ports.TimerPeriod, timerPeriod, 0);
    }

    /// <summary>The trap handler (ring 0): skips the instruction at the saved pc and returns.</summary>
    private static IEnumerable<uint> SkipHandler() =>
    [
        InstructionCodec.Encode(Opcode.Mtcr, rs: 1, imm: (int)ControlRegister.Scratch0),
        InstructionCodec.Encode(Opcode.Ldw, 1, Registers.StackPointer, imm: 4),
        InstructionCodec.Encode(Opcode.Addi, 1, 1, imm: 4),
        InstructionCodec.Encode(Opcode.Stw, rs: Registers.StackPointer, rt: 1, imm: 4),
        InstructionCodec.Encode(Opcode.Mfcr, 1, imm: (int)ControlRegister.Scratch0),
        InstructionCodec.Encode(Opcode.Iret),
    ];

    /// <summary>The load/store sweep of the qemu side-by-side, over pages 8..0xD (data, read-only,
    /// ring-0, outside RAM, not present), twice: one memo site with a load and a store.</summary>
    private const string Sweep = """
        .org 0x4000
        .entry _start
        _start:
            li   r5, 2
        pass:
            li   r1, 0x8000
            li   r2, 0xE000
        sweep:
            ldw  r3, [r1]
            addi r3, r3, 1
            stw  r3, [r1]
            addi r1, r1, 4
            bne  r1, r2, sweep
            addi r5, r5, -1
            bne  r5, zero, pass
            hlt
        """;

    /// <summary>Nested loops with forward branches inside (an if/else, a skip), byte and halfword
    /// accesses at two memo sites and one with an offset, rdtick, and an inner body longer than
    /// one check may cover.</summary>
    private const string Nested = """
        .org 0x4000
        .entry _start
        _start:
            li   r10, 6
        outer:
            li   r1, 0x9F00
            li   r6, 90
        inner:
            ldw  r3, [r1]
            ldbu r4, [r1 + 5]
            andi r7, r6, 3
            beq  r7, zero, even
            add  r3, r3, r4
            sth  r3, [r1 + 6]
            jmp  joined
        even:
            sub  r3, r3, r4
            stb  r3, [r1 + 5]
        joined:
            stw  r3, [r1]
            rdtick r8
            xor  r9, r9, r8
            addi r9, r9, 1
            shli r11, r9, 3
            xor  r9, r9, r11
            addi r9, r9, 7
            shri r11, r9, 5
            xor  r9, r9, r11
            addi r9, r9, 7
            shli r11, r9, 3
            xor  r9, r9, r11
            addi r9, r9, 7
            shri r11, r9, 5
            xor  r9, r9, r11
            addi r9, r9, 7
            shli r11, r9, 3
            xor  r9, r9, r11
            addi r9, r9, 7
            shri r11, r9, 5
            xor  r9, r9, r11
            addi r9, r9, 7
            shli r11, r9, 3
            xor  r9, r9, r11
            addi r9, r9, 7
            shri r11, r9, 5
            xor  r9, r9, r11
            addi r9, r9, 7
            addi r1, r1, 12
            addi r6, r6, -1
            bne  r6, zero, inner
            addi r10, r10, -1
            bne  r10, zero, outer
            hlt
        """;

    /// <summary>A memo site that alternates between a data word of the loop's own code page and a
    /// decoded word of it (storing back the word it loaded: the code is unchanged, but the store
    /// lands on decoded code), and a store site that only ever hits the page's data words.</summary>
    private const string CodePage = """
        .org 0x4000
        .entry _start
        _start:
            li   r6, 300
            la   r8, data
            la   r9, target
        loop:
            andi r7, r6, 7
            mov  r2, r8
            bne  r7, zero, data_word
            mov  r2, r9
        data_word:
            ldw  r3, [r2]
            stw  r3, [r2]
            stw  r6, [r8 + 4]
        target:
            addi r6, r6, -1
            bne  r6, zero, loop
            hlt
        data:
            .word 5, 0
        """;

    public static IEnumerable<object[]> Programs() =>
    [
        ["sweep", false, 0], ["sweep", true, 0], ["sweep", true, 3],
        ["nested", false, 0], ["nested", true, 3],
        ["codepage", true, 0], ["codepage", false, 3],
    ];

    private static string Source(string name) => name switch { "sweep" => Sweep, "nested" => Nested, _ => CodePage };

    /// <summary>The first slice ends at every offset of the first iterations (so the loop head's
    /// check fails and passes at every position), then odd slices; without and with a timer
    /// whose period also lands at every offset.</summary>
    [Theory]
    [MemberData(nameof(Programs))]
    public void LoopsStopAndTakeInterruptsAtEveryOffset(string program, bool paging, int ring)
    {
        int compiled = 0;
        for (int first = 1; first <= 48; first++)
        {
            uint timer = first % 3 == 0 ? 0u : (uint)(20 + first * 7);
            compiled += Differential.RunBoth(RamBytes, m => Setup(m, Source(program), paging, ring, timer),
                [(ulong)first, (ulong)(first % 5 + 1), 13, 97, 2000, 1_000_000],
                $"{program}, paging {paging}, ring {ring}, first slice {first}, timer {timer}");
        }
        Assert.True(compiled > 48, $"the JIT compiled only {compiled} regions");
    }

    /// <summary>The sweep with a page's mapping changed between passes by the program itself:
    /// a page-table store then invlpg, tlbflush or a ptbr rewrite, so the memo (reset at each
    /// region entry) must never outlive the translation it came from.</summary>
    [Theory]
    [InlineData("invlpg r1")]
    [InlineData("tlbflush")]
    [InlineData("mfcr r7, ptbr\n    mtcr ptbr, r7")]
    public void MemosFollowMappingChanges(string flush)
    {
        string source = $$"""
            .org 0x4000
            .entry _start
            _start:
                li   r5, 6
            pass:
                li   r1, 0x8000
                li   r2, 0x9000
            sweep:
                ldw  r3, [r1]
                addi r3, r3, 1
                stw  r3, [r1]
                addi r1, r1, 4
                bne  r1, r2, sweep
                ; remap page 8 to frame 8 + (r5 & 3): read-only on odd passes
                andi r4, r5, 3
                addi r4, r4, 8
                shli r4, r4, 12
                andi r7, r5, 1
                shli r7, r7, 1
                ori  r4, r4, 0x1D
                or   r4, r4, r7
                li   r6, 0x1020
                stw  r4, [r6]
                li   r1, 0x8000
                {{flush}}
                addi r5, r5, -1
                bne  r5, zero, pass
                hlt
            """;
        foreach (int ring in new[] { 0, 3 })
            foreach (ulong first in new ulong[] { 3, 4100, 9000 })
                Differential.RunBoth(RamBytes, m => Setup(m, source, paging: true, ring, timerPeriod: 0),
                    [first, 5000, 1_000_000], $"{flush}, ring {ring}, first slice {first}");
    }

    /// <summary>The handler for the jump tests (ring 0): resumes at the interrupted code's lr, so a
    /// jump into a page that faults comes back to the instruction after the jump's set-up.</summary>
    private static IEnumerable<uint> ReturnToLinkHandler() =>
    [
        InstructionCodec.Encode(Opcode.Stw, rs: Registers.StackPointer, rt: Registers.LinkRegister, imm: 4),
        InstructionCodec.Encode(Opcode.Iret),
    ];

    /// <summary>Calls, returns (jr lr), callr and computed jr between pages, so generated code chains
    /// through other pages' entry tables after a fetch-TLB check: to compiled and not yet compiled
    /// targets, misaligned ones, an unmapped page, a ring-0 page (from ring 3), a page without
    /// execute permission, a page mapped outside RAM, a function whose first word is rewritten (a
    /// store onto decoded code: its page's generation changes), and a page remapped to another frame
    /// holding other code, with invlpg, tlbflush, a ptbr write, or no flush (the stale translation
    /// stays in use, on both engines alike; ring 3 may not flush).</summary>
    [Theory]
    [InlineData(0, "invlpg r9")]
    [InlineData(0, "tlbflush")]
    [InlineData(0, "mfcr r9, ptbr\n    mtcr ptbr, r9")]
    [InlineData(3, "nop")]
    public void JumpsBetweenPagesChainExactly(int ring, string flush)
    {
        string source = $$"""
            .org 0x4000
            .entry _start
            _start:
                li   r10, 120
            loop:
                call f5
                add  r11, r11, r1
                call f6
                add  r11, r11, r1
                la   r2, f5b
                callr r2
                add  r11, r11, r1
                andi r3, r10, 7
                shli r3, r3, 2
                la   r4, targets
                add  r4, r4, r3
                ldw  r5, [r4]
                la   lr, back
                jr   r5
            back:
                andi r3, r10, 15
                bne  r3, zero, no_remap
                li   r8, 0x1018        ; page 6's PTE: frame 6 <-> frame 7
                ldw  r6, [r8]
                xori r6, r6, 0x1000
                stw  r6, [r8]
                li   r9, 0x6000
                {{flush}}
            no_remap:
                andi r3, r10, 7
                bne  r3, zero, no_store
                la   r7, f5
                ldw  r8, [r7]
                xori r8, r8, 12        ; li r1, 5 <-> li r1, 9
                stw  r8, [r7]          ; onto f5's decoded first word
            no_store:
                addi r10, r10, -1
                bne  r10, zero, loop
                hlt
            targets:
                .word f5c, back, f6, 0x5002, 0xD000, 0xB000, 0x9000, 0xC000

            .org 0x5000
            f5:
                li   r1, 5
                ret
            f5b:
                addi r1, r1, 50
                jr   lr
            f5c:
                li   r1, 500
                ret

            .org 0x6000
            f6:
                li   r1, 6
                ret

            .org 0x7000
            f7:
                li   r1, 7
                ret

            .org 0xB000
                li   r1, 11
                ret
            """;
        foreach (int threshold in new[] { 1, 2 })
            foreach (ulong first in new ulong[] { 5, 77, 1000 })
            {
                int compiled = Differential.RunBoth(RamBytes, m =>
                    {
                        Setup(m, source, paging: true, ring, timerPeriod: 0);
                        m.Memory.Write(Handler, ReturnToLinkHandler().SelectMany(BitConverter.GetBytes).ToArray());
                        m.Memory.Write(PageTable + 4 * 9, BitConverter.GetBytes((9u << 12) | 0x1B));   // page 9: no execute
                    },
                    [first, 333, 2000, 1_000_000], $"ring {ring}, {flush}, threshold {threshold}, first slice {first}", jitCompileThreshold: threshold);
                Assert.True(compiled >= 3, $"the JIT compiled only {compiled} regions");
            }
    }

    /// <summary>The fetch page's own translation is evicted while code runs on it (a load from a page
    /// 4 MiB away takes its direct-mapped TLB slot; the interpreter does not translate again until pc
    /// leaves the page); a call chains to a page the TLB holds and its return comes back to the
    /// evicted one: the dispatcher must translate it again (a counted miss), as the interpreter does.</summary>
    [Fact]
    public void AReturnToAnEvictedPageIsTranslatedAgain()
    {
        const string source = """
            .org 0x4000
            .entry _start
            _start:
                li   r10, 100
                li   r2, 0x404000      ; the same frame as 0x4000, and the same TLB slot
            loop:
                ldw  r3, [r2]          ; a miss: the dispatcher runs it, then the interpreter runs to the next jump
                beq  zero, zero, do_call
            do_call:
                call f5                ; chained (f5's translation is in the TLB); its ret finds this page's gone
                add  r11, r11, r1
                addi r10, r10, -1
                bne  r10, zero, loop
                hlt

            .org 0x5000
            f5:
                li   r1, 5
                ret
            """;
        foreach (ulong first in new ulong[] { 3, 50, 1000 })
            Differential.RunBoth(RamBytes, m =>
                {
                    Setup(m, source, paging: true, ring: 0, timerPeriod: 0);
                    m.Memory.Write(PageDirectory + 4, BitConverter.GetBytes(PageTable | 1));   // 0x400000.. maps like 0..
                },
                [first, 1_000_000], $"first slice {first}");
    }
}
