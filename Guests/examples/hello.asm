; hello.asm — the smallest complete guest: it runs in ring 0 with paging off, writes
; "Hello, world!\n" byte by byte to the console data port and powers the machine off with
; status 0.
;
;   dotnet run --project Emulator/Cli -c Release -- run Guests/examples/hello.asm

.include "../lib/ports.inc"     ; PORT_CONSOLE_DATA, PORT_POWER, ...

.entry _start

_start:
    la   r1, message
.next:
    ldbu r2, [r1]
    beqz r2, .done
    out  PORT_CONSOLE_DATA, r2
    addi r1, r1, 1
    jmp  .next
.done:
    out  PORT_POWER, zero       ; exit status 0

message:
    .asciz "Hello, world!\n"
