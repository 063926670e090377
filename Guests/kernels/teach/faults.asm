; faults.asm — the teaching kernel with processes that each commit one fault: a null
; read, a write to a kernel page, a privileged instruction, a divide by zero, an undefined
; instruction, a misaligned load, a jump into the (non-executable) stack, a stray brk, an
; `int 16` posing as the timer. Each is killed with a message naming the fault; one
; healthy process (survivor) runs on and exits with status 7; the kernel then powers off
; with status 0.
.include "core.inc"

boot_programs:
    .word fault_null,       fault_null_end,       name_null
    .word fault_kernel,     fault_kernel_end,     name_kernel
    .word fault_privileged, fault_privileged_end, name_privileged
    .word survivor,         survivor_end,         name_survivor
    .word fault_divide,     fault_divide_end,     name_divide
    .word fault_undefined,  fault_undefined_end,  name_undefined
    .word fault_align,      fault_align_end,      name_align
    .word fault_exec_stack, fault_exec_stack_end, name_exec
    .word fault_breakpoint, fault_breakpoint_end, name_breakpoint
    .word fault_fake_irq,   fault_fake_irq_end,   name_fake_irq
    .word 0
name_null:       .asciz "null"
name_kernel:     .asciz "kernel"
name_privileged: .asciz "privileged"
name_survivor:   .asciz "survivor"
name_divide:     .asciz "divide"
name_undefined:  .asciz "undefined"
name_align:      .asciz "align"
name_exec:       .asciz "exec"
name_breakpoint: .asciz "breakpoint"
name_fake_irq:   .asciz "fake irq"
.align 4
kernel_end:

.org ULIB_BASE
user_space:                     ; everything from here on is ring-3 code and data
.include "../../lib/ulib.inc"
ulib_end:

.org USER_IMAGE_BASE
.include "user/faulty.asm"
.org USER_IMAGE_BASE + 1 * USER_SLOT_BYTES
.include "user/survivor.asm"
