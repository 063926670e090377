; disklog.asm — the teaching kernel with its disk driver (disk.asm: DMA, IRQ 18, a sleeping
; process per request) and a user program that keeps a tiny log on the disk (logbook),
; beside two that only compute, so the disk's interrupt arrives while others run.
;
;   r4 run Guests/kernels/teach/disklog.asm --disk log.img        (log.img: zeroed sectors)
;   r4 host --machine Guests/hosts/disklog.json --console-dir out
;
; -D LOG_TAG=N names the guest in the entries it writes; every boot on the same disk adds
; one entry and prints them all. Without a disk the logbook says the disk refused it.
.equ DISK_LOG, 1
.include "core.inc"

boot_programs:
    .word logbook, logbook_end, name_logbook
    .word crc32,   crc_end,     name_crc32
    .word bf,      bf_end,      name_bf
    .word 0
name_logbook: .asciz "logbook"
name_crc32:   .asciz "crc32"
name_bf:      .asciz "bf"
.align 4
kernel_end:

.org ULIB_BASE
user_space:
.include "../../lib/ulib.inc"
ulib_end:

.org USER_IMAGE_BASE + 0 * USER_SLOT_BYTES
.include "user/logbook.asm"
.org USER_IMAGE_BASE + 1 * USER_SLOT_BYTES
.include "user/crc32.asm"
.org USER_IMAGE_BASE + 2 * USER_SLOT_BYTES
.include "user/bf.asm"
