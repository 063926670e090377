; ptemod.asm — page-table entry updates in the kernel (Adams & Agesen "ptemod": the
; operation shadow paging makes expensive, since the monitor must see every change to a
; live page table).
;
; Measures: the kernel rewrites the entry of one probe page N times, alternating between
; two frames (holding PROBE_A and PROBE_B), drops the old translation with invlpg (spec
; section 6: a table change takes effect only after tlbflush, invlpg or a ptbr write) and
; reads the probe. The sum of all reads is checked, so a stale translation fails the run.
; The loop runs in the kernel (bench_init) before the user program starts; the user
; program only reports.
; Per iteration, natively: 2 page-table entry stores + 2 invlpg (privileged) + 2 reads
; that miss the TLB; 10 instructions.
; Whole run: vector-32 traps = 4.
; Output: "pte update: N iterations, 2 updates each\n", exit status 0
; (a stale translation: "pte update: stale translation\n", status 1).

.if !defined(N)
.equ N, 100000
.endif

.include "benchkernel.inc"

.equ PROBE, 0x50000             ; virtual; maps to PROBE_FRAME_A or PROBE_FRAME_B
.equ PROBE_FRAME_A, 0x52000
.equ PROBE_FRAME_B, 0x53000
.equ PROBE_A, 0xA
.equ PROBE_B, 0xB

bench_init:
    li   r1, PROBE_FRAME_A      ; identity-mapped: the kernel fills both frames
    li   r2, PROBE_A
    stw  r2, [r1]
    li   r1, PROBE_FRAME_B
    li   r2, PROBE_B
    stw  r2, [r1]
    li   r7, N
    li   r8, PROBE_FRAME_A | PTE_PRESENT | PTE_WRITABLE
    li   r9, PROBE_FRAME_B | PTE_PRESENT | PTE_WRITABLE
    li   r10, PROBE
    li   r12, PAGE_TABLE0 + (PROBE >> 12) * 4
    li   r11, 0
    beqz r7, .check
.loop:
    stw  r8, [r12]
    invlpg r10
    ldw  r1, [r10]
    add  r11, r11, r1
    stw  r9, [r12]
    invlpg r10
    ldw  r1, [r10]
    add  r11, r11, r1
    addi r7, r7, -1
    bnez r7, .loop
.check:
    li   r1, N * (PROBE_A + PROBE_B)
    bne  r11, r1, .stale
    ret
.stale:
    la   r1, msg_stale
    call kputs
    li   r1, 1
    out  PORT_POWER, r1
.stopped:
    jmp  .stopped

msg_stale: .asciz "pte update: stale translation\n"

.include "benchuser.inc"

user_main:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_updates
    call u_report_and_exit

msg_what:    .asciz "pte update: "
msg_updates: .asciz " iterations, 2 updates each\n"
