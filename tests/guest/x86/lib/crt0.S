/* Multiboot v1 entry for freestanding test kernels: a stack, then
 * guest_main(magic, info); its return value becomes the exit code. */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002            /* magic */
    .long 0x00000003            /* page-align modules, memory info */
    .long -(0x1BADB002 + 0x00000003)

    .text
    .globl _start
_start:
    mov $stack_top, %esp
    push %ebx
    push %eax
    call guest_main
    push %eax
    call guest_exit
1:  hlt
    jmp 1b

    .bss
    .align 16
    .skip 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
