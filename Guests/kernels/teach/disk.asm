; disk.asm — the disk driver and two system calls (disklog.asm only: included when
; DISK_LOG is defined, so the other images stay byte for byte as they were).
;
; One request at a time, by DMA through a kernel bounce buffer (the kernel window is
; identity-mapped, so its address is the physical address the disk needs), completed by
; IRQ 18. The idea is xv6's in miniature: a process that asks for a sector is put to sleep
; (PROC_DISKWAIT) and its system call is set to restart — the saved pc moved back onto its
; `int 32`. The disk interrupt makes it runnable; the restarted call finds its request
; completed and collects it. A process whose call finds another's request in flight
; likewise yields and restarts. A request the disk refuses (past the end of the disk, no
; disk) completes at once with the error bit, so nothing ever waits forever.
;
;   dread(r2 = sector, r3 = buffer of 512 bytes) -> 0, or -1 (bad buffer, refused request)
;   dwrite(r2 = sector, r3 = buffer of 512 bytes) -> 0, or -1

disk_owner:   .word 0           ; the process whose request is in flight or done, else 0
disk_done:    .word 0           ; 1 once IRQ 18 came for it
disk_failed:  .word 0           ; that request's error bit
disk_buffer:  .space SECTOR_BYTES

do_dread:
    li r5, DISK_READ
    jmp disk_syscall
do_dwrite:
    li r5, DISK_WRITE

; disk_syscall(r1 = frame, r5 = command) -> r1 = frame to resume
disk_syscall:
    addi sp, sp, -16
    stw lr, [sp + 0]
    stw r7, [sp + 4]
    stw r8, [sp + 8]
    stw r9, [sp + 12]
    mov r7, r1                      ; r7 = frame
    mov r9, r5                      ; r9 = command
    la r8, cur_proc
    ldw r8, [r8]                    ; r8 = this process
    la r2, disk_owner
    ldw r3, [r2]
    beq r3, r8, .collect
    bnez r3, .restart_later         ; another process's request: wait for it to be collected
    ldw r1, [r7 + TF_R3]            ; a new request: the buffer must be the caller's
    li r2, SECTOR_BYTES
    call uvm_check_user
    bnez r1, .bad
    li r1, DISK_WRITE
    bne r9, r1, .start
    ldw r1, [r7 + TF_R3]            ; a write takes the caller's bytes now
    la r2, disk_buffer
    call copy_sector
.start:
    la r2, disk_owner
    stw r8, [r2]
    la r2, disk_done
    stw zero, [r2]
    ldw r1, [r7 + TF_R2]
    out PORT_DISK_SECTOR, r1
    la r1, disk_buffer
    out PORT_DISK_ADDRESS, r1
    li r1, 1
    out PORT_DISK_COUNT, r1
    out PORT_DISK_COMMAND, r9
.sleep:
    li r1, PROC_DISKWAIT            ; asleep until IRQ 18
    stw r1, [r8 + P_STATE]
.restart_later:
    ldw r1, [r7 + TF_PC]            ; when it runs again, it runs this `int 32` again
    addi r1, r1, -4
    stw r1, [r7 + TF_PC]
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    jmp schedule
.collect:
    la r2, disk_done
    ldw r3, [r2]
    beqz r3, .sleep                 ; not yet (cannot happen: only IRQ 18 wakes it)
    la r2, disk_owner
    stw zero, [r2]
    la r2, disk_failed
    ldw r3, [r2]
    bnez r3, .bad
    li r1, DISK_READ
    bne r9, r1, .ok
    ldw r1, [r7 + TF_R3]            ; a read hands the sector over now
    li r2, SECTOR_BYTES
    call uvm_check_user
    bnez r1, .bad
    la r1, disk_buffer
    ldw r2, [r7 + TF_R3]
    call copy_sector
.ok:
    stw zero, [r7 + TF_R1]
    jmp .done
.bad:
    li r1, SYS_ERROR
    stw r1, [r7 + TF_R1]
.done:
    mov r1, r7
    ldw lr, [sp + 0]
    ldw r7, [sp + 4]
    ldw r8, [sp + 8]
    ldw r9, [sp + 12]
    addi sp, sp, 16
    ret

; disk_interrupt() — IRQ 18: the request is done; its process may run (and collect it).
disk_interrupt:
    in r1, PORT_DISK_STATUS
    andi r1, r1, DISK_FAILED
    la r2, disk_failed
    stw r1, [r2]
    li r1, 1
    la r2, disk_done
    stw r1, [r2]
    la r2, disk_owner
    ldw r2, [r2]
    beqz r2, .none
    li r1, PROC_RUNNABLE
    stw r1, [r2 + P_STATE]
.none:
    ret

; copy_sector(r1 = from, r2 = to): 512 bytes, byte by byte (user buffers need no alignment)
copy_sector:
    li r3, SECTOR_BYTES
.byte:
    ldbu r4, [r1]
    stb r4, [r2]
    addi r1, r1, 1
    addi r2, r2, 1
    addi r3, r3, -1
    bnez r3, .byte
    ret
