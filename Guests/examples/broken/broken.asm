; broken.asm — a small kernel with a bug, for the debugger walkthrough.
;
; The kernel enters a ring-3 user program that prints three lines with SYS_WRITE and
; exits with SYS_EXIT. It should print
;   one
;   two
;   three
; and power off with status 0. It does not. Find out why with --trace (and the debugger).
;
;   dotnet run --project Emulator/Cli -c Release -- run Guests/examples/broken/broken.asm --trace

.include "../../lib/syscalls.inc"
.include "../../lib/ports.inc"
.equ KSTACK_TOP, 0x10000
.equ PAGE_DIR, 0x10000
.equ PAGE_TABLE, 0x11000
.equ USTACK_PAGE, 0x20000

.org 0x1000
.entry _start

_start:
    li   sp, KSTACK_TOP
    la   r10, ivt
    la   r1, fault_handler      ; #PF -> fault_handler, ring 0, interrupt gate
    stw  r1, [r10 + 6 * 8]
    li   r1, 0x30
    stw  r1, [r10 + 6 * 8 + 4]
    la   r1, syscall_entry      ; int 32 -> syscall_entry, ring 0, DPL 3, interrupt gate
    stw  r1, [r10 + 32 * 8]
    li   r1, 0x3C
    stw  r1, [r10 + 32 * 8 + 4]
    mtcr ivt, r10
    li   r1, PAGE_DIR
    li   r2, PAGE_TABLE | 1
    stw  r2, [r1]
    li   r1, 0x1000             ; kernel: ring 0
    la   r2, user_begin
    li   r3, 0x7
    call map
    la   r1, user_begin         ; user program: ring 3, read + execute
    la   r2, user_end
    li   r3, 0x1D
    call map
    li   r1, KSTACK_TOP - 0x1000
    li   r2, KSTACK_TOP
    li   r3, 0x3
    call map
    li   r1, USTACK_PAGE        ; user stack: ring 3, writable
    li   r2, USTACK_PAGE + 0x1000
    li   r3, 0x1B
    call map
    li   r1, PAGE_DIR | 1
    mtcr ptbr, r1
    li   r1, KSTACK_TOP
    mtcr ksp0, r1
    li   sp, KSTACK_TOP - 16
    la   r1, user_main
    stw  r1, [sp + 4]
    li   r1, 3
    stw  r1, [sp + 8]
    li   r1, USTACK_PAGE + 0x1000
    stw  r1, [sp + 12]
    iret

map:                            ; (r1 = start, r2 = end, r3 = flags)
    li   r4, PAGE_TABLE
.page:
    bgeu r1, r2, .done
    shri r5, r1, 12
    shli r5, r5, 2
    add  r5, r5, r4
    or   r6, r1, r3
    stw  r6, [r5]
    addi r1, r1, 0x1000
    jmp  .page
.done:
    ret

; r1 = number; write(r2 = buffer, r3 = length) -> length; exit(r2 = status)
syscall_entry:
    push r2
    push r3
    push r4
    li   r4, SYS_EXIT
    beq  r1, r4, .exit
    add  r3, r2, r3
.emit:
    beq  r2, r3, .counted
    ldbu r4, [r2]
    out  PORT_CONSOLE_DATA, r4
    addi r2, r2, 1
    jmp  .emit
.counted:
    la   r7, bytes_written      ; statistics
    ldw  r4, [r7]
    ldw  r1, [sp + 4]           ; the result: the length (the caller's r3)
    add  r4, r4, r1
    stw  r4, [r7]
    pop  r4
    pop  r3
    pop  r2
    iret
.exit:
    out  PORT_POWER, r2

fault_handler:                  ; report the saved pc, the fault address, the error code
    la   r1, fmt_fault
    ldw  r2, [sp + 4]
    mfcr r3, fault
    ldw  r4, [sp]
    call kprintf
    li   r1, 255
    out  PORT_POWER, r1

.include "../../lib/kprintf.inc"

fmt_fault: .asciz "kernel: page fault at pc 0x%x, address 0x%x, error 0x%x\n"

.align 4
bytes_written:
    .word 0

.align 8
ivt:
    .space 64 * 8

.align 4096
user_begin:

user_main:
    la   r7, lines              ; (address, length) pairs
    li   r8, 3
.next:
    ldw  r2, [r7]
    ldw  r3, [r7 + 4]
    li   r1, SYS_WRITE
    int  32
    addi r7, r7, 8
    addi r8, r8, -1
    bnez r8, .next
    li   r1, SYS_EXIT
    li   r2, 0
    int  32

.align 4
lines:
    .word one, 4, two, 4, three, 6
one:   .ascii "one\n"
two:   .ascii "two\n"
three: .ascii "three\n"

.align 4096
user_end:
