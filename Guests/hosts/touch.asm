; touch.asm — touches TOUCH_BYTES of its RAM (default 2 MiB, from 1 MiB up), one word per
; 4 KiB page, then powers off with status 0. Given far more RAM than it touches, it shows
; what a hosted (Type 2) guest costs the host: only the pages it touched are committed
; (docs/hosted.md, "Host memory: committed on first touch"):
;
;   r4 run Guests/hosts/touch.asm --hosted --mem 1G --stats

.include "../lib/ports.inc"

.if !defined(TOUCH_BYTES)
.equ TOUCH_BYTES, 0x200000
.endif
.equ FIRST_BYTE, 0x100000

.entry _start

_start:
    li   r1, FIRST_BYTE
    li   r3, FIRST_BYTE + TOUCH_BYTES
    li   r2, 1
.page:
    stw  r2, [r1]
    addi r1, r1, 4096
    bltu r1, r3, .page
    out  PORT_POWER, zero
