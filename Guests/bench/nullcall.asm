; nullcall.asm — the null system call (lmbench "null syscall"; Adams & Agesen "syscall").
;
; Measures: one round trip user -> kernel -> user through the system-call gate: the user
; program calls SYS_GETPID N times (int 32); the kernel's entry saves every register,
; dispatches through its table, returns the pid and leaves with iret.
; Per iteration, natively: 1 trap (int 32, vector 32) + 1 iret; no other privileged
; instruction. 48 instructions: 4 in the user loop, 44 in the kernel (entry saves 14
; registers, dispatch, the call, restore, iret).
; Whole run: vector-32 traps = N + 4 (three SYS_WRITEs for the message, one SYS_EXIT).
; Output: "null syscall: N iterations\n", exit status 0.

.if !defined(N)
.equ N, 100000
.endif

.include "benchkernel.inc"

bench_init:
    ret

.include "benchuser.inc"

user_main:
    li   r7, N
    beqz r7, .report
.loop:
    li   r1, SYS_GETPID
    int  32
    addi r7, r7, -1
    bnez r7, .loop
.report:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_iterations
    call u_report_and_exit

msg_what:       .asciz "null syscall: "
msg_iterations: .asciz " iterations\n"
