/* The x86 CPU models Kite offers and the feature names -cpu accepts. */
#include "target/i386/cpu.h"

/*
 * Identification values and feature sets as Debian's QEMU 7.2 reports them
 * with -accel kvm (query-cpu-model-expansion type=full): the model's own
 * flags plus the ones QEMU turns on for every model under KVM (x2apic and
 * the KVM paravirtual features).
 */
#define KVM_DEFAULT_FLAGS \
    "x2apic", "hypervisor", "kvmclock", "kvm-nopiodelay", "kvm-asyncpf", \
    "kvm-steal-time", "kvm-pv-eoi", "kvm-msi-ext-dest-id", \
    "kvmclock-stable-bit"
#define X86_64_BASE_FLAGS \
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", \
    "mtrr", "pge", "mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", \
    "sse", "sse2", "pni", "cx16", "syscall", "nx", "lm"

static const char *const kvm64_flags[] = {
    X86_64_BASE_FLAGS, "vme", KVM_DEFAULT_FLAGS, NULL
};

static const char *const qemu64_flags[] = {
    X86_64_BASE_FLAGS, "lahf-lm", KVM_DEFAULT_FLAGS, NULL
};

const X86CPUModel x86_cpu_models[] = {
    {
        .name = "host",
        .desc = "processor with all supported host features",
        .host = true,
    },
    {
        .name = "max",
        .desc = "Enables all features supported by the accelerator in the "
                "current host",
        .host = true,
    },
    {
        .name = "kvm64",
        .desc = "Common KVM processor",
        .vendor = "GenuineIntel",
        .family = 15, .model = 6, .stepping = 1,
        .model_id = "Common KVM processor",
        .level = 0xd, .xlevel = 0x80000008,
        .features = kvm64_flags,
        .host_vendor = true,
    },
    {
        .name = "qemu64",
        .desc = "QEMU Virtual CPU version 2.5+",
        .vendor = "AuthenticAMD",
        .family = 15, .model = 107, .stepping = 1,
        .model_id = "QEMU Virtual CPU version 2.5+",
        .level = 0xd, .xlevel = 0x8000000a,
        .features = qemu64_flags,
        .host_vendor = true,
    },
};

const size_t x86_cpu_models_count = ARRAY_SIZE(x86_cpu_models);

/* Hyper-V enlightenments (on/off flags). */
const char *const x86_cpu_hv_flag_names[] = {
    "hv-relaxed", "hv-vapic", "hv-time", "hv-crash", "hv-reset",
    "hv-vpindex", "hv-runtime", "hv-synic", "hv-stimer", "hv-frequencies",
    "hv-reenlightenment", "hv-tlbflush", "hv-evmcs", "hv-ipi",
    "hv-stimer-direct", "hv-avic", "hv-emsr-bitmap", "hv-xmm-input",
    "hv-tlbflush-ext", "hv-tlbflush-direct", "hv-syndbg", "hv-passthrough",
    "hv-enforce-cpuid",
    NULL
};

/* Keys that take a value rather than on/off. */
const char *const x86_cpu_value_names[] = {
    "hv-spinlocks", "hv-vendor-id", "hv-version-id-build",
    "hv-version-id-major", "hv-version-id-minor", "hv-version-id-spack",
    "hv-version-id-sbranch", "hv-version-id-snumber",
    "vendor", "model-id", "family", "model", "stepping", "level", "xlevel",
    "min-level", "min-xlevel", "tsc-frequency", "phys-bits",
    "host-phys-bits-limit", "x-hv-max-vps",
    NULL
};

/* CPU properties that are on/off switches but not CPUID flags. */
const char *const x86_cpu_bool_prop_names[] = {
    "check", "enforce", "migratable", "pmu", "host-cache-info", "l3-cache",
    "kvm", "host-phys-bits",
    NULL
};


const char *const x86_cpu_flag_names[] = {
    "3dnow", "3dnowext", "3dnowprefetch", "abm", "ace2",
    "ace2-en", "acpi", "adx", "aes", "amd-no-ssb",
    "amd-ssbd", "amd-stibp", "amx-bf16", "amx-int8", "amx-tile",
    "apic", "arat", "arch-capabilities", "arch-lbr", "avic",
    "avx", "avx-vnni", "avx2", "avx512-4fmaps", "avx512-4vnniw",
    "avx512-bf16", "avx512-fp16", "avx512-vp2intersect", "avx512-vpopcntdq", "avx512bitalg",
    "avx512bw", "avx512cd", "avx512dq", "avx512er", "avx512f",
    "avx512ifma", "avx512pf", "avx512vbmi", "avx512vbmi2", "avx512vl",
    "avx512vnni", "bmi1", "bmi2", "bus-lock-detect", "cid",
    "cldemote", "clflush", "clflushopt", "clwb", "clzero",
    "cmov", "cmp-legacy", "core-capability", "cr8legacy", "cx16",
    "cx8", "dca", "de", "decodeassists", "ds",
    "ds-cpl", "dtes64", "erms", "est", "extapic",
    "f16c", "flushbyasid", "fma", "fma4", "fpu",
    "fsgsbase", "fsrm", "full-width-write", "fxsr", "fxsr-opt",
    "gfni", "hle", "ht", "hypervisor", "ia64",
    "ibpb", "ibrs", "ibrs-all", "ibs", "intel-pt",
    "intel-pt-lip", "invpcid", "invtsc", "kvm-asyncpf", "kvm-asyncpf-int",
    "kvm-hint-dedicated", "kvm-mmu", "kvm-msi-ext-dest-id", "kvm-nopiodelay", "kvm-poll-control",
    "kvm-pv-eoi", "kvm-pv-ipi", "kvm-pv-sched-yield", "kvm-pv-tlb-flush", "kvm-pv-unhalt",
    "kvm-steal-time", "kvmclock", "kvmclock-stable-bit", "la57", "lahf-lm",
    "lbrv", "lm", "lwp", "mca", "mce",
    "md-clear", "mds-no", "misalignsse", "mmx", "mmxext",
    "monitor", "movbe", "movdir64b", "movdiri", "mpx",
    "msr", "mtrr", "nodeid-msr", "npt", "nrip-save",
    "nx", "osvw", "pae", "pat", "pause-filter",
    "pbe", "pcid", "pclmulqdq", "pcommit", "pdcm",
    "pdpe1gb", "perfctr-core", "perfctr-nb", "pfthreshold", "pge",
    "phe", "phe-en", "pks", "pku", "pmm",
    "pmm-en", "pn", "pni", "popcnt", "pschange-mc-no",
    "pse", "pse36", "rdctl-no", "rdpid", "rdrand",
    "rdseed", "rdtscp", "rsba", "rtm", "sep",
    "serialize", "sgx", "sgx-debug", "sgx-exinfo", "sgx-kss",
    "sgx-mode64", "sgx-provisionkey", "sgx-tokenkey", "sgx1", "sgx2",
    "sgxlc", "sha-ni", "skinit", "skip-l1dfl-vmentry", "smap",
    "smep", "smx", "spec-ctrl", "split-lock-detect", "ss",
    "ssb-no", "ssbd", "sse", "sse2", "sse4.1",
    "sse4.2", "sse4a", "ssse3", "stibp", "svm",
    "svm-lock", "svme-addr-chk", "syscall", "taa-no", "tbm",
    "tce", "tm", "tm2", "topoext", "tsc",
    "tsc-adjust", "tsc-deadline", "tsc-scale", "tsx-ctrl", "tsx-ldtrk",
    "umip", "v-vmsave-vmload", "vaes", "vgif", "virt-ssbd",
    "vmcb-clean", "vme", "vmx", "vmx-activity-hlt", "vmx-activity-shutdown",
    "vmx-activity-wait-sipi", "vmx-apicv-register", "vmx-apicv-vid", "vmx-apicv-x2apic", "vmx-apicv-xapic",
    "vmx-cr3-load-noexit", "vmx-cr3-store-noexit", "vmx-cr8-load-exit", "vmx-cr8-store-exit", "vmx-desc-exit",
    "vmx-encls-exit", "vmx-entry-ia32e-mode", "vmx-entry-load-bndcfgs", "vmx-entry-load-efer", "vmx-entry-load-pat",
    "vmx-entry-load-perf-global-ctrl", "vmx-entry-load-pkrs", "vmx-entry-load-rtit-ctl", "vmx-entry-noload-debugctl", "vmx-ept",
    "vmx-ept-1gb", "vmx-ept-2mb", "vmx-ept-advanced-exitinfo", "vmx-ept-execonly", "vmx-eptad",
    "vmx-eptp-switching", "vmx-exit-ack-intr", "vmx-exit-clear-bndcfgs", "vmx-exit-clear-rtit-ctl", "vmx-exit-load-efer",
    "vmx-exit-load-pat", "vmx-exit-load-perf-global-ctrl", "vmx-exit-load-pkrs", "vmx-exit-nosave-debugctl", "vmx-exit-save-efer",
    "vmx-exit-save-pat", "vmx-exit-save-preemption-timer", "vmx-flexpriority", "vmx-hlt-exit", "vmx-ins-outs",
    "vmx-intr-exit", "vmx-invept", "vmx-invept-all-context", "vmx-invept-single-context", "vmx-invept-single-context-noglobals",
    "vmx-invlpg-exit", "vmx-invpcid-exit", "vmx-invvpid", "vmx-invvpid-all-context", "vmx-invvpid-single-addr",
    "vmx-io-bitmap", "vmx-io-exit", "vmx-monitor-exit", "vmx-movdr-exit", "vmx-msr-bitmap",
    "vmx-mtf", "vmx-mwait-exit", "vmx-nmi-exit", "vmx-page-walk-4", "vmx-page-walk-5",
    "vmx-pause-exit", "vmx-ple", "vmx-pml", "vmx-posted-intr", "vmx-preemption-timer",
    "vmx-rdpmc-exit", "vmx-rdrand-exit", "vmx-rdseed-exit", "vmx-rdtsc-exit", "vmx-rdtscp-exit",
    "vmx-secondary-ctls", "vmx-shadow-vmcs", "vmx-store-lma", "vmx-true-ctls", "vmx-tsc-offset",
    "vmx-tsc-scaling", "vmx-unrestricted-guest", "vmx-vintr-pending", "vmx-vmfunc", "vmx-vmwrite-vmexit-fields",
    "vmx-vnmi", "vmx-vnmi-pending", "vmx-vpid", "vmx-wbinvd-exit", "vmx-xsaves",
    "vmx-zero-len-inject", "vpclmulqdq", "waitpkg", "wbnoinvd", "wdt",
    "x2apic", "xcrypt", "xcrypt-en", "xfd", "xgetbv1",
    "xop", "xsave", "xsavec", "xsaveerptr", "xsaveopt",
    "xsaves", "xstore", "xstore-en", "xtpr",
    NULL
};
