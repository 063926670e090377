; trap.asm — the vector table, the entry stubs, saving and restoring registers in the trap
; frame, and the dispatcher that decides what each trap means.
;
; vector_names (at the end) names vectors 0..VECTOR_NAME_COUNT-1
.equ VECTOR_NAME_COUNT, 10

; How a trap arrives (spec 5.2): the CPU reads gate v of the table `ivt` points at. From
; user code (saved CPL > target ring 0) it first switches sp to ksp0, the top of the running
; process's kernel stack; it pushes error, pc, status and the old sp, clears IE (these are
; interrupt gates) and jumps to the handler. Nothing else is saved: the stub must save every
; register before using one.

.macro gate handler, flags
    .word \handler, \flags
.endm
.macro no_gate
    .word 0, 0                  ; not present: raising it is a #GP (or, while delivering
.endm                           ; a fault, a double fault)

; The table is plain data; trap_init hands its address to the CPU.
.align 8
ivt_table:
    gate trap_de, KERNEL_GATE           ; 0  divide error
    no_gate                             ; 1
    no_gate                             ; 2
    gate trap_bp, KERNEL_GATE           ; 3  brk
    gate trap_ud, KERNEL_GATE           ; 4  undefined instruction
    gate trap_gp, KERNEL_GATE           ; 5  general protection
    gate trap_pf, KERNEL_GATE           ; 6  page fault
    gate trap_ac, KERNEL_GATE           ; 7  alignment
    gate trap_df, KERNEL_GATE           ; 8  double fault
    gate trap_mc, KERNEL_GATE           ; 9  machine check
    .space 6 * GATE_BYTES               ; 10..15 reserved
    gate trap_timer, KERNEL_GATE        ; 16 timer
    gate trap_console, KERNEL_GATE      ; 17 console input (never enabled: one would panic)
    gate trap_disk, KERNEL_GATE         ; 18 disk (no disk driver: likewise)
    .space 13 * GATE_BYTES              ; 19..31 reserved
    gate trap_syscall, SYSCALL_GATE     ; 32 system call: the one gate user code may `int` to
    .space 31 * GATE_BYTES              ; 33..63 unused: `int` to them is a #GP

; trap_init() — load the vector table. The CPU copies it now; later edits need a rewrite.
trap_init:
    la r1, ivt_table
    mtcr ivt, r1
    ret

; Each stub makes room for the saved registers, frees r1 by saving it, and puts its vector
; number in r1: four instructions, then the common path.
.macro trap_entry vector
    addi sp, sp, -TF_REGS_BYTES
    stw r1, [sp + TF_R1]
    li r1, \vector
    jmp trap_common
.endm

trap_de:
    trap_entry VEC_DE
trap_bp:
    trap_entry VEC_BP
trap_ud:
    trap_entry VEC_UD
trap_gp:
    trap_entry VEC_GP
trap_pf:
    trap_entry VEC_PF
trap_ac:
    trap_entry VEC_AC
trap_df:
    trap_entry VEC_DF
trap_mc:
    trap_entry VEC_MC
trap_timer:
    ; First stop the timer: it stays off while the kernel works, and trap() restarts it
    ; for the next slice. A period that ended in here would leave a request latched that
    ; fires the moment user code resumes; with a slice shorter than the kernel's path the
    ; user would never run again (an interrupt storm). `out` needs no free register: r0.
    out PORT_TIMER_PERIOD, zero
    trap_entry VEC_TIMER
trap_console:
    trap_entry VEC_CONSOLE
trap_disk:
    trap_entry VEC_DISK
trap_syscall:
    trap_entry VEC_SYSCALL

; trap_common: save the rest of the registers, call trap(frame), and resume whatever
; frame trap returns — the same one, or another process's (that is a context switch).
trap_common:
    stw r1, [sp + TF_VECTOR]
    stw r2, [sp + 8]
    stw r3, [sp + 12]
    stw r4, [sp + 16]
    stw r5, [sp + 20]
    stw r6, [sp + 24]
    stw r7, [sp + 28]
    stw r8, [sp + 32]
    stw r9, [sp + 36]
    stw r10, [sp + 40]
    stw r11, [sp + 44]
    stw r12, [sp + 48]
    stw r13, [sp + 52]
    stw r15, [sp + 60]
    mov r1, sp
    call trap
    mov sp, r1
; trap_return: restore every register from the frame at sp and `iret`, which pops the
; hardware part: pc, status (ring and IE) and sp. Also the way into a brand-new process.
trap_return:
    ldw r15, [sp + 60]
    ldw r13, [sp + 52]
    ldw r12, [sp + 48]
    ldw r11, [sp + 44]
    ldw r10, [sp + 40]
    ldw r9, [sp + 36]
    ldw r8, [sp + 32]
    ldw r7, [sp + 28]
    ldw r6, [sp + 24]
    ldw r5, [sp + 20]
    ldw r4, [sp + 16]
    ldw r3, [sp + 12]
    ldw r2, [sp + 8]
    ldw r1, [sp + 4]
    addi sp, sp, TF_REGS_BYTES
    iret

; trap(r1 = frame) -> r1 = the frame to resume. Runs with interrupts off.
trap:
    addi sp, sp, -12
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    mov r7, r1                          ; r7 = frame
    ldw r8, [r7 + TF_VECTOR]            ; r8 = vector
    li r2, VEC_SYSCALL
    beq r8, r2, .syscall
    li r2, VEC_TIMER
    beq r8, r2, .timer
.if defined(DISK_LOG)
    li r2, VEC_DISK
    beq r8, r2, .disk
    li r2, VEC_TIMER
.endif
    bgeu r8, r2, .kernel_fault          ; an interrupt from a device we never enabled is
                                        ; the kernel's bug, whoever was running
    ; Everything else is a fault. Who was running? The saved status says: CPL 0 means
    ; the kernel itself faulted, which is a kernel bug.
    ldw r2, [r7 + TF_STATUS]
    andi r2, r2, STATUS_CPL_MASK
    beqz r2, .kernel_fault
    li r2, VEC_PF
    bne r8, r2, .kill
    ; A user page fault may just be a heap or stack page not allocated yet.
    mfcr r1, fault
    ldw r2, [r7 + TF_ERROR]
    call vm_demand_fault
    bnez r1, .kill
    mov r1, r7                          ; fixed: retry the faulting instruction
    jmp .out
.kill:
    mov r1, r7
    call proc_kill_current
    jmp .out
.syscall:
    mov r1, r7
    call syscall_dispatch
    jmp .out
.timer:
    ; One tick: wake sleepers, then preempt — round robin to the next runnable process.
    ; From user code this is the time slice ending; from the kernel it can only be the
    ; idle loop's `hlt`, which waits for exactly this. (The stub stopped the timer.)
    call clock_tick
    ; Preempt only a process whose slice is over. A tick can come sooner after it got the
    ; CPU: the period was already running (it came by a yield or a sleep), or it ended while
    ; the kernel ran with interrupts off (a long exit or kill) and stayed latched until the
    ; process started. Time passed — the tick counts — but the process keeps the CPU.
    mov r1, r7
    la r2, cur_proc
    ldw r2, [r2]
    beqz r2, .preempt                   ; idle: someone may have woken
    rdtick r3
    la r4, slice_start
    ldw r4, [r4]
    sub r3, r3, r4                      ; instructions since it got the CPU
    li r4, TIME_SLICE_INSTRUCTIONS
    bltu r3, r4, .restart_clock
.preempt:
.if defined(PARAVIRT)
    li r3, 1
    stw r3, [zero + pv_in_tick]         ; schedule leaves ksp0 to the restart's multicall
.endif
    call schedule
.restart_clock:
    ; The clock runs on, last thing before returning to user code (so the period cannot end
    ; in here). Only this path restarts it: a yield or a sleep leaves it running, so time
    ; passes for the sleepers however the others use the CPU.
    li r2, TIME_SLICE_INSTRUCTIONS
.if defined(PARAVIRT)
    stw zero, [zero + pv_in_tick]
    li r3, pv_tick_multicall
.pv_restart:                            ; patched to `out PORT_HYPERCALL, r3` (paravirt.asm)
.endif
    out PORT_TIMER_PERIOD, r2
    jmp .out
.if defined(DISK_LOG)
.disk:
    ; The disk finished: its process may run again. From a process, that process goes on;
    ; from the idle loop (nothing else could run), schedule the one that woke.
    call disk_interrupt
    mov r1, r7
    la r2, cur_proc
    ldw r2, [r2]
    beqz r2, .preempt
    jmp .out
.endif
.kernel_fault:
    mov r1, r7
    call panic_trap
.out:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    addi sp, sp, 12
    ret

; print_trap_cause(r1 = frame) — e.g. "page fault at 0x00000000 (not present, read)".
print_trap_cause:
    addi sp, sp, -12
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    mov r7, r1
    ldw r8, [r7 + TF_VECTOR]
    li r2, VECTOR_NAME_COUNT
    bgeu r8, r2, .unknown
    la r2, vector_names
    shli r3, r8, 2
    add r2, r2, r3
    ldw r1, [r2]
    beqz r1, .unknown
    call kputs
    li r2, VEC_PF
    beq r8, r2, .page_fault
    li r2, VEC_AC
    bne r8, r2, .done
    la r1, msg_at                       ; alignment: which address
    mfcr r2, fault
    call kprintf
    jmp .done
.page_fault:
    la r1, msg_at
    mfcr r2, fault
    call kprintf
    ldw r8, [r7 + TF_ERROR]
    la r1, msg_not_present              ; why: absent page, the ring, or read-only/no-execute
    andi r2, r8, PF_PRESENT
    beqz r2, .kind
    la r1, msg_ring
    andi r2, r8, PF_RING
    bnez r2, .kind
    la r1, msg_protection
.kind:
    call kputs
    la r1, msg_read                     ; what the access was
    andi r2, r8, PF_WRITE
    beqz r2, .access
    la r1, msg_write
.access:
    andi r2, r8, PF_FETCH
    beqz r2, .print_access
    la r1, msg_fetch
.print_access:
    call kputs
    jmp .done
.unknown:
    la r1, msg_vector
    mov r2, r8
    call kprintf
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    addi sp, sp, 12
    ret

; panic_trap(r1 = frame) — the kernel itself trapped: report and power off.
panic_trap:
    mov r7, r1
    la r1, msg_panic
    call kputs
    mov r1, r7
    call print_trap_cause
    la r1, msg_in_kernel
    ldw r2, [r7 + TF_STATUS]
    andi r2, r2, STATUS_CPL_MASK
    beqz r2, .where
    la r1, msg_in_user                  ; (an unexpected interrupt of user code)
.where:
    ldw r2, [r7 + TF_PC]
    jmp panic_finish

; panic(r1 = format, r2..r6 = arguments) — print "[kernel] panic: ...", power off non-zero.
panic:
    addi sp, sp, -24
    stw r1, [sp + 0]
    stw r2, [sp + 4]
    stw r3, [sp + 8]
    stw r4, [sp + 12]
    stw r5, [sp + 16]
    stw r6, [sp + 20]
    la r1, msg_panic
    call kputs
    ldw r1, [sp + 0]
    ldw r2, [sp + 4]
    ldw r3, [sp + 8]
    ldw r4, [sp + 12]
    ldw r5, [sp + 16]
    ldw r6, [sp + 20]
panic_finish:
    call kprintf
.if defined(PARAVIRT)
    call pv_kflush                  ; the kernel's buffered console line first
.endif
    li r1, PANIC_EXIT_STATUS
    out PORT_POWER, r1
.stop:
    jmp .stop                           ; not reached: power-off stops the machine

vector_names:
    .word name_de, 0, 0, name_bp, name_ud, name_gp, name_pf, name_ac, name_df, name_mc
name_de: .asciz "divide error"
name_bp: .asciz "breakpoint"
name_ud: .asciz "undefined instruction"
name_gp: .asciz "general protection"
name_pf: .asciz "page fault"
name_ac: .asciz "alignment check"
name_df: .asciz "double fault"
name_mc: .asciz "machine check"
msg_at:  .asciz " at 0x%x"
msg_not_present: .asciz " (not present, "
msg_ring:        .asciz " (ring violation, "
msg_protection:  .asciz " (protection, "
msg_read:  .asciz "read)"
msg_write: .asciz "write)"
msg_fetch: .asciz "fetch)"
msg_vector: .asciz "unexpected vector %u"
msg_panic: .asciz "[kernel] panic: "
msg_in_kernel: .asciz " in kernel mode, pc=0x%x\n"
msg_in_user:   .asciz " in user mode, pc=0x%x\n"
.align 4
