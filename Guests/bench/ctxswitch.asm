; ctxswitch.asm — context switch between two processes (lmbench "context switch").
;
; Measures: SYS_YIELD between two user processes, each in its OWN address space: both run
; the same user code, but each has its own page directory, in which the user stack's
; virtual pages map to different frames. A yield saves the caller's trap frame (all
; registers, pc, status, sp) in its process block, loads the other's, writes ptbr (which
; drops every cached translation) and returns with iret into the other process. The kernel
; has one kernel stack; ksp0 does not change.
; With -D SAME_SPACE=1 both processes share one address space (the second one's stack is
; at other virtual pages) and the kernel, seeing the same ptbr, does not write it: the
; difference between the two runs is the cost of the address-space switch.
; Per yield, natively: 1 trap (int 32) + 1 ptbr write (none with SAME_SPACE) + 1 iret,
; plus the TLB misses the flush causes; 292 instructions per yield (290 with SAME_SPACE),
; most of them copying two 18-word trap frames. Each process yields N times: 2N yields, each a switch, plus one more switch
; when the first process exits.
; Whole run: vector-32 traps = 2N + 2 getpid + 3 writes + 2 exits = 2N + 7.
; Output: "context switch: 2 processes, N yields each\n", exit status 0.

.if !defined(N)
.equ N, 10000
.endif
.if !defined(SAME_SPACE)
.equ SAME_SPACE, 0
.endif

.include "benchkernel.inc"

.equ PAGE_DIR2, 0x32000         ; the second address space
.equ PAGE_TABLE2, 0x33000
.equ USTACK2_FRAMES, 0x24000    ; the second process's user stack (2 frames)
; A process block: the trap frame (TF_SIZE bytes), then ptbr, then alive.
.equ PCB_PTBR, TF_SIZE
.equ PCB_ALIVE, TF_SIZE + 4
.equ PCB_SIZE, TF_SIZE + 8

.if SAME_SPACE
.equ SPACE2_PTBR, PAGE_DIR | PTBR_ENABLE
.equ USTACK2_TOP, USTACK2_FRAMES + 2 * PAGE_SIZE
.else
.equ SPACE2_PTBR, PAGE_DIR2 | PTBR_ENABLE
.equ USTACK2_TOP, USTACK_TOP
.endif

bench_init:
    push lr
.if SAME_SPACE
    ; One address space: the second stack is mapped at its own (identity) pages.
    li   r1, USTACK2_FRAMES
    li   r2, USTACK2_FRAMES + 2 * PAGE_SIZE
    li   r3, PTE_PRESENT | PTE_WRITABLE | PTE_RING3
    call map_identity
    tlbflush
.else
    ; Address space 2: a copy of address space 1 whose user stack lives in other frames.
    li   r1, PAGE_DIR2
    li   r2, PAGE_TABLE2
    call clone_address_space
    li   r1, PAGE_TABLE2 + (USTACK_BASE >> 12) * 4
    li   r2, USTACK2_FRAMES | PTE_PRESENT | PTE_WRITABLE | PTE_RING3
    stw  r2, [r1]
    li   r2, (USTACK2_FRAMES + PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE | PTE_RING3
    stw  r2, [r1 + 4]
.endif
    ; Process 1 runs first (its frame is saved at its first yield); process 2 starts
    ; where process 1 did, on its own stack.
    la   r1, pcbs
    li   r2, PAGE_DIR | PTBR_ENABLE
    stw  r2, [r1 + PCB_PTBR]
    li   r2, 1
    stw  r2, [r1 + PCB_ALIVE]
    addi r1, r1, PCB_SIZE
    li   r2, SPACE2_PTBR
    stw  r2, [r1 + PCB_PTBR]
    li   r2, 1
    stw  r2, [r1 + PCB_ALIVE]
    la   r2, user_main
    stw  r2, [r1 + TF_PC]
    li   r2, USER_RING
    stw  r2, [r1 + TF_STATUS]
    li   r2, USTACK2_TOP
    stw  r2, [r1 + TF_SP]
    li   r1, SYS_YIELD
    la   r2, cs_yield
    call set_syscall
    li   r1, SYS_EXIT
    la   r2, cs_exit
    call set_syscall
    li   r1, SYS_GETPID
    la   r2, cs_getpid
    call set_syscall
    pop  lr
    ret

; pcb_of(r1 = process index 0 or 1) -> r1 = its block
pcb_of:
    li   r2, PCB_SIZE
    mul  r1, r1, r2
    la   r2, pcbs
    add  r1, r1, r2
    ret

; copy_frame(r1 = from, r2 = to): TF_SIZE bytes
copy_frame:
    addi r3, r1, TF_SIZE
.again:
    ldw  r4, [r1]
    stw  r4, [r2]
    addi r1, r1, 4
    addi r2, r2, 4
    bne  r1, r3, .again
    ret

; switch_to(r1 = process index, r6 = trap frame): load its frame and address space.
switch_to:
    push lr
    la   r2, current
    stw  r1, [r2]
    call pcb_of
    mov  r5, r1
    mov  r2, r6
    call copy_frame
    ldw  r1, [r5 + PCB_PTBR]
    la   r2, loaded_ptbr
    ldw  r3, [r2]
    beq  r1, r3, .same_space    ; the same address space: keep the TLB
    stw  r1, [r2]
    mtcr ptbr, r1
.same_space:
    pop  lr
    ret

; save_current(r6 = trap frame): the running process's frame into its block.
save_current:
    push lr
    la   r1, current
    ldw  r1, [r1]
    call pcb_of
    mov  r2, r1
    mov  r1, r6
    call copy_frame
    pop  lr
    ret

; yield: switch to the other process if it is alive; returns 0 to whoever resumes.
cs_yield:
    push lr
    la   r1, current
    ldw  r1, [r1]
    xori r1, r1, 1
    push r1
    call pcb_of
    ldw  r2, [r1 + PCB_ALIVE]
    pop  r1
    beqz r2, .stay
    push r1
    call save_current
    pop  r1
    call switch_to
.stay:
    li   r1, 0
    pop  lr
    ret

; exit(r2 = status): the process dies; the other one resumes, or the machine powers off
; with the last status.
cs_exit:
    push lr
    la   r1, current
    ldw  r1, [r1]
    push r2
    call pcb_of
    pop  r2
    stw  zero, [r1 + PCB_ALIVE]
    la   r1, current
    ldw  r1, [r1]
    xori r1, r1, 1
    push r1
    push r2
    call pcb_of
    pop  r2
    ldw  r3, [r1 + PCB_ALIVE]
    pop  r1
    beqz r3, .last
    call switch_to
    li   r1, 0
    pop  lr
    ret
.last:
    out  PORT_POWER, r2
.stopped:
    jmp  .stopped

cs_getpid:
    la   r1, current
    ldw  r1, [r1]
    addi r1, r1, 1
    ret

.align 4
current:
    .word 0
loaded_ptbr:                    ; what the kernel last wrote to ptbr
    .word PAGE_DIR | PTBR_ENABLE
pcbs:
    .space 2 * PCB_SIZE

.include "benchuser.inc"

user_main:
    li   r1, SYS_GETPID
    int  32
    mov  r8, r1
    li   r7, N
    beqz r7, .done
.loop:
    li   r1, SYS_YIELD
    int  32
    addi r7, r7, -1
    bnez r7, .loop
.done:
    li   r1, 1
    bne  r8, r1, .quiet         ; process 1 reports for both
    la   r1, msg_what
    li   r2, N
    la   r3, msg_yields
    call u_report_and_exit
.quiet:
    li   r1, 0
    call u_exit

msg_what:   .asciz "context switch: 2 processes, "
msg_yields: .asciz " yields each\n"
