; detect.asm — does this guest run under R4's monitor? (spec §11.4, docs/paravirt.md)
;
; Reads the hypercall port 0xE0 and prints what it read in hex: natively the port is
; unknown and reads 0xFFFFFFFF; under a monitor it reads the signature 0x4D563452, the
; ASCII bytes "R4VM" with the first byte lowest. This is how a paravirtual kernel decides
; at run time whether to use hypercalls. It is the one bundled guest whose output depends
; on the layout, by design (so Tests/Monitor/ParavirtTests.cs checks it, not the
; equivalence tests).
;
;   r4 run Guests/paravirt/detect.asm                     # FFFFFFFF
;   r4 run Guests/paravirt/detect.asm --layout ring012    # 4D563452

.include "../lib/ports.inc"

.entry _start

_start:
    in   r1, PORT_HYPERCALL
    li   r3, 8                  ; eight hex digits, most significant first
.digit:
    shri r2, r1, 28
    slti r4, r2, 10
    beqz r4, .letter
    addi r2, r2, '0'
    jmp  .put
.letter:
    addi r2, r2, 'A' - 10
.put:
    out  PORT_CONSOLE_DATA, r2
    shli r1, r1, 4
    addi r3, r3, -1
    bnez r3, .digit
    li   r2, '\n'
    out  PORT_CONSOLE_DATA, r2
    out  PORT_POWER, zero
