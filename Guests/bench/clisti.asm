; clisti.asm — interrupt-flag toggling in the kernel (the cost of a critical section's
; cli ... sti; Adams & Agesen's cheapest privileged operations).
;
; Measures: cli/sti pairs. No interrupt source is active, so sti delivers nothing. The loop
; runs in the kernel (bench_init) before the user program starts; the user program only
; reports.
; Per iteration, natively: 1 cli + 1 sti (both privileged); 4 instructions, so the retired
; instruction count grows by exactly 4 per iteration.
; Whole run: vector-32 traps = 4.
; Output: "cli/sti: N pairs\n", exit status 0.

.if !defined(N)
.equ N, 100000
.endif

.include "benchkernel.inc"

bench_init:
    li   r7, N
    beqz r7, .done
.loop:
    cli
    sti
    addi r7, r7, -1
    bnez r7, .loop
    cli
.done:
    ret

.include "benchuser.inc"

user_main:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_pairs
    call u_report_and_exit

msg_what:  .asciz "cli/sti: "
msg_pairs: .asciz " pairs\n"
