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

.include "../lib/syscalls.inc"  ; SYS_WRITE, SYS_GETPID, SYS_EXIT, SYS_ERROR
.include "../lib/frame.inc"     ; trap frame offsets, gate and page-table bits, USER_RING

.equ KSTACK_TOP, 0x10000        ; kernel stack: the page below, ring 0
.equ PAGE_DIR, 0x10000
.equ PAGE_TABLE, 0x11000        ; maps 0..4 MiB
.equ USTACK_PAGE, 0x20000       ; user stack: one page, ring 3
.equ KERNEL_PAGE, PTE_PRESENT | PTE_WRITABLE | PTE_EXECUTABLE | PTE_KERNEL
.equ USER_CODE_PAGE, PTE_PRESENT | PTE_EXECUTABLE | PTE_USER
.equ USER_DATA_PAGE, PTE_PRESENT | PTE_WRITABLE | PTE_USER
.equ KERNEL_GATE, GATE_PRESENT | GATE_INTERRUPT                 ; target ring 0, DPL 0
.equ SYSCALL_GATE, GATE_PRESENT | GATE_INTERRUPT | GATE_DPL3    ; the user may int 32

; gate vector, handler, flags: fill one gate of the table at r10
.macro gate vector, handler, flags
    la   r1, \handler
    stw  r1, [r10 + \vector * GATE_BYTES]
    li   r1, \flags
    stw  r1, [r10 + \vector * GATE_BYTES + 4]
.endm

.org 0x1000
.entry _start

_start:
    li   sp, KSTACK_TOP
    ; vector table: #GP and #PF report and stop; 32 is the system call
    la   r10, ivt
    gate VEC_GP, fault_handler, KERNEL_GATE
    gate VEC_PF, fault_handler, KERNEL_GATE
    gate VEC_SYSCALL, syscall_entry, SYSCALL_GATE
    mtcr ivt, r10
    ; page tables: identity-map the kernel (0x1000 up to the user pages), the user pages,
    ; the kernel stack and the user stack
    li   r1, PAGE_DIR
    li   r2, PAGE_TABLE | PDE_PRESENT
    stw  r2, [r1]
    li   r1, 0x1000
    la   r2, user_begin
    li   r3, KERNEL_PAGE
    call map
    la   r1, user_begin
    la   r2, user_end
    li   r3, USER_CODE_PAGE
    call map
    li   r1, KSTACK_TOP - PAGE_SIZE
    li   r2, KSTACK_TOP
    li   r3, KERNEL_PAGE
    call map
    li   r1, USTACK_PAGE
    li   r2, USTACK_PAGE + PAGE_SIZE
    li   r3, USER_DATA_PAGE
    call map
    li   r1, PAGE_DIR | PTBR_ENABLE
    mtcr ptbr, r1
    li   r1, KSTACK_TOP
    mtcr ksp0, r1               ; the stack a trap from the user ring switches to
    la   r1, msg_entering
    call kputs
    ; enter the user program: iret pops pc, status (its ring, IE off) and sp
    li   sp, KSTACK_TOP - FRAME_BYTES
    la   r1, user_main
    stw  r1, [sp + FRAME_PC]
    li   r1, USER_RING
    stw  r1, [sp + FRAME_STATUS]
    li   r1, USTACK_PAGE + PAGE_SIZE
    stw  r1, [sp + FRAME_SP]
    iret

; map(r1 = start, r2 = end, r3 = flags): identity-map the pages of [start, end)
map:
    li   r4, PAGE_TABLE
.page:
    bgeu r1, r2, .done
    shri r5, r1, PAGE_SHIFT
    shli r5, r5, 2
    add  r5, r5, r4
    or   r6, r1, r3
    stw  r6, [r5]
    addi r1, r1, PAGE_SIZE
    jmp  .page
.done:
    ret

; The system call: r1 = number, r2.. arguments, result in r1; every other register is
; preserved. The hardware pushed the trap frame; the 8 registers saved below put it at
; sp + SAVED.
.equ SAVED, 8 * 4
syscall_entry:
    push r2
    push r3
    push r4
    push r5
    push r6
    push r7
    push r8
    push lr
    ldw  r7, [sp + SAVED + FRAME_STATUS]
    andi r7, r7, STATUS_CPL_MASK        ; r7 = the ring the call came from, as the frame says
    mov  r8, r2
    li   r4, SYS_WRITE
    beq  r1, r4, .write
    li   r4, SYS_GETPID
    beq  r1, r4, .getpid
    li   r4, SYS_EXIT
    beq  r1, r4, .exit
    li   r1, SYS_ERROR                  ; unknown call
    jmp  .return
.write:                                 ; write(r2 = buffer, r3 = length) -> length
    mov  r5, r2
    add  r6, r2, r3
.emit:
    beq  r5, r6, .written
    ldbu r4, [r5]
    out  PORT_CONSOLE_DATA, r4
    addi r5, r5, 1
    jmp  .emit
.written:
    mov  r8, r3
    la   r1, fmt_write
    mov  r2, r3
    mov  r3, r7
    call kprintf
    mov  r1, r8
    jmp  .return
.getpid:                                ; getpid() -> 1, the only process
    la   r1, fmt_getpid
    li   r2, 1
    mov  r3, r7
    call kprintf
    li   r1, 1
    jmp  .return
.exit:                                  ; exit(r2 = status): power off with it
    la   r1, fmt_exit
    mov  r2, r8
    mov  r3, r7
    call kprintf
    out  PORT_POWER, r8
.return:
    pop  lr
    pop  r8
    pop  r7
    pop  r6
    pop  r5
    pop  r4
    pop  r3
    pop  r2
    iret

; Any #GP or #PF: report the saved pc, the error code and the fault address, then power
; off with status 255.
fault_handler:
    la   r1, fmt_fault
    ldw  r2, [sp + FRAME_PC]
    ldw  r3, [sp + FRAME_ERROR]
    mfcr r4, fault
    call kprintf
    li   r1, 255
    out  PORT_POWER, r1

; kputs, kprintf: console output from ring 0
.include "../lib/kprintf.inc"

msg_entering: .asciz "kernel: entering the user program\n"
fmt_write:    .asciz "kernel: write(%u bytes) from ring %u\n"
fmt_getpid:   .asciz "kernel: getpid() = %u from ring %u\n"
fmt_exit:     .asciz "kernel: exit(%u) from ring %u\n"
fmt_fault:    .asciz "kernel: fault at pc 0x%x, error 0x%x, address 0x%x\n"

.align 8
ivt:
    .space VECTOR_COUNT * GATE_BYTES

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
