; teach-pv.asm — the paravirtual build of the teaching kernel: the same source as
; Guests/kernels/teach/kernel.asm with PARAVIRT defined (Guests/kernels/teach/paravirt.asm).
; It finds out at boot whether a monitor runs it; natively it runs the native instructions,
; under a monitor it shares its IE with the monitor and takes far fewer exits. Either way it
; prints Guests/kernels/teach/kernel.expected and retires the same instructions.
;
;   r4 compare Guests/kernels/teach/kernel.asm Guests/paravirt/teach-pv.asm --layouts native,ring012
.equ PARAVIRT, 1
.include "../kernels/teach/kernel.asm"
