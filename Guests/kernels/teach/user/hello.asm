; hello.asm — user program: asks the kernel for its pid and prints it.
hello:
    print hello_asking
    sys_getpid
    mov r7, r1
    print hello_text
    mov r1, r7
    call print_uint
    call print_nl
    sys_exit 0
hello_asking: .asciz "hello: asking the kernel for my pid\n"
hello_text: .asciz "hello: my pid is "
.align 4
hello_end:
