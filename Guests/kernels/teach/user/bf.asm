; bf.asm — user program: a Brainfuck interpreter running a bundled program (the classic
; "Hello World!"). The tape is heap (demand-zero). It prints the program's output, then
; the number of Brainfuck instructions executed and a checksum of the output.
.equ BF_TAPE_BYTES, 4096

bf:
    sys_sbrk BF_TAPE_BYTES
    mov r8, r1                  ; r8 = the tape head
    la r7, bf_program           ; r7 = the instruction
    la r1, bf_out
    la r2, bf_text1
    call sput_str
    mov r9, r1                  ; r9 = where output goes
    li r10, 0                   ; r10 = instructions executed
.step:
    ldbu r1, [r7]
    beqz r1, .halt
    addi r10, r10, 1
    li r2, '>'
    beq r1, r2, .right
    li r2, '<'
    beq r1, r2, .left
    li r2, '+'
    beq r1, r2, .increment
    li r2, '-'
    beq r1, r2, .decrement
    li r2, '.'
    beq r1, r2, .output
    li r2, '['
    beq r1, r2, .open
    li r2, ']'
    beq r1, r2, .close
    addi r10, r10, -1           ; anything else is a comment (',' reads nothing here)
    jmp .next
.right:
    addi r8, r8, 1
    jmp .next
.left:
    addi r8, r8, -1
    jmp .next
.increment:
    ldbu r3, [r8]
    addi r3, r3, 1
    stb r3, [r8]
    jmp .next
.decrement:
    ldbu r3, [r8]
    addi r3, r3, -1
    stb r3, [r8]
    jmp .next
.output:
    ldbu r3, [r8]
    stb r3, [r9]
    addi r9, r9, 1
    jmp .next
.open:                          ; cell zero: skip past the matching ']'
    ldbu r3, [r8]
    bnez r3, .next
    li r4, 1                    ; r4 = nesting depth
.forward:
    addi r7, r7, 1
    ldbu r3, [r7]
    li r2, '['
    bne r3, r2, .forward_close
    addi r4, r4, 1
.forward_close:
    li r2, ']'
    bne r3, r2, .forward
    addi r4, r4, -1
    bnez r4, .forward
    jmp .next
.close:                         ; cell not zero: back to the matching '['
    ldbu r3, [r8]
    beqz r3, .next
    li r4, 1
.backward:
    addi r7, r7, -1
    ldbu r3, [r7]
    li r2, ']'
    bne r3, r2, .backward_open
    addi r4, r4, 1
.backward_open:
    li r2, '['
    bne r3, r2, .backward
    addi r4, r4, -1
    bnez r4, .backward
.next:
    addi r7, r7, 1
    jmp .step
.halt:
    la r3, bf_out               ; checksum: sum of byte * position over the output
    li r11, 0
    li r4, 1
.sum:
    beq r3, r9, .report
    ldbu r5, [r3]
    mul r5, r5, r4
    add r11, r11, r5
    addi r3, r3, 1
    addi r4, r4, 1
    jmp .sum
.report:
    mov r1, r9
    la r2, bf_text2
    call sput_str
    mov r2, r10
    call sput_uint
    la r2, bf_text3
    call sput_str
    mov r2, r11
    call sput_hex
    la r2, bf_out
    call print_line
    sys_exit 0

bf_program:
    .ascii "++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]"
    .asciz ">>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++."
bf_text1: .asciz "bf: "
bf_text2: .asciz "bf: "
bf_text3: .asciz " instructions, checksum 0x"
bf_out:   .space 128
bf_end:
