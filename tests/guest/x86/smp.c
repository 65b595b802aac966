/*
 * SMP bring-up through the in-kernel local APIC: the boot CPU copies a
 * real-mode trampoline to 0x8000, sends INIT and two STARTUP IPIs to all
 * other CPUs (Intel SDM vol. 3, 8.4.4 "MP initialization example"), and
 * each AP switches to protected mode and reports its APIC id.  Run with
 * -smp N: all N-1 APs must report, each with a distinct APIC id.
 */
#include "guest.h"

#define TRAMPOLINE 0x8000u
#define LAPIC 0xfee00000u
#define LAPIC_ID 0x20
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define MAX_CPUS 16

volatile uint32_t ap_count;
volatile uint32_t ap_ids_seen;          /* bit per APIC id */
volatile uint32_t ap_next_stack;
uint8_t ap_stacks[MAX_CPUS][4096] __attribute__((aligned(16)));

void ap_main(void);

/* Real mode at TRAMPOLINE: load a flat GDT, enter protected mode, jump
 * to ap_entry32 in the kernel.  Addresses inside are TRAMPOLINE-based. */
__asm__(
    ".code16\n"
    ".globl ap_tramp, ap_tramp_end\n"
    "ap_tramp:\n"
    "    cli\n"
    "    xorw %ax, %ax\n"
    "    movw %ax, %ds\n"
    "    lgdtl (ap_gdtr - ap_tramp + 0x8000)\n"
    "    movl %cr0, %eax\n"
    "    orl $1, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmpl $0x10, $ap_entry32\n"
    "    .align 8\n"
    "ap_gdt:\n"
    "    .quad 0, 0\n"
    "    .quad 0x00cf9a000000ffff\n"      /* 0x10: flat 32-bit code */
    "    .quad 0x00cf92000000ffff\n"      /* 0x18: flat data */
    "ap_gdtr:\n"
    "    .word 4 * 8 - 1\n"
    "    .long ap_gdt - ap_tramp + 0x8000\n"
    "ap_tramp_end:\n"
    ".code32\n"
    "ap_entry32:\n"
    "    movw $0x18, %ax\n"
    "    movw %ax, %ds\n"
    "    movw %ax, %es\n"
    "    movw %ax, %ss\n"
    "    movl $1, %eax\n"
    "    lock xaddl %eax, ap_next_stack\n"
    "    incl %eax\n"
    "    shll $12, %eax\n"
    "    leal ap_stacks(%eax), %esp\n"
    "    call ap_main\n"
    "1:  cli\n"
    "    hlt\n"
    "    jmp 1b\n");

extern const uint8_t ap_tramp[], ap_tramp_end[];

void ap_main(void)
{
    uint32_t r[4];

    cpuid(1, 0, r);
    __atomic_fetch_or(&ap_ids_seen, 1u << ((r[1] >> 24) & 31), __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC + reg) = v;
}

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(LAPIC + reg);
}

static void delay(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++) {
        __asm__ volatile("pause");
    }
}

static void send_ipi(uint32_t icr)
{
    lapic_write(LAPIC_ICR_LO, icr);
    for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++) {
        delay(10);
    }
}

int guest_main(uint32_t magic, uint32_t info)
{
    uint32_t r[4], ncpus, want;

    cpuid(1, 0, r);
    ncpus = (r[3] & (1u << 28)) ? (r[1] >> 16) & 0xff : 1;
    if (ncpus > MAX_CPUS) {
        ncpus = MAX_CPUS;
    }
    CHECK_EQ(lapic_read(LAPIC_ID) >> 24, 0u);
    for (unsigned i = 0; i < (unsigned)(ap_tramp_end - ap_tramp); i++) {
        ((volatile uint8_t *)TRAMPOLINE)[i] = ap_tramp[i];
    }
    lapic_write(LAPIC_SVR, 0x1ff);          /* software enable, vector 0xff */
    send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
    delay(100000);
    for (int i = 0; i < 2; i++) {
        send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP |
                 (TRAMPOLINE >> 12));
        delay(10000);
    }
    for (unsigned i = 0; i < 20000000 && ap_count < ncpus - 1; i++) {
        delay(10);
    }
    want = ncpus >= 32 ? 0 : ((1u << ncpus) - 1) & ~1u;
    guest_printf("smp: %d CPUs, %d APs reported in, APIC ids %x\n", (int)ncpus,
                 (int)ap_count, ap_ids_seen);
    CHECK_EQ(ap_count, ncpus - 1);
    CHECK_EQ(ap_ids_seen, want);
    return guest_failures();
}
