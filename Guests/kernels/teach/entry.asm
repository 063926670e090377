; entry.asm — boot: the CPU starts here in ring 0, paging off, interrupts off, every
; register 0 (spec 6a). We set a stack, install the vector table, build the page tables
; and the processes, turn paging and the timer on, and return into the first process.

kernel_entry:
    la sp, idle_stack_top           ; boot on the idle stack
    la r1, msg_boot
    li r2, TIME_SLICE_INSTRUCTIONS
    call kprintf
    la r1, kernel_end               ; the memory map: the image must end below the pool
    li r2, FRAME_POOL_START
    bleu r1, r2, .fits
    la r1, msg_too_big
    la r2, kernel_end
    call panic
.fits:
    call trap_init                  ; from now on a fault is reported, not a shutdown
    call kvm_init
    la r1, boot_programs            ; processes are built while paging is off: their images
    call proc_create_all            ; are read at their physical addresses
    la r1, kernel_pgdir             ; paging on, in the kernel-only address space
    ldw r1, [r1]
    la r2, loaded_pgdir
    stw r1, [r2]
    ori r1, r1, PTBR_ENABLE
    mtcr ptbr, r1
    li r1, TIME_SLICE_INSTRUCTIONS  ; the timer: one interrupt per time slice
    out PORT_TIMER_PERIOD, r1
    call schedule                   ; the first process's frame (schedule loads its ptbr
    mov sp, r1                      ; and ksp0), entered as if returning from a trap
    jmp trap_return

msg_boot:    .asciz "[kernel] teach kernel booting, time slice %u instructions\n"
msg_too_big: .asciz "kernel image ends at 0x%x, inside the frame pool\n"
.align 4
