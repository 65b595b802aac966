/* Hyper-V helpers for the test kernels (see hv-lib.h). */
#include "hv-lib.h"

#define APIC_BASE 0xfee00000u
#define APIC_SVR  0xf0
#define APIC_EOI  0xb0

HvMessage hv_simp[16] __attribute__((aligned(4096)));
uint8_t hv_siefp[4096] __attribute__((aligned(4096)));

uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)) : "memory");
}

uint32_t apic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(APIC_BASE + reg);
}

void apic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(APIC_BASE + reg) = v;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

/* Flat 4 GiB code (0x10) and data (0x18), the selectors crt0 runs with. */
static const uint64_t gdt[4] __attribute__((aligned(8))) = {
    0, 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
};
static uint64_t idt[256] __attribute__((aligned(8)));

struct __attribute__((packed)) DescPtr {
    uint16_t limit;
    uint32_t base;
};

/* Interrupt entry: save registers, call the C handler of this vector. */
static void (*handlers[256])(void);
void hv_dispatch(uint32_t vector);
void hv_dispatch(uint32_t vector)
{
    if (handlers[vector]) {
        handlers[vector]();
    }
}

#define STUB(v) \
    __asm__(".text\n.globl isr_" #v "\nisr_" #v ":\n" \
            "pushal\ncld\npushl $" #v "\ncall hv_dispatch\naddl $4, %esp\n" \
            "popal\niret\n"); \
    extern char isr_##v[];
STUB(0x30) STUB(0x31) STUB(0x40) STUB(0x41) STUB(0x42) STUB(0x43) STUB(0x44)
STUB(0xff)

static void idt_set(uint8_t v, void *entry)
{
    uint32_t a = (uint32_t)entry;

    /* 32-bit interrupt gate, DPL 0, present, selector 0x10. */
    idt[v] = (a & 0xffff) | (0x10u << 16) |
             ((uint64_t)(0x8e00 | (a & 0xffff0000u)) << 32);
}

void hv_set_handler(uint8_t vector, void (*fn)(void))
{
    handlers[vector] = fn;
}

void hv_setup_cpu(void)
{
    struct DescPtr g = { sizeof(gdt) - 1, (uint32_t)gdt };
    struct DescPtr i = { sizeof(idt) - 1, (uint32_t)idt };

    __asm__ volatile("lgdt %0\n"
                     "ljmp $0x10, $1f\n1:\n"
                     "mov $0x18, %%ax\nmov %%ax, %%ds\nmov %%ax, %%es\n"
                     "mov %%ax, %%ss\nmov %%ax, %%fs\nmov %%ax, %%gs\n"
                     : : "m"(g) : "eax", "memory");
    idt_set(0x30, isr_0x30);
    idt_set(0x31, isr_0x31);
    idt_set(0x40, isr_0x40);
    idt_set(0x41, isr_0x41);
    idt_set(0x42, isr_0x42);
    idt_set(0x43, isr_0x43);
    idt_set(0x44, isr_0x44);
    idt_set(0xff, isr_0xff);
    __asm__ volatile("lidt %0" : : "m"(i) : "memory");
    /* Firmware (QEMU's pc) may leave the 8259s unmasked with the PIT
     * running; only the APIC vectors above have handlers. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic_write(APIC_SVR, 0x100 | 0xff);
}

uint32_t wait_count(volatile uint32_t *counter, uint32_t want,
                    uint64_t timeout)
{
    uint64_t end = ref_time() + timeout;

    /* Poll rather than hlt: a timer that never fires must not hang us. */
    while (*counter < want && ref_time() < end) {
        for (int i = 0; i < 200 && *counter < want; i++) {
            __asm__ volatile("sti; pause; cli" ::: "memory");
        }
    }
    return *counter;
}

const char *mb_cmdline(uint32_t magic, uint32_t info)
{
    const uint32_t *mbi = (const uint32_t *)info;

    if (magic != 0x2BADB002u || !info || !(mbi[0] & (1u << 2))) {
        return "";
    }
    return (const char *)mbi[4];
}

int has_word(const char *s, const char *word)
{
    size_t n = 0;

    while (word[n]) {
        n++;
    }
    for (const char *p = s; *p; p++) {
        if ((p == s || p[-1] == ' ') && !memcmp(p, word, n) &&
            (p[n] == 0 || p[n] == ' ')) {
            return 1;
        }
    }
    return 0;
}

uint64_t div64(uint64_t n, uint32_t d)
{
    uint64_t q = 0, r = 0;

    for (int i = 63; i >= 0; i--) {
        r = r << 1 | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    return q;
}
