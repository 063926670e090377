; ticks.asm — a complete small kernel: a timer interrupt, system calls, and a ring-3 user
; program that runs with interrupts on.
;
; The kernel fills a vector table (the timer on vector 16 through an interrupt gate, the
; system call on vector 32 through a TRAP gate, faults report and stop), starts the timer
; (one interrupt every TICK_INSTRUCTIONS retired instructions) and enters the user program
; with an iret whose saved status is USER_STATUS: ring 3, interrupts on. The user program
; counts, makes a null system call (getpid) every 100 rounds, writes a line, and exits; the
; timer interrupts it all along, and the kernel counts the ticks. Time is the instruction
; count, so the ticks are the same in every run and under every layout of the monitor.
;
;   r4 run Guests/examples/ticks.asm
;   r4 compare Guests/examples/ticks.asm --plot-metric exits --plot ticks.png
;
; Why the system call gate is a trap gate: an interrupt gate would clear IE on entry, so the
; handler's iret would turn IE back on — and under the monitor (ring012, ring013) an iret
; that changes IE outside real ring 0 must trap to be emulated: one monitor exit per system
; call. Through a trap gate IE stays on, the iret changes nothing, and the call and its
; iret run in hardware (0 exits). Try -D SYSCALL_INTERRUPT_GATE=1 to see the difference
; (docs/writing-a-kernel.md, "System calls with interrupts on").
;
; Expected output (exit status 0):
;   kernel: timer every 1000 instructions, entering user mode with interrupts on
;   user: counted to 20000 with 200 getpid calls
;   kernel: user exited with status 0 after 104 timer ticks

.include "../lib/frame.inc"     ; FRAME_*, VEC_*, GATE_*, USER_STATUS
.include "../lib/ports.inc"     ; PORT_TIMER_PERIOD, PORT_POWER
.include "../lib/syscalls.inc"  ; SYS_WRITE, SYS_GETPID, SYS_EXIT, SYSCALL_VECTOR

.equ TICK_INSTRUCTIONS, 1000
.equ ROUNDS, 20000
.if !defined(SYSCALL_INTERRUPT_GATE)
.equ SYSCALL_INTERRUPT_GATE, 0
.endif
.equ SYSCALL_GATE, GATE_PRESENT | GATE_DPL3 | (SYSCALL_INTERRUPT_GATE * GATE_INTERRUPT)

.org 0x1000
.entry start
start:
    la   sp, kernel_stack_top
    la   r1, vectors
    mtcr ivt, r1                    ; the CPU reads the 64 gates now
    la   r1, kernel_stack_top
    mtcr ksp0, r1                   ; the stack a trap from ring 3 switches to
    la   r1, msg_start
    li   r2, TICK_INSTRUCTIONS
    call kprintf
    li   r1, TICK_INSTRUCTIONS
    out  PORT_TIMER_PERIOD, r1      ; the timer runs from here on
    la   r1, user_stack_top         ; the frame iret pops, pushed highest word first
    push r1                         ;   FRAME_SP
    li   r1, USER_STATUS
    push r1                         ;   FRAME_STATUS: ring 3, IE on
    la   r1, user_main
    push r1                         ;   FRAME_PC
    push zero                       ;   FRAME_ERROR
    iret

; The timer interrupt (an interrupt gate: IE is off in here). Counts a tick; every other
; register is preserved. The iret restores the interrupted code's status, IE on.
on_timer:
    push r1
    la   r1, ticks
    ldw  r1, [r1]
    addi r1, r1, 1
    push r2
    la   r2, ticks
    stw  r1, [r2]
    pop  r2
    pop  r1
    iret

; The system call (a trap gate: IE stays on, so the timer may interrupt the handler too):
; r1 = number, r2..r3 arguments, result in r1; every other register is preserved.
on_syscall:
    push r2
    push r3
    push r4
    li   r4, SYS_GETPID
    beq  r1, r4, .getpid
    li   r4, SYS_WRITE
    beq  r1, r4, .write
    li   r4, SYS_EXIT
    beq  r1, r4, .exit
    li   r1, SYS_ERROR
    jmp  .return
.getpid:
    li   r1, 1
    jmp  .return
.write:                             ; write(r2 = buffer, r3 = length) -> length
    mov  r1, r3
    add  r3, r2, r3
.byte:
    beq  r2, r3, .return
    ldbu r4, [r2]
    out  PORT_CONSOLE_DATA, r4
    addi r2, r2, 1
    jmp  .byte
.return:
    pop  r4
    pop  r3
    pop  r2
    iret
.exit:                              ; exit(r2 = status): report and power off
    cli                             ; no more ticks: the count below is final
    out  PORT_TIMER_PERIOD, zero
    mov  r7, r2
    la   r1, msg_exit
    la   r3, ticks
    ldw  r3, [r3]
    call kprintf
    out  PORT_POWER, r7

; Any fault: report the vector's frame and stop with status 1.
on_fault:
    la   r1, msg_fault
    ldw  r2, [sp + FRAME_PC]
    call kprintf
    li   r1, 1
    out  PORT_POWER, r1

msg_start: .asciz "kernel: timer every %u instructions, entering user mode with interrupts on\n"
msg_exit:  .asciz "kernel: user exited with status %u after %u timer ticks\n"
msg_fault: .asciz "kernel: fault at pc=0x%x\n"
.align 4
ticks: .word 0

.include "../lib/kprintf.inc"

.macro gate handler, flags
    .word \handler, \flags
.endm
.align 8
vectors:
    .space VEC_GP * GATE_BYTES                      ; 0..4: not present
    gate on_fault, GATE_PRESENT | GATE_INTERRUPT    ; 5: #GP
    gate on_fault, GATE_PRESENT | GATE_INTERRUPT    ; 6: #PF
    .space (VEC_TIMER - VEC_PF - 1) * GATE_BYTES
    gate on_timer, GATE_PRESENT | GATE_INTERRUPT    ; 16: the timer, IE off inside
    .space (VEC_SYSCALL - VEC_TIMER - 1) * GATE_BYTES
    gate on_syscall, SYSCALL_GATE                   ; 32: the user may int; a trap gate
    .space (VECTOR_COUNT - VEC_SYSCALL - 1) * GATE_BYTES
.align 4
    .space 512
kernel_stack_top:

; ---- ring 3, interrupts on ----
.org 0x4000
user_main:
    li   r7, 0                      ; r7 = rounds counted
    li   r8, 0                      ; r8 = getpid calls made
    li   r9, ROUNDS
.round:
    addi r7, r7, 1
    li   r1, 100
    remu r1, r7, r1
    bnez r1, .next
    li   r1, SYS_GETPID             ; every 100 rounds a null system call
    int  SYSCALL_VECTOR
    addi r8, r8, 1
.next:
    bne  r7, r9, .round
    li   r1, SYS_WRITE
    la   r2, msg_user
    li   r3, msg_user_end - msg_user
    int  SYSCALL_VECTOR
    li   r1, SYS_EXIT
    li   r2, 0
    int  SYSCALL_VECTOR
msg_user: .ascii "user: counted to 20000 with 200 getpid calls\n"
msg_user_end:
.align 4
    .space 256
user_stack_top:
