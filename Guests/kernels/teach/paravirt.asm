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
pv_nop_word:    nop

; Extension hypercalls (docs/monitor.md "Extension hypercalls"), each sent at boot as pv_init's
; request with the sites it makes redundant; an older monitor answers "unknown kind" and the
; sites keep their native instructions.
;  - the timer in one-shot mode: the monitor stops the timer as it delivers its tick, so the
;    handler's own stop (trap_timer's first instruction) becomes a nop;
pv_timer_request:   .word HC_SET_TIMER, 0, HC_NOT_DONE, HC_TIMER_ONE_SHOT   ; period 0: stopped, as at reset
pv_timer_patches:
    .word trap_timer, pv_nop_word
    .word 0
;  - console writes in one hypercall: do_write sends the whole buffer (pv_console_request,
;    natively an ignored out) and its byte loop's out becomes a nop. Sent at boot with 0 bytes.
pv_console_request: .word HC_CONSOLE_WRITE, 0, HC_NOT_DONE, 0
pv_console_patches:
    .word do_write.byte + 8, pv_nop_word
    .word 0
;  - the kernel's own messages: kprintf.inc's bytes go through pv_kputc (PV_KCONSOLE), which
;    buffers a line and flushes it with one hypercall, then its byte loop (patched to nops);
;    natively the hypercall is an ignored out and the loop prints the line.
.equ PV_KCONSOLE, 1
; kout_pv reg — what kprintf.inc's `out PORT_CONSOLE_DATA, reg` is in this build: pv_kputc(reg),
; every register kept.
.macro kout_pv reg
    push lr
    push r1
    mov r1, \reg
    call pv_kputc
    pop r1
    pop lr
.endm
.equ PV_KLINE_BYTES, 128
.align PAGE_SIZE                    ; not pv_shared_ie's page, which the monitor may map read-only
pv_kline:       .word HC_CONSOLE_WRITE, 0, HC_NOT_DONE, pv_kline_bytes   ; HC_ARGUMENT: bytes buffered
pv_kline_bytes: .space PV_KLINE_BYTES
.align 4
pv_kline_patches:
    .word pv_kflush.each + 8, pv_nop_word
    .word 0
;  - one exit per tick for the timer's restart and the kernel-stack switch together: schedule,
;    when trap() calls it for a tick (pv_in_tick), leaves its mtcr ksp0 to the restart's
;    multicall (the site is patched to a nop), and the restart's out becomes the multicall of
;    stack_switch(pv_stack_request's ksp0) and set_timer. Nothing runs user code in between,
;    so no trap can use the old kernel stack. Sent at boot with ksp0 = 0, as at reset.
pv_in_tick:        .word 0
pv_stack_request:  .word HC_STACK_SWITCH, 0, HC_NOT_DONE                 ; HC_ARGUMENT: the last ksp0 schedule chose
pv_tick_timer:     .word HC_SET_TIMER, TIME_SLICE_INSTRUCTIONS, HC_NOT_DONE, HC_TIMER_ONE_SHOT
pv_tick_multicall: .word HC_MULTICALL, 2, HC_NOT_DONE, pv_stack_request, pv_tick_timer
pv_boot_multicall: .word HC_MULTICALL, 1, HC_NOT_DONE, pv_stack_request
pv_tick_patches:
    .word schedule.pv_tick_ksp0, pv_nop_word
    .word trap.pv_restart, pv_restart_word
    .word 0
pv_restart_word:   out PORT_HYPERCALL, r3                               ; r3 = pv_tick_multicall
;  - the frame pool's shadow entries in one hypercall before kvm_init frees every frame
;    (one hidden page fault per frame otherwise); natively an ignored out.
pv_prefill_request: .word HC_SHADOW_PREFILL, (FRAME_POOL_END - FRAME_POOL_START) / PAGE_SIZE, HC_NOT_DONE, FRAME_POOL_START

; pv_entry — the paravirtual build's entry point: patch, then boot as the native kernel does.
pv_entry:
    la sp, idle_stack_top
    la r1, pv_request
    la r2, pv_patches
    call pv_init
    la r1, pv_timer_request
    la r2, pv_timer_patches
    call pv_init
    la r1, pv_console_request
    la r2, pv_console_patches
    call pv_init
    la r1, pv_console_request
    la r2, pv_kline_patches
    call pv_init
    la r1, pv_boot_multicall
    la r2, pv_tick_patches
    call pv_init
    mov sp, zero                    ; the state kernel_entry starts from (spec 6a: registers 0)
    jmp kernel_entry

; pv_kputc(r1 = byte) — kprintf.inc's kout in this build: the byte into the line buffer, which
; is flushed at a newline or when full. Keeps every register but r1.
pv_kputc:
    push lr
    push r2
    ldw r2, [zero + pv_kline + HC_ARGUMENT]
    stb r1, [r2 + pv_kline_bytes]
    addi r2, r2, 1
    stw r2, [zero + pv_kline + HC_ARGUMENT]
    xori r1, r1, '\n'
    beqz r1, .flush
    xori r2, r2, PV_KLINE_BYTES
    bnez r2, .kept
.flush:
    call pv_kflush
.kept:
    pop r2
    pop lr
    ret

; pv_kflush() — the buffered bytes to the console: one hypercall (natively an ignored out), then
; the same bytes one by one (natively; under a monitor that agreed, each out is a nop). Keeps
; every register. Called before do_write's output and before powering off, so the console sees
; the bytes in the order the kernel wrote them.
pv_kflush:
    push r1
    push r2
    push r3
    ldw r2, [zero + pv_kline + HC_ARGUMENT]
    li r3, pv_kline
    out PORT_HYPERCALL, r3
    li r3, 0
.each:
    beq r3, r2, .empty
    ldbu r1, [r3 + pv_kline_bytes]
    out PORT_CONSOLE_DATA, r1       ; patched to a nop (pv_kline_patches)
    addi r3, r3, 1
    jmp .each
.empty:
    stw zero, [zero + pv_kline + HC_ARGUMENT]
    pop r3
    pop r2
    pop r1
    ret
