; panic.asm — the teaching kernel with a deliberate bug: its getpid dereferences a null
; process pointer (see do_getpid in syscall.asm). When the hello process calls getpid the
; kernel itself takes a page fault in ring 0, which is not a process's fault but the
; kernel's: it prints the cause and powers off with PANIC_EXIT_STATUS (1).
; (The same bug can be planted in any image: -D KERNEL_BUG_GETPID=1.)
.equ KERNEL_BUG_GETPID, 1
.include "core.inc"

boot_programs:
    .word sieve, sieve_end, name_sieve
    .word hello, hello_end, name_hello
    .word 0
name_sieve: .asciz "sieve"
name_hello: .asciz "hello"
.align 4
kernel_end:

.org ULIB_BASE
user_space:                     ; everything from here on is ring-3 code and data
.include "../../lib/ulib.inc"
ulib_end:

.org USER_IMAGE_BASE + 0 * USER_SLOT_BYTES
.include "user/sieve.asm"
.org USER_IMAGE_BASE + 1 * USER_SLOT_BYTES
.include "user/hello.asm"
