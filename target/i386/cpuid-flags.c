/*
 * The CPUID bit of each -cpu feature flag.  Bit positions: Intel SDM
 * vol. 2A, CPUID instruction; AMD APM vol. 3, appendix E; VIA/Centaur
 * leaf 0xC0000001 as the Linux kernel's cpufeatures list names it; the KVM
 * leaves from the kernel's Documentation/virt/kvm/x86/cpuid.rst.
 *
 * Flags of cpu-models.c that are missing here are MSR-based (vmx-*, the
 * IA32_ARCH_CAPABILITIES bits such as mds-no, sgx-* attributes): the
 * parser accepts them and KVM's own values stay in force.
 */
#include "target/i386/cpuid-flags.h"

#define L1 1, 0
#define L7 7, 0
#define L7_1 7, 1
#define LD_1 0xd, 1
#define E1 0x80000001u, 0
#define E7 0x80000007u, 0
#define E8 0x80000008u, 0
#define EA 0x8000000au, 0
#define C1 0xc0000001u, 0
#define KF 0x40000001u, 0

const X86CpuidFlag x86_cpuid_flags[] = {
    /* CPUID.1:EDX */
    { "fpu", L1, CPUID_EDX, 0 }, { "vme", L1, CPUID_EDX, 1 },
    { "de", L1, CPUID_EDX, 2 }, { "pse", L1, CPUID_EDX, 3 },
    { "tsc", L1, CPUID_EDX, 4 }, { "msr", L1, CPUID_EDX, 5 },
    { "pae", L1, CPUID_EDX, 6 }, { "mce", L1, CPUID_EDX, 7 },
    { "cx8", L1, CPUID_EDX, 8 }, { "apic", L1, CPUID_EDX, 9 },
    { "sep", L1, CPUID_EDX, 11 }, { "mtrr", L1, CPUID_EDX, 12 },
    { "pge", L1, CPUID_EDX, 13 }, { "mca", L1, CPUID_EDX, 14 },
    { "cmov", L1, CPUID_EDX, 15 }, { "pat", L1, CPUID_EDX, 16 },
    { "pse36", L1, CPUID_EDX, 17 }, { "pn", L1, CPUID_EDX, 18 },
    { "clflush", L1, CPUID_EDX, 19 }, { "ds", L1, CPUID_EDX, 21 },
    { "acpi", L1, CPUID_EDX, 22 }, { "mmx", L1, CPUID_EDX, 23 },
    { "fxsr", L1, CPUID_EDX, 24 }, { "sse", L1, CPUID_EDX, 25 },
    { "sse2", L1, CPUID_EDX, 26 }, { "ss", L1, CPUID_EDX, 27 },
    { "ht", L1, CPUID_EDX, 28 }, { "tm", L1, CPUID_EDX, 29 },
    { "ia64", L1, CPUID_EDX, 30 }, { "pbe", L1, CPUID_EDX, 31 },
    /* CPUID.1:ECX */
    { "pni", L1, CPUID_ECX, 0 }, { "pclmulqdq", L1, CPUID_ECX, 1 },
    { "dtes64", L1, CPUID_ECX, 2 }, { "monitor", L1, CPUID_ECX, 3 },
    { "ds-cpl", L1, CPUID_ECX, 4 }, { "vmx", L1, CPUID_ECX, 5 },
    { "smx", L1, CPUID_ECX, 6 }, { "est", L1, CPUID_ECX, 7 },
    { "tm2", L1, CPUID_ECX, 8 }, { "ssse3", L1, CPUID_ECX, 9 },
    { "cid", L1, CPUID_ECX, 10 }, { "fma", L1, CPUID_ECX, 12 },
    { "cx16", L1, CPUID_ECX, 13 }, { "xtpr", L1, CPUID_ECX, 14 },
    { "pdcm", L1, CPUID_ECX, 15 }, { "pcid", L1, CPUID_ECX, 17 },
    { "dca", L1, CPUID_ECX, 18 }, { "sse4.1", L1, CPUID_ECX, 19 },
    { "sse4.2", L1, CPUID_ECX, 20 }, { "x2apic", L1, CPUID_ECX, 21 },
    { "movbe", L1, CPUID_ECX, 22 }, { "popcnt", L1, CPUID_ECX, 23 },
    { "tsc-deadline", L1, CPUID_ECX, 24 }, { "aes", L1, CPUID_ECX, 25 },
    { "xsave", L1, CPUID_ECX, 26 }, { "avx", L1, CPUID_ECX, 28 },
    { "f16c", L1, CPUID_ECX, 29 }, { "rdrand", L1, CPUID_ECX, 30 },
    { "hypervisor", L1, CPUID_ECX, 31 },
    /* CPUID.6:EAX */
    { "arat", 6, 0, CPUID_EAX, 2 },
    /* CPUID.(7,0):EBX */
    { "fsgsbase", L7, CPUID_EBX, 0 }, { "tsc-adjust", L7, CPUID_EBX, 1 },
    { "sgx", L7, CPUID_EBX, 2 }, { "bmi1", L7, CPUID_EBX, 3 },
    { "hle", L7, CPUID_EBX, 4 }, { "avx2", L7, CPUID_EBX, 5 },
    { "smep", L7, CPUID_EBX, 7 }, { "bmi2", L7, CPUID_EBX, 8 },
    { "erms", L7, CPUID_EBX, 9 }, { "invpcid", L7, CPUID_EBX, 10 },
    { "rtm", L7, CPUID_EBX, 11 }, { "mpx", L7, CPUID_EBX, 14 },
    { "avx512f", L7, CPUID_EBX, 16 }, { "avx512dq", L7, CPUID_EBX, 17 },
    { "rdseed", L7, CPUID_EBX, 18 }, { "adx", L7, CPUID_EBX, 19 },
    { "smap", L7, CPUID_EBX, 20 }, { "avx512ifma", L7, CPUID_EBX, 21 },
    { "pcommit", L7, CPUID_EBX, 22 }, { "clflushopt", L7, CPUID_EBX, 23 },
    { "clwb", L7, CPUID_EBX, 24 }, { "intel-pt", L7, CPUID_EBX, 25 },
    { "avx512pf", L7, CPUID_EBX, 26 }, { "avx512er", L7, CPUID_EBX, 27 },
    { "avx512cd", L7, CPUID_EBX, 28 }, { "sha-ni", L7, CPUID_EBX, 29 },
    { "avx512bw", L7, CPUID_EBX, 30 }, { "avx512vl", L7, CPUID_EBX, 31 },
    /* CPUID.(7,0):ECX */
    { "avx512vbmi", L7, CPUID_ECX, 1 }, { "umip", L7, CPUID_ECX, 2 },
    { "pku", L7, CPUID_ECX, 3 }, { "waitpkg", L7, CPUID_ECX, 5 },
    { "avx512vbmi2", L7, CPUID_ECX, 6 }, { "gfni", L7, CPUID_ECX, 8 },
    { "vaes", L7, CPUID_ECX, 9 }, { "vpclmulqdq", L7, CPUID_ECX, 10 },
    { "avx512vnni", L7, CPUID_ECX, 11 }, { "avx512bitalg", L7, CPUID_ECX, 12 },
    { "avx512-vpopcntdq", L7, CPUID_ECX, 14 }, { "la57", L7, CPUID_ECX, 16 },
    { "rdpid", L7, CPUID_ECX, 22 }, { "bus-lock-detect", L7, CPUID_ECX, 24 },
    { "cldemote", L7, CPUID_ECX, 25 }, { "movdiri", L7, CPUID_ECX, 27 },
    { "movdir64b", L7, CPUID_ECX, 28 }, { "sgxlc", L7, CPUID_ECX, 30 },
    { "pks", L7, CPUID_ECX, 31 },
    /* CPUID.(7,0):EDX */
    { "avx512-4vnniw", L7, CPUID_EDX, 2 }, { "avx512-4fmaps", L7, CPUID_EDX, 3 },
    { "fsrm", L7, CPUID_EDX, 4 }, { "avx512-vp2intersect", L7, CPUID_EDX, 8 },
    { "md-clear", L7, CPUID_EDX, 10 }, { "serialize", L7, CPUID_EDX, 14 },
    { "tsx-ldtrk", L7, CPUID_EDX, 16 }, { "arch-lbr", L7, CPUID_EDX, 19 },
    { "amx-bf16", L7, CPUID_EDX, 22 }, { "avx512-fp16", L7, CPUID_EDX, 23 },
    { "amx-tile", L7, CPUID_EDX, 24 }, { "amx-int8", L7, CPUID_EDX, 25 },
    { "spec-ctrl", L7, CPUID_EDX, 26 }, { "stibp", L7, CPUID_EDX, 27 },
    { "arch-capabilities", L7, CPUID_EDX, 29 },
    { "core-capability", L7, CPUID_EDX, 30 }, { "ssbd", L7, CPUID_EDX, 31 },
    /* CPUID.(7,1):EAX */
    { "avx-vnni", L7_1, CPUID_EAX, 4 }, { "avx512-bf16", L7_1, CPUID_EAX, 5 },
    /* CPUID.(0xD,1):EAX */
    { "xsaveopt", LD_1, CPUID_EAX, 0 }, { "xsavec", LD_1, CPUID_EAX, 1 },
    { "xgetbv1", LD_1, CPUID_EAX, 2 }, { "xsaves", LD_1, CPUID_EAX, 3 },
    { "xfd", LD_1, CPUID_EAX, 4 },
    /* CPUID.0x14:ECX (Intel PT) */
    { "intel-pt-lip", 0x14, 0, CPUID_ECX, 31 },
    /* CPUID.0x80000001:ECX */
    { "lahf-lm", E1, CPUID_ECX, 0 }, { "cmp-legacy", E1, CPUID_ECX, 1 },
    { "svm", E1, CPUID_ECX, 2 }, { "extapic", E1, CPUID_ECX, 3 },
    { "cr8legacy", E1, CPUID_ECX, 4 }, { "abm", E1, CPUID_ECX, 5 },
    { "sse4a", E1, CPUID_ECX, 6 }, { "misalignsse", E1, CPUID_ECX, 7 },
    { "3dnowprefetch", E1, CPUID_ECX, 8 }, { "osvw", E1, CPUID_ECX, 9 },
    { "ibs", E1, CPUID_ECX, 10 }, { "xop", E1, CPUID_ECX, 11 },
    { "skinit", E1, CPUID_ECX, 12 }, { "wdt", E1, CPUID_ECX, 13 },
    { "lwp", E1, CPUID_ECX, 15 }, { "fma4", E1, CPUID_ECX, 16 },
    { "tce", E1, CPUID_ECX, 17 }, { "nodeid-msr", E1, CPUID_ECX, 19 },
    { "tbm", E1, CPUID_ECX, 21 }, { "topoext", E1, CPUID_ECX, 22 },
    { "perfctr-core", E1, CPUID_ECX, 23 }, { "perfctr-nb", E1, CPUID_ECX, 24 },
    /* CPUID.0x80000001:EDX */
    { "syscall", E1, CPUID_EDX, 11 }, { "nx", E1, CPUID_EDX, 20 },
    { "mmxext", E1, CPUID_EDX, 22 }, { "fxsr-opt", E1, CPUID_EDX, 25 },
    { "pdpe1gb", E1, CPUID_EDX, 26 }, { "rdtscp", E1, CPUID_EDX, 27 },
    { "lm", E1, CPUID_EDX, 29 }, { "3dnowext", E1, CPUID_EDX, 30 },
    { "3dnow", E1, CPUID_EDX, 31 },
    /* CPUID.0x80000007:EDX */
    { "invtsc", E7, CPUID_EDX, 8 },
    /* CPUID.0x80000008:EBX */
    { "clzero", E8, CPUID_EBX, 0 }, { "xsaveerptr", E8, CPUID_EBX, 2 },
    { "wbnoinvd", E8, CPUID_EBX, 9 }, { "ibpb", E8, CPUID_EBX, 12 },
    { "ibrs", E8, CPUID_EBX, 14 }, { "amd-stibp", E8, CPUID_EBX, 15 },
    { "amd-ssbd", E8, CPUID_EBX, 24 }, { "virt-ssbd", E8, CPUID_EBX, 25 },
    { "amd-no-ssb", E8, CPUID_EBX, 26 },
    /* CPUID.0x8000000A:EDX (SVM features) */
    { "npt", EA, CPUID_EDX, 0 }, { "lbrv", EA, CPUID_EDX, 1 },
    { "svm-lock", EA, CPUID_EDX, 2 }, { "nrip-save", EA, CPUID_EDX, 3 },
    { "tsc-scale", EA, CPUID_EDX, 4 }, { "vmcb-clean", EA, CPUID_EDX, 5 },
    { "flushbyasid", EA, CPUID_EDX, 6 }, { "decodeassists", EA, CPUID_EDX, 7 },
    { "pause-filter", EA, CPUID_EDX, 10 }, { "pfthreshold", EA, CPUID_EDX, 12 },
    { "avic", EA, CPUID_EDX, 13 }, { "v-vmsave-vmload", EA, CPUID_EDX, 15 },
    { "vgif", EA, CPUID_EDX, 16 }, { "svme-addr-chk", EA, CPUID_EDX, 28 },
    /* CPUID.0xC0000001:EDX (VIA/Centaur PadLock) */
    { "xstore", C1, CPUID_EDX, 2 }, { "xstore-en", C1, CPUID_EDX, 3 },
    { "xcrypt", C1, CPUID_EDX, 6 }, { "xcrypt-en", C1, CPUID_EDX, 7 },
    { "ace2", C1, CPUID_EDX, 8 }, { "ace2-en", C1, CPUID_EDX, 9 },
    { "phe", C1, CPUID_EDX, 10 }, { "phe-en", C1, CPUID_EDX, 11 },
    { "pmm", C1, CPUID_EDX, 12 }, { "pmm-en", C1, CPUID_EDX, 13 },
    /* CPUID.0x40000001 (KVM paravirtual features); kvmclock is two bits */
    { "kvmclock", KF, CPUID_EAX, 0 }, { "kvm-nopiodelay", KF, CPUID_EAX, 1 },
    { "kvm-mmu", KF, CPUID_EAX, 2 }, { "kvmclock", KF, CPUID_EAX, 3 },
    { "kvm-asyncpf", KF, CPUID_EAX, 4 }, { "kvm-steal-time", KF, CPUID_EAX, 5 },
    { "kvm-pv-eoi", KF, CPUID_EAX, 6 }, { "kvm-pv-unhalt", KF, CPUID_EAX, 7 },
    { "kvm-pv-tlb-flush", KF, CPUID_EAX, 9 }, { "kvm-pv-ipi", KF, CPUID_EAX, 11 },
    { "kvm-poll-control", KF, CPUID_EAX, 12 },
    { "kvm-pv-sched-yield", KF, CPUID_EAX, 13 },
    { "kvm-asyncpf-int", KF, CPUID_EAX, 14 },
    { "kvm-msi-ext-dest-id", KF, CPUID_EAX, 15 },
    { "kvmclock-stable-bit", KF, CPUID_EAX, 24 },
    { "kvm-hint-dedicated", KF, CPUID_EDX, 0 },
};

const size_t x86_cpuid_flags_count = G_N_ELEMENTS(x86_cpuid_flags);

const X86CpuidFlag *x86_cpuid_flag_find(const char *name)
{
    for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
        if (!strcmp(x86_cpuid_flags[i].name, name)) {
            return &x86_cpuid_flags[i];
        }
    }
    return NULL;
}

/* Old names QEMU still accepts, after '_' -> '-'. */
static const char *const aliases[][2] = {
    { "sse3", "pni" }, { "pclmuldq", "pclmulqdq" }, { "xd", "nx" },
    { "i64", "lm" }, { "ffxsr", "fxsr-opt" }, { "sse4-1", "sse4.1" },
    { "sse4-2", "sse4.2" },
};

char *x86_cpuid_flag_canonical(const char *name)
{
    char *s = g_strdup(name);

    for (char *p = s; *p; p++) {
        if (*p == '_') {
            *p = '-';
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++) {
        if (!strcmp(s, aliases[i][0])) {
            g_free(s);
            return g_strdup(aliases[i][1]);
        }
    }
    return s;
}
