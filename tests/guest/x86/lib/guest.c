/* Serial output, checks and exit for the x86 test kernels. */
#include "guest.h"
#include <stdarg.h>

#define COM1 0x3f8

static int failures;

void serial_putc(char c)
{
    /* Wait for the transmitter holding register to be empty. */
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, c);
}

static void put_str(const char *s)
{
    while (*s) {
        serial_putc(*s++);
    }
}

static void put_num(uint32_t v, unsigned base, int width)
{
    char buf[16];
    int n = 0;

    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && n < 16);
    while (n < width) {
        buf[n++] = '0';
    }
    while (n) {
        serial_putc(buf[--n]);
    }
}

/* %s %c %d %u %x %08x: all the test kernels need. */
void guest_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        int width = 0;

        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        fmt++;
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        switch (*fmt) {
        case 's': put_str(va_arg(ap, const char *)); break;
        case 'c': serial_putc((char)va_arg(ap, int)); break;
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) {
                serial_putc('-');
                v = -v;
            }
            put_num((uint32_t)v, 10, width);
            break;
        }
        case 'u': put_num(va_arg(ap, uint32_t), 10, width); break;
        case 'x': put_num(va_arg(ap, uint32_t), 16, width); break;
        case '%': serial_putc('%'); break;
        default: serial_putc('?'); break;
        }
    }
    va_end(ap);
}

void guest_check(int ok, const char *what, uint32_t got, uint32_t want)
{
    if (!ok) {
        failures++;
        guest_printf("FAIL: %s (got 0x%x, want 0x%x)\n", what, got, want);
    }
}

int guest_failures(void)
{
    return failures;
}

void guest_exit(int code)
{
    guest_printf("guest exit %d\n", code);
    outl(DEBUG_EXIT_PORT, (uint32_t)code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

uint32_t pci_read32(unsigned devfn, unsigned off)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    return inl(0xcfc);
}

void pci_write32(unsigned devfn, unsigned off, uint32_t v)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    outl(0xcfc, v);
}
