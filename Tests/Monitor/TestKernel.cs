// A small test kernel in R4 assembly for the monitor tests: a vector table whose every gate
// leads to a stub that reports the trap on the console ("T vector error pc status [fault]")
// and resumes (after the faulting instruction for faults), system calls (exit, write, getpid,
// print-hex, null), optional page tables (kernel pages ring 0, user region and stack ring 3),
// a kernel hook and a drop into the user program with a chosen status. Written for the
// architecture only, so every layout must give the same console output.
using System.Text;
using R4.Assembler;
using R4.Isa.Image;

namespace R4.Tests.Monitor;

public sealed class TestKernel
{
    /// <summary>Gate flags by vector; default: 0..31 interrupt gates DPL 0, 32 the system
    /// call (interrupt gate, DPL 3), 33..39 trap gates DPL 3, 40..47 trap gates DPL 0, the rest absent.</summary>
    public Dictionary<int, uint> GateFlags { get; } = DefaultGateFlags();

    public bool Paging { get; init; } = true;
    /// <summary>Status the user program starts with (3 = ring 3, IE off; 7 = IE on).</summary>
    public uint UserStatus { get; init; } = 3;
    /// <summary>Kernel code run before the drop into user mode (ring 0, sp = kernel stack); must end with ret.</summary>
    public string KernelInit { get; init; } = "    ret\n";
    /// <summary>The user program at USER_BASE (0x10000), label user_main first.</summary>
    public string UserMain { get; init; } = "user_main:\n    li r1, 1\n    li r2, 0\n    int 32\n";
    /// <summary>Extra text (kernel data, more routines) assembled after the kernel.</summary>
    public string KernelExtra { get; init; } = "";

    public static Dictionary<int, uint> DefaultGateFlags()
    {
        var flags = new Dictionary<int, uint>();
        for (int v = 0; v < 64; v++)
            flags[v] = v switch
            {
                < 32 => 0x30,          // present, interrupt gate, target 0, DPL 0
                32 => 0x3C,            // + DPL 3
                < 40 => 0x1C,          // present trap gate, DPL 3
                < 48 => 0x10,          // present trap gate, DPL 0
                _ => 0,                // absent
            };
        return flags;
    }

    public string Source()
    {
        var s = new StringBuilder();
        s.Append($$"""
            .equ KSTACK_TOP, 0x20000
            .equ USTACK_TOP, 0x24000
            .equ PAGE_DIR, 0x30000
            .equ PAGE_TABLE0, 0x31000
            .equ USER_BASE, 0x10000
            .equ USER_END, 0x14000
            .equ USER_STATUS, {{UserStatus}}
            .equ PAGING, {{(Paging ? 1 : 0)}}
            ; frame offsets in the stub's stack: lr, r4, r3, r2, r1, then the hardware frame
            .equ F_R4, 4
            .equ F_R3, 8
            .equ F_R2, 12
            .equ F_R1, 16
            .equ F_ERROR, 20
            .equ F_PC, 24
            .equ F_STATUS, 28
            .equ F_SP, 32

            .org 0x1000
            .entry _start
            _start:
                li   sp, KSTACK_TOP
                la   r1, ivt
                mtcr ivt, r1
                li   r1, KSTACK_TOP
                mtcr ksp0, r1
            .if PAGING
                call build_page_tables
                li   r1, PAGE_DIR | 1
                mtcr ptbr, r1
            .endif
                call kernel_init
                li   sp, KSTACK_TOP - 16
                stw  zero, [sp]
                la   r1, user_main
                stw  r1, [sp + 4]
                li   r1, USER_STATUS
                stw  r1, [sp + 8]
                li   r1, USTACK_TOP
                stw  r1, [sp + 12]
                li   r1, 0
                iret

            ; identity map 0x1000..0x80000: ring 0, except the user region and stack (ring 3)
            build_page_tables:
                li   r1, PAGE_DIR
                li   r2, PAGE_TABLE0 | 1
                stw  r2, [r1]
                li   r1, 0x1000
                li   r4, 0x80000
            .loop:
                bgeu r1, r4, .done
                ori  r2, r1, 7
                li   r5, USER_BASE
                bltu r1, r5, .kernel
                li   r5, USER_END
                bltu r1, r5, .user
                li   r5, 0x22000
                bltu r1, r5, .kernel
                li   r5, USTACK_TOP
                bltu r1, r5, .user
                jmp  .kernel
            .user:
                ori  r2, r2, 0x18
            .kernel:
                shri r5, r1, 10
                li   r6, PAGE_TABLE0
                add  r5, r5, r6
                stw  r2, [r5]
                addi r1, r1, 4096
                jmp  .loop
            .done:
                ret

            ; set_pte(r1 = virtual address in 0..4 MiB, r2 = entry); invlpg
            set_pte:
                shri r3, r1, 10
                li   r4, PAGE_TABLE0
                add  r3, r3, r4
                stw  r2, [r3]
                invlpg r1
                ret

            ; puthex(r2): prints ' ' and r2 as 8 hex digits; keeps every register but r2
            puthex:
                push r3
                push r4
                push r5
                li   r3, ' '
                out  0x00, r3
                li   r4, 8
            .digit:
                shri r3, r2, 28
                li   r5, 10
                bltu r3, r5, .dec
                addi r3, r3, 'a' - 10
                jmp  .emit
            .dec:
                addi r3, r3, '0'
            .emit:
                out  0x00, r3
                shli r2, r2, 4
                addi r4, r4, -1
                bnez r4, .digit
                pop  r5
                pop  r4
                pop  r3
                ret

            trap_common:
                push r2
                push r3
                push r4
                push lr
                li   r3, 32
                beq  r1, r3, syscall
                li   r2, 'T'
                out  0x00, r2
                mov  r2, r1
                call puthex
                ldw  r2, [sp + F_ERROR]
                call puthex
                ldw  r2, [sp + F_PC]
                call puthex
                ldw  r2, [sp + F_STATUS]
                call puthex
                li   r3, 6
                beq  r1, r3, .fault_reg
                li   r3, 7
                bne  r1, r3, .newline
            .fault_reg:
                mfcr r2, fault
                call puthex
            .newline:
                li   r2, 10
                out  0x00, r2
                li   r3, 8
                bne  r1, r3, .not_df
                li   r2, 0xDF
                out  0xF0, r2
                hlt
            .not_df:
                li   r3, 16
                bgeu r1, r3, trap_return
                li   r3, 3
                beq  r1, r3, trap_return
                ldw  r2, [sp + F_PC]
                addi r2, r2, 4
                stw  r2, [sp + F_PC]
            trap_return:
                pop  lr
                pop  r4
                pop  r3
                pop  r2
                pop  r1
                iret

            syscall:
                ldw  r1, [sp + F_R1]
                li   r3, 1
                beq  r1, r3, .exit
                li   r3, 2
                beq  r1, r3, .write
                li   r3, 4
                beq  r1, r3, .getpid
                li   r3, 9
                beq  r1, r3, .hex
                li   r1, 0
                jmp  .return
            .exit:
                out  0xF0, r2
                hlt
            .write:
                ldw  r3, [sp + F_R3]
                mov  r1, r3
            .next:
                beqz r3, .return
                ldbu r4, [r2]
                out  0x00, r4
                addi r2, r2, 1
                addi r3, r3, -1
                jmp  .next
            .getpid:
                li   r1, 7
                jmp  .return
            .hex:
                call puthex
                li   r2, 10
                out  0x00, r2
                li   r1, 0
            .return:
                stw  r1, [sp + F_R1]
                jmp  trap_return

            kernel_init:

            """);
        s.Append(KernelInit).Append('\n');
        s.Append(KernelExtra).Append('\n');
        s.Append("    .align 8\nivt:\n");
        for (int v = 0; v < 64; v++)
            s.Append($"    .word stub_{v}, 0x{GateFlags[v]:x}\n");
        for (int v = 0; v < 64; v++)
            s.Append($"stub_{v}:\n    push r1\n    addi r1, zero, {v}\n    jmp trap_common\n");
        s.Append("\n.org USER_BASE\n").Append(UserMain).Append('\n');
        return s.ToString();
    }

    /// <summary>A guest that runs 300 003 instructions, then writes rmap (which ring012 and
    /// ring013 cannot host: the monitor stops it there) and powers off with status 5: its
    /// traces part from native's at entry 300 004, pc 0x1018, far past what a recorder keeps.</summary>
    public const string LateRmapWriter = """
        .org 0x1000
        .entry start
        start:
            li   r3, 150000
        loop:
            addi r3, r3, -1
            bnez r3, loop
            li   r1, 0xE1E1
            mtcr rmap, r1
            li   r2, 5
            out  0xF0, r2
            hlt
        """;

    public ProgramImage Build()
    {
        string source = Source();
        var result = R4Assembler.AssembleText(source, "testkernel.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    /// <summary>Assembles a free-standing guest.</summary>
    public static ProgramImage Assemble(string source)
    {
        var result = R4Assembler.AssembleText(source, "guest.asm");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }
}
