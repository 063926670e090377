; faulty.asm — user programs that each commit one fault (for faults.asm). Each says what
; it is about to do, then does it; the kernel kills it and the others run on.
; The label fault_*_site marks each faulting instruction (the tests expect the kernel to
; report exactly that pc).
; A program is `start: ... end:`; each starts on a page of its own (.align PAGE_SIZE), as
; the kernel copies whole pages from a program's start.

.align PAGE_SIZE
fault_null:                     ; read through a null pointer: page 0 is never mapped
    print fault_null_text
fault_null_site:
    ldw r1, [zero]
    sys_exit 1                  ; not reached
fault_null_text: .asciz "null: reading address 0\n"
.align 4
fault_null_end:

.align PAGE_SIZE
fault_kernel:                   ; write to a kernel page: present, but ring 0
    print fault_kernel_text
    li r2, 0x00001000
fault_kernel_site:
    stw r2, [r2]
    sys_exit 1
fault_kernel_text: .asciz "kernel: writing to the kernel at 0x1000\n"
.align 4
fault_kernel_end:

.align PAGE_SIZE
fault_privileged:               ; cli is ring 0 only: #GP
    print fault_privileged_text
fault_privileged_site:
    cli
    sys_exit 1
fault_privileged_text: .asciz "privileged: executing cli\n"
.align 4
fault_privileged_end:

.align PAGE_SIZE
fault_divide:                   ; divide by zero: #DE
    print fault_divide_text
    li r2, 42
fault_divide_site:
    div r3, r2, zero
    sys_exit 1
fault_divide_text: .asciz "divide: 42 / 0\n"
.align 4
fault_divide_end:

.align PAGE_SIZE
fault_undefined:                ; a word that is no instruction (opcode 0): #UD
    print fault_undefined_text
fault_undefined_site:
    .word 0
    sys_exit 1
fault_undefined_text: .asciz "undefined: executing the word 0x00000000\n"
.align 4
fault_undefined_end:

.align PAGE_SIZE
fault_align:                    ; a word load from an odd address: #AC
    print fault_align_text
    la r2, fault_align_text
fault_align_site:
    ldw r1, [r2 + 1]
    sys_exit 1
fault_align_text: .asciz "align: loading a word from an odd address\n"
.align 4
fault_align_end:

.align PAGE_SIZE
fault_exec_stack:               ; jump into the stack: its pages are not executable
    print fault_exec_stack_text
    li r2, 0x00000052           ; (a nop, were it allowed to run)
    push r2
    jr sp
fault_exec_stack_text: .asciz "exec: jumping into the stack\n"
.align 4
fault_exec_stack_end:

.align PAGE_SIZE
fault_breakpoint:               ; brk: #BP, whose saved pc is the NEXT instruction
    print fault_breakpoint_text
    brk
fault_breakpoint_after:
    sys_exit 1
fault_breakpoint_text: .asciz "breakpoint: executing brk with no debugger\n"
.align 4
fault_breakpoint_end:

.align PAGE_SIZE
fault_fake_irq:                 ; int 16 from ring 3: the timer's gate has DPL 0, so #GP
    print fault_fake_irq_text
fault_fake_irq_site:
    int VEC_TIMER
    sys_exit 1
fault_fake_irq_text: .asciz "fake irq: int 16, pretending to be the timer\n"
.align 4
fault_fake_irq_end:
