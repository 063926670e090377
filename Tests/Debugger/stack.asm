; stack.asm: a vector table, then an unlabelled stack after .align below stack_top (the layout
; of Guests/examples/ticks.asm and Guests/paravirt/pvirq.asm): stack addresses belong to no label.
.org 0x1000
.entry _start
_start:
    la   sp, stack_top
    li   r1, 0x11
    push r1
    li   r1, 0x22
    push r1
    call leaf
    out  0xF0, zero
leaf:
    ret
message:
    .asciz "hi"
.align 8
ivt:
    .space 64 * 8
.align 4
    .space 64
stack_top:
