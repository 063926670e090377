; compute.asm — a compute-only guest: counts the primes below N by trial division (odd
; divisors up to the square root) in ring 0 with paging off, prints the count in decimal
; and powers off with status 0.
;
;   dotnet run --project Emulator/Cli -c Release -- run Guests/examples/compute.asm -D N=100000
;
; Output for the default N = 10000: "primes below 10000: 1229\n".

.if !defined(N)
.equ N, 10000
.endif

.include "../lib/ports.inc"

.entry _start

_start:
    li   sp, 0x10000
    li   r7, 0                  ; the count
    li   r8, 2                  ; the candidate
    li   r9, N
.candidate:
    bgeu r8, r9, .report
    mov  r1, r8
    call is_prime
    add  r7, r7, r1
    addi r8, r8, 1
    jmp  .candidate
.report:
    la   r1, msg_below
    call kputs
    li   r1, N
    call kput_uint
    la   r1, msg_colon
    call kputs
    mov  r1, r7
    call kput_uint
    li   r1, '\n'
    out  PORT_CONSOLE_DATA, r1
    out  PORT_POWER, zero

; is_prime(r1 = n >= 2) -> r1 = 1 if n is prime, else 0
is_prime:
    li   r2, 2
    beq  r1, r2, .yes
    andi r3, r1, 1
    beqz r3, .no
    li   r2, 3
.divisor:
    mul  r3, r2, r2
    bgtu r3, r1, .yes
    remu r3, r1, r2
    beqz r3, .no
    addi r2, r2, 2
    jmp  .divisor
.yes:
    li   r1, 1
    ret
.no:
    li   r1, 0
    ret

; kputs, kput_uint: console output from ring 0
.include "../lib/kprintf.inc"

msg_below: .asciz "primes below "
msg_colon: .asciz ": "
