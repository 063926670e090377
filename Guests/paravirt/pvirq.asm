; pvirq.asm — a timer tick held back by the paravirtual IE flag arrives exactly where native
; takes it (docs/monitor.md "The paravirtual interface").
;
; A ring-0 kernel shares its IE with the monitor (Guests/lib/pvpatch.inc: natively it keeps
; its cli and sti), then four times: disables interrupts, spins while the timer's period ends,
; enables them — the tick is taken right after the sti (under a monitor: right after the store
; that replaced it, which traps because the monitor holds the tick back). The handler prints
; the saved pc and the retired-instruction count, and returns into the kernel with IE on (an
; iret the monitor emulates). The output is the same natively and under every monitor.
;
;   r4 run Guests/paravirt/pvirq.asm
;   r4 run Guests/paravirt/pvirq.asm --layout ring012 --stats     # interruptDeferred 4
.include "../lib/ports.inc"
.include "../lib/frame.inc"

.entry _start
_start:
    la sp, stack_top
    la r1, ivt
    mtcr ivt, r1
    la r1, request
    la r2, patches
    call pv_init
    li r9, 4                        ; rounds
round:
    li r1, 37                       ; a tick 37 instructions from now
    out PORT_TIMER_PERIOD, r1
site_cli:
    cli
    li r3, 60                       ; longer than the period: the tick comes in here
spin:
    addi r3, r3, -1
    bnez r3, spin
site_sti:
    sti                             ; the held-back tick is taken right after this
    nop
    addi r9, r9, -1
    bnez r9, round
    la r1, msg_done
    call kprintf
    out PORT_POWER, zero

; the timer: print where it came in and when; the iret returns with IE on
timer:
    out PORT_TIMER_PERIOD, zero     ; one tick per round
    addi sp, sp, -28
    stw r1, [sp + 0]
    stw r2, [sp + 4]
    stw r3, [sp + 8]
    stw r4, [sp + 12]
    stw r5, [sp + 16]
    stw r6, [sp + 20]
    stw lr, [sp + 24]
    la r1, msg_tick
    ldw r2, [sp + 28 + FRAME_PC]
    rdtick r3
    ldw r4, [sp + 28 + FRAME_STATUS]
    call kprintf
    ldw r1, [sp + 0]
    ldw r2, [sp + 4]
    ldw r3, [sp + 8]
    ldw r4, [sp + 12]
    ldw r5, [sp + 16]
    ldw r6, [sp + 20]
    ldw lr, [sp + 24]
    addi sp, sp, 28
    iret

.include "../lib/kprintf.inc"
.include "../lib/pvpatch.inc"

msg_tick: .asciz "tick: pc=%x instret=%x status=%x\n"
msg_done: .asciz "done\n"

.org 0x2000                         ; the shared word: below 0x8000, a page of its own
shared_ie: .word 0
.org 0x2100
request:   .word HC_SHARED_IE, shared_ie, HC_NOT_DONE
patches:
    .word site_cli, pv_cli
    .word site_sti, pv_sti
    .word 0
pv_cli:    stw zero, [zero + shared_ie]
pv_sti:    stw sp, [zero + shared_ie]
.align 8
ivt:
    .space VEC_TIMER * GATE_BYTES
    .word timer, GATE_PRESENT | GATE_INTERRUPT
    .space (VECTOR_COUNT - VEC_TIMER - 1) * GATE_BYTES
.align 4
    .space 1024
stack_top:
