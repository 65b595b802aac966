/* CPUID as Kite sets it up: a real vendor, APIC id 0 on the boot CPU,
 * and KVM's paravirtual signature at 0x40000000. */
#include "guest.h"

/* Does the multiboot command line contain @word? */
static int cmdline_has(uint32_t info, const char *word)
{
    const char *c;

    if (!info || !(*(volatile uint32_t *)info & (1u << 2))) {
        return 0;
    }
    c = (const char *)*(volatile uint32_t *)(info + 16);
    for (; *c; c++) {
        const char *a = c, *b = word;
        while (*b && *a == *b) {
            a++, b++;
        }
        if (!*b) {
            return 1;
        }
    }
    return 0;
}

int guest_main(uint32_t magic, uint32_t info)
{
    uint32_t r[4];
    char vendor[13], sig[13];

    cpuid(0, 0, r);
    ((uint32_t *)vendor)[0] = r[1];
    ((uint32_t *)vendor)[1] = r[3];
    ((uint32_t *)vendor)[2] = r[2];
    vendor[12] = 0;
    guest_check(!memcmp(vendor, "AuthenticAMD", 12) ||
                !memcmp(vendor, "GenuineIntel", 12), "known vendor", r[1], 0);
    guest_check(r[0] >= 1, "basic leaves present", r[0], 1);
    cpuid(1, 0, r);
    CHECK_EQ(r[1] >> 24, 0u);            /* boot CPU's APIC id */
    guest_check((r[3] & (1u << 9)) != 0, "APIC present", r[3], 1u << 9);
    /* Run with -cpu host,-x2apic -append expect-no-x2apic. */
    if (cmdline_has(info, "expect-no-x2apic")) {
        guest_check(!(r[2] & (1u << 21)), "-x2apic clears CPUID.1:ECX[21]",
                    r[2], 0);
    }
    /* The hypervisor bit, without which guests ignore 0x40000000. */
    guest_check((r[2] & (1u << 31)) != 0, "hypervisor bit", r[2], 1u << 31);
    cpuid(0x40000000, 0, r);
    ((uint32_t *)sig)[0] = r[1];
    ((uint32_t *)sig)[1] = r[2];
    ((uint32_t *)sig)[2] = r[3];
    sig[12] = 0;
    guest_check(!memcmp(sig, "KVMKVMKVM\0\0\0", 12), "KVM signature", r[1], 0);
    guest_printf("cpuid: vendor %s, %d failures\n", vendor, guest_failures());
    return guest_failures();
}
