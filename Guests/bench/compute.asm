; compute.asm — user-mode computation with no privileged event inside the loop: the
; baseline against which the other benchmarks' costs are read (under a monitor it should
; run at native speed).
;
; Measures: N rounds of the xorshift32 generator (x ^= x << 13; x ^= x >> 17;
; x ^= x << 5) from x = 2463534242, in the user ring.
; Per iteration, natively: no trap, no privileged instruction; 8 instructions.
; Whole run: vector-32 traps = 6 (five SYS_WRITEs, one SYS_EXIT).
; Output: "compute: N xorshift32 rounds, x = X\n" (X in decimal), exit status 0.

.if !defined(N)
.equ N, 1000000
.endif

.include "benchkernel.inc"

bench_init:
    ret

.include "benchuser.inc"

user_main:
    li   r1, 2463534242
    li   r7, N
    beqz r7, .report
.loop:
    shli r2, r1, 13
    xor  r1, r1, r2
    shri r2, r1, 17
    xor  r1, r1, r2
    shli r2, r1, 5
    xor  r1, r1, r2
    addi r7, r7, -1
    bnez r7, .loop
.report:
    mov  r8, r1
    la   r1, msg_what
    call print_str
    li   r1, N
    call print_uint
    la   r1, msg_rounds
    call print_str
    mov  r1, r8
    call print_uint
    la   r1, msg_newline
    call print_str
    li   r1, 0
    call u_exit

msg_what:   .asciz "compute: "
msg_rounds: .asciz " xorshift32 rounds, x = "
msg_newline: .asciz "\n"
