; the smallest guest, with its constants inline (a seed has no include folder)
.equ CONSOLE, 0x00
POWER = 0xF0
.entry _start
_start:
    la   r1, message
.next:
    ldbu r2, [r1]
    beqz r2, .done
    out  CONSOLE, r2
    addi r1, r1, 1
    jmp  .next
.done:
    out  POWER, zero
message:
    .asciz "Hello, world!\n"
