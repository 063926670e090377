; vm.asm — physical frames and page tables.
;
; Frames: the pool [FRAME_POOL_START, FRAME_POOL_END) is a free list threaded through the
; free frames' first words (as in xv6's kalloc). The pool lies inside the kernel window, so
; with paging on the kernel reaches any frame at its physical address.
;
; Page tables: two levels. A directory entry holds a table's physical address and the
; present bit; a table entry a frame, present/write/exec and the RING field: the least
; privileged ring allowed to touch the page. Kernel pages say ring 0, user pages ring 3.
; That one field is the whole kernel/user protection: the kernel window is mapped in every
; process, and a user access to it is a #PF with the ring bit set.

free_list:    .word 0           ; first free frame, 0 when the pool is exhausted
kernel_pt:    .word 0           ; the page table of the kernel window, shared by every process
kernel_pgdir: .word 0           ; a directory with only the kernel window (used when no process runs)
free_frames:  .word 0           ; frames on the free list
boot_free_frames: .word 0       ; ... once the kernel's own tables were built: when every
                                ; process is gone, all their frames must be back (no leak)

; kfree(r1 = frame) — give a frame back to the pool
kfree:
    la r2, free_list
    ldw r3, [r2]
    stw r3, [r1]
    stw r1, [r2]
    la r2, free_frames
    ldw r3, [r2]
    addi r3, r3, 1
    stw r3, [r2]
    ret

; kalloc() -> r1 = a zeroed frame, or 0 when none is left
kalloc:
    la r2, free_list
    ldw r1, [r2]
    beqz r1, .done
    ldw r3, [r1]
    stw r3, [r2]
    la r2, free_frames
    ldw r3, [r2]
    addi r3, r3, -1
    stw r3, [r2]
    mov r4, r1
    addi r5, r1, PAGE_SIZE
.clear:                              ; eight words per round
    stw zero, [r4 + 0]
    stw zero, [r4 + 4]
    stw zero, [r4 + 8]
    stw zero, [r4 + 12]
    stw zero, [r4 + 16]
    stw zero, [r4 + 20]
    stw zero, [r4 + 24]
    stw zero, [r4 + 28]
    addi r4, r4, 32
    bne r4, r5, .clear
.done:
    ret

; kvm_init() — fill the pool, build the kernel window's page table and kernel_pgdir.
; Called with paging off, so every address is physical.
kvm_init:
    addi sp, sp, -8
    stw lr, [sp + 0]
    stw r7, [sp + 4]
.if defined(PARAVIRT)
    la r1, pv_prefill_request       ; the pool's shadow entries at once (natively ignored)
    out PORT_HYPERCALL, r1
.endif
    li r7, FRAME_POOL_END           ; free the pool from the top down: kalloc then hands
.free:                              ; frames out in ascending order
    addi r7, r7, -PAGE_SIZE
    mov r1, r7
    call kfree
    li r2, FRAME_POOL_START
    bne r7, r2, .free
    call kalloc
    la r2, kernel_pt
    stw r1, [r2]
    ; Entries 1..1023 map the window identically, ring 0. Entry 0 stays absent: page 0
    ; is the null-pointer guard.
    addi r3, r1, 4                  ; r3 = entry of page 1
    li r2, PAGE_SIZE                ; r2 = its address
    li r4, KERNEL_WINDOW_END
.map:
    ori r5, r2, PTE_KERNEL_RWX
    stw r5, [r3]
    addi r3, r3, 4
    addi r2, r2, PAGE_SIZE
    bne r2, r4, .map
    call uvm_create
    la r2, kernel_pgdir
    stw r1, [r2]
    la r2, free_frames
    ldw r3, [r2]
    la r2, boot_free_frames
    stw r3, [r2]
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    addi sp, sp, 8
    ret

; uvm_create() -> r1 = a new page directory mapping only the kernel window, or 0
uvm_create:
    addi sp, sp, -4
    stw lr, [sp]
    call kalloc
    beqz r1, .done
    la r2, kernel_pt
    ldw r2, [r2]
    ori r2, r2, PDE_PRESENT
    stw r2, [r1]                    ; directory entry 0 = the shared kernel table
.done:
    ldw lr, [sp]
    addi sp, sp, 4
    ret

; walk(r1 = directory, r2 = va, r3 = create) -> r1 = address of va's table entry, or 0
; when its table is absent (and create is 0, or no frame is left for a new table)
walk:
    addi sp, sp, -12
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    mov r8, r2
    shri r4, r2, PDE_SHIFT
    shli r4, r4, 2
    add r7, r1, r4                  ; r7 = the directory entry
    ldw r5, [r7]
    andi r6, r5, PDE_PRESENT
    bnez r6, .table
    beqz r3, .absent
    call kalloc
    beqz r1, .absent
    ori r5, r1, PDE_PRESENT
    stw r5, [r7]
.table:
    shri r5, r5, PAGE_SHIFT         ; the table's address: clear the flag bits
    shli r5, r5, PAGE_SHIFT
    shri r4, r8, PAGE_SHIFT
    andi r4, r4, PTE_INDEX_MASK
    shli r4, r4, 2
    add r1, r5, r4
    jmp .done
.absent:
    li r1, 0
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    addi sp, sp, 12
    ret

; map_page(r1 = directory, r2 = va, r3 = frame, r4 = entry flags) -> r1 = 0, or -1 when no
; frame is left for a page table. A live mapping changed here still needs invlpg.
map_page:
    addi sp, sp, -8
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    or r7, r3, r4
    li r3, 1
    call walk
    beqz r1, .fail
    stw r7, [r1]
    li r1, 0
    jmp .done
.fail:
    li r1, -1
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    addi sp, sp, 8
    ret

; uvm_map_shared(r1 = directory, r2 = start, r3 = end, r4 = flags) -> r1 = 0 or -1
; Map [start, end) onto the same physical pages (the shared ulib). start is page-aligned.
uvm_map_shared:
    addi sp, sp, -20
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    stw r10, [sp + 16]
    mov r7, r1
    mov r8, r2
    mov r9, r3
    mov r10, r4
.page:
    li r1, 0
    bgeu r8, r9, .done
    mov r1, r7
    mov r2, r8
    mov r3, r8
    mov r4, r10
    call map_page
    bnez r1, .done
    addi r8, r8, PAGE_SIZE
    jmp .page
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    ldw r10, [sp + 16]
    addi sp, sp, 20
    ret

; uvm_load_copy(r1 = directory, r2 = start, r3 = end) -> r1 = 0 or -1
; Give the process a private copy of the image bytes [start, end) at the same virtual
; addresses, read/write/execute, ring 3. start is page-aligned. Paging must be off (the
; image is read at its physical address, outside the kernel window).
uvm_load_copy:
    addi sp, sp, -24
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    stw r10, [sp + 16]
    stw r11, [sp + 20]
    mov r7, r1                      ; r7 = directory
    mov r8, r2                      ; r8 = next page of the image
    mov r9, r3                      ; r9 = end
.page:
    li r1, 0
    bgeu r8, r9, .done
    call kalloc
    mov r10, r1                     ; r10 = its frame
    li r1, -1
    beqz r10, .done
    sub r11, r9, r8                 ; copy what is left, at most a page
    li r2, PAGE_SIZE
    bleu r11, r2, .copy
    mov r11, r2
.copy:
    mov r1, r10
    mov r2, r8
    mov r3, r11
    call memcpy
    mov r1, r7
    mov r2, r8
    mov r3, r10
    li r4, PTE_USER_RWX
    call map_page
    bnez r1, .done
    addi r8, r8, PAGE_SIZE
    jmp .page
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    ldw r10, [sp + 16]
    ldw r11, [sp + 20]
    addi sp, sp, 24
    ret

; uvm_free(r1 = directory) — free a process's pages, its page tables and the directory.
; Entry 0 (the shared kernel table) and frames outside the pool (ulib) are not its own.
; The directory must not be the live one (load kernel_pgdir into ptbr first).
uvm_free:
    addi sp, sp, -24
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    stw r10, [sp + 16]
    stw r11, [sp + 20]
    mov r7, r1                      ; r7 = directory
    addi r8, r1, 4                  ; r8 = directory entry, from entry 1
.directory:
    ldw r9, [r8]
    andi r2, r9, PDE_PRESENT
    beqz r2, .next_table
    shri r9, r9, PAGE_SHIFT
    shli r9, r9, PAGE_SHIFT         ; r9 = the table
    mov r10, r9                     ; r10 = its entry
    addi r11, r9, PAGE_SIZE
.entry:
    ldw r1, [r10]
    andi r2, r1, PTE_PRESENT
    beqz r2, .next_entry
    shri r1, r1, PAGE_SHIFT
    shli r1, r1, PAGE_SHIFT
    li r2, FRAME_POOL_START
    bltu r1, r2, .next_entry
    li r2, FRAME_POOL_END
    bgeu r1, r2, .next_entry
    call kfree
.next_entry:
    addi r10, r10, 4
    bne r10, r11, .entry
    mov r1, r9
    call kfree
.next_table:
    addi r8, r8, 4
    addi r2, r7, PAGE_SIZE
    bne r8, r2, .directory
    mov r1, r7
    call kfree
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    ldw r10, [sp + 16]
    ldw r11, [sp + 20]
    addi sp, sp, 24
    ret

; vm_demand_fault(r1 = va, r2 = #PF error) -> r1 = 0 when a zero page now backs va,
; -1 when the access is simply wrong. Heap ([heap base, break)) and stack pages are
; allocated on first touch: sbrk and a deep call chain cost nothing until used.
vm_demand_fault:
    addi sp, sp, -16
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    andi r3, r2, PF_PRESENT         ; present: a protection fault, not a missing page
    bnez r3, .refuse
    la r8, cur_proc
    ldw r8, [r8]                    ; r8 = the process
    li r4, USER_STACK_LOW
    bltu r1, r4, .heap
    li r4, USER_STACK_TOP
    bgeu r1, r4, .refuse
    jmp .allocate
.heap:
    ldw r4, [r8 + P_HEAP_BASE]
    bltu r1, r4, .refuse
    ldw r4, [r8 + P_BRK]
    bgeu r1, r4, .refuse
.allocate:
    shri r7, r1, PAGE_SHIFT
    shli r7, r7, PAGE_SHIFT         ; r7 = the page
    call kalloc
    beqz r1, .refuse                ; out of memory: the process dies of its fault
    mov r9, r1                      ; r9 = the zeroed frame
    ldw r1, [r8 + P_PGDIR]
    mov r2, r7
    mov r3, r9
    li r4, PTE_USER_RW
    call map_page
    bnez r1, .no_table
    invlpg r7                       ; drop any cached "absent" for this page
    li r1, 0
    jmp .done
.no_table:
    mov r1, r9
    call kfree
.refuse:
    li r1, -1
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    ret

; uvm_check_user(r1 = va, r2 = length) -> r1 = 0 when every byte of [va, va + length) is a
; user page of the running process (allocating demand-zero pages on the way), else -1.
; The kernel calls it before touching a buffer a system call was given: a bad pointer
; must fail the call, not fault in the kernel.
uvm_check_user:
    addi sp, sp, -12
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    add r8, r1, r2                  ; r8 = end
    bltu r8, r1, .bad               ; wrapped around
    shri r7, r1, PAGE_SHIFT
    shli r7, r7, PAGE_SHIFT         ; r7 = first page
.page:
    bgeu r7, r8, .good
    la r1, cur_proc
    ldw r1, [r1]
    ldw r1, [r1 + P_PGDIR]
    mov r2, r7
    li r3, 0
    call walk
    beqz r1, .demand
    ldw r1, [r1]
    andi r2, r1, PTE_PRESENT
    beqz r2, .demand
    andi r2, r1, PTE_RING_MASK
    li r3, PTE_USER
    bne r2, r3, .bad                ; a kernel page
    jmp .next
.demand:
    mov r1, r7
    li r2, 0
    call vm_demand_fault
    bnez r1, .bad
.next:
    addi r7, r7, PAGE_SIZE
    beqz r7, .good                  ; the last page of the address space
    jmp .page
.good:
    li r1, 0
    jmp .done
.bad:
    li r1, -1
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    addi sp, sp, 12
    ret

; uvm_unmap_range(r1 = directory, r2 = start, r3 = end) — free the pages of [start, end)
; (page-aligned) that are present; the running process's, so each one is invlpg'd.
uvm_unmap_range:
    addi sp, sp, -16
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    mov r7, r1
    mov r8, r2
    mov r9, r3
.page:
    bgeu r8, r9, .done
    mov r1, r7
    mov r2, r8
    li r3, 0
    call walk
    beqz r1, .next
    ldw r2, [r1]
    andi r3, r2, PTE_PRESENT
    beqz r3, .next
    stw zero, [r1]
    invlpg r8
    shri r1, r2, PAGE_SHIFT
    shli r1, r1, PAGE_SHIFT
    call kfree
.next:
    addi r8, r8, PAGE_SIZE
    jmp .page
.done:
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    ret
