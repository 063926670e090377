; console.asm — kernel console output (kputc, kputs, kprintf, ...) and memory helpers,
; from the shared guest library.
.include "../../lib/kprintf.inc"
.include "../../lib/string.inc"
