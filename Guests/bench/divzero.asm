; divzero.asm — a user fault the kernel handles and resumes from (Adams & Agesen
; "divzero": the cost of a fault that a monitor must reflect to the guest kernel, unlike a
; system call, which may go through a direct gate).
;
; Measures: the user divides by zero; the kernel's #DE handler steps the saved pc over the
; divide and returns with iret, so the user continues with the next instruction.
; Per iteration, natively: 1 #DE (vector 0) + 1 iret; 8 retired instructions: the user's
; addi and bnez (the faulting divide does not retire) and 6 in the kernel.
; Whole run: #DE traps = N; vector-32 traps = 4.
; Output: "divide by zero: N faults\n", exit status 0.

.if !defined(N)
.equ N, 100000
.endif

.include "benchkernel.inc"

bench_init:
    push lr
    li   r1, VEC_DE
    la   r2, de_entry
    li   r3, GATE_PRESENT | GATE_INTERRUPT
    call set_gate
    pop  lr
    ret

; #DE: resume after the faulting divide (the saved pc is the divide itself).
de_entry:
    push r1
    ldw  r1, [sp + 4 + FRAME_PC]
    addi r1, r1, 4
    stw  r1, [sp + 4 + FRAME_PC]
    pop  r1
    iret

.include "benchuser.inc"

user_main:
    li   r7, N
    beqz r7, .report
    li   r2, 7
.loop:
    divu r1, r2, zero           ; #DE
    addi r7, r7, -1
    bnez r7, .loop
.report:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_faults
    call u_report_and_exit

msg_what:   .asciz "divide by zero: "
msg_faults: .asciz " faults\n"
