; matmul.asm — user program: C = A x B for MM_N x MM_N integer matrices in the heap,
; A[i][j] = (3i + 5j + 1) mod 11, B[i][j] = (7i + 2j + 3) mod 13. Prints the trace of C
; and the checksum sum(C[k] * (k + 1)) over the row-major index k.
.if !defined(MM_N)
.equ MM_N, 20
.endif
.equ MM_BYTES, MM_N * MM_N * 4

matmul:
    sys_sbrk 3 * MM_BYTES
    mov r7, r1                  ; r7 = A
    li r2, MM_BYTES
    add r8, r7, r2              ; r8 = B
    add r9, r8, r2              ; r9 = C
    li r10, 0                   ; r10 = i
.fill_row:
    li r11, 0                   ; r11 = j
.fill:
    li r2, MM_N
    mul r3, r10, r2
    add r3, r3, r11
    shli r3, r3, 2              ; r3 = byte offset of [i][j]
    li r4, 3
    mul r4, r10, r4
    li r5, 5
    mul r5, r11, r5
    add r4, r4, r5
    addi r4, r4, 1
    li r5, 11
    remu r4, r4, r5
    add r5, r7, r3
    stw r4, [r5]
    li r4, 7
    mul r4, r10, r4
    add r4, r4, r11
    add r4, r4, r11
    addi r4, r4, 3
    li r5, 13
    remu r4, r4, r5
    add r5, r8, r3
    stw r4, [r5]
    addi r11, r11, 1
    blt r11, r2, .fill
    addi r10, r10, 1
    blt r10, r2, .fill_row
    li r10, 0                   ; C[i][j] = sum over k of A[i][k] * B[k][j]
.row:
    li r11, 0
.column:
    li r2, MM_N * 4
    mul r2, r10, r2
    add r2, r7, r2              ; r2 = &A[i][0]
    shli r3, r11, 2
    add r3, r8, r3              ; r3 = &B[0][j]
    li r6, MM_N
    li r12, 0
.dot:
    ldw r4, [r2]
    ldw r5, [r3]
    mul r4, r4, r5
    add r12, r12, r4
    addi r2, r2, 4
    addi r3, r3, MM_N * 4
    addi r6, r6, -1
    bnez r6, .dot
    li r2, MM_N
    mul r3, r10, r2
    add r3, r3, r11
    shli r3, r3, 2
    add r3, r9, r3
    stw r12, [r3]
    addi r11, r11, 1
    blt r11, r2, .column
    addi r10, r10, 1
    blt r10, r2, .row
    li r10, 0                   ; r10 = k, r11 = checksum, r12 = trace
    li r11, 0
    li r12, 0
    li r6, MM_N * MM_N
.sum:
    shli r3, r10, 2
    add r3, r9, r3
    ldw r4, [r3]
    addi r5, r10, 1
    mul r5, r4, r5
    add r11, r11, r5
    li r2, MM_N + 1             ; diagonal: k a multiple of N + 1
    remu r5, r10, r2
    bnez r5, .off_diagonal
    add r12, r12, r4
.off_diagonal:
    addi r10, r10, 1
    blt r10, r6, .sum
    la r1, matmul_line
    la r2, matmul_text1
    call sput_str
    li r2, MM_N
    call sput_uint
    la r2, matmul_text2
    call sput_str
    mov r2, r12
    call sput_uint
    la r2, matmul_text3
    call sput_str
    mov r2, r11
    call sput_hex
    la r2, matmul_line
    call print_line
    sys_exit 0

matmul_text1: .asciz "matmul: n="
matmul_text2: .asciz ", trace "
matmul_text3: .asciz ", checksum 0x"
matmul_line:  .space 64
matmul_end:
