/*
 * Hyper-V enlightenments for x86 guests (-cpu MODEL,hv-*): what the guest
 * is told through CPUID 0x40000000-0x4000000A, checked against the rules
 * between the flags and against what the host kernel can emulate (KVM does
 * SynIC, the synthetic timers and the MSRs in the kernel; the VMM only
 * decides what the guest sees and enables SynIC per vCPU).
 *
 * Facts come from the Hyper-V TLFS (CPUID leaves, MSRs) and the Linux KVM
 * API documentation (KVM_GET_SUPPORTED_HV_CPUID, KVM_CAP_HYPERV_*).
 */
#ifndef KITE_I386_HYPERV_H
#define KITE_I386_HYPERV_H

#include "kite/common.h"
#include "kite/qom.h"
#include <linux/kvm.h>

/* CPUID leaves (TLFS "Hypervisor CPUID leaves"). */
#define HV_CPUID_VENDOR          0x40000000u
#define HV_CPUID_INTERFACE       0x40000001u
#define HV_CPUID_VERSION         0x40000002u
#define HV_CPUID_FEATURES        0x40000003u
#define HV_CPUID_RECOMMENDATIONS 0x40000004u
#define HV_CPUID_LIMITS          0x40000005u
#define HV_CPUID_NESTED          0x4000000Au
#define HV_INTERFACE_SIGNATURE   0x31237648u   /* "Hv#1" */
/* Where KVM's own leaves move while the Hyper-V leaves are shown. */
#define HV_KVM_LEAVES_MOVED      0x40000100u

/* 0x40000003 EAX: partition privileges (low half). */
#define HV_PRIV_VP_RUNTIME       (1u << 0)
#define HV_PRIV_TIME_REF_COUNT   (1u << 1)
#define HV_PRIV_SYNIC            (1u << 2)
#define HV_PRIV_STIMER           (1u << 3)
#define HV_PRIV_APIC_ACCESS      (1u << 4)
#define HV_PRIV_HYPERCALL        (1u << 5)
#define HV_PRIV_VP_INDEX         (1u << 6)
#define HV_PRIV_RESET            (1u << 7)
#define HV_PRIV_REFERENCE_TSC    (1u << 9)
#define HV_PRIV_FREQUENCIES      (1u << 11)
#define HV_PRIV_REENLIGHTENMENT  (1u << 13)
/* 0x40000003 EDX: features. */
#define HV_FEAT_EDX_XMM_INPUT    (1u << 4)
#define HV_FEAT_EDX_FREQUENCIES  (1u << 8)
#define HV_FEAT_EDX_CRASH        (1u << 10)
#define HV_FEAT_EDX_EXT_GVA_FLUSH (1u << 14)
#define HV_FEAT_EDX_STIMER_DIRECT (1u << 19)
/* 0x40000004 EAX: recommendations. */
#define HV_RECOMM_LOCAL_TLB_FLUSH  (1u << 1)
#define HV_RECOMM_REMOTE_TLB_FLUSH (1u << 2)
#define HV_RECOMM_APIC_MSRS        (1u << 3)
#define HV_RECOMM_RELAXED_TIMING   (1u << 5)
#define HV_RECOMM_DEPRECATE_AEOI   (1u << 9)
#define HV_RECOMM_CLUSTER_IPI      (1u << 10)
#define HV_RECOMM_EX_PROC_MASKS    (1u << 11)
#define HV_RECOMM_ENLIGHTENED_VMCS (1u << 14)
#define HV_RECOMM_NO_NONARCH_CORESHARING (1u << 18)
/* 0x4000000A EAX: nested features. */
#define HV_NESTED_DIRECT_FLUSH   (1u << 17)
#define HV_NESTED_MSR_BITMAP     (1u << 19)

/* MSRs (TLFS appendix). */
#define HV_MSR_GUEST_OS_ID       0x40000000u
#define HV_MSR_HYPERCALL         0x40000001u
#define HV_MSR_VP_INDEX          0x40000002u
#define HV_MSR_RESET             0x40000003u
#define HV_MSR_VP_RUNTIME        0x40000010u
#define HV_MSR_TIME_REF_COUNT    0x40000020u
#define HV_MSR_REFERENCE_TSC     0x40000021u
#define HV_MSR_TSC_FREQUENCY     0x40000022u
#define HV_MSR_APIC_FREQUENCY    0x40000023u
#define HV_MSR_EOI               0x40000070u
#define HV_MSR_VP_ASSIST_PAGE    0x40000073u
#define HV_MSR_SCONTROL          0x40000080u
#define HV_MSR_SVERSION          0x40000081u
#define HV_MSR_SIEFP             0x40000082u
#define HV_MSR_SIMP              0x40000083u
#define HV_MSR_EOM               0x40000084u
#define HV_MSR_SINT0             0x40000090u
#define HV_MSR_STIMER0_CONFIG    0x400000B0u
#define HV_MSR_STIMER0_COUNT     0x400000B1u
#define HV_MSR_CRASH_P0          0x40000100u
#define HV_MSR_CRASH_CTL         0x40000105u
#define HV_MSR_REENLIGHTENMENT_CONTROL 0x40000106u
#define HV_MSR_TSC_EMULATION_CONTROL   0x40000107u
#define HV_MSR_TSC_EMULATION_STATUS    0x40000108u
#define HV_SINT_MASKED           (1ull << 16)
#define HV_SINT_AUTO_EOI         (1ull << 17)
#define HV_STIMER_CFG_ENABLE         (1ull << 0)
#define HV_STIMER_CFG_PERIODIC       (1ull << 1)
#define HV_STIMER_CFG_LAZY           (1ull << 2)
#define HV_STIMER_CFG_AUTO_ENABLE    (1ull << 3)
#define HV_STIMER_CFG_DIRECT         (1ull << 12)
#define HV_MSG_TIMER_EXPIRED     0x80000010u
#define HV_STATUS_INVALID_HYPERCALL_CODE 2

/* The on/off enlightenments, in the order errors are reported. */
typedef enum HypervFeature {
    HV_RELAXED,
    HV_VAPIC,
    HV_TIME,
    HV_CRASH,
    HV_RESET,
    HV_VPINDEX,
    HV_RUNTIME,
    HV_SYNIC,
    HV_STIMER,
    HV_FREQUENCIES,
    HV_REENLIGHTENMENT,
    HV_TLBFLUSH,
    HV_EVMCS,
    HV_IPI,
    HV_STIMER_DIRECT,
    HV_AVIC,
    HV_XMM_INPUT,
    HV_TLBFLUSH_EXT,
    HV_TLBFLUSH_DIRECT,
    HV_EMSR_BITMAP,
    HV_SYNDBG,
    HV_FEATURE_COUNT
} HypervFeature;

/* Bits a feature sets in the Hyper-V leaves, and what it needs. */
typedef struct HypervFeatureInfo {
    const char *name;        /* "hv-stimer" */
    const char *desc;        /* "synthetic timers", for error messages */
    uint32_t priv_eax;       /* 0x40000003 EAX */
    uint32_t feat_edx;       /* 0x40000003 EDX */
    uint32_t recomm_eax;     /* 0x40000004 EAX */
    uint32_t nested_eax;     /* 0x4000000A EAX */
    uint64_t deps;           /* mask of HypervFeature bits required */
    /* Bits the kernel must report (KVM_GET_SUPPORTED_HV_CPUID) for the
     * feature to work; recommendations alone need no kernel help. */
    bool needs_kernel_recomm;
    bool unsupported;        /* Kite cannot provide it at all */
} HypervFeatureInfo;

extern const HypervFeatureInfo hyperv_features[HV_FEATURE_COUNT];

typedef enum HypervOnOffAuto {
    HV_OFF,
    HV_ON,
    HV_AUTO,
} HypervOnOffAuto;

typedef struct HypervConfig {
    uint64_t on;             /* HypervFeature bits set on */
    uint64_t off;            /* bits explicitly set off (hv-passthrough) */
    uint32_t spinlocks;      /* hv-spinlocks, 0xffffffff = never notify */
    char vendor_id[13];      /* hv-vendor-id, NUL-terminated */
    HypervOnOffAuto no_nonarch_coresharing;
    bool passthrough;
    bool enforce_cpuid;
    bool kvm_signature;      /* kvm=on (default): show KVM's leaves */
    uint32_t ver_build;      /* 0x40000002 */
    uint16_t ver_major, ver_minor;
    uint32_t ver_spack;
    uint8_t ver_sbranch;
    uint32_t ver_snumber;
    uint16_t evmcs_version;  /* from KVM_CAP_HYPERV_ENLIGHTENED_VMCS */
} HypervConfig;

/* The defaults: nothing on, kvm=on, "Microsoft Hv", spinlocks never. */
void hyperv_config_init(HypervConfig *cfg);
/* True when @name (after '_' -> '-') is an option this module parses. */
bool hyperv_is_option(const char *name);
/*
 * Apply one -cpu option ("hv-stimer"/"hv_stimer", value "on", "off", a
 * number or a string; NULL value means "on").  Unknown names and bad
 * values fail with QEMU's message.
 */
bool hyperv_parse_option(HypervConfig *cfg, const char *name,
                         const char *value, GError **errp);
/* Any enlightenment on (or hv-passthrough)? */
bool hyperv_enabled(const HypervConfig *cfg);
/* The rules between flags: "Hyper-V X (hv-x) requires Hyper-V Y (hv-y)".
 * Also refuses flags Kite cannot provide. */
bool hyperv_check_dependencies(const HypervConfig *cfg, GError **errp);

/* The Hyper-V leaves a guest sees: @n entries in @leaves. */
typedef struct HypervLeaves {
    struct kvm_cpuid_entry2 e[12];
    unsigned n;
} HypervLeaves;

/* Build the leaves for @cfg (after hv-passthrough expansion); @ncpus
 * fills the limits leaf. */
void hyperv_build_leaves(const HypervConfig *cfg, unsigned ncpus,
                         HypervLeaves *out);
/*
 * Merge into a CPUID table built from KVM_GET_SUPPORTED_CPUID: KVM's
 * leaves 0x40000000-0x400000ff move to 0x40000100 while Hyper-V is shown
 * and vanish with kvm=off; the Hyper-V leaves go at 0x40000000.  Returns
 * a new g_malloc'd table.
 */
struct kvm_cpuid2 *hyperv_merge_cpuid(const HypervConfig *cfg,
                                      const struct kvm_cpuid2 *in,
                                      unsigned ncpus);
/* A leaf of @c, or NULL. */
const struct kvm_cpuid_entry2 *hyperv_cpuid_find(const struct kvm_cpuid2 *c,
                                                 uint32_t function);

/*
 * With the kernel's KVM_GET_SUPPORTED_HV_CPUID answer @hv: expand
 * hv-passthrough and hv-no-nonarch-coresharing=auto into @cfg, and fail
 * with "Hyper-V X (hv-x) is not supported by kernel" for a flag the
 * kernel cannot provide.
 */
bool hyperv_apply_kernel_support(HypervConfig *cfg,
                                 const struct kvm_cpuid2 *hv, GError **errp);

/* From the feature settings the x86 CPU stored (name -> value). */
bool hyperv_config_from_features(HypervConfig *cfg, GHashTable *features,
                                 GError **errp);

/* ---- KVM side (hyperv-kvm.c), every ioctl through kvm-ioctl.h ---- */

typedef struct HypervVcpu HypervVcpu;

/* KVM_GET_SUPPORTED_HV_CPUID on the system fd (KVM_CAP_SYS_HYPERV_CPUID)
 * or else the vCPU fd, growing the buffer on E2BIG.  g_free the result. */
struct kvm_cpuid2 *hyperv_kvm_get_supported(int sys_fd, int vcpu_fd,
                                            GError **errp);
/*
 * Everything Hyper-V about a new vCPU, before KVM_SET_CPUID2: expand and
 * check @cfg against the kernel, replace *@cpuid by the merged table,
 * enable KVM_CAP_HYPERV_SYNIC2 / KVM_CAP_HYPERV_ENFORCE_CPUID on the vCPU
 * and register the MSR reset for system_reset.  With no enlightenment on
 * it only applies kvm=off.  *@out is NULL when there is nothing to reset.
 */
bool hyperv_kvm_vcpu_setup(const HypervConfig *cfg, int sys_fd, int vcpu_fd,
                           unsigned ncpus, struct kvm_cpuid2 **cpuid,
                           HypervVcpu **out, GError **errp);
/* The same for the vCPU of the accelerator, with the settings of its CPU
 * object (defaults when it has none). */
typedef struct KvmVcpu KvmVcpu;
bool hyperv_kvm_arch_vcpu_create(KvmVcpu *v, unsigned ncpus,
                                 struct kvm_cpuid2 **cpuid, HypervVcpu **out,
                                 GError **errp);
/* A KVM_EXIT_HYPERV exit: SynIC register changes need nothing from Kite
 * (no VMBus), hypercalls KVM leaves to user space are refused with
 * HV_STATUS_INVALID_HYPERCALL_CODE.  False for an unknown type. */
bool hyperv_handle_exit(struct kvm_run *run);
/* Write the reset values of the enabled Hyper-V MSRs (KVM_SET_MSRS). */
bool hyperv_kvm_vcpu_reset(HypervVcpu *hv, GError **errp);
void hyperv_kvm_vcpu_teardown(HypervVcpu *hv);

/* ---- the CPU object's view ---- */

/* "-cpu MODEL,help" lines for the hv options, one per line. */
void hyperv_print_help(GString *out);
/* Property table (custom accessors over the CPU's feature settings), for
 * qom-get/qom-set of every hv option; terminated by an empty entry. */
extern const Property hyperv_cpu_properties[];

#endif
