/*
 * The Hyper-V CPUID leaves a guest sees (TLFS "Feature and Interface
 * Discovery"), their place next to KVM's own leaves, and the check of the
 * flags against what the kernel reports with KVM_GET_SUPPORTED_HV_CPUID.
 */
#include "kite/i386/hyperv.h"

#define BIT(f) (1ull << (f))
/* TLFS: fewer spinlock retries than this are not meaningful. */
#define HV_SPINLOCK_MIN 0xfff

static bool needs_nested_leaf(const HypervConfig *cfg)
{
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        if ((cfg->on & BIT(i)) && hyperv_features[i].nested_eax) {
            return true;
        }
    }
    return (cfg->on & BIT(HV_EVMCS)) != 0;
}

static struct kvm_cpuid_entry2 *add_leaf(HypervLeaves *out, uint32_t fn)
{
    struct kvm_cpuid_entry2 *e = &out->e[out->n++];

    memset(e, 0, sizeof(*e));
    e->function = fn;
    return e;
}

static uint32_t le32_at(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;

    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

void hyperv_build_leaves(const HypervConfig *cfg, unsigned ncpus,
                         HypervLeaves *out)
{
    uint32_t priv = 0, feat = 0, recomm = 0, nested = 0;
    bool nested_leaf = needs_nested_leaf(cfg);
    char vendor[12] = { 0 };
    struct kvm_cpuid_entry2 *e;

    out->n = 0;
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        if (cfg->on & BIT(i)) {
            priv |= hyperv_features[i].priv_eax;
            feat |= hyperv_features[i].feat_edx;
            recomm |= hyperv_features[i].recomm_eax;
            nested |= hyperv_features[i].nested_eax;
        }
    }
    /* The hypercall page is the way in for every other enlightenment. */
    priv |= HV_PRIV_HYPERCALL;
    if (cfg->no_nonarch_coresharing == HV_ON) {
        recomm |= HV_RECOMM_NO_NONARCH_CORESHARING;
    }
    if (cfg->on & BIT(HV_EVMCS)) {
        nested |= cfg->evmcs_version;
    }

    memcpy(vendor, cfg->vendor_id, strnlen(cfg->vendor_id, 12));
    e = add_leaf(out, HV_CPUID_VENDOR);
    e->eax = nested_leaf ? HV_CPUID_NESTED : HV_CPUID_LIMITS;
    e->ebx = le32_at(vendor);
    e->ecx = le32_at(vendor + 4);
    e->edx = le32_at(vendor + 8);

    e = add_leaf(out, HV_CPUID_INTERFACE);
    e->eax = HV_INTERFACE_SIGNATURE;

    e = add_leaf(out, HV_CPUID_VERSION);
    e->eax = cfg->ver_build;
    e->ebx = (uint32_t)cfg->ver_major << 16 | cfg->ver_minor;
    e->ecx = cfg->ver_spack;
    e->edx = (uint32_t)cfg->ver_sbranch << 24 | (cfg->ver_snumber & 0xffffff);

    e = add_leaf(out, HV_CPUID_FEATURES);
    e->eax = priv;
    e->ebx = 0;          /* no partition-management privileges */
    e->edx = feat;

    e = add_leaf(out, HV_CPUID_RECOMMENDATIONS);
    e->eax = recomm;
    e->ebx = MAX(cfg->spinlocks, (uint32_t)HV_SPINLOCK_MIN);

    e = add_leaf(out, HV_CPUID_LIMITS);
    e->eax = ncpus;      /* virtual processors */
    e->ebx = ncpus;      /* logical processors */

    if (nested_leaf) {
        /* 0x40000006-9 exist (all zero) when the range reaches 0xA. */
        for (uint32_t fn = HV_CPUID_LIMITS + 1; fn < HV_CPUID_NESTED; fn++) {
            add_leaf(out, fn);
        }
        e = add_leaf(out, HV_CPUID_NESTED);
        e->eax = nested;
    }
}

const struct kvm_cpuid_entry2 *hyperv_cpuid_find(const struct kvm_cpuid2 *c,
                                                 uint32_t function)
{
    for (unsigned i = 0; c && i < c->nent; i++) {
        if (c->entries[i].function == function) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static bool is_kvm_leaf(uint32_t fn)
{
    return fn >= 0x40000000u && fn < 0x40000100u;
}

struct kvm_cpuid2 *hyperv_merge_cpuid(const HypervConfig *cfg,
                                      const struct kvm_cpuid2 *in,
                                      unsigned ncpus)
{
    bool hv = hyperv_enabled(cfg);
    HypervLeaves leaves = { .n = 0 };
    struct kvm_cpuid2 *out;
    unsigned n = 0;

    if (hv) {
        hyperv_build_leaves(cfg, ncpus, &leaves);
    }
    out = g_malloc0(sizeof(*out) +
                    (in->nent + leaves.n) * sizeof(out->entries[0]));
    for (unsigned i = 0; i < in->nent; i++) {
        struct kvm_cpuid_entry2 e = in->entries[i];

        if (is_kvm_leaf(e.function)) {
            if (!cfg->kvm_signature) {
                continue;            /* kvm=off: no KVM signature at all */
            }
            if (hv) {
                /* Linux finds KVM by scanning in steps of 0x100. */
                if (e.function == 0x40000000u && e.eax >= 0x40000000u &&
                    e.eax < 0x40000100u) {
                    e.eax += HV_KVM_LEAVES_MOVED - 0x40000000u;
                }
                e.function += HV_KVM_LEAVES_MOVED - 0x40000000u;
            }
        }
        out->entries[n++] = e;
    }
    for (unsigned i = 0; i < leaves.n; i++) {
        out->entries[n++] = leaves.e[i];
    }
    out->nent = n;
    return out;
}

/* Does the kernel's answer carry every bit feature @i needs? */
static bool kernel_has(int i, const struct kvm_cpuid2 *hv, bool for_passthrough)
{
    const HypervFeatureInfo *f = &hyperv_features[i];
    const struct kvm_cpuid_entry2 *feat = hyperv_cpuid_find(hv, HV_CPUID_FEATURES);
    const struct kvm_cpuid_entry2 *rec = hyperv_cpuid_find(hv, HV_CPUID_RECOMMENDATIONS);
    const struct kvm_cpuid_entry2 *nest = hyperv_cpuid_find(hv, HV_CPUID_NESTED);
    uint32_t priv = feat ? feat->eax : 0, edx = feat ? feat->edx : 0;
    uint32_t recomm = rec ? rec->eax : 0, nested = nest ? nest->eax : 0;

    if (f->unsupported) {
        return false;
    }
    if ((priv & f->priv_eax) != f->priv_eax ||
        (edx & f->feat_edx) != f->feat_edx ||
        (nested & f->nested_eax) != f->nested_eax) {
        return false;
    }
    if (for_passthrough || f->needs_kernel_recomm) {
        return (recomm & f->recomm_eax) == f->recomm_eax;
    }
    return true;
}

bool hyperv_apply_kernel_support(HypervConfig *cfg,
                                 const struct kvm_cpuid2 *hv, GError **errp)
{
    const struct kvm_cpuid_entry2 *rec = hyperv_cpuid_find(hv, HV_CPUID_RECOMMENDATIONS);

    if (cfg->passthrough) {
        for (int i = 0; i < HV_FEATURE_COUNT; i++) {
            /* eVMCS needs a capability enabled first: ask for it by name. */
            if (i == HV_EVMCS || (cfg->off & BIT(i))) {
                continue;
            }
            if (kernel_has(i, hv, true)) {
                cfg->on |= BIT(i);
            }
        }
        if (cfg->no_nonarch_coresharing == HV_OFF && rec &&
            (rec->eax & HV_RECOMM_NO_NONARCH_CORESHARING)) {
            cfg->no_nonarch_coresharing = HV_ON;
        }
    }
    if (cfg->no_nonarch_coresharing == HV_AUTO) {
        cfg->no_nonarch_coresharing =
            rec && (rec->eax & HV_RECOMM_NO_NONARCH_CORESHARING) ? HV_ON : HV_OFF;
    }
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        if ((cfg->on & BIT(i)) && !hyperv_features[i].unsupported &&
            !kernel_has(i, hv, false)) {
            kite_error_set(errp, "Hyper-V %s (%s) is not supported by kernel",
                           hyperv_features[i].desc, hyperv_features[i].name);
            return false;
        }
    }
    return true;
}
