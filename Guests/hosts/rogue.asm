; rogue.asm — a hostile guest for the Type 1 host (docs/host.md). It finds the end of its
; RAM and then tries to reach past it — where, on a Type 1 machine, its own monitor's area
; and the next guest's partition lie — with loads and stores (paging off), through a page
; table whose entries name frames past its RAM, and by disk DMA straddling the end of RAM or
; aimed at a sector past its disk; then it floods the console. On a bare machine every one
; of these raises #MC or sets the disk's error bit, and so it does under the host: the guest
; counts them, reports, and powers off with the number of machine checks as its status.
;
;   r4 host Guests/hosts/rogue.asm Guests/examples/hello.asm --mem 1M --console-dir out
;
; It runs in ring 0; its only gate is #MC's, whose handler counts and skips the instruction.
.include "../lib/ports.inc"
.include "../lib/frame.inc"

.equ STACK_TOP, 0x8000
.equ PAGE_DIRECTORY, 0x10000
.equ LOW_TABLE, 0x11000         ; identity map of the first 4 MiB (the code, stack, tables)
.equ FAR_TABLE, 0x12000         ; maps FAR_VA to frames past the end of RAM
.equ FAR_VA, 0x400000
.equ PROBE_STEP, 0x10000
.if !defined(FLOOD)
.equ FLOOD, 2000                ; bytes of console flood
.endif

.entry start
start:
    li   sp, STACK_TOP
    la   r10, ivt
    la   r1, mc_handler
    stw  r1, [r10 + VEC_MC * GATE_BYTES]
    li   r1, GATE_PRESENT | GATE_INTERRUPT
    stw  r1, [r10 + VEC_MC * GATE_BYTES + 4]
    mtcr ivt, r10
    li   r5, 0                  ; r5 = machine checks so far (the handler counts them)

    ; 1. the end of RAM: probe every 64 KiB until a load raises #MC
    li   r6, PROBE_STEP
    li   r9, PROBE_STEP
.probe:
    mov  r7, r5
    ldw  r2, [r6]
    bne  r5, r7, .found
    add  r6, r6, r9
    jmp  .probe
.found:
    mov  r8, r6                 ; r8 = the first address past RAM

    ; 2. past the end with paging off: the monitor's area, then the next slot
    li   r3, 0x5EED
    stw  r3, [r8]
    ldw  r2, [r8 + 4]
    add  r1, r8, r8
    stw  r3, [r1]

    ; 3. a page table naming frames past the end of RAM
    li   r10, PAGE_DIRECTORY
    li   r1, LOW_TABLE | PDE_PRESENT
    stw  r1, [r10]
    li   r1, FAR_TABLE | PDE_PRESENT
    stw  r1, [r10 + 4]
    li   r11, LOW_TABLE
    li   r12, 0
    li   r13, 1024
.identity:
    shli r1, r12, PAGE_SHIFT
    ori  r1, r1, PTE_PRESENT | PTE_WRITABLE | PTE_EXECUTABLE | PTE_RING0
    stw  r1, [r11]
    addi r11, r11, 4
    addi r12, r12, 1
    bne  r12, r13, .identity
    li   r11, FAR_TABLE
    ori  r1, r8, PTE_PRESENT | PTE_WRITABLE | PTE_RING0
    stw  r1, [r11]
    add  r1, r8, r8
    ori  r1, r1, PTE_PRESENT | PTE_WRITABLE | PTE_RING0
    stw  r1, [r11 + 4]
    li   r1, PAGE_DIRECTORY | PTBR_ENABLE
    mtcr ptbr, r1
    li   r1, FAR_VA
    stw  r3, [r1]
    ldw  r2, [r1 + PAGE_SIZE]
    mtcr ptbr, zero

    ; 4. DMA: two sectors straddling the end of RAM, then a sector far past any disk
    li   r9, 0                  ; r9 = disk requests that failed
    li   r1, 0
    addi r2, r8, -SECTOR_BYTES
    li   r3, 2
    li   r4, DISK_READ
    call disk_request
    li   r1, 0
    addi r2, r8, -SECTOR_BYTES
    li   r3, 2
    li   r4, DISK_WRITE
    call disk_request
    li   r1, 0x7FFFFFFF
    li   r2, 0x1000
    li   r3, 1
    li   r4, DISK_WRITE
    call disk_request

    ; 5. report, flood the console, power off with the machine-check count
    mov  r7, r5                 ; kprintf keeps r7..r12, not r5
    la   r1, msg_report
    mov  r2, r5
    mov  r3, r9
    call kprintf
    li   r2, 'x'
    li   r3, FLOOD
.flood:
    out  PORT_CONSOLE_DATA, r2
    addi r3, r3, -1
    bnez r3, .flood
    li   r2, '\n'
    out  PORT_CONSOLE_DATA, r2
    out  PORT_POWER, r7

; disk_request(r1 = sector, r2 = address, r3 = count, r4 = command): waits (polling, IRQs
; off) until the disk is idle; counts a failure in r9.
disk_request:
    out  PORT_DISK_SECTOR, r1
    out  PORT_DISK_ADDRESS, r2
    out  PORT_DISK_COUNT, r3
    out  PORT_DISK_COMMAND, r4
.wait:
    in   r1, PORT_DISK_STATUS
    andi r2, r1, DISK_BUSY
    bnez r2, .wait
    andi r1, r1, DISK_FAILED
    beqz r1, .ok
    addi r9, r9, 1
.ok:
    ret

; #MC: count it and skip the instruction that raised it.
mc_handler:
    addi r5, r5, 1
    push r1
    ldw  r1, [sp + 4 + FRAME_PC]
    addi r1, r1, 4
    stw  r1, [sp + 4 + FRAME_PC]
    pop  r1
    iret

.include "../lib/kprintf.inc"

msg_report:
    .asciz "rogue: %u machine checks, %u failed disk requests\n"
.align 8
ivt:
    .space VECTOR_COUNT * GATE_BYTES
