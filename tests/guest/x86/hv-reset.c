/*
 * Hyper-V MSRs across a system reset: the first boot enables SynIC, a
 * periodic stimer and sets the guest OS id, then resets through the 8042;
 * the second boot must find them at their reset values (SINTs masked).
 */
#include "hv-lib.h"

#define BOOT_COUNT ((volatile uint32_t *)0x400000)
#define BOOT_MAGIC 0x68767273u

int guest_main(uint32_t magic, uint32_t info)
{
    if (BOOT_COUNT[0] != BOOT_MAGIC) {
        BOOT_COUNT[0] = BOOT_MAGIC;
        BOOT_COUNT[1] = 1;
        wrmsr(MSR_GUEST_OS_ID, 0x8100000000001234ull);
        wrmsr(MSR_SIMP, (uint32_t)hv_simp | 1);
        wrmsr(MSR_SIEFP, (uint32_t)hv_siefp | 1);
        wrmsr(MSR_SINT(2), 0x41);
        wrmsr(MSR_SCONTROL, 1);
        wrmsr(MSR_STIMER_COUNT(0), 100000);
        wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_PERIODIC |
              STIMER_SINT(2));
        CHECK_EQ((uint32_t)rdmsr(MSR_SCONTROL), 1u);
        guest_printf("hv-reset: first boot, SynIC on, resetting\n");
        outb(0x64, 0xfe);
        for (;;) {
            __asm__ volatile("hlt");
        }
    }
    BOOT_COUNT[1]++;
    CHECK_EQ(BOOT_COUNT[1], 2u);
    CHECK_EQ((uint32_t)rdmsr(MSR_GUEST_OS_ID), 0u);
    CHECK_EQ((uint32_t)(rdmsr(MSR_GUEST_OS_ID) >> 32), 0u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SCONTROL), 0u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SIMP), 0u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SIEFP), 0u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SINT(2)) & SINT_MASKED, SINT_MASKED);
    CHECK_EQ((uint32_t)rdmsr(MSR_STIMER_CONFIG(0)), 0u);
    CHECK_EQ((uint32_t)rdmsr(MSR_STIMER_COUNT(0)), 0u);
    guest_printf("hv-reset: boot 2, %d failures\n", guest_failures());
    return guest_failures();
}
