; qsort.asm — user program: quicksort QS_N pseudo-random words (x = 1103515245x + 12345,
; key = x >> 4) in the heap, recursively (the stack pages arrive on demand), then checks
; the order and prints the checksum sum(a[i] * (i + 1)).
.if !defined(QS_N)
.equ QS_N, 3000
.endif

qsort:
    sys_sbrk QS_N * 4
    mov r7, r1                  ; r7 = the array
    li r8, 12345                ; r8 = x (the seed)
    li r9, 0
    li r10, 1103515245
.fill:
    mul r8, r8, r10
    li r2, 12345
    add r8, r8, r2
    shri r3, r8, 4
    shli r4, r9, 2
    add r4, r7, r4
    stw r3, [r4]
    addi r9, r9, 1
    li r2, QS_N
    blt r9, r2, .fill
    mov r1, r7
    li r2, (QS_N - 1) * 4
    add r2, r7, r2
    call qs_sort
    li r9, 1                    ; check: a[i-1] <= a[i]; checksum
    li r11, 0                   ; r11 = checksum
    li r12, 0                   ; r12 = keys out of order
    ldw r3, [r7]
    mov r11, r3
.check:
    li r2, QS_N
    bge r9, r2, .report
    shli r4, r9, 2
    add r4, r7, r4
    ldw r5, [r4]
    ldw r6, [r4 - 4]
    bgeu r5, r6, .in_order
    addi r12, r12, 1
.in_order:
    addi r9, r9, 1
    mul r5, r5, r9
    add r11, r11, r5
    jmp .check
.report:
    la r1, qsort_line
    la r2, qsort_text1
    call sput_str
    li r2, QS_N
    call sput_uint
    la r2, qsort_text_sorted
    beqz r12, .verdict
    la r2, qsort_text_unsorted
.verdict:
    call sput_str
    mov r2, r11
    call sput_hex
    la r2, qsort_line
    call print_line
    sys_exit 0

; qs_sort(r1 = first, r2 = last): sort the words [first, last] ascending (unsigned),
; Lomuto partition around the last word.
qs_sort:
    bgeu r1, r2, .leaf          ; empty or one word
    push lr
    push r7
    push r8
    push r9
    mov r7, r1
    mov r8, r2
    ldw r3, [r8]                ; r3 = pivot
    mov r9, r7                  ; r9 = where the next smaller word goes
    mov r4, r7                  ; r4 = scan
.partition:
    beq r4, r8, .place
    ldw r5, [r4]
    bgeu r5, r3, .larger
    ldw r6, [r9]
    stw r5, [r9]
    stw r6, [r4]
    addi r9, r9, 4
.larger:
    addi r4, r4, 4
    jmp .partition
.place:
    ldw r6, [r9]
    stw r3, [r9]
    stw r6, [r8]
    mov r1, r7
    addi r2, r9, -4
    call qs_sort
    addi r1, r9, 4
    mov r2, r8
    call qs_sort
    pop r9
    pop r8
    pop r7
    pop lr
.leaf:
    ret

qsort_text1: .asciz "qsort: "
qsort_text_sorted:   .asciz " keys sorted, checksum 0x"
qsort_text_unsorted: .asciz " keys NOT sorted, checksum 0x"
qsort_line: .space 64
qsort_end:
