; paravirt.asm — the paravirtual layer of the teaching kernel (only in images that define
; PARAVIRT: Guests/paravirt/teach-pv.asm; docs/monitor.md "The paravirtual interface").
;
; At boot (pv_entry, then the kernel's own kernel_entry) pv_init asks the monitor to share the kernel's IE in the word pv_shared_ie (a
; hypercall: natively port 0xE0 is unknown and nothing happens). From then on, under a
; monitor, the monitor keeps the real IE on while the kernel runs and reads the kernel's IE
; from that word, so the kernel's iret back to user code changes no real IE and runs in
; hardware (no exit per trap, the virtual-IF problem) and its `sti` becomes a plain store.
;
; Patching, as Linux's paravirt_ops do: every patch site holds the native instruction, and
; pv_init rewrites it with its one-word paravirtual replacement when the monitor agreed. The
; loop rewrites every site either way (the native word back natively), so the kernel retires
; exactly the same instructions natively and under any monitor: the timer preempts its
; processes at the same points and the console output is the same, line for line.

.include "../../lib/pvpatch.inc"    ; pv_init

; The shared IE word: nonzero = interrupts enabled. It must be reachable as [zero + address]
; (below 0x8000) so that a replacement is one instruction, and its page must hold no kernel
; stack (the monitor maps the page read-only while it holds an interrupt back).
pv_shared_ie:   .word 0
pv_request:     .word HC_SHARED_IE, pv_shared_ie, HC_NOT_DONE

; (site, its replacement) pairs, ended by 0. The replacements are never executed here.
pv_patches:
    .word pv_site_idle_sti, pv_sti_word
    .word 0
pv_sti_word:    stw sp, [zero + pv_shared_ie]     ; sti: store nonzero (sp is never 0 here)

; pv_entry — the paravirtual build's entry point: patch, then boot as the native kernel does.
pv_entry:
    la sp, idle_stack_top
    la r1, pv_request
    la r2, pv_patches
    call pv_init
    mov sp, zero                    ; the state kernel_entry starts from (spec 6a: registers 0)
    jmp kernel_entry
