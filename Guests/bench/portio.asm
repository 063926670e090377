; portio.asm — port I/O from the kernel (Adams & Agesen "in").
;
; Measures: device register accesses: each iteration reads the timer count (port 0x11;
; the timer is stopped, so it reads 0) and writes the console status (port 0x01: 0 keeps
; the console input interrupt off). The loop runs in the kernel (bench_init) before the
; user program starts; the user program only reports.
; Per iteration, natively: 1 in + 1 out (both privileged); 4 instructions.
; Whole run: vector-32 traps = 4.
; Output: "port I/O: N iterations, 1 in and 1 out each\n", exit status 0.

.if !defined(N)
.equ N, 100000
.endif

.include "benchkernel.inc"

bench_init:
    li   r7, N
    beqz r7, .done
.loop:
    in   r1, PORT_TIMER_COUNT
    out  PORT_CONSOLE_STATUS, zero
    addi r7, r7, -1
    bnez r7, .loop
.done:
    ret

.include "benchuser.inc"

user_main:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_each
    call u_report_and_exit

msg_what: .asciz "port I/O: "
msg_each: .asciz " iterations, 1 in and 1 out each\n"
