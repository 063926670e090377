; traps.asm — a guest for the debugger's trap tests: a system call through gate 32 from
; inside a function (bt and finish through its trap frame), a string for x/s, then an int
; to a gate that is not present, which escalates straight to a triple fault (#GP: gate 33
; not present; then #DF: gate 8 not present) with no handler ever running.
.org 0x1000
_start:
    li   sp, 0x8000
    la   r1, ivt
    mtcr ivt, r1
    li   r3, 0
    call work
    call work
    int  33
work:
    li   r2, 5
    int  32
    addi r2, r2, 1
    ret
handler:
    addi r3, r3, 1
    iret

message: .asciz "hi\tthere\n"

.align 8
ivt:
    .space 32 * 8
    .word handler, 0x10         ; gate 32: present, ring 0, dpl 0, trap gate
    .space 31 * 8
