/*
 * The Hyper-V CPUID leaves as Kite builds them (TLFS "Feature and
 * Interface Discovery").  The command line says what to expect:
 * "direct" / "nodirect" for the direct-mode timer bit, "kvm" / "nokvm"
 * for KVM's leaves at 0x40000100.
 */
#include "hv-lib.h"

static void leaf_string(uint32_t leaf, char out[13])
{
    uint32_t r[4];

    cpuid(leaf, 0, r);
    ((uint32_t *)out)[0] = r[1];
    ((uint32_t *)out)[1] = r[2];
    ((uint32_t *)out)[2] = r[3];
    out[12] = 0;
}

int guest_main(uint32_t magic, uint32_t info)
{
    const char *cmd = mb_cmdline(magic, info);
    uint32_t r[4];
    char vendor[13], kvm[13];

    cpuid(1, 0, r);
    guest_check((r[2] >> 31) & 1, "hypervisor bit", r[2], 1u << 31);
    cpuid(0x40000000, 0, r);
    leaf_string(0x40000000, vendor);
    guest_check(!memcmp(vendor, "Microsoft Hv", 12), "vendor Microsoft Hv",
                r[1], 0x7263694d);
    guest_check(r[0] >= 0x40000005, "max leaf >= 0x40000005", r[0],
                0x40000005);
    cpuid(0x40000001, 0, r);
    CHECK_EQ(r[0], 0x31237648u);                     /* "Hv#1" */
    cpuid(0x40000003, 0, r);
    /* hypercall, VP_INDEX, TIME_REF_COUNT, reference TSC, SynIC, timers */
    CHECK_EQ(r[0] & 0x26e, 0x26eu);
    CHECK_EQ(r[1], 0u);
    if (has_word(cmd, "direct")) {
        CHECK_EQ(r[3] & (1u << 19), 1u << 19);
    }
    if (has_word(cmd, "nodirect")) {
        CHECK_EQ(r[3] & (1u << 19), 0u);
        guest_printf("hv-cpuid: direct-mode timers not offered (EDX bit 19 "
                     "clear)\n");
    }
    cpuid(0x40000004, 0, r);
    CHECK_EQ(r[0] & (1u << 5), 1u << 5);             /* relaxed timing */
    guest_check(r[1] >= 0xfff, "spinlock retries", r[1], 0xfff);
    cpuid(0x40000005, 0, r);
    guest_check(r[0] >= 1, "virtual processor limit", r[0], 1);
    leaf_string(0x40000100, kvm);
    if (has_word(cmd, "kvm")) {
        guest_check(!memcmp(kvm, "KVMKVMKVM\0\0\0", 12),
                    "KVM leaves at 0x40000100", 0, 0);
    }
    if (has_word(cmd, "nokvm")) {
        guest_check(memcmp(kvm, "KVMKVMKVM", 9) != 0,
                    "no KVM leaves with kvm=off", 0, 0);
    }
    CHECK_EQ((uint32_t)rdmsr(MSR_VP_INDEX), 0u);      /* boot CPU */
    guest_printf("hv-cpuid: vendor %s, %d failures\n", vendor,
                 guest_failures());
    return guest_failures();
}
