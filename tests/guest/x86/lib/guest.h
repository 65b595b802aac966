/*
 * The helper library of Kite's freestanding x86 test kernels (in the
 * spirit of the Linux KVM selftests): port and MMIO access, a serial
 * console, CPUID, and exit through isa-debug-exit.  The host runs each
 * kernel with -device isa-debug-exit,iobase=0xf4,iosize=4 and reads
 * exit status (code << 1) | 1: code 0 means every check passed.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>

#define DEBUG_EXIT_PORT 0xf4

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t mmio_read32(uint32_t addr)
{
    return *(volatile uint32_t *)addr;
}
static inline uint16_t mmio_read16(uint32_t addr)
{
    return *(volatile uint16_t *)addr;
}
static inline void mmio_write16(uint32_t addr, uint16_t v)
{
    *(volatile uint16_t *)addr = v;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

void serial_putc(char c);
void guest_printf(const char *fmt, ...);
void guest_exit(int code) __attribute__((noreturn));
/* Count a failed check (printed); guest_main returns guest_failures(). */
void guest_check(int ok, const char *what, uint32_t got, uint32_t want);
int guest_failures(void);
int memcmp(const void *a, const void *b, size_t n);

/* PCI configuration mechanism #1. */
uint32_t pci_read32(unsigned devfn, unsigned off);
void pci_write32(unsigned devfn, unsigned off, uint32_t v);

int guest_main(uint32_t magic, uint32_t info);

#define CHECK_EQ(got, want) guest_check((got) == (want), #got " == " #want, \
                                        (uint32_t)(got), (uint32_t)(want))

#endif
