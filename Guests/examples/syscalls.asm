; syscalls.asm — a ring-0 loader and a ring-3 user program that talk through system calls.
;
; The kernel sets up a vector table (system call on vector 32, a handler that reports any
; fault), page tables (its own pages ring 0; the user's code and stack pages ring 3; paging
; on, so the rings are enforced), then enters the user program with iret. The user program
; writes a line (SYS_WRITE), asks for its pid (SYS_GETPID) and exits with status 41 + pid
; (SYS_EXIT). The kernel logs each call with the ring the trap frame says it came from and
; powers off with the user's exit status.
;
;   dotnet run --project Emulator/Cli -c Release -- run Guests/examples/syscalls.asm
;
; Expected output (exit status 42):
;   kernel: entering the user program
;   Hello from user mode!
;   kernel: write(22 bytes) from ring 3
;   kernel: getpid() = 1 from ring 3
;   kernel: exit(42) from ring 3

.equ SYS_EXIT, 1
.equ SYS_WRITE, 2
.equ SYS_GETPID, 4
.equ PORT_CONSOLE_DATA, 0x00
.equ PORT_POWER, 0xF0

.equ KSTACK_TOP, 0x10000        ; kernel stack: the page below, ring 0
.equ PAGE_DIR, 0x10000
.equ PAGE_TABLE, 0x11000        ; maps 0..4 MiB
.equ USTACK_PAGE, 0x20000       ; user stack: one page, ring 3
.equ USER_RING, 3
.equ PTE_KERNEL, 0x7            ; present, writable, executable, ring 0
.equ PTE_USER_CODE, 0x5 | (3 << 3)   ; present, executable, ring 3
.equ PTE_USER_DATA, 0x3 | (3 << 3)   ; present, writable, ring 3
.equ GATE_KERNEL, 0x30          ; present, interrupt gate, target ring 0, DPL 0
.equ GATE_SYSCALL, 0x3C         ; present, interrupt gate, target ring 0, DPL 3

; gate vector, handler, flags: fill one gate of the table at r10
.macro gate vector, handler, flags
    la   r1, \handler
    stw  r1, [r10 + \vector * 8]
    li   r1, \flags
    stw  r1, [r10 + \vector * 8 + 4]
.endm

.org 0x1000
.entry _start

_start:
    li   sp, KSTACK_TOP
    ; vector table: #GP (5) and #PF (6) report and stop; 32 is the system call
    la   r10, ivt
    gate 5, fault, GATE_KERNEL
    gate 6, fault, GATE_KERNEL
    gate 32, syscall, GATE_SYSCALL
    mtcr ivt, r10
    ; page tables: identity-map the kernel (0x1000 up to the user pages), the user pages
    ; and the user stack; the kernel stack and the tables lie inside the kernel's range
    li   r1, PAGE_DIR
    li   r2, PAGE_TABLE | 1
    stw  r2, [r1]
    li   r1, 0x1000
    la   r2, user_begin
    li   r3, PTE_KERNEL
    call map
    la   r1, user_begin
    la   r2, user_end
    li   r3, PTE_USER_CODE
    call map
    li   r1, KSTACK_TOP - 0x1000
    li   r2, KSTACK_TOP
    li   r3, PTE_KERNEL
    call map
    li   r1, USTACK_PAGE
    li   r2, USTACK_PAGE + 0x1000
    li   r3, PTE_USER_DATA
    call map
    li   r1, PAGE_DIR | 1
    mtcr ptbr, r1
    li   r1, KSTACK_TOP
    mtcr ksp0, r1               ; the stack a trap from the user ring switches to
    la   r1, msg_entering
    call puts
    ; enter the user program: iret pops pc, status (its ring, IE off) and sp
    li   sp, KSTACK_TOP - 16
    la   r1, user_main
    stw  r1, [sp + 4]
    li   r1, USER_RING
    stw  r1, [sp + 8]
    li   r1, USTACK_PAGE + 0x1000
    stw  r1, [sp + 12]
    iret

; map(r1 = start, r2 = end, r3 = flags): identity-map the pages of [start, end)
map:
    li   r4, PAGE_TABLE
.page:
    bgeu r1, r2, .done
    shri r5, r1, 12
    shli r5, r5, 2
    add  r5, r5, r4
    or   r6, r1, r3
    stw  r6, [r5]
    addi r1, r1, 0x1000
    jmp  .page
.done:
    ret

; The system call: r1 = number, r2.. arguments, result in r1. The hardware pushed the
; error code, pc, status and sp; after the 6 saved registers below, the saved status is
; at [sp + 24 + 8].
syscall:
    push r2
    push r3
    push r4
    push r7
    push r8
    push lr
    mov  r7, r1
    mov  r8, r2
    li   r3, SYS_WRITE
    beq  r7, r3, .write
    li   r3, SYS_GETPID
    beq  r7, r3, .getpid
    li   r3, SYS_EXIT
    beq  r7, r3, .exit
    li   r1, -1                 ; unknown call
    jmp  .return
.write:                         ; write(r2 = buffer, r3 = length)
    ldw  r3, [sp + 16]          ; the caller's r3 (saved second)
    add  r4, r8, r3
.emit:
    beq  r8, r4, .written
    ldbu r1, [r8]
    out  PORT_CONSOLE_DATA, r1
    addi r8, r8, 1
    jmp  .emit
.written:
    mov  r8, r3                 ; the result: bytes written
    la   r1, msg_write
    call puts
    mov  r1, r8
    call putdec
    la   r1, msg_write_end
    call puts
    call put_ring
    mov  r1, r8
    jmp  .return
.getpid:
    la   r1, msg_getpid
    call puts
    li   r1, 1
    call putdec
    la   r1, msg_from
    call puts
    call put_ring
    li   r1, 1
    jmp  .return
.exit:                          ; exit(r2 = status)
    la   r1, msg_exit
    call puts
    mov  r1, r8
    call putdec
    la   r1, msg_exit_end
    call puts
    call put_ring
    out  PORT_POWER, r8
.return:
    pop  lr
    pop  r8
    pop  r7
    pop  r4
    pop  r3
    pop  r2
    iret

; put_ring: prints the ring of the saved status of the trap frame (called from syscall
; with 6 registers pushed, so the frame's status is at [sp + 32]) and a newline
put_ring:
    push lr
    ldw  r1, [sp + 4 + 32]
    andi r1, r1, 3
    call putdec
    li   r1, '\n'
    out  PORT_CONSOLE_DATA, r1
    pop  lr
    ret

; fault: any #GP or #PF: report the saved pc and the error code, power off with 255
fault:
    la   r1, msg_fault
    call puts
    ldw  r1, [sp + 4]
    call putdec
    la   r1, msg_fault_error
    call puts
    ldw  r1, [sp]
    call putdec
    li   r1, '\n'
    out  PORT_CONSOLE_DATA, r1
    li   r1, 255
    out  PORT_POWER, r1

; puts(r1 = zero-terminated string)
puts:
    ldbu r2, [r1]
    beqz r2, .done
    out  PORT_CONSOLE_DATA, r2
    addi r1, r1, 1
    jmp  puts
.done:
    ret

; putdec(r1 = unsigned value)
putdec:
    addi sp, sp, -12
    addi r2, sp, 12
    li   r3, 10
.digit:
    remu r4, r1, r3
    divu r1, r1, r3
    addi r4, r4, '0'
    addi r2, r2, -1
    stb  r4, [r2]
    bnez r1, .digit
    addi r3, sp, 12
.put:
    ldbu r4, [r2]
    out  PORT_CONSOLE_DATA, r4
    addi r2, r2, 1
    bne  r2, r3, .put
    addi sp, sp, 12
    ret

msg_entering:    .asciz "kernel: entering the user program\n"
msg_write:       .asciz "kernel: write("
msg_write_end:   .asciz " bytes) from ring "
msg_getpid:      .asciz "kernel: getpid() = "
msg_from:        .asciz " from ring "
msg_exit:        .asciz "kernel: exit("
msg_exit_end:    .asciz ") from ring "
msg_fault:       .asciz "kernel: fault at pc "
msg_fault_error: .asciz ", error code "

.align 8
ivt:
    .space 64 * 8

; ---- the user program: its own pages, ring 3 ----------------------------------------
.align 4096
user_begin:

user_main:
    li   r1, SYS_WRITE
    la   r2, hello
    li   r3, hello_end - hello
    int  32
    li   r1, SYS_GETPID
    int  32
    addi r2, r1, 41             ; exit status 41 + pid
    li   r1, SYS_EXIT
    int  32

hello:
    .ascii "Hello from user mode!\n"
hello_end:

.align 4096
user_end:
