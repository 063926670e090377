// A generator of small, real R4 kernels from a seed, for the random equivalence tests (issue 4
// item 2): each kernel boots in ring 0, builds its vector table (system call gate DPL 3, fault
// handlers, a timer interrupt gate, software interrupts of random DPL) and page tables (kernel
// pages ring 0, user pages ring 3, read-only, non-executable, not-present, demand-paged and
// aliased pages, a page beyond RAM), optionally starts the timer, and drops into a random ring-3
// user program through iret. The user program mixes ALU work, loads and stores, bounded loops,
// system calls (console, rdtick, remapping, timer, gate edits, kernel work with sti windows)
// and deliberate faults; handlers print what they saw and skip, fix up or redirect. Everything
// terminates: the exit system call powers off with a checksum of the user's registers and the
// kernel's counters. Written for the architecture only (rings 0 and 3, spec §9.2), so every
// layout of the monitor must show it exactly the native machine.
using System.Text;
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Tests.Monitor.RandomGuests;

/// <summary>One generated kernel: its seed, source text and the random choices it made.</summary>
public sealed record GeneratedKernel(int Seed, string Source, IReadOnlyList<string> Features)
{
    public ProgramImage Build()
    {
        var result = R4Assembler.AssembleText(Source, $"random-{Seed}.asm");
        if (!result.Succeeded)
            throw new InvalidOperationException($"seed {Seed}: generated kernel does not assemble:\n" +
                string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    public override string ToString() => $"seed {Seed} [{string.Join(", ", Features)}]";
}

public sealed class RandomKernelGenerator
{
    // Guest memory map (guest RAM is 1 MiB in the tests; everything lies below 0x80000).
    public const uint KernelBase = 0x1000, KernelStackTop = 0x20000, UserBase = 0x10000, UserCodePages = 8;
    public const uint PageDirectory = 0x30000, PageTable0 = 0x31000, PageTable1 = 0x32000;
    public const uint KernelOnlyPage = 0x38000, DataBase = 0x40000, DataPages = 4;
    public const uint ReadOnlyPage = 0x44000, NoExecutePage = 0x45000, UserStackBase = 0x46000, UserStackTop = 0x48000;
    public const uint DemandBase = 0x50000, DemandPages = 8, FramePool = 0x60000, FramePoolPages = 16;
    public const uint NeverMapped = 0x90000;
    /// <summary>Alias pages live in the second page table (4..8 MiB virtual).</summary>
    public const uint AliasBase = 0x400000, AliasPages = 4;
    /// <summary>A present ring-3 page whose frame lies beyond 1 MiB of RAM: access raises #MC.</summary>
    public const uint BeyondRamPage = 0x4F0000, BeyondRamFrame = 0x200000;

    private const uint Present = 1, Writable = 2, Executable = 4, Ring3 = 0x18;

    private readonly Random _random;
    private readonly int _seed;
    private readonly List<string> _features = [];
    private readonly StringBuilder _user = new();
    private int _labels;

    // The seed's kernel choices.
    private readonly int _timerPeriod;          // 0 = no timer at boot
    private readonly bool _userInterrupts;      // user runs with IE = 1
    private readonly bool _systemCallInterruptGate;
    private readonly bool _faultsUseInterruptGates;
    private readonly bool _timerPrintsDot, _timerUsesScratch, _timerReadsCount;
    private readonly int _flushMethod;          // 0 invlpg, 1 tlbflush, 2 ptbr rewrite
    private readonly bool _fixReadOnly, _fixNoExecute, _kernelFaultsInWork, _kernelHaltsInWork;
    private readonly bool _userCodeWritable;
    private readonly uint[] _aliasEntries = new uint[AliasPages];

    private RandomKernelGenerator(int seed)
    {
        _seed = seed;
        _random = new Random(seed);
        _timerPeriod = Chance(0.6) ? _random.Next(200, 2500) : 0;
        _userInterrupts = Chance(0.7);
        _systemCallInterruptGate = Chance(0.5);
        _faultsUseInterruptGates = Chance(0.5);
        _timerPrintsDot = Chance(0.5);
        _timerUsesScratch = Chance(0.5);
        _timerReadsCount = Chance(0.5);
        _flushMethod = _random.Next(3);
        _fixReadOnly = Chance(0.5);
        _fixNoExecute = Chance(0.5);
        _kernelFaultsInWork = Chance(0.5);
        _kernelHaltsInWork = Chance(0.4);
        _userCodeWritable = Chance(0.3);
        for (int k = 0; k < AliasPages; k++)
            _aliasEntries[k] = Chance(0.25) ? 0
                : (DataBase + (uint)_random.Next((int)DataPages) * 0x1000) | Present | Ring3 | (Chance(0.5) ? Writable : 0);

        _features.Add(_timerPeriod > 0 ? $"timer {_timerPeriod}" : "no timer");
        _features.Add(_userInterrupts ? "user IE=1" : "user IE=0");
        _features.Add(_systemCallInterruptGate ? "syscall interrupt gate" : "syscall trap gate");
        _features.Add(_faultsUseInterruptGates ? "fault interrupt gates" : "fault trap gates");
        _features.Add(new[] { "flush invlpg", "flush tlbflush", "flush ptbr" }[_flushMethod]);
        if (_fixReadOnly) _features.Add("fix read-only");
        if (_fixNoExecute) _features.Add("fix no-execute");
        if (_kernelFaultsInWork) _features.Add("kernel faults");
        if (_kernelHaltsInWork) _features.Add("kernel hlt");
    }

    /// <summary>The kernel for <paramref name="seed"/>: the same text for the same seed, always.</summary>
    public static GeneratedKernel Generate(int seed, int userBlocks = -1)
    {
        var generator = new RandomKernelGenerator(seed);
        string source = generator.Source(userBlocks < 0 ? generator._random.Next(30, 90) : userBlocks);
        return new GeneratedKernel(seed, source, generator._features);
    }

    /// <summary>The kernel for <paramref name="seed"/> with a user program of raw instruction
    /// words instead of generated blocks (the `machine` fuzz target, Fuzz/): the registers are
    /// set from the seed, then the words run in ring 3, then the exit system call. The kernel's
    /// handlers skip, fix up or redirect whatever the words do, so every layout and both engines
    /// must still show the guest the native machine.</summary>
    public static GeneratedKernel GenerateWithUserWords(int seed, IReadOnlyList<uint> words)
    {
        if (words.Count > MaximumUserWords)
            throw new ArgumentException($"{words.Count} user words: at most {MaximumUserWords}", nameof(words));
        var generator = new RandomKernelGenerator(seed);
        string source = generator.Source(0, words);
        return new GeneratedKernel(seed, source, [.. generator._features, $"{words.Count} raw user words"]);
    }

    /// <summary>What fits in the user code pages with the register set-up and the exit call.</summary>
    public const int MaximumUserWords = (int)(UserCodePages * 0x1000 / 4) - 64;

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

    private string Label(string stem) => $"{stem}_{_labels++}";

    private string Source(int userBlocks, IReadOnlyList<uint>? userWords = null)
    {
        var s = new StringBuilder();
        s.Append($"; random kernel, seed {_seed}: {string.Join(", ", _features)}\n");
        AppendKernel(s);
        GenerateUserProgram(userBlocks, userWords);
        s.Append($"\n.org 0x{UserBase:x}\nuser_main:\n").Append(_user);
        AppendUserData(s);
        return s.ToString();
    }

    // ---- the kernel ---------------------------------------------------------------------------

    private void AppendKernel(StringBuilder s)
    {
        uint userStatus = 3u | (_userInterrupts ? 4u : 0u);
        uint pagerFlags = _faultsUseInterruptGates ? 0x30u : 0x10u;
        s.Append($$"""
            .equ KSTACK_TOP, 0x{{KernelStackTop:x}}
            .equ USTACK_TOP, 0x{{UserStackTop:x}}
            .equ PAGE_DIR, 0x{{PageDirectory:x}}
            .equ PAGE_TABLE0, 0x{{PageTable0:x}}
            .equ PAGE_TABLE1, 0x{{PageTable1:x}}
            .equ DEMAND_BASE, 0x{{DemandBase:x}}
            .equ FRAME_POOL, 0x{{FramePool:x}}
            .equ RO_PAGE, 0x{{ReadOnlyPage:x}}
            .equ NX_PAGE, 0x{{NoExecutePage:x}}
            .equ ALIAS_BASE, 0x{{AliasBase:x}}
            ; the handler's frame: saved r1..r15 at 4*r (r14's slot holds 0), then the hardware frame
            .equ F_R1, 4
            .equ F_R2, 8
            .equ F_R3, 12
            .equ F_R4, 16
            .equ F_LR, 60
            .equ F_ERROR, 64
            .equ F_PC, 68
            .equ F_STATUS, 72
            .equ F_SP, 76

            .org 0x{{KernelBase:x}}
            .entry _start
            _start:
                li   sp, KSTACK_TOP
                la   r1, ivt
                mtcr ivt, r1
                li   r1, KSTACK_TOP
                mtcr ksp0, r1
                la   r1, pt_init
                la   r2, pt_init_end
            .pt:
                bgeu r1, r2, .pt_done
                ldw  r3, [r1]
                ldw  r4, [r1 + 4]
                stw  r4, [r3]
                addi r1, r1, 8
                jmp  .pt
            .pt_done:
                li   r1, PAGE_DIR | 1
                mtcr ptbr, r1
                li   r1, 0x{{_random.Next():x}}
                mtcr scratch0, r1
                li   r1, {{_timerPeriod}}
                out  0x10, r1
                li   r2, 'B'
                out  0x00, r2
                li   r2, 10
                out  0x00, r2
                li   sp, KSTACK_TOP - 16
                stw  zero, [sp]
                la   r1, user_main
                stw  r1, [sp + 4]
                li   r1, {{userStatus}}
                stw  r1, [sp + 8]
                li   r1, USTACK_TOP
                stw  r1, [sp + 12]
                li   r1, 0
                iret

            ; puthex(r2 value, r3 digits): ' ' then the low r3 hex digits of r2; clobbers r2..r5
            puthex:
                li   r4, ' '
                out  0x00, r4
                li   r4, 8
                sub  r4, r4, r3
                shli r4, r4, 2
                shl  r2, r2, r4
            .digit:
                shri r4, r2, 28
                li   r5, 10
                bltu r4, r5, .dec
                addi r4, r4, 'a' - 10
                jmp  .emit
            .dec:
                addi r4, r4, '0'
            .emit:
                out  0x00, r4
                shli r2, r2, 4
                addi r3, r3, -1
                bnez r3, .digit
                ret

            ; flush(r1 = virtual address of the changed page) by the seed's method
            flush:
            {{FlushCode("r1", _flushMethod)}}
                ret

            trap_common:
                stw  r2, [sp + 8]
                stw  r3, [sp + 12]
                stw  r4, [sp + 16]
                stw  r5, [sp + 20]
                stw  r6, [sp + 24]
                stw  r7, [sp + 28]
                stw  r8, [sp + 32]
                stw  r9, [sp + 36]
                stw  r10, [sp + 40]
                stw  r11, [sp + 44]
                stw  r12, [sp + 48]
                stw  r13, [sp + 52]
                stw  zero, [sp + 56]
                stw  lr, [sp + 60]
                mov  r7, r1
                li   r2, 32
                beq  r7, r2, syscall
                li   r2, 16
                beq  r7, r2, timer
                la   r2, k_traps
                ldw  r3, [r2]
                addi r3, r3, 1
                stw  r3, [r2]
                li   r2, 'T'
                out  0x00, r2
                mov  r2, r7
                li   r3, 2
                call puthex
                ldw  r2, [sp + F_ERROR]
                li   r3, 1
                call puthex
                ldw  r2, [sp + F_PC]
                li   r3, 8
                call puthex
                ldw  r2, [sp + F_STATUS]
                li   r3, 1
                call puthex
                li   r2, 6
                beq  r7, r2, .print_fault
                li   r2, 7
                bne  r7, r2, .newline
            .print_fault:
                mfcr r2, fault
                li   r3, 8
                call puthex
            .newline:
                li   r2, 10
                out  0x00, r2
                li   r2, 6
                beq  r7, r2, page_fault
                li   r2, 7
                beq  r7, r2, alignment
                li   r2, 8
                beq  r7, r2, double_fault
                li   r2, 3
                beq  r7, r2, resume
                li   r2, 32
                bgeu r7, r2, resume
            skip:
                ldw  r2, [sp + F_PC]
                addi r2, r2, 4
                stw  r2, [sp + F_PC]
            resume:
                ldw  r1, [sp + 4]
                ldw  r2, [sp + 8]
                ldw  r3, [sp + 12]
                ldw  r4, [sp + 16]
                ldw  r5, [sp + 20]
                ldw  r6, [sp + 24]
                ldw  r7, [sp + 28]
                ldw  r8, [sp + 32]
                ldw  r9, [sp + 36]
                ldw  r10, [sp + 40]
                ldw  r11, [sp + 44]
                ldw  r12, [sp + 48]
                ldw  r13, [sp + 52]
                ldw  lr, [sp + 60]
                addi sp, sp, 64
                iret

            ; return to the caller's lr (a call into a page that cannot be fetched returns at once)
            return_to_lr:
                ldw  r2, [sp + F_LR]
                stw  r2, [sp + F_PC]
                jmp  resume

            double_fault:
                li   r2, 0xDF
                out  0xF0, r2
                hlt

            alignment:
                ldw  r2, [sp + F_PC]
                andi r2, r2, 3
                bnez r2, return_to_lr
                jmp  skip

            page_fault:
                mfcr r1, fault
                ldw  r8, [sp + F_ERROR]
                ; not present in the demand region: map a frame from the pool and retry
                andi r2, r8, 1
                bnez r2, .present
                li   r2, DEMAND_BASE
                sub  r3, r1, r2
                li   r2, 0x{{DemandPages * 0x1000:x}}
                bgeu r3, r2, skip
                la   r4, k_next_frame
                ldw  r5, [r4]
                addi r6, r5, 1
                stw  r6, [r4]
                andi r5, r5, {{FramePoolPages - 1}}
                shli r5, r5, 12
                li   r2, FRAME_POOL | 0x1B
                add  r5, r5, r2
                shri r3, r1, 12
                shli r3, r3, 2
                li   r2, PAGE_TABLE0
                add  r3, r3, r2
                stw  r5, [r3]
                call flush
                jmp  resume
            .present:
                andi r2, r8, 4
                bnez r2, .fetch
                andi r2, r8, 2
                beqz r2, skip
                shri r2, r1, 12
                li   r3, RO_PAGE >> 12
                bne  r2, r3, skip
            {{(_fixReadOnly ? "" : "    jmp  skip\n")}}
                li   r2, PAGE_TABLE0 + (RO_PAGE >> 10)
                li   r3, RO_PAGE | 0x1B
                stw  r3, [r2]
                call flush
                jmp  resume
            .fetch:
                shri r2, r1, 12
                li   r3, NX_PAGE >> 12
                bne  r2, r3, return_to_lr
            {{(_fixNoExecute ? "" : "    jmp  return_to_lr\n")}}
                li   r2, PAGE_TABLE0 + (NX_PAGE >> 10)
                li   r3, NX_PAGE | 0x1F
                stw  r3, [r2]
                call flush
                jmp  resume

            timer:
                la   r2, k_ticks
                ldw  r3, [r2]
                addi r3, r3, 1
                stw  r3, [r2]

            """);
        if (_timerPrintsDot) s.Append("    li   r2, '.'\n    out  0x00, r2\n");
        if (_timerUsesScratch) s.Append("    mfcr r4, scratch1\n    add  r4, r4, r3\n    xori r4, r4, 0x5a5a\n    mtcr scratch1, r4\n");
        if (_timerReadsCount) s.Append("    in   r4, 0x11\n    la   r2, k_counts\n    ldw  r5, [r2]\n    add  r5, r5, r4\n    stw  r5, [r2]\n");
        s.Append("    jmp  resume\n\n");
        AppendSystemCalls(s);
        AppendKernelData(s, pagerFlags);
    }

    /// <summary>Makes a page-table change take effect: invlpg of the page, tlbflush or a ptbr rewrite.</summary>
    private static string FlushCode(string addressRegister, int method) => method switch
    {
        0 => $"    invlpg {addressRegister}\n",
        1 => "    tlbflush\n",
        _ => "    mfcr r9, ptbr\n    mtcr ptbr, r9\n",
    };

    private void AppendSystemCalls(StringBuilder s)
    {
        string work = WorkBody();
        s.Append($$"""
            syscall:
                ldw  r1, [sp + F_R1]
                ldw  r2, [sp + F_R2]
                ldw  r3, [sp + F_R3]
                ldw  r4, [sp + F_R4]
                li   r5, 1
                beq  r1, r5, sys_exit
                li   r5, 2
                beq  r1, r5, sys_putc
                li   r5, 3
                beq  r1, r5, sys_rdtick
                li   r5, 4
                beq  r1, r5, sys_write
                li   r5, 5
                beq  r1, r5, sys_remap
                li   r5, 6
                beq  r1, r5, sys_timer
                li   r5, 7
                beq  r1, r5, sys_reprotect
                li   r5, 8
                beq  r1, r5, sys_work
                li   r5, 9
                beq  r1, r5, sys_gate
                li   r5, 10
                beq  r1, r5, sys_status
                li   r1, -1
            sys_return:
                stw  r1, [sp + F_R1]
                jmp  resume

            sys_putc:
                out  0x00, r2
                li   r1, 0
                jmp  sys_return

            sys_rdtick:
                rdtick r1
                jmp  sys_return

            ; write(r2 = user buffer, r3 = length)
            sys_write:
                mov  r1, r3
            .next:
                beqz r3, sys_return
                ldbu r4, [r2]
                out  0x00, r4
                addi r2, r2, 1
                addi r3, r3, -1
                jmp  .next

            ; remap(r2 = alias page, r3 = data page, r4 = flags (1 present, 2 writable) | flush method << 8)
            sys_remap:
                andi r2, r2, {{AliasPages - 1}}
                andi r3, r3, {{DataPages - 1}}
                shli r3, r3, 12
                li   r5, 0x{{DataBase | Ring3:x}}
                or   r3, r3, r5
                andi r5, r4, 3
                or   r3, r3, r5
                shli r5, r2, 2
                li   r6, PAGE_TABLE1
                add  r5, r5, r6
                stw  r3, [r5]
                shli r1, r2, 12
                li   r6, ALIAS_BASE
                add  r1, r1, r6
                shri r4, r4, 8
                li   r6, 1
                beq  r4, r6, .tlbflush
                li   r6, 2
                beq  r4, r6, .ptbr
                invlpg r1
                jmp  sys_return
            .tlbflush:
                tlbflush
                jmp  sys_return
            .ptbr:
                mfcr r6, ptbr
                mtcr ptbr, r6
                jmp  sys_return

            ; timer(r2 = new period, 0 stops) -> instructions left in the old period
            sys_timer:
                in   r1, 0x11
                out  0x10, r2
                jmp  sys_return

            ; unmap the demand region, make the read-only page read-only and the no-execute page
            ; non-executable again
            sys_reprotect:
                li   r2, PAGE_TABLE0 + (DEMAND_BASE >> 10)
                li   r3, {{DemandPages}}
            .clear:
                stw  zero, [r2]
                addi r2, r2, 4
                addi r3, r3, -1
                bnez r3, .clear
                li   r2, PAGE_TABLE0 + (RO_PAGE >> 10)
                li   r3, RO_PAGE | 0x19
                stw  r3, [r2]
                li   r2, PAGE_TABLE0 + (NX_PAGE >> 10)
                li   r3, NX_PAGE | 0x1B
                stw  r3, [r2]
            {{(_flushMethod == 2 ? "    mfcr r9, ptbr\n    mtcr ptbr, r9\n" : "    tlbflush\n")}}
                li   r1, 0
                jmp  sys_return

            ; kernel work(r2 = iterations): an interruptible window, scratch registers
            sys_work:
            {{work}}
                jmp  sys_return

            ; gate(): cycles vector 34 through DPL 3, DPL 0 and absent, then reloads ivt
            sys_gate:
                la   r2, k_gate34
                ldw  r3, [r2]
                addi r3, r3, 1
                li   r4, 3
                bltu r3, r4, .keep
                li   r3, 0
            .keep:
                stw  r3, [r2]
                li   r4, 0x1C
                li   r5, 1
                bne  r3, r5, .not_dpl0
                li   r4, 0x10
            .not_dpl0:
                li   r5, 2
                bne  r3, r5, .write
                li   r4, 0
            .write:
                la   r5, ivt + 34 * 8 + 4
                stw  r4, [r5]
                la   r5, ivt
                mtcr ivt, r5
                mov  r1, r3
                jmp  sys_return

            sys_status:
                mfcr r1, status
                jmp  sys_return

            ; exit(): a checksum of the user's registers, stack pointer, kernel counters and
            ; scratch registers, printed and given to the power port
            sys_exit:
                cli
                li   r3, 0
                addi r6, sp, 4
                li   r7, 15
            .sum:
                ldw  r5, [r6]
                shli r8, r3, 5
                shri r9, r3, 27
                or   r3, r8, r9
                xor  r3, r3, r5
                addi r6, r6, 4
                addi r7, r7, -1
                bnez r7, .sum
                ldw  r5, [sp + F_SP]
                add  r3, r3, r5
                la   r6, k_ticks
                ldw  r5, [r6]
                add  r3, r3, r5
                la   r6, k_traps
                ldw  r5, [r6]
                add  r3, r3, r5
                la   r6, k_counts
                ldw  r5, [r6]
                add  r3, r3, r5
                mfcr r5, scratch0
                add  r3, r3, r5
                mfcr r5, scratch1
                add  r3, r3, r5
                mov  r10, r3
                li   r2, 'X'
                out  0x00, r2
                mov  r2, r10
                li   r3, 8
                call puthex
                li   r2, 10
                out  0x00, r2
                out  0xF0, r10
                hlt


            """);
    }

    private string WorkBody()
    {
        var w = new StringBuilder();
        w.Append("    andi r2, r2, 15\n    mfcr r3, scratch1\n    sti\n");
        w.Append(".work:\n    beqz r2, .work_done\n    mul  r3, r3, r2\n    addi r3, r3, 0x77\n    rdtick r4\n    xor  r3, r3, r4\n    addi r2, r2, -1\n    jmp  .work\n.work_done:\n");
        if (_kernelHaltsInWork)
            w.Append("    in   r4, 0x10\n    beqz r4, .no_halt\n    hlt\n.no_halt:\n");
        w.Append("    cli\n    mtcr scratch1, r3\n");
        if (_kernelFaultsInWork)
        {
            w.Append("    brk\n    int  33\n    ldw  r4, [sp + 2]\n    div  r4, r3, zero\n    li   r4, 0x90000\n    ldw  r5, [r4]\n");
        }
        w.Append("    mfcr r1, scratch1\n");
        return w.ToString();
    }

    private void AppendKernelData(StringBuilder s, uint faultGateFlags)
    {
        s.Append("    .align 4\nk_ticks:\n    .word 0\nk_traps:\n    .word 0\nk_counts:\n    .word 0\nk_next_frame:\n    .word 0\nk_gate34:\n    .word 0\n");
        // page-table initialisation: (entry address, entry value) pairs
        s.Append("pt_init:\n");
        void Entry(uint address, uint value) => s.Append($"    .word 0x{address:x}, 0x{value:x}\n");
        void Map(uint virtualAddress, uint entry)
        {
            uint table = virtualAddress < 0x400000 ? PageTable0 : PageTable1;
            Entry(table + ((virtualAddress >> 12) & 0x3FF) * 4, entry);
        }
        Entry(PageDirectory, PageTable0 | 1);
        Entry(PageDirectory + 4, PageTable1 | 1);
        for (uint page = KernelBase; page < UserBase; page += 0x1000) Map(page, page | Present | Writable | Executable);
        for (uint page = UserBase + UserCodePages * 0x1000; page < KernelStackTop; page += 0x1000) Map(page, page | Present | Writable);
        for (uint page = PageDirectory; page <= PageTable1; page += 0x1000) Map(page, page | Present | Writable);
        Map(KernelOnlyPage, KernelOnlyPage | Present | Writable);
        for (uint i = 0; i < UserCodePages; i++)
        {
            uint page = UserBase + i * 0x1000;
            Map(page, page | Present | Executable | Ring3 | (_userCodeWritable ? Writable : 0));
        }
        for (uint i = 0; i < DataPages; i++)
        {
            uint page = DataBase + i * 0x1000;
            Map(page, page | Present | Writable | Ring3 | (Chance(0.3) ? Executable : 0));
        }
        Map(ReadOnlyPage, ReadOnlyPage | Present | Ring3);
        Map(NoExecutePage, NoExecutePage | Present | Writable | Ring3);
        for (uint page = UserStackBase; page < UserStackTop; page += 0x1000) Map(page, page | Present | Writable | Ring3);
        for (uint k = 0; k < AliasPages; k++) Map(AliasBase + k * 0x1000, _aliasEntries[k]);
        Map(BeyondRamPage, BeyondRamFrame | Present | Writable | Ring3);
        s.Append("pt_init_end:\n");

        s.Append("    .align 8\nivt:\n");
        for (int v = 0; v < 64; v++)
        {
            uint flags = v switch
            {
                16 => 0x30,                                                  // timer: interrupt gate
                32 => _systemCallInterruptGate ? 0x3Cu : 0x1Cu,              // system call, DPL 3
                33 => 0x1C,                                                  // trap gate, DPL 3
                34 => 0x1C,                                                  // DPL 3, cycled by sys_gate
                35 => Chance(0.5) ? 0x3Cu : 0x1Cu,
                40 => 0x10,                                                  // DPL 0: #GP from user
                < 16 and not 1 and not 2 => faultGateFlags,
                _ => 0,                                                      // absent
            };
            s.Append($"    .word stub_{v}, 0x{flags:x}\n");
        }
        for (int v = 0; v < 64; v++)
            s.Append($"stub_{v}:\n    addi sp, sp, -64\n    stw  r1, [sp + 4]\n    li   r1, {v}\n    jmp  trap_common\n");
    }

    // ---- the user program -------------------------------------------------------------------

    private static readonly string[] RegisterAlu = ["add", "sub", "and", "or", "xor", "shl", "shr", "sar", "mul", "mulh", "mulhu", "div", "divu", "rem", "remu", "slt", "sltu"];

    /// <summary>Registers user blocks compute into: not r11 (loop counter), r12 (address), sp, lr.</summary>
    private static readonly int[] Destinations = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13];

    private string Dest() => "r" + Pick(Destinations);

    private string Source() => R4.Isa.Registers.Name(_random.Next(16));

    private void Emit(string line) => _user.Append("    ").Append(line).Append('\n');

    private void GenerateUserProgram(int blocks, IReadOnlyList<uint>? words = null)
    {
        for (int r = 1; r <= 13; r++) Emit($"li   r{r}, 0x{(uint)_random.Next() ^ (uint)_random.Next() << 1:x}");
        Emit($"li   lr, 0x{(uint)_random.Next():x}");
        foreach (uint word in words ?? []) Emit($".word 0x{word:x8}");
        for (int b = 0; b < blocks; b++)
        {
            double roll = _random.NextDouble();
            if (roll < 0.25) AluBlock(_random.Next(1, 5));
            else if (roll < 0.40) MemoryAccess();
            else if (roll < 0.45) StackBlock();
            else if (roll < 0.65) SystemCall();
            else if (roll < 0.88) Fault();
            else if (roll < 0.95) Loop();
            else Emit($"rdtick {Dest()}");
        }
        // fold everything into the registers the kernel checksums, then exit
        Emit("li   r1, 1");
        Emit("int  32");
        Emit("jmp  .");   // never reached: exit powers off
    }

    private void AluBlock(int count)
    {
        for (int i = 0; i < count; i++)
        {
            switch (_random.Next(4))
            {
                case 0:
                case 1:
                    Emit($"{Pick(RegisterAlu)} {Dest()}, {Source()}, {Source()}");
                    break;
                case 2:
                    string op = Pick("addi", "slti", "sltiu", "andi", "ori", "xori");
                    int imm = op is "addi" or "slti" or "sltiu" ? _random.Next(-32768, 32768) : _random.Next(65536);
                    Emit($"{op} {Dest()}, {Source()}, {imm}");
                    break;
                default:
                    if (Chance(0.3)) Emit($"lui  {Dest()}, 0x{_random.Next(65536):x}");
                    else Emit($"{Pick("shli", "shri", "sari")} {Dest()}, {Source()}, {_random.Next(32)}");
                    break;
            }
        }
    }

    /// <summary>A load or store in the data pages (or an alias of them), naturally aligned.</summary>
    private void MemoryAccess()
    {
        bool alias = Chance(0.2);
        int size = Pick(1, 2, 4);
        uint region = alias ? AliasBase : DataBase;
        uint pages = alias ? AliasPages : DataPages;
        uint address = region + (uint)_random.Next((int)(pages * 0x1000)) & ~(uint)(size - 1);
        int displacement = _random.Next(-16, 16) * size;
        AccessAt(address, displacement, size, store: Chance(0.45));
    }

    private void AccessAt(uint address, int displacement, int size, bool store)
    {
        Emit($"li   r12, 0x{address - (uint)displacement:x}");
        string operand = displacement >= 0 ? $"[r12 + {displacement}]" : $"[r12 - {-displacement}]";
        if (store) Emit($"{size switch { 1 => "stb", 2 => "sth", _ => "stw" }}  {Source()}, {operand}");
        else Emit($"{size switch { 1 => Pick("ldb", "ldbu"), 2 => Pick("ldh", "ldhu"), _ => "ldw" }} {Dest()}, {operand}");
    }

    private void StackBlock()
    {
        Emit($"push {Source()}");
        Emit($"push {Source()}");
        AluBlock(_random.Next(0, 3));
        Emit($"pop  {Dest()}");
        Emit($"pop  {Dest()}");
    }

    private void SystemCall()
    {
        switch (_random.Next(11))
        {
            case 0:
            case 1:
                Emit("li   r1, 2");
                Emit($"li   r2, '{(char)('a' + _random.Next(26))}'");
                break;
            case 2:
                Emit("li   r1, 3");
                break;
            case 3:
                Emit("li   r1, 4");
                Emit($"li   r2, 0x{DataBase + (uint)_random.Next(0x1000):x}");
                Emit($"li   r3, {_random.Next(1, 9)}");
                break;
            case 4:
                Emit("li   r1, 5");
                Emit($"li   r2, {_random.Next((int)AliasPages)}");
                Emit($"li   r3, {_random.Next((int)DataPages)}");
                Emit($"li   r4, 0x{_random.Next(4) | _random.Next(3) << 8:x}");
                break;
            case 5:
                Emit("li   r1, 6");
                Emit($"li   r2, {(Chance(0.2) ? 0 : _random.Next(200, 3000))}");
                break;
            case 6:
                Emit("li   r1, 7");
                break;
            case 7:
                Emit("li   r1, 8");
                Emit($"li   r2, {_random.Next(16)}");
                break;
            case 8:
                Emit("li   r1, 9");
                break;
            case 9:
                Emit("li   r1, 10");
                break;
            default:
                Emit($"li   r1, {_random.Next(11, 100)}");
                break;
        }
        Emit("int  32");
    }

    private void Fault()
    {
        switch (_random.Next(16))
        {
            case 0:   // demand paging: the first touch of a page faults and the kernel maps it
            case 1:
                AccessAt(DemandBase + (uint)_random.Next((int)(DemandPages * 0x1000)) & ~3u, 0, 4, store: Chance(0.6));
                break;
            case 2:   // never mapped: skipped
                AccessAt(NeverMapped + (uint)_random.Next(0x4000) & ~3u, 0, 4, store: Chance(0.5));
                break;
            case 3:   // a kernel page: ring violation, skipped
                AccessAt(KernelOnlyPage + (uint)_random.Next(0x1000) & ~3u, 0, 4, store: Chance(0.5));
                break;
            case 4:   // the read-only page: reads work, writes fault (fixed up or skipped)
                AccessAt(ReadOnlyPage + (uint)_random.Next(0x1000) & ~3u, 0, 4, store: Chance(0.7));
                break;
            case 5:   // a store to the user's own code: skipped unless the code pages are writable
                AccessAt(UserBase + 0x7000 + (uint)_random.Next(0x1000) & ~3u, 0, 4, store: true);
                break;
            case 6:   // a call into the no-execute page: returns at once, or runs once fixed up
                Emit($"li   r12, 0x{NoExecutePage + 8 * (uint)_random.Next(8):x}");
                Emit("callr r12");
                break;
            case 7:   // a misaligned jump: #AC on the fetch, back to lr
                Emit($"li   r12, 0x{NoExecutePage + 2 + 4 * (uint)_random.Next(8):x}");
                Emit("callr r12");
                break;
            case 8:   // divide by zero
                Emit($"{Pick("div", "divu", "rem", "remu")} {Dest()}, {Source()}, zero");
                break;
            case 9:   // a privileged instruction at ring 3
                Emit(Pick("hlt", "cli", "sti", "tlbflush", $"invlpg {Source()}", $"mfcr {Dest()}, {Pick("status", "ptbr", "scratch0", "fault")}",
                    $"mtcr {Pick("scratch0", "ivt", "ptbr", "rmap")}, {Source()}", $"in   {Dest()}, 0x{Pick(0x00, 0x11, 0x77):x}",
                    $"out  0x{Pick(0x00, 0x10, 0xF0):x}, {Source()}", "iret"));
                break;
            case 10:  // undefined words: opcode 0, an unknown opcode, nonzero unused bits
                Emit($".word 0x{Pick(0u, 0xFF000000u, 0x0112300Fu, 0x12000000u, 0x3C000001u):x8}");
                break;
            case 11:  // misaligned data
                Emit($"li   r12, 0x{DataBase + (uint)_random.Next(0x3000) & ~3u:x}");
                if (Chance(0.5)) Emit($"{Pick("ldw", "ldh", "ldhu")} {Dest()}, [r12 + {Pick(1, 3)}]");
                else Emit($"{Pick("stw", "sth")} {Source()}, [r12 + {Pick(1, 3)}]");
                break;
            case 12:  // a page beyond RAM: #MC
                AccessAt(BeyondRamPage + (uint)_random.Next(0x1000) & ~3u, 0, 4, store: Chance(0.5));
                break;
            case 13:
                Emit("brk");
                break;
            default:  // software interrupts: allowed (33, 35), cycled (34), DPL 0 (40), absent (50)
                Emit($"int  {Pick(33, 34, 35, 40, 50)}");
                break;
        }
    }

    private void Loop()
    {
        string label = Label(".loop");
        Emit($"li   r11, {_random.Next(2, 7)}");
        _user.Append(label).Append(":\n");
        int items = _random.Next(1, 4);
        for (int i = 0; i < items; i++)
        {
            double roll = _random.NextDouble();
            if (roll < 0.5) AluBlock(1);
            else if (roll < 0.7) MemoryAccess();
            else if (roll < 0.85) SystemCall();
            else Fault();
        }
        Emit("addi r11, r11, -1");
        Emit($"bnez r11, {label}");
    }

    private void AppendUserData(StringBuilder s)
    {
        s.Append($"\n.org 0x{DataBase:x}\nuser_data:\n");
        for (int i = 0; i < 64; i++) s.Append($"    .word 0x{(uint)_random.Next() ^ (uint)_random.Next() << 2:x}\n");
        s.Append($"\n.org 0x{ReadOnlyPage:x}\n");
        for (int i = 0; i < 16; i++) s.Append($"    .word 0x{(uint)_random.Next():x}\n");
        s.Append($"\n.org 0x{NoExecutePage:x}\n");
        for (int k = 0; k < 8; k++) s.Append($"    addi r1, r1, {k + 1}\n    ret\n");
    }
}
