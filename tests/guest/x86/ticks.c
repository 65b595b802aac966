/*
 * A guest that runs until stopped from outside: it announces each boot,
 * then prints a tick counter on the serial line, forever.  The QMP test
 * on real KVM (tests/guest/qmp-kvm.py) watches the ticks stop under QMP
 * `stop`, resume under `cont`, and the boot line come back after
 * `system_reset`.  The pace is the TSC (about 20 ticks a second at a few
 * GHz), and the counter lives in the guest, so a paused vCPU prints
 * nothing and a resumed one carries on from where it was.
 */
#include "guest.h"

#define TSC_PER_TICK (1ull << 27)

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

int guest_main(uint32_t magic, uint32_t info)
{
    uint64_t next = rdtsc() + TSC_PER_TICK;

    guest_printf("ticks: boot\n");
    for (uint32_t tick = 1;; tick++) {
        while (rdtsc() < next) {
            __asm__ volatile("pause");
        }
        /* After a long stop, tick once rather than catch up in a burst. */
        next = rdtsc() + TSC_PER_TICK;
        guest_printf("ticks: %u\n", tick);
    }
}
