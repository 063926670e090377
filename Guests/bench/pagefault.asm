; pagefault.asm — demand paging of fresh pages (lmbench "page fault"; Adams & Agesen
; "pgfault").
;
; Measures: a user access to a page that is not present, which the kernel's #PF handler
; serves with a zeroed frame before the access is retried. The user sweeps a window of
; WINDOW_PAGES virtual pages cyclically, reading each page first (it must read 0: the frame
; is fresh) and then writing to it. The kernel keeps only POOL_FRAMES pages mapped and
; evicts the oldest (FIFO) when it maps a new one; since POOL_FRAMES < WINDOW_PAGES, every
; access of the sweep faults, so N iterations cause exactly N page faults.
; Per iteration, natively: 1 #PF (vector 6) + mfcr fault + invlpg of the new page + invlpg
; of the evicted page (none during the first POOL_FRAMES faults) + 1 iret; the kernel
; zeroes 4 KiB with 1024 word stores: about 1600 instructions per iteration, 1540 of
; them the zeroing loop.
; Whole run: #PF traps = N; vector-32 traps = 4.
; Output: "page fault: N fresh pages\n", exit status 0.

.if !defined(N)
.equ N, 10000
.endif

.include "benchkernel.inc"

.equ WINDOW_BASE, 0x400000      ; virtual: page-directory entry 1, page table PT_WINDOW
.equ WINDOW_PAGES, 16
.equ PT_WINDOW, 0x32000         ; starts empty (RAM is zero at reset)
.equ FRAME_POOL, 0x40000        ; POOL_FRAMES frames, reached by the kernel identity-mapped
.equ POOL_FRAMES, 8             ; a power of two

bench_init:
    push lr
    li   r1, PAGE_DIR
    li   r2, PT_WINDOW | PTE_PRESENT
    stw  r2, [r1 + 4]
    tlbflush
    li   r1, VEC_PF
    la   r2, pf_entry
    li   r3, GATE_PRESENT | GATE_INTERRUPT
    call set_gate
    pop  lr
    ret

; #PF: map a zeroed frame at the faulting page of the window, evicting the page mapped
; POOL_FRAMES faults ago. A fault outside the window is a real bug: panic.
pf_entry:
    addi sp, sp, -24
    stw  r1, [sp + 0]
    stw  r2, [sp + 4]
    stw  r3, [sp + 8]
    stw  r4, [sp + 12]
    stw  r5, [sp + 16]
    stw  r6, [sp + 20]
    mfcr r1, fault
    li   r2, WINDOW_BASE
    sub  r3, r1, r2
    li   r4, WINDOW_PAGES * PAGE_SIZE
    bgeu r3, r4, .outside
    shri r3, r3, 12
    shli r3, r3, 2
    li   r4, PT_WINDOW
    add  r3, r3, r4             ; r3 = the faulting page's table entry
    ; slot = faults so far modulo POOL_FRAMES; the slot remembers the entry it mapped
    la   r4, pf_count
    ldw  r5, [r4]
    addi r6, r5, 1
    stw  r6, [r4]
    andi r5, r5, POOL_FRAMES - 1
    shli r5, r5, 2
    la   r4, pf_slots
    add  r4, r4, r5             ; r4 = &slot
    ldw  r6, [r4]
    beqz r6, .fresh
    stw  zero, [r6]             ; evict: clear the old entry and drop its translation
    li   r2, PT_WINDOW
    sub  r6, r6, r2
    shli r6, r6, 10             ; (entry offset / 4) * 4096
    li   r2, WINDOW_BASE
    add  r6, r6, r2
    invlpg r6
.fresh:
    stw  r3, [r4]
    shli r5, r5, 10             ; slot * 4096
    li   r2, FRAME_POOL
    add  r5, r5, r2             ; r5 = the slot's frame
    addi r6, r5, PAGE_SIZE
    mov  r2, r5
.clear:
    stw  zero, [r2 + 0]
    stw  zero, [r2 + 4]
    stw  zero, [r2 + 8]
    stw  zero, [r2 + 12]
    addi r2, r2, 16
    bne  r2, r6, .clear
    ori  r5, r5, PTE_PRESENT | PTE_WRITABLE | PTE_RING3
    stw  r5, [r3]
    invlpg r1                   ; translations may be cached, even of absent pages
    ldw  r1, [sp + 0]
    ldw  r2, [sp + 4]
    ldw  r3, [sp + 8]
    ldw  r4, [sp + 12]
    ldw  r5, [sp + 16]
    ldw  r6, [sp + 20]
    addi sp, sp, 24
    iret
.outside:
    ldw  r1, [sp + 0]
    addi sp, sp, 24
    jmp  panic_pf

.align 4
pf_count:
    .word 0
pf_slots:
    .space POOL_FRAMES * 4

.include "benchuser.inc"

user_main:
    li   r7, N
    beqz r7, .report
    li   r8, WINDOW_BASE
    li   r9, WINDOW_BASE + WINDOW_PAGES * PAGE_SIZE
.loop:
    ldw  r1, [r8]               ; faults: the page is not present
    bnez r1, .not_zeroed
    stw  r7, [r8]               ; dirty the frame (r7 >= 1) for its next user
    addi r8, r8, PAGE_SIZE
    bne  r8, r9, .next
    li   r8, WINDOW_BASE
.next:
    addi r7, r7, -1
    bnez r7, .loop
.report:
    la   r1, msg_what
    li   r2, N
    la   r3, msg_pages
    call u_report_and_exit
.not_zeroed:
    la   r1, msg_not_zeroed
    call print_str
    li   r1, 1
    call u_exit

msg_what:       .asciz "page fault: "
msg_pages:      .asciz " fresh pages\n"
msg_not_zeroed: .asciz "page fault: a fresh page was not zero\n"
