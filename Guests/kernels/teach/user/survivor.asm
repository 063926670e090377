; survivor.asm — the healthy process of faults.asm: it checks that bad system calls fail
; without killing it, yields, sleeps, grows and shrinks its heap, and exits with status 7
; while its neighbours die of their faults. Fresh heap pages must read zero. It prints one line:
;   survivor: pid N, write(kernel address) -1, write(null) -1, call 99 -1, yield 0,
;             sbrk(2 GiB) -1, heap ok

survivor:
    la r1, survivor_line
    la r2, survivor_text_pid
    call sput_str
    mov r7, r1                  ; r7 = end of the line so far
    sys_getpid
    mov r2, r1
    mov r1, r7
    call sput_uint
    la r2, survivor_text_kernel
    call sput_str
    mov r7, r1
    li r2, 0x00001000           ; write() from a kernel address: refused, not fatal
    li r3, 16
    syscall SYS_WRITE
    mov r2, r1
    mov r1, r7
    call sput_signed
    la r2, survivor_text_null
    call sput_str
    mov r7, r1
    li r2, 0                    ; from a null pointer: refused too
    li r3, 1
    syscall SYS_WRITE
    mov r2, r1
    mov r1, r7
    call sput_signed
    la r2, survivor_text_unknown
    call sput_str
    mov r7, r1
    syscall 99                  ; no such call
    mov r2, r1
    mov r1, r7
    call sput_signed
    la r2, survivor_text_yield
    call sput_str
    mov r7, r1
    sys_yield                   ; -> 0
    mov r2, r1
    mov r1, r7
    call sput_signed
    la r2, survivor_text_sbrk
    call sput_str
    mov r7, r1
    sys_sbrk 0x7FFFFFFF         ; far past USER_HEAP_LIMIT: refused
    mov r2, r1
    mov r1, r7
    call sput_signed
    mov r7, r1
    sys_sleep 3                 ; the others run meanwhile
    sys_sbrk 8192               ; two heap pages: touched (demand-zero), then given back
    mov r8, r1                  ; r8 = the old break = the new pages
    la r9, survivor_text_heap_bad
    li r3, 8188
    add r3, r8, r3
    ldw r4, [r8]                ; first touch of each page: a fresh frame that reads 0
    bnez r4, .report
    ldw r4, [r3]
    bnez r4, .report
    li r2, 0x5A5A5A5A
    stw r2, [r8]
    stw r2, [r3]
    ldw r4, [r8]
    bne r4, r2, .report
    sys_sbrk -8192              ; returns the old break, base + 8192
    li r3, 8192
    add r3, r8, r3
    bne r1, r3, .report
    sys_sbrk 0                  ; and the break is back at the base
    bne r1, r8, .report
    sys_sbrk 4096               ; grown again: a new zero page, not the old bytes
    ldw r4, [r8]
    bnez r4, .report
    sys_sbrk -4096
    la r9, survivor_text_heap_ok
.report:
    mov r1, r7
    mov r2, r9
    call sput_str
    la r2, survivor_line
    call print_line
    sys_exit 7

; sput_signed(r1 = end, r2 = value) -> r1 = new end: "-" and the magnitude when negative
sput_signed:
    bge r2, zero, .magnitude
    li r3, '-'
    stb r3, [r1]
    addi r1, r1, 1
    sub r2, zero, r2
.magnitude:
    jmp sput_uint               ; (in ulib: too far for a branch, not for a jump)

survivor_text_pid:      .asciz "survivor: pid "
survivor_text_kernel:   .asciz ", write(kernel address) "
survivor_text_null:     .asciz ", write(null) "
survivor_text_unknown:  .asciz ", call 99 "
survivor_text_yield:    .asciz ", yield "
survivor_text_sbrk:     .asciz ", sbrk(2 GiB) "
survivor_text_heap_ok:  .asciz ", heap ok"
survivor_text_heap_bad: .asciz ", heap BROKEN"
.align 4
survivor_line: .space 128
survivor_end:
