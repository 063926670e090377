; hello.asm — user program: greets, asks for its pid and prints it.
hello:
    print hello_text
    sys_getpid
    call print_uint
    call print_nl
    sys_exit 0
hello_text: .asciz "hello: my pid is "
.align 4
hello_end:
