; syscall.asm — the system calls. `int 32` with r1 = number, r2..r4 = arguments; the
; result goes back in r1 (written into the frame's r1 slot, restored by trap_return).
; Every handler takes r1 = the caller's trap frame and returns r1 = the frame to resume:
; its own, or — after exit, yield or sleep — the next process's.

syscall_table:
    .word do_exit, do_write, do_yield, do_getpid, do_sleep, do_sbrk
.if defined(DISK_LOG)
    .word do_dread, do_dwrite           ; disk.asm
.equ SYSCALL_COUNT, 8
.else
.equ SYSCALL_COUNT, 6
.endif

; syscall_dispatch(r1 = frame) -> r1 = frame to resume
syscall_dispatch:
    ldw r2, [r1 + TF_R1]
    addi r2, r2, -1                 ; numbers start at 1
    li r3, SYSCALL_COUNT
    bgeu r2, r3, .unknown           ; unsigned: also catches 0 and negative numbers
    shli r2, r2, 2
    la r3, syscall_table
    add r3, r3, r2
    ldw r3, [r3]
    jr r3                           ; the handler returns straight to our caller
.unknown:
    li r2, SYS_ERROR
    stw r2, [r1 + TF_R1]
    ret

; exit(status): never returns to the caller.
do_exit:
    mov r4, r1
    la r1, msg_exited
    la r2, cur_proc
    ldw r2, [r2]
    ldw r2, [r2 + P_PID]
    ldw r3, [r4 + TF_R2]
    addi sp, sp, -4
    stw lr, [sp]
    call kprintf
    ldw lr, [sp]
    addi sp, sp, 4
    jmp proc_release_current

; write(buffer, length) -> length, or -1 when the buffer is not the caller's memory
do_write:
    addi sp, sp, -16
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    mov r7, r1
    ldw r8, [r7 + TF_R2]            ; r8 = buffer
    ldw r9, [r7 + TF_R3]            ; r9 = length
    mov r1, r8                      ; check before touching: a bad pointer fails the call,
    mov r2, r9                      ; it must not fault in the kernel
    call uvm_check_user
    bnez r1, .bad
    add r3, r8, r9
.if defined(PARAVIRT)
    ; the whole buffer in one hypercall (natively an ignored port); the monitor having agreed
    ; at boot, the loop's out below is patched to a nop (paravirt.asm)
    call pv_kflush                  ; the kernel's own buffered bytes go first
    stw r9, [zero + pv_console_request + HC_ARGUMENT]
    stw r8, [zero + pv_console_request + HC_ENTRIES]
    li r2, pv_console_request
    out PORT_HYPERCALL, r2
.endif
.byte:
    beq r8, r3, .written
    ldbu r2, [r8]
    out PORT_CONSOLE_DATA, r2       ; paravirt.asm patches it (do_write.byte + 8)
    addi r8, r8, 1
    jmp .byte
.bad:
    li r9, SYS_ERROR
.written:
    stw r9, [r7 + TF_R1]
    mov r1, r7
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    ret

; yield() -> 0: the rest of the time slice goes to the next runnable process.
do_yield:
    stw zero, [r1 + TF_R1]
    jmp schedule

; getpid() -> the caller's process id
do_getpid:
.if defined(KERNEL_BUG_GETPID)
    ; A deliberate kernel bug (panic.asm): use a null process pointer. The kernel
    ; window's page 0 is absent, so this is a page fault in ring 0 — a kernel panic.
kernel_bug_site:
    ldw r2, [zero + P_PID]
.else
    la r2, cur_proc
    ldw r2, [r2]
    ldw r2, [r2 + P_PID]
.endif
    stw r2, [r1 + TF_R1]
    ret

; sleep(ticks) -> 0: not runnable until that many more timer ticks have passed.
do_sleep:
    stw zero, [r1 + TF_R1]
    ldw r2, [r1 + TF_R2]
    beqz r2, schedule               ; sleep(0) is a yield
    la r3, ticks
    ldw r3, [r3]
    add r2, r2, r3
    la r3, cur_proc
    ldw r3, [r3]
    stw r2, [r3 + P_WAKE_TICK]
    li r2, PROC_SLEEPING
    stw r2, [r3 + P_STATE]
    jmp schedule

; sbrk(increment) -> the old break, or -1 when the new break would leave
; [heap base, USER_HEAP_LIMIT]. Growing only moves the break: pages arrive on first touch
; (vm_demand_fault). Shrinking frees the whole pages above the new break.
do_sbrk:
    addi sp, sp, -16
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    mov r7, r1                      ; r7 = frame
    la r8, cur_proc
    ldw r8, [r8]                    ; r8 = process
    ldw r9, [r8 + P_BRK]            ; r9 = old break
    ldw r2, [r7 + TF_R2]
    add r3, r9, r2                  ; r3 = new break
    blt r2, zero, .shrink
    bltu r3, r9, .refuse            ; wrapped
    li r4, USER_HEAP_LIMIT
    bgtu r3, r4, .refuse
    stw r3, [r8 + P_BRK]
    jmp .done
.shrink:
    bgtu r3, r9, .refuse            ; wrapped below 0
    ldw r4, [r8 + P_HEAP_BASE]
    bltu r3, r4, .refuse
    stw r3, [r8 + P_BRK]
    ldw r1, [r8 + P_PGDIR]
    addi r2, r3, PAGE_SIZE - 1      ; free [round_up(new), round_up(old))
    shri r2, r2, PAGE_SHIFT
    shli r2, r2, PAGE_SHIFT
    addi r3, r9, PAGE_SIZE - 1
    shri r3, r3, PAGE_SHIFT
    shli r3, r3, PAGE_SHIFT
    call uvm_unmap_range
    jmp .done
.refuse:
    li r9, SYS_ERROR
.done:
    stw r9, [r7 + TF_R1]
    mov r1, r7
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    ret

msg_exited: .asciz "[kernel] pid %u exited (status %d)\n"
.align 4
