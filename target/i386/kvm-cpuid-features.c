/*
 * -cpu feature flags applied to the CPUID that KVM supports: "-feat" or
 * "feat=off" clears the bit, "+feat" asks for it and is an error when the
 * host's KVM cannot give it.  Bit positions: Intel SDM vol. 2A, CPUID;
 * AMD APM vol. 3, appendix E; the KVM leaves from the kernel's
 * Documentation/virt/kvm/x86/cpuid.rst.  Flags not in this table are
 * accepted by the parser and have no effect yet.
 */
#include "target/i386/kvm-cpuid-features.h"

enum { EAX, EBX, ECX, EDX };

typedef struct CpuidFlag {
    const char *name;
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
} CpuidFlag;

static const CpuidFlag flags[] = {
    { "fpu", 1, 0, EDX, 0 }, { "vme", 1, 0, EDX, 1 }, { "de", 1, 0, EDX, 2 },
    { "pse", 1, 0, EDX, 3 }, { "tsc", 1, 0, EDX, 4 }, { "msr", 1, 0, EDX, 5 },
    { "pae", 1, 0, EDX, 6 }, { "mce", 1, 0, EDX, 7 }, { "cx8", 1, 0, EDX, 8 },
    { "apic", 1, 0, EDX, 9 }, { "sep", 1, 0, EDX, 11 }, { "mtrr", 1, 0, EDX, 12 },
    { "pge", 1, 0, EDX, 13 }, { "mca", 1, 0, EDX, 14 }, { "cmov", 1, 0, EDX, 15 },
    { "pat", 1, 0, EDX, 16 }, { "pse36", 1, 0, EDX, 17 },
    { "clflush", 1, 0, EDX, 19 }, { "mmx", 1, 0, EDX, 23 },
    { "fxsr", 1, 0, EDX, 24 }, { "sse", 1, 0, EDX, 25 }, { "sse2", 1, 0, EDX, 26 },
    { "ss", 1, 0, EDX, 27 }, { "ht", 1, 0, EDX, 28 },
    { "pni", 1, 0, ECX, 0 }, { "pclmulqdq", 1, 0, ECX, 1 },
    { "vmx", 1, 0, ECX, 5 }, { "smx", 1, 0, ECX, 6 }, { "ssse3", 1, 0, ECX, 9 },
    { "fma", 1, 0, ECX, 12 }, { "cx16", 1, 0, ECX, 13 }, { "pdcm", 1, 0, ECX, 15 },
    { "pcid", 1, 0, ECX, 17 }, { "sse4.1", 1, 0, ECX, 19 },
    { "sse4.2", 1, 0, ECX, 20 }, { "x2apic", 1, 0, ECX, 21 },
    { "movbe", 1, 0, ECX, 22 }, { "popcnt", 1, 0, ECX, 23 },
    { "tsc-deadline", 1, 0, ECX, 24 }, { "aes", 1, 0, ECX, 25 },
    { "xsave", 1, 0, ECX, 26 }, { "avx", 1, 0, ECX, 28 }, { "f16c", 1, 0, ECX, 29 },
    { "rdrand", 1, 0, ECX, 30 }, { "hypervisor", 1, 0, ECX, 31 },
    { "fsgsbase", 7, 0, EBX, 0 }, { "tsc-adjust", 7, 0, EBX, 1 },
    { "bmi1", 7, 0, EBX, 3 }, { "hle", 7, 0, EBX, 4 }, { "avx2", 7, 0, EBX, 5 },
    { "smep", 7, 0, EBX, 7 }, { "bmi2", 7, 0, EBX, 8 }, { "erms", 7, 0, EBX, 9 },
    { "invpcid", 7, 0, EBX, 10 }, { "rtm", 7, 0, EBX, 11 },
    { "avx512f", 7, 0, EBX, 16 }, { "avx512dq", 7, 0, EBX, 17 },
    { "rdseed", 7, 0, EBX, 18 }, { "adx", 7, 0, EBX, 19 }, { "smap", 7, 0, EBX, 20 },
    { "clflushopt", 7, 0, EBX, 23 }, { "clwb", 7, 0, EBX, 24 },
    { "sha-ni", 7, 0, EBX, 29 },
    { "umip", 7, 0, ECX, 2 }, { "pku", 7, 0, ECX, 3 }, { "gfni", 7, 0, ECX, 8 },
    { "vaes", 7, 0, ECX, 9 }, { "vpclmulqdq", 7, 0, ECX, 10 },
    { "la57", 7, 0, ECX, 16 }, { "rdpid", 7, 0, ECX, 22 },
    { "fsrm", 7, 0, EDX, 4 }, { "md-clear", 7, 0, EDX, 10 },
    { "serialize", 7, 0, EDX, 14 }, { "spec-ctrl", 7, 0, EDX, 26 },
    { "stibp", 7, 0, EDX, 27 }, { "arch-capabilities", 7, 0, EDX, 29 },
    { "ssbd", 7, 0, EDX, 31 },
    { "lahf-lm", 0x80000001, 0, ECX, 0 }, { "svm", 0x80000001, 0, ECX, 2 },
    { "abm", 0x80000001, 0, ECX, 5 }, { "sse4a", 0x80000001, 0, ECX, 6 },
    { "misalignsse", 0x80000001, 0, ECX, 7 },
    { "3dnowprefetch", 0x80000001, 0, ECX, 8 }, { "xop", 0x80000001, 0, ECX, 11 },
    { "fma4", 0x80000001, 0, ECX, 16 }, { "tbm", 0x80000001, 0, ECX, 21 },
    { "topoext", 0x80000001, 0, ECX, 22 },
    { "syscall", 0x80000001, 0, EDX, 11 }, { "nx", 0x80000001, 0, EDX, 20 },
    { "mmxext", 0x80000001, 0, EDX, 22 }, { "pdpe1gb", 0x80000001, 0, EDX, 26 },
    { "rdtscp", 0x80000001, 0, EDX, 27 }, { "lm", 0x80000001, 0, EDX, 29 },
    { "invtsc", 0x80000007, 0, EDX, 8 },
    { "kvmclock", 0x40000001, 0, EAX, 0 }, { "kvmclock", 0x40000001, 0, EAX, 3 },
    { "kvm-nopiodelay", 0x40000001, 0, EAX, 1 },
    { "kvm-mmu", 0x40000001, 0, EAX, 2 },
    { "kvm-asyncpf", 0x40000001, 0, EAX, 4 },
    { "kvm-steal-time", 0x40000001, 0, EAX, 5 },
    { "kvm-pv-eoi", 0x40000001, 0, EAX, 6 },
    { "kvm-pv-unhalt", 0x40000001, 0, EAX, 7 },
    { "kvm-pv-tlb-flush", 0x40000001, 0, EAX, 9 },
    { "kvm-pv-ipi", 0x40000001, 0, EAX, 11 },
    { "kvm-poll-control", 0x40000001, 0, EAX, 12 },
    { "kvm-pv-sched-yield", 0x40000001, 0, EAX, 13 },
    { "kvm-asyncpf-int", 0x40000001, 0, EAX, 14 },
    { "kvm-msi-ext-dest-id", 0x40000001, 0, EAX, 15 },
    { "kvmclock-stable-bit", 0x40000001, 0, EAX, 24 },
};

static uint32_t *reg_of(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t sub,
                        unsigned reg)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function == leaf &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == sub)) {
            uint32_t *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
            return regs[reg];
        }
    }
    return NULL;
}

bool x86_kvm_apply_cpu_features(GHashTable *features, struct kvm_cpuid2 *c,
                                GError **errp)
{
    if (!features) {
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
        const CpuidFlag *f = &flags[i];
        const char *v = g_hash_table_lookup(features, f->name);
        uint32_t *r;

        if (!v) {
            continue;
        }
        r = reg_of(c, f->leaf, f->subleaf, f->reg);
        if (!strcmp(v, "off")) {
            if (r) {
                *r &= ~(1u << f->bit);
            }
        } else if (!r || !(*r & (1u << f->bit))) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "-cpu: feature '%s' is not supported by KVM on this "
                        "host", f->name);
            return false;
        }
    }
    return true;
}
