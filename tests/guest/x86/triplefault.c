/*
 * A triple fault (an exception with an empty IDT) is a reset: the second
 * boot reports in.  With -no-reboot, Kite must exit at the fault.
 */
#include "guest.h"

#define BOOT_COUNT ((volatile uint32_t *)0x400000)
#define BOOT_MAGIC 0x74726970u

int guest_main(uint32_t magic, uint32_t info)
{
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } empty_idt = { 0, 0 };

    if (BOOT_COUNT[0] != BOOT_MAGIC) {
        BOOT_COUNT[0] = BOOT_MAGIC;
        BOOT_COUNT[1] = 1;
        guest_printf("triplefault: faulting\n");
        __asm__ volatile("lidt %0; int3" : : "m"(empty_idt));
        guest_printf("triplefault: still running\n");
        return 1;
    }
    BOOT_COUNT[1]++;
    guest_printf("triplefault: boot %d after the fault\n", (int)BOOT_COUNT[1]);
    CHECK_EQ(BOOT_COUNT[1], 2u);
    return guest_failures();
}
