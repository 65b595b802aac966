/* Real-mode start of the second vCPU (copied to 0x8000, SIPI vector 8):
 * enter flat protected mode with the same selectors as the boot CPU and
 * call hv_ap_main on its own stack. */
#define BASE 0x8000
    .text
    .code16
    .globl hv_ap_tramp_start, hv_ap_tramp_end
hv_ap_tramp_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl (ap_gdtr - hv_ap_tramp_start + BASE)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x10, $(ap_pm - hv_ap_tramp_start + BASE)
    .code32
ap_pm:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $hv_ap_stack_top, %esp
    mov $hv_ap_main, %eax
    call *%eax
1:  hlt
    jmp 1b
    .align 8
ap_gdt:
    .quad 0, 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
ap_gdtr:
    .word 31
    .long ap_gdt - hv_ap_tramp_start + BASE
hv_ap_tramp_end:

    .bss
    .align 16
    .skip 8192
    .globl hv_ap_stack_top
hv_ap_stack_top:

    .section .note.GNU-stack, "", @progbits
