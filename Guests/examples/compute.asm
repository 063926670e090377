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

.equ PORT_CONSOLE_DATA, 0x00
.equ PORT_POWER, 0xF0

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
    call puts
    li   r1, N
    call putdec
    la   r1, msg_colon
    call puts
    mov  r1, r7
    call putdec
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

; puts(r1 = zero-terminated string)
puts:
    ldbu r2, [r1]
    beqz r2, .done
    out  PORT_CONSOLE_DATA, r2
    addi r1, r1, 1
    jmp  puts
.done:
    ret

; putdec(r1 = unsigned value): digits are produced last-first into a buffer on the stack
putdec:
    addi sp, sp, -12
    addi r2, sp, 12
    li   r3, 10
.digit:
    remu r4, r1, r3
    divu r1, r1, r3
    addi r4, r4, '0'
    addi r2, r2, -1
    stb  r4, [r2]
    bnez r1, .digit
    addi r3, sp, 12
.put:
    ldbu r4, [r2]
    out  PORT_CONSOLE_DATA, r4
    addi r2, r2, 1
    bne  r2, r3, .put
    addi sp, sp, 12
    ret

msg_below: .asciz "primes below "
msg_colon: .asciz ": "
