; timer.asm — timer interrupts while the user program spins.
;
; Measures: external interrupt delivery from the user ring and the return with iret,
; which restores IE = 1. The timer fires every PERIOD retired instructions; the kernel's
; handler counts ticks in a word the user can read and stops the timer at the N-th tick.
; The user program spins reading that word until it reaches N.
; Per tick, natively: 1 timer interrupt (vector 16) + 1 iret (restoring IE); the handler
; runs 12 instructions (13 on the last tick; one more when N needs a two-word li) and the
; user spins for the rest of the period, so the run retires about N * PERIOD instructions.
; Whole run: timer traps = N exactly; vector-32 traps = 6 (five SYS_WRITEs, one SYS_EXIT).
; Output: "timer: N ticks, period P instructions\n", exit status 0.

.if !defined(N)
.equ N, 10000
.endif
.if !defined(PERIOD)
.equ PERIOD, 100
.endif

.include "benchkernel.inc"

bench_init:
    push lr
    li   r1, VEC_TIMER
    la   r2, timer_entry
    li   r3, GATE_PRESENT | GATE_INTERRUPT
    call set_gate
    la   r1, k_user_status
    li   r2, USER_RING | STATUS_IE
    stw  r2, [r1]
    li   r1, PERIOD
    out  PORT_TIMER_PERIOD, r1
    pop  lr
    ret

timer_entry:
    push r1
    push r2
    la   r1, ticks
    ldw  r2, [r1]
    addi r2, r2, 1
    stw  r2, [r1]
    li   r1, N
    bne  r2, r1, .done
    out  PORT_TIMER_PERIOD, zero
.done:
    pop  r2
    pop  r1
    iret

.include "benchuser.inc"

user_main:
    la   r8, ticks
    li   r9, N
.spin:
    ldw  r1, [r8]
    bltu r1, r9, .spin
    la   r1, msg_what
    call print_str
    li   r1, N
    call print_uint
    la   r1, msg_period
    call print_str
    li   r1, PERIOD
    call print_uint
    la   r1, msg_instructions
    call print_str
    li   r1, 0
    call u_exit

msg_what:         .asciz "timer: "
msg_period:       .asciz " ticks, period "
msg_instructions: .asciz " instructions\n"

.align 4
ticks:          ; written by the kernel's timer handler, read by the user
    .word 0
