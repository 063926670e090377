; calls.asm: a function with a frame (push lr; push fp; mov fp, sp) calling a leaf.
.org 0x1000
.entry _start
_start:
    li   sp, 0x8000
    li   r1, 5
    call square
    la   r2, result
    stw  r1, [r2]
    li   r1, 7
    call square
    la   r2, result
    stw  r1, [r2]
    li   r1, 0
    out  0xF0, r1
square:
    push lr
    push fp
    mov  fp, sp
    call mul_self
    pop  fp
    pop  lr
    ret
mul_self:
    mul  r1, r1, r1
    ret
result:
    .word 0
