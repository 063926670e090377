; monitor-window.asm — a hostile guest kernel that goes for the monitor itself
; (docs/monitor.md "Page protection and the monitor's window").
;
; Under ring012, ring013, ring3 and bt the monitor maps its own memory — the shadow vector
; table, the window's table, the shadow page directories and tables — into every address space
; of the guest at 0xFFC00000 (the top 4 MiB, where Xen kept itself on 32-bit x86), with page
; ring 0: supervisor only. What keeps a guest kernel out of it is the MMU's page-protection rule:
;
;  - R4's rule (spec §6, the default, --page-protection rings): a page of ring 0 admits ring 0
;    alone. The guest kernel runs in real ring 1 (ring012, ring013, bt) or 3 (ring3), so its
;    first load from the window is a #PF — which the monitor hands to the guest as the very
;    #PF a native machine gives (nothing is mapped there natively): the guest prints the same
;    three lines everywhere and powers off with status 1.
;  - x86-64's rule (--page-protection user-supervisor): rings 0-2 are all "supervisor". Then a
;    kernel in real ring 1 reads the monitor's gate table, learns where the monitor's memory
;    lies, finds its own shadow page table among the monitor's, writes an entry into it that
;    maps a frame outside its partition (the monitor's gate table page) and reads that frame
;    through an ordinary address of its own — the monitor's guarantee that "a shadow entry is only ever made from a
;    successful guest walk" is gone — and powers off with status 3. This is why the monitor
;    refuses ring012, ring013 and bt under that rule unless given --allow-unsafe-protection,
;    and why Xen on x86-64, which has no segment limits to fence ring 1 off, runs guest kernels
;    in ring 3. ring3 and hw stay safe: ring 3 is "user", and hw maps no monitor page at all.
;
;   r4 run Guests/hostile/monitor-window.asm                          # #PF, status 1
;   r4 run Guests/hostile/monitor-window.asm --layout ring012         # the same
;   r4 run Guests/hostile/monitor-window.asm --layout ring012 --page-protection user-supervisor --allow-unsafe-protection
;
; -D MAP_TOP=1: the guest maps a page of its own at 0xFFC00000 first, as a guest using the top of
; its address space would. That page is then what it reads, natively and under every monitor
; (the guest's mapping takes the window's slot over in its address space), and its next read,
; of 0xFFC01000, which it does not map, is the #PF.
;
; A ring-0 kernel with paging on and no user code; its only gate is #PF's.
.include "../lib/ports.inc"
.include "../lib/frame.inc"

.equ STACK_TOP, 0x8000
.equ PAGE_DIRECTORY, 0x10000
.equ LOW_TABLE, 0x11000         ; maps the first 4 MiB: identity, except VICTIM_VA
.equ VICTIM_VA, 0x80000         ; "my page": mapped to frame MINE by my own table
.equ MINE, 0x81000
.equ MARKER, 0x11111111
.equ FORGED_VA, 0x82000         ; a page of mine never touched: no shadow entry, nothing in the TLB
.equ WINDOW, 0xFFC00000         ; the monitor's window (MonitorMemoryMap.WindowVirtualAddress)
.equ WINDOW_TABLE, WINDOW + PAGE_SIZE   ; the window's own table: monitor-area page 1
.equ WINDOW_BYTES, 0x400000
.equ TOP_TABLE, 0x12000         ; MAP_TOP: maps WINDOW to TOP_FRAME
.equ TOP_FRAME, 0x83000
.if !defined(MAP_TOP)
.equ MAP_TOP, 0
.endif
.equ KERNEL_PTE, PTE_PRESENT | PTE_WRITABLE | PTE_EXECUTABLE | PTE_RING0

.entry start
start:
    li   sp, STACK_TOP
    la   r10, ivt
    mtcr ivt, r10

    ; my page tables: the first 4 MiB identity, ring 0, but VICTIM_VA -> MINE
    li   r10, PAGE_DIRECTORY
    li   r1, LOW_TABLE | PDE_PRESENT
    stw  r1, [r10]
    li   r11, LOW_TABLE
    li   r12, 0
    li   r9, 1024
.identity:
    shli r1, r12, PAGE_SHIFT
    ori  r1, r1, KERNEL_PTE
    stw  r1, [r11]
    addi r11, r11, 4
    addi r12, r12, 1
    bne  r12, r9, .identity
    li   r11, LOW_TABLE + (VICTIM_VA >> PAGE_SHIFT) * 4
    li   r1, MINE | KERNEL_PTE
    stw  r1, [r11]
.if MAP_TOP
    li   r1, TOP_TABLE | PDE_PRESENT
    stw  r1, [r10 + (WINDOW >> PDE_SHIFT) * 4]
    li   r11, TOP_TABLE
    li   r1, TOP_FRAME | KERNEL_PTE
    stw  r1, [r11]
    li   r11, TOP_FRAME
    li   r1, 0x7070
    stw  r1, [r11 + 4]
.endif
    li   r1, PAGE_DIRECTORY | PTBR_ENABLE
    mtcr ptbr, r1

    ; my page, written and read through its mapping (under a monitor: now in a shadow table)
    li   r7, VICTIM_VA
    li   r1, MARKER
    stw  r1, [r7]
    la   r1, msg_mine
    ldw  r2, [r7]
    call kprintf

    ; 1. read the monitor's window: natively nothing is mapped there, under a monitor a
    ;    supervisor page — here the story ends with a #PF unless ring 1 counts as supervisor
    la   r1, msg_reading
    call kprintf
    li   r8, WINDOW
    ldw  r2, [r8 + 4]               ; the shadow gate table: gate 0's flags
    la   r1, msg_gate
    call kprintf

    ; 2. where the monitor's memory lies: the window's table maps it, entry 0 = its first page
    li   r8, WINDOW_TABLE
    ldw  r8, [r8]
    li   r1, PAGE_MASK
    and  r8, r8, r1                 ; r8 = machine address of the monitor's area
    la   r1, msg_base
    mov  r2, r8
    call kprintf

    ; 3. find my shadow entry: a page of the window that is a directory whose entry 0 names a
    ;    table of the monitor's area, whose entry for VICTIM_VA maps MINE
    li   r9, WINDOW + 2 * PAGE_SIZE ; r9 = the page examined (gate table and window table skipped)
.search:
    li   r1, WINDOW + WINDOW_BYTES - PAGE_SIZE
    bgeu r9, r1, .not_found
    ldw  r1, [r9]                   ; its entry 0, read as a directory entry
    andi r2, r1, PDE_PRESENT
    beqz r2, .next
    li   r2, PAGE_MASK
    and  r1, r1, r2
    sub  r1, r1, r8                 ; offset of that table in the monitor's area
    li   r2, WINDOW_BYTES
    bgeu r1, r2, .next              ; not the monitor's: this page is no directory
    li   r2, WINDOW
    add  r10, r1, r2                ; the table, seen through the window
    ldw  r11, [r10 + (VICTIM_VA >> PAGE_SHIFT & PTE_INDEX_MASK) * 4]
    li   r2, PAGE_MASK
    and  r2, r11, r2
    li   r3, MINE
    beq  r2, r3, .found
.next:
    li   r1, PAGE_SIZE
    add  r9, r9, r1
    jmp  .search
.not_found:
    la   r1, msg_not_found
    call kprintf
    li   r1, 2
    out  PORT_POWER, r1
.found:
    addi r10, r10, (VICTIM_VA >> PAGE_SHIFT & PTE_INDEX_MASK) * 4   ; r10 = my shadow entry (window address)
    li   r3, WINDOW                 ; its machine address: (window address - WINDOW) + the monitor's base
    sub  r3, r10, r3
    add  r3, r3, r8
    la   r1, msg_entry
    mov  r2, r11
    call kprintf

    ; 4. forge an entry in that table for FORGED_VA, an untouched page of mine (so the real TLB
    ;    holds nothing for it and no invlpg is needed): the monitor's first page, outside my RAM
    andi r1, r11, 0xFFF             ; my entry's flags: present, writable, the kernel's real ring
    or   r1, r1, r8
    stw  r1, [r10 + ((FORGED_VA - VICTIM_VA) >> PAGE_SHIFT) * 4]
    li   r7, FORGED_VA
    ldw  r3, [r7 + 4]               ; word 1 of the monitor's gate table: gate 0's flags
    la   r1, msg_forged
    mov  r2, r8
    call kprintf
    la   r1, msg_escaped
    call kprintf
    li   r1, 3
    out  PORT_POWER, r1

; #PF: where, and why — then power off with status 1
page_fault:
    mfcr r2, fault
    ldw  r3, [sp + FRAME_ERROR]
    la   r1, msg_pf
    call kprintf
    li   r1, 1
    out  PORT_POWER, r1

.include "../lib/kprintf.inc"

msg_mine:      .asciz "hostile: my page at 00080000 holds %x\n"
msg_reading:   .asciz "hostile: reading the monitor's window at ffc00000\n"
msg_pf:        .asciz "hostile: #PF at %x (error %x): the monitor is out of reach\n"
msg_gate:      .asciz "hostile: read the monitor's shadow gate table: gate 0 flags %x\n"
msg_base:      .asciz "hostile: the monitor's memory begins at machine %x\n"
msg_not_found: .asciz "hostile: no shadow entry of mine found\n"
msg_entry:     .asciz "hostile: my shadow entry for 00080000 is %x, at machine %x\n"
msg_forged:    .asciz "hostile: forged a shadow entry: my page at 00082000 now shows machine %x, word 1 = %x\n"
msg_escaped:   .asciz "hostile: escaped: my page maps memory outside my partition, by my own hand\n"

.align 8
ivt:
    .space VEC_PF * GATE_BYTES
    .word page_fault, GATE_PRESENT | GATE_INTERRUPT
    .space (VECTOR_COUNT - VEC_PF - 1) * GATE_BYTES
