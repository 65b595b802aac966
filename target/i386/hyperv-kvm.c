/*
 * The KVM side of the Hyper-V enlightenments: ask the kernel what it can
 * emulate (KVM_GET_SUPPORTED_HV_CPUID), enable SynIC and CPUID
 * enforcement per vCPU (KVM_ENABLE_CAP on the vCPU fd), and put the
 * Hyper-V MSRs back to their reset values on system_reset.  KVM does the
 * emulation itself; nothing here runs while the guest does.
 */
#include "kite/i386/hyperv.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/kvm/kvm.h"
#include "target/i386/cpu.h"
#include "kite/runstate.h"

#include <errno.h>
#include <stdio.h>

#define BIT(f) (1ull << (f))
#define HV_NUM_SINTS 16
#define HV_NUM_STIMERS 4
#define HV_RESET_MSRS_MAX 64

struct HypervVcpu {
    int fd;
    unsigned nmsrs;
    struct kvm_msr_entry reset[HV_RESET_MSRS_MAX];
};

struct kvm_cpuid2 *hyperv_kvm_get_supported(int sys_fd, int vcpu_fd,
                                            GError **errp)
{
    int fd = vcpu_fd;

    if (sys_fd >= 0 &&
        kvm_ioctl_int(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYS_HYPERV_CPUID) > 0) {
        fd = sys_fd;
    }
    /* The kernel answers E2BIG until the buffer holds every leaf. */
    for (unsigned n = 16; n <= 1024; n *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(c->entries[0]));

        c->nent = n;
        if (kvm_ioctl_call(fd, KVM_GET_SUPPORTED_HV_CPUID, c) == 0) {
            return c;
        }
        g_free(c);
        if (errno != E2BIG) {
            kite_error_set(errp, "KVM_GET_SUPPORTED_HV_CPUID failed: %s",
                           g_strerror(errno));
            return NULL;
        }
    }
    kite_error_set(errp, "KVM_GET_SUPPORTED_HV_CPUID wants too many entries");
    return NULL;
}

static bool enable_cap(int fd, uint32_t cap, uint64_t arg0)
{
    struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };

    return kvm_ioctl_call(fd, KVM_ENABLE_CAP, &ec) == 0;
}

static void not_supported(HypervFeature f, GError **errp)
{
    kite_error_set(errp, "Hyper-V %s (%s) is not supported by kernel",
                   hyperv_features[f].desc, hyperv_features[f].name);
}

static int first_feature(const HypervConfig *cfg)
{
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        if (cfg->on & BIT(i)) {
            return i;
        }
    }
    return -1;
}

static void add_msr(HypervVcpu *hv, uint32_t index, uint64_t data)
{
    g_assert(hv->nmsrs < HV_RESET_MSRS_MAX);
    hv->reset[hv->nmsrs].index = index;
    hv->reset[hv->nmsrs].data = data;
    hv->nmsrs++;
}

/* The MSRs a reset must clear, for the features the guest was given
 * (KVM refuses writes to MSRs of features that are off). */
static void collect_reset_msrs(HypervVcpu *hv, const HypervConfig *cfg)
{
    add_msr(hv, HV_MSR_GUEST_OS_ID, 0);
    add_msr(hv, HV_MSR_HYPERCALL, 0);
    if (cfg->on & BIT(HV_TIME)) {
        add_msr(hv, HV_MSR_REFERENCE_TSC, 0);
    }
    if (cfg->on & BIT(HV_VAPIC)) {
        add_msr(hv, HV_MSR_VP_ASSIST_PAGE, 0);
    }
    /* Timers first: they deliver through SynIC. */
    if (cfg->on & BIT(HV_STIMER)) {
        for (unsigned t = 0; t < HV_NUM_STIMERS; t++) {
            add_msr(hv, HV_MSR_STIMER0_CONFIG + 2 * t, 0);
            add_msr(hv, HV_MSR_STIMER0_COUNT + 2 * t, 0);
        }
    }
    if (cfg->on & BIT(HV_SYNIC)) {
        add_msr(hv, HV_MSR_SCONTROL, 0);
        add_msr(hv, HV_MSR_SIEFP, 0);
        add_msr(hv, HV_MSR_SIMP, 0);
        for (unsigned s = 0; s < HV_NUM_SINTS; s++) {
            add_msr(hv, HV_MSR_SINT0 + s, HV_SINT_MASKED);
        }
    }
    if (cfg->on & BIT(HV_REENLIGHTENMENT)) {
        add_msr(hv, HV_MSR_REENLIGHTENMENT_CONTROL, 0);
        add_msr(hv, HV_MSR_TSC_EMULATION_CONTROL, 0);
        add_msr(hv, HV_MSR_TSC_EMULATION_STATUS, 0);
    }
}

bool hyperv_kvm_vcpu_reset(HypervVcpu *hv, GError **errp)
{
    g_autofree struct kvm_msrs *m = NULL;
    int r;

    if (!hv || !hv->nmsrs) {
        return true;
    }
    m = g_malloc0(sizeof(*m) + hv->nmsrs * sizeof(m->entries[0]));
    m->nmsrs = hv->nmsrs;
    memcpy(m->entries, hv->reset, hv->nmsrs * sizeof(m->entries[0]));
    r = kvm_ioctl_call(hv->fd, KVM_SET_MSRS, m);
    if (r < 0) {
        kite_error_set(errp, "Hyper-V MSR reset failed: %s", g_strerror(errno));
        return false;
    }
    if ((unsigned)r < hv->nmsrs) {
        kite_error_set(errp, "Hyper-V MSR reset failed at MSR 0x%08x",
                       hv->reset[r].index);
        return false;
    }
    return true;
}

/* Runs on system_reset while the vCPUs are parked. */
static void hyperv_reset_hook(void *opaque)
{
    GError *err = NULL;

    if (!hyperv_kvm_vcpu_reset(opaque, &err)) {
        fprintf(stderr, "kite: %s\n", err->message);
        g_error_free(err);
    }
}

bool hyperv_kvm_vcpu_setup(const HypervConfig *config, int sys_fd, int vcpu_fd,
                           unsigned ncpus, struct kvm_cpuid2 **cpuid,
                           HypervVcpu **out, GError **errp)
{
    HypervConfig cfg = *config;
    g_autofree struct kvm_cpuid2 *supported = NULL;
    g_autoptr(GError) local = NULL;
    struct kvm_cpuid2 *merged;
    HypervVcpu *hv;

    *out = NULL;
    if (!hyperv_enabled(&cfg)) {
        if (!cfg.kvm_signature) {
            merged = hyperv_merge_cpuid(&cfg, *cpuid, ncpus);
            g_free(*cpuid);
            *cpuid = merged;
        }
        return true;
    }
    /* Enabled first, so that the kernel's answer below includes it. */
    if (cfg.on & BIT(HV_EVMCS)) {
        uint16_t version = 0;

        if (!enable_cap(vcpu_fd, KVM_CAP_HYPERV_ENLIGHTENED_VMCS,
                        (uintptr_t)&version)) {
            not_supported(HV_EVMCS, errp);
            return false;
        }
        cfg.evmcs_version = version;
    }
    supported = hyperv_kvm_get_supported(sys_fd, vcpu_fd, &local);
    if (!supported) {
        int f = first_feature(&cfg);

        if (f < 0) {
            /* hv-passthrough alone: nothing to pass through. */
            g_propagate_prefixed_error(errp, g_steal_pointer(&local),
                                       "Hyper-V passthrough: ");
        } else {
            not_supported(f, errp);
        }
        return false;
    }
    if (!hyperv_apply_kernel_support(&cfg, supported, errp) ||
        !hyperv_check_dependencies(&cfg, errp)) {
        return false;
    }
    if ((cfg.on & BIT(HV_SYNIC)) &&
        !enable_cap(vcpu_fd, KVM_CAP_HYPERV_SYNIC2, 0)) {
        not_supported(HV_SYNIC, errp);
        return false;
    }
    if (cfg.enforce_cpuid &&
        !enable_cap(vcpu_fd, KVM_CAP_HYPERV_ENFORCE_CPUID, 1)) {
        kite_error_set(errp, "Hyper-V CPUID enforcement (hv-enforce-cpuid) "
                       "is not supported by kernel");
        return false;
    }
    merged = hyperv_merge_cpuid(&cfg, *cpuid, ncpus);
    g_free(*cpuid);
    *cpuid = merged;

    hv = g_new0(HypervVcpu, 1);
    hv->fd = vcpu_fd;
    collect_reset_msrs(hv, &cfg);
    qemu_register_reset(hyperv_reset_hook, hv);
    *out = hv;
    return true;
}

void hyperv_kvm_vcpu_teardown(HypervVcpu *hv)
{
    if (hv) {
        qemu_unregister_reset(hyperv_reset_hook, hv);
        g_free(hv);
    }
}

bool hyperv_kvm_arch_vcpu_create(KvmVcpu *v, unsigned ncpus,
                                 struct kvm_cpuid2 **cpuid, HypervVcpu **out,
                                 GError **errp)
{
    HypervConfig cfg;
    GHashTable *features = NULL;

    if (v->cpu && object_dynamic_cast(OBJECT(v->cpu), TYPE_X86_CPU)) {
        features = X86_CPU(v->cpu)->features;
    }
    if (!hyperv_config_from_features(&cfg, features, errp)) {
        return false;
    }
    return hyperv_kvm_vcpu_setup(&cfg, v->s->sys_fd, v->fd, ncpus, cpuid, out,
                                 errp);
}

bool hyperv_handle_exit(struct kvm_run *run)
{
    switch (run->hyperv.type) {
    case KVM_EXIT_HYPERV_SYNIC:
        /* The kernel emulates SynIC; it only tells us about SCONTROL,
         * SIEFP and SIMP writes, which matter to VMBus, which Kite lacks. */
        return true;
    case KVM_EXIT_HYPERV_HCALL:
        run->hyperv.u.hcall.result = HV_STATUS_INVALID_HYPERCALL_CODE;
        return true;
    case KVM_EXIT_HYPERV_SYNDBG:
        return true;
    default:
        return false;
    }
}
