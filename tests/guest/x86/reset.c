/*
 * Reset through the 8042 (port 0x64, command 0xfe).  A word in RAM past
 * the kernel counts boots: the first boot resets, the second reports in.
 * With -no-reboot, Kite must exit (status 0) at the first reset.
 */
#include "guest.h"

#define BOOT_COUNT ((volatile uint32_t *)0x400000)
#define BOOT_MAGIC 0x6b697465u

int guest_main(uint32_t magic, uint32_t info)
{
    if (BOOT_COUNT[0] != BOOT_MAGIC) {
        BOOT_COUNT[0] = BOOT_MAGIC;
        BOOT_COUNT[1] = 1;
        guest_printf("reset: first boot, resetting\n");
        outb(0x64, 0xfe);
        for (;;) {
            __asm__ volatile("hlt");
        }
    }
    BOOT_COUNT[1]++;
    guest_printf("reset: boot %d after reset\n", (int)BOOT_COUNT[1]);
    CHECK_EQ(magic, 0x2BADB002u);
    CHECK_EQ(BOOT_COUNT[1], 2u);
    return guest_failures();
}
