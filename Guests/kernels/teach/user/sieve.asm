; sieve.asm — user program: the primes below SIEVE_N by the sieve of Eratosthenes.
; The flag array comes from sbrk, so its pages are demand-zero: untouched until sieved.
; Prints the count and the sum of the primes (the checksum).
.if !defined(SIEVE_N)
.equ SIEVE_N, 30000
.endif

sieve:
    sys_sbrk SIEVE_N
    mov r7, r1                  ; r7 = flags: byte i is 1 once i is known composite
    li r9, SIEVE_N
    li r8, 2                    ; r8 = i
.outer:
    mul r2, r8, r8              ; r2 = j = i * i
    bge r2, r9, .count
    add r4, r7, r8
    ldbu r5, [r4]
    bnez r5, .next
    li r5, 1
.strike:
    add r4, r7, r2
    stb r5, [r4]
    add r2, r2, r8
    blt r2, r9, .strike
.next:
    addi r8, r8, 1
    jmp .outer
.count:
    li r8, 2
    li r10, 0                   ; r10 = count
    li r11, 0                   ; r11 = sum
.each:
    add r4, r7, r8
    ldbu r5, [r4]
    bnez r5, .composite
    addi r10, r10, 1
    add r11, r11, r8
.composite:
    addi r8, r8, 1
    blt r8, r9, .each
    la r1, sieve_line
    la r2, sieve_text1
    call sput_str
    mov r2, r10
    call sput_uint
    la r2, sieve_text2
    call sput_str
    li r2, SIEVE_N
    call sput_uint
    la r2, sieve_text3
    call sput_str
    mov r2, r11
    call sput_hex
    la r2, sieve_line
    call print_line
    sys_exit 0

sieve_text1: .asciz "sieve: "
sieve_text2: .asciz " primes below "
sieve_text3: .asciz ", sum 0x"
sieve_line:  .space 64
sieve_end:
