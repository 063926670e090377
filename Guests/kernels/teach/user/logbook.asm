; logbook.asm — user program (disklog.asm): a tiny log on the disk. Sector 0 is the header
; (LOG_MAGIC, then the number of entries); entry k (from 1) is sector k, one line of text.
; Each run appends one entry naming LOG_TAG and its number, then reads every entry back
; from the disk and prints it. On a fresh (zeroed) disk that is one entry; every later boot
; on the same disk finds the earlier ones. Exits 0, or 1 when the disk refuses a request.
.if !defined(LOG_TAG)
.equ LOG_TAG, 1
.endif
.equ LOG_MAGIC, 0x474F4C52      ; "RLOG"

logbook:
    li r2, 0                    ; the header
    la r3, lb_header
    syscall SYS_DREAD
    bnez r1, .failed
    la r8, lb_header
    ldw r2, [r8]
    li r3, LOG_MAGIC
    beq r2, r3, .have_log
    stw r3, [r8]                ; no log yet: start one
    stw zero, [r8 + 4]
.have_log:
    ldw r7, [r8 + 4]
    addi r7, r7, 1              ; r7 = the new entry's number = its sector
    la r1, lb_sector            ; "entry N: written by guest TAG" into a sector of its own
    la r2, lb_text_entry
    call sput_str
    mov r2, r7
    call sput_uint
    la r2, lb_text_by
    call sput_str
    li r2, LOG_TAG
    call sput_uint
    stb zero, [r1]
    mov r2, r7
    la r3, lb_sector
    syscall SYS_DWRITE
    bnez r1, .failed
    stw r7, [r8 + 4]            ; the entry is on the disk: now count it
    li r2, 0
    la r3, lb_header
    syscall SYS_DWRITE
    bnez r1, .failed
    li r9, 1                    ; read every entry back from the disk
.read:
    la r1, lb_sector            ; (forget what we wrote: the disk must give it back)
    stw zero, [r1]
    mov r2, r9
    la r3, lb_sector
    syscall SYS_DREAD
    bnez r1, .failed
    la r1, lb_line
    la r2, lb_text_log
    call sput_str
    la r2, lb_sector
    call sput_str
    la r2, lb_line
    call print_line
    addi r9, r9, 1
    ble r9, r7, .read
    sys_exit 0
.failed:
    la r1, lb_text_failed
    call print_str
    sys_exit 1

lb_text_entry:  .asciz "entry "
lb_text_by:     .asciz ": written by guest "
lb_text_log:    .asciz "log: "
lb_text_failed: .asciz "log: the disk refused a request\n"
.align 4
lb_header: .space SECTOR_BYTES
lb_sector: .space SECTOR_BYTES
lb_line:   .space 128
logbook_end:
