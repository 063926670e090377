; proc.asm — the process table, process creation, the round-robin scheduler, sleeping,
; exit and kill.
;
; Switching processes needs no saved kernel context: the kernel never blocks halfway
; through a trap (it runs with interrupts off, start to finish), so a process that is not
; running is always stopped in user mode, its registers in the trap frame at the top of its
; kernel stack. schedule() picks the next runnable process, loads its page directory
; (ptbr) and kernel stack (ksp0), notes when its time slice starts, and returns its
; frame; trap_common resumes it with iret. The timer runs all along (one tick per
; TIME_SLICE_INSTRUCTIONS), so sleepers wake on time however the others use the CPU.

proc_table:   .space NPROC * PROC_BYTES
cur_proc:     .word 0           ; the running process, 0 when idle
last_slot:    .word NPROC - 1   ; slot that ran last: the search starts after it (slot 0 first)
next_pid:     .word 1
live_count:   .word 0           ; processes not yet exited
ticks:        .word 0           ; timer interrupts since boot
slice_start:  .word 0           ; rdtick when the running process got the CPU
loaded_pgdir: .word 0           ; directory in ptbr (skip the rewrite, and its TLB flush)

; proc_create(r1 = image start, r2 = image end, r3 = name) -> r1 = the process
; Runs at boot with paging off. Panics when the table or memory is full.
proc_create:
    addi sp, sp, -20
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    stw r10, [sp + 16]
    mov r7, r1
    mov r8, r2
    mov r9, r3
    la r10, proc_table              ; find an unused slot
    li r4, NPROC
.slot:
    ldw r5, [r10 + P_STATE]
    beqz r5, .found
    addi r10, r10, PROC_BYTES
    addi r4, r4, -1
    bnez r4, .slot
    la r1, msg_table_full
    call panic
.found:
    call uvm_create                 ; its address space: the kernel window,
    beqz r1, .no_memory
    stw r1, [r10 + P_PGDIR]
    li r2, ULIB_BASE                ; the shared user library,
    la r3, ulib_end
    li r4, PTE_USER_RX
    call uvm_map_shared
    bnez r1, .no_memory
    ldw r1, [r10 + P_PGDIR]         ; and its own copy of the program
    mov r2, r7
    mov r3, r8
    call uvm_load_copy
    bnez r1, .no_memory
    addi r2, r8, PAGE_SIZE - 1      ; the heap starts empty, at the page after the image
    shri r2, r2, PAGE_SHIFT
    shli r2, r2, PAGE_SHIFT
    stw r2, [r10 + P_HEAP_BASE]
    stw r2, [r10 + P_BRK]
    la r2, next_pid
    ldw r3, [r2]
    stw r3, [r10 + P_PID]
    addi r3, r3, 1
    stw r3, [r2]
    stw r9, [r10 + P_NAME]
    la r2, proc_table               ; kernel stack: page number slot of kstacks
    sub r3, r10, r2
    li r4, PROC_BYTES
    divu r3, r3, r4
    addi r3, r3, 1
    shli r3, r3, PAGE_SHIFT
    la r2, kstacks
    add r3, r3, r2
    stw r3, [r10 + P_KSTACK_TOP]
    ; Its first trap frame, as if it had trapped just before its first instruction:
    ; registers 0, pc = entry, status = user ring with interrupts on, sp = stack top.
    addi r1, r3, -TF_BYTES
    li r2, TF_BYTES
    call memzero_words
    ldw r3, [r10 + P_KSTACK_TOP]
    addi r3, r3, -TF_BYTES
    stw r7, [r3 + TF_PC]
    li r4, USER_STATUS
    stw r4, [r3 + TF_STATUS]
    li r4, USER_STACK_TOP
    stw r4, [r3 + TF_SP]
    li r4, PROC_RUNNABLE
    stw r4, [r10 + P_STATE]
    la r2, live_count
    ldw r3, [r2]
    addi r3, r3, 1
    stw r3, [r2]
    la r1, msg_created
    ldw r2, [r10 + P_PID]
    mov r3, r9
    call kprintf
    mov r1, r10
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    ldw r10, [sp + 16]
    addi sp, sp, 20
    ret
.no_memory:
    la r1, msg_no_memory
    mov r2, r9
    call panic

; proc_create_all(r1 = table of (start, end, name) triples, ended by a 0 start)
proc_create_all:
    addi sp, sp, -8
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    mov r7, r1
.next:
    ldw r1, [r7 + 0]
    beqz r1, .done
    ldw r2, [r7 + 4]
    ldw r3, [r7 + 8]
    call proc_create
    addi r7, r7, 12
    jmp .next
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    addi sp, sp, 8
    ret

; schedule() -> r1 = the trap frame of the next runnable process, round robin after the
; one that ran last. With nothing runnable it idles (sleepers left) or powers off (none
; left); neither returns.
schedule:
    la r2, last_slot
    ldw r3, [r2]                    ; r3 = slot index
    li r4, NPROC                    ; r4 = slots left to look at
.look:
    addi r3, r3, 1
    li r5, NPROC
    bne r3, r5, .check
    li r3, 0
.check:
    li r5, PROC_BYTES
    mul r6, r3, r5
    la r5, proc_table
    add r6, r6, r5                  ; r6 = the process in slot r3
    ldw r5, [r6 + P_STATE]
    li r1, PROC_RUNNABLE
    beq r5, r1, .run
    addi r4, r4, -1
    bnez r4, .look
    la r2, live_count
    ldw r2, [r2]
    beqz r2, all_exited
    jmp idle
.run:
    stw r3, [r2]                    ; last_slot
    la r2, cur_proc
    stw r6, [r2]
    ldw r1, [r6 + P_PGDIR]
    la r2, loaded_pgdir
    ldw r3, [r2]
    beq r1, r3, .same_space
    stw r1, [r2]
    ori r1, r1, PTBR_ENABLE         ; switch address spaces (this flushes the TLB)
    mtcr ptbr, r1
.same_space:
    ldw r1, [r6 + P_KSTACK_TOP]     ; its next trap lands on its own kernel stack
.if defined(PARAVIRT)
    stw r1, [zero + pv_stack_request + HC_ARGUMENT]   ; for the tick's multicall (paravirt.asm)
    ldw r5, [zero + pv_in_tick]
    bnez r5, .pv_tick_ksp0
.endif
    mtcr ksp0, r1
.if defined(PARAVIRT)
    jmp .pv_ksp0_set
.pv_tick_ksp0:
    mtcr ksp0, r1                   ; patched to a nop: the tick's multicall switches the stack
.pv_ksp0_set:
.endif
    rdtick r2                       ; and its slice starts now: the timer preempts it only
    la r3, slice_start              ; once a whole slice has passed (trap.asm), so however
    stw r2, [r3]                    ; long the kernel just took, user code makes progress
    addi r1, r1, -TF_BYTES
    ret

; idle — nothing to run but someone sleeps: wait for the timer with interrupts on, on the
; idle stack. The timer's trap frame lands there (a ring-0 to ring-0 trap switches no
; stack); trap() then schedules and never comes back here.
idle:
.if defined(PARAVIRT)
    stw zero, [zero + pv_in_tick]   ; whatever wakes the idle loop schedules afresh
.endif
    la r1, cur_proc
    stw zero, [r1]
    la sp, idle_stack_top
    li r1, TIME_SLICE_INSTRUCTIONS  ; the clock must run for the sleepers' ticks
    out PORT_TIMER_PERIOD, r1
pv_site_idle_sti: sti               ; a paravirtual build patches it (paravirt.asm)
    hlt
    jmp idle

all_exited:
    la r2, free_frames              ; every frame a process had must be back
    ldw r2, [r2]
    la r3, boot_free_frames
    ldw r3, [r3]
    la r1, msg_leak
    bne r2, r3, panic
    la r1, msg_all_exited
    call kprintf
.if defined(PARAVIRT)
    call pv_kflush                  ; the kernel's buffered console line first
.endif
    out PORT_POWER, zero            ; exit status 0
    hlt                             ; (IE is 0: hlt powers off too)

; clock_tick() — one more tick; wake the sleepers whose time has come.
clock_tick:
    la r2, ticks
    ldw r3, [r2]
    addi r3, r3, 1
    stw r3, [r2]
    la r4, proc_table
    li r5, NPROC
.proc:
    ldw r1, [r4 + P_STATE]
    li r2, PROC_SLEEPING
    bne r1, r2, .next
    ldw r1, [r4 + P_WAKE_TICK]
    bgtu r1, r3, .next
    li r2, PROC_RUNNABLE
    stw r2, [r4 + P_STATE]
.next:
    addi r4, r4, PROC_BYTES
    addi r5, r5, -1
    bnez r5, .proc
    ret

; proc_kill_current(r1 = frame) -> r1 = frame to resume: the running process faulted.
proc_kill_current:
    addi sp, sp, -8
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    mov r7, r1
    la r1, msg_killed
    la r2, cur_proc
    ldw r2, [r2]
    ldw r2, [r2 + P_PID]
    call kprintf
    mov r1, r7
    call print_trap_cause
    la r1, msg_killed_pc
    ldw r2, [r7 + TF_PC]
    call kprintf
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    addi sp, sp, 8
    jmp proc_release_current

; proc_release_current() -> r1 = frame to resume: free the running process and schedule.
proc_release_current:
    addi sp, sp, -8
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    la r7, cur_proc
    ldw r7, [r7]
    la r1, kernel_pgdir             ; leave its address space first: it is about to go
    ldw r1, [r1]
    la r2, loaded_pgdir
    stw r1, [r2]
    ori r1, r1, PTBR_ENABLE
    mtcr ptbr, r1
    ldw r1, [r7 + P_PGDIR]
    call uvm_free
    stw zero, [r7 + P_STATE]        ; PROC_UNUSED
    la r1, cur_proc
    stw zero, [r1]
    la r2, live_count
    ldw r3, [r2]
    addi r3, r3, -1
    stw r3, [r2]
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    addi sp, sp, 8
    jmp schedule

msg_created:    .asciz "[kernel] pid %u: %s\n"
msg_killed:     .asciz "[kernel] pid %u killed: "
msg_killed_pc:  .asciz " pc=0x%x\n"
msg_all_exited: .asciz "[kernel] all processes exited, %u frames free, powering off\n"
msg_leak:       .asciz "frames leaked: %u free, %u before the first process\n"
msg_table_full: .asciz "process table full\n"
msg_no_memory:  .asciz "out of memory creating %s\n"
.align 4
