; a kernel fragment: vector table, control registers, a trap, iret to ring 3
.org 0x1000
.entry _start
_start:
    li   sp, 0x20000
    la   r1, ivt
    mtcr ivt, r1
    li   r1, 0x20000
    mtcr ksp0, r1
    li   sp, 0x20000 - 16
    stw  zero, [sp]
    la   r1, user
    stw  r1, [sp + 4]
    li   r1, 7
    stw  r1, [sp + 8]
    li   r1, 0x30000
    stw  r1, [sp + 12]
    iret
handler:
    mfcr r2, fault
    out  0xF0, r2
user:
    int  32
    jmp  .
.align 8
ivt:
    .word handler, 0x10
    .space 8 * 63
