; macros, conditionals, expressions and data directives
.if !defined(N)
.equ N, (3 << 4) | 0x0f ^ ~1 % 7
.endif
.macro push2 a, b
        push \a
        push \b
.endm
.macro spin reg
.wait\@: bnez \reg, .wait\@
.endm
.org 0x1000
main:   li   sp, 0x8000
        push2 r1, lr
        spin  r3
        li   r4, N * 2 - (N / 3)
        call leaf
        pop  lr
        pop  r1
        hlt
leaf:   slti r5, r4, -12
        ret
.align 16
table:  .word main, leaf, table + 4, -1
        .half 0x1234, -5
        .byte 'a', 255
        .ascii "xy"
        .space 7, 0x5a
