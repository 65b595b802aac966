/* The multiboot information Kite passes: memory sizes, the command line
 * from -append, and the memory map. */
#include "guest.h"

static int has(const char *s, const char *word)
{
    for (; *s; s++) {
        const char *a = s, *b = word;
        while (*a && *b && *a == *b) {
            a++;
            b++;
        }
        if (!*b) {
            return 1;
        }
    }
    return 0;
}

int guest_main(uint32_t magic, uint32_t info)
{
    const uint32_t *mbi = (const uint32_t *)info;
    uint32_t mmap_len, mmap_addr, total_kib = 0;

    CHECK_EQ(magic, 0x2BADB002u);
    guest_check((mbi[0] & 0x45) == 0x45, "mem, cmdline, mmap flags", mbi[0], 0x45);
    /* Conventional memory, then -m 64M from 1 MiB up (loaders may keep a
     * little of either for themselves). */
    guest_check(mbi[1] >= 600 && mbi[1] <= 640, "mem_lower", mbi[1], 640);
    guest_check(mbi[2] >= 62 * 1024 && mbi[2] <= 63 * 1024, "mem_upper",
                mbi[2], 63 * 1024);
    guest_check(has((const char *)mbi[4], "kite-test-arg=42"), "cmdline", 0, 0);
    mmap_len = mbi[11];
    mmap_addr = mbi[12];
    for (uint32_t off = 0; off < mmap_len;) {
        const uint32_t *e = (const uint32_t *)(mmap_addr + off);
        if (e[5] == 1) {
            total_kib += e[3] / 1024;
        }
        off += e[0] + 4;
    }
    guest_check(total_kib > 62 * 1024 && total_kib <= 64 * 1024, "usable RAM",
                total_kib, 64 * 1024);
    guest_printf("multiboot: cmdline '%s', %u KiB usable, %d failures\n",
                 (const char *)mbi[4], total_kib, guest_failures());
    return guest_failures();
}
