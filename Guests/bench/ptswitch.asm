; ptswitch.asm — page-table base switches in the kernel (Adams & Agesen "ptemod"/CR3
; write; the address-space half of a context switch, without the trap).
;
; Measures: writing ptbr to alternate between two address spaces. Address space B is a
; copy of A except for one probe page, which maps to a different frame. After each write
; the kernel reads the probe; since writing ptbr drops every cached translation (spec
; section 6), the read must see the new space's frame: A holds PROBE_A, B holds PROBE_B.
; The kernel checks the sum of all reads, so a stale translation makes the run fail.
; The loop runs in the kernel (bench_init) before the user program starts; the user
; program only reports.
; Per iteration, natively: 2 ptbr writes (mtcr), each a full TLB flush, so at least 2 TLB
; misses for the probe and 2 for the code page; 8 instructions.
; Whole run: vector-32 traps = 4.
; Output: "ptbr switch: N iterations, 2 writes each\n", exit status 0
; (a stale translation: "ptbr switch: stale translation\n", status 1).

.if !defined(N)
.equ N, 20000
.endif

.include "benchkernel.inc"

.equ PAGE_DIR2, 0x32000
.equ PAGE_TABLE2, 0x33000
.equ PROBE, 0x50000             ; virtual; in A the frame 0x50000, in B the frame 0x51000
.equ PROBE_FRAME_B, 0x51000
.equ PROBE_A, 0xA
.equ PROBE_B, 0xB

bench_init:
    push lr
    ; B: directory and table copied from A, then the probe entry redirected.
    li   r1, PAGE_DIR2
    li   r2, PAGE_TABLE2
    call clone_address_space
    li   r1, PAGE_TABLE2 + (PROBE >> 12) * 4
    li   r2, PROBE_FRAME_B | PTE_PRESENT | PTE_WRITABLE
    stw  r2, [r1]
    ; the probe's contents in each frame (A is identity-mapped, so is B's frame)
    li   r1, PROBE
    li   r2, PROBE_A
    stw  r2, [r1]
    li   r1, PROBE_FRAME_B
    li   r2, PROBE_B
    stw  r2, [r1]
    ; the measured loop
    li   r7, N
    li   r8, PAGE_DIR | PTBR_ENABLE
    li   r9, PAGE_DIR2 | PTBR_ENABLE
    li   r10, PROBE
    li   r11, 0
    beqz r7, .check
.loop:
    mtcr ptbr, r9
    ldw  r1, [r10]
    add  r11, r11, r1
    mtcr ptbr, r8
    ldw  r1, [r10]
    add  r11, r11, r1
    addi r7, r7, -1
    bnez r7, .loop
.check:
    li   r1, N * (PROBE_A + PROBE_B)
    bne  r11, r1, .stale
    pop  lr
    ret
.stale:
    la   r1, msg_stale
    call kputs
    li   r1, 1
    out  PORT_POWER, r1
.stopped:
    jmp  .stopped

msg_stale: .asciz "ptbr switch: stale translation\n"

.include "benchuser.inc"

user_main:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_writes
    call u_report_and_exit

msg_what:   .asciz "ptbr switch: "
msg_writes: .asciz " iterations, 2 writes each\n"
