; kernel.asm — the teaching kernel image: five user programs (sieve, matrix multiply,
; quicksort, CRC-32, a Brainfuck interpreter) run concurrently in ring 3, preempted by the
; timer, round robin. Each prints one checksum line; the kernel logs exits and powers off
; with status 0 when the last one is gone.
;
;   dotnet run --project Emulator/Cli -c Release -- run Guests/kernels/teach/kernel.asm
;
; The kernel proper is core.inc (memory map: layout.inc). This file adds the list of
; processes to start and links the user programs in at fixed addresses.
.include "core.inc"

boot_programs:
    .word sieve,  sieve_end,  name_sieve
    .word matmul, matmul_end, name_matmul
    .word qsort,  qsort_end,  name_qsort
    .word crc32,  crc_end,    name_crc32
    .word bf,     bf_end,     name_bf
    .word 0
name_sieve:  .asciz "sieve"
name_matmul: .asciz "matmul"
name_qsort:  .asciz "qsort"
name_crc32:  .asciz "crc32"
name_bf:     .asciz "bf"
.align 4
kernel_end:

; ---- user space: ring-3 code, mapped into each process by the kernel ----------------
.org ULIB_BASE
user_space:                     ; everything from here on is ring-3 code and data
.include "../../lib/ulib.inc"
ulib_end:

.org USER_IMAGE_BASE + 0 * USER_SLOT_BYTES
.include "user/sieve.asm"
.org USER_IMAGE_BASE + 1 * USER_SLOT_BYTES
.include "user/matmul.asm"
.org USER_IMAGE_BASE + 2 * USER_SLOT_BYTES
.include "user/qsort.asm"
.org USER_IMAGE_BASE + 3 * USER_SLOT_BYTES
.include "user/crc32.asm"
.org USER_IMAGE_BASE + 4 * USER_SLOT_BYTES
.include "user/bf.asm"
