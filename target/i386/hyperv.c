/*
 * Hyper-V enlightenments: the flag table, -cpu option parsing, the rules
 * between flags, and the CPU object's view (help lines, QOM properties).
 * CPUID building is in hyperv-cpuid.c, the KVM side in hyperv-kvm.c.
 */
#include "kite/i386/hyperv.h"
#include "kite/option.h"
#include "kite/qom.h"
#include "target/i386/cpu.h"

#include <errno.h>
#include <stdlib.h>

#define BIT(f) (1ull << (f))

/*
 * Bits from the TLFS (CPUID 0x40000003/4/A); dependencies and the
 * feature names used in messages follow QEMU's observable rules.
 * hv-syndbg needs a synthetic debugger transport Kite does not have.
 */
const HypervFeatureInfo hyperv_features[HV_FEATURE_COUNT] = {
    [HV_RELAXED] = { "hv-relaxed", "relaxed timing",
        .recomm_eax = HV_RECOMM_RELAXED_TIMING },
    [HV_VAPIC] = { "hv-vapic", "virtual APIC",
        .priv_eax = HV_PRIV_APIC_ACCESS,
        .recomm_eax = HV_RECOMM_APIC_MSRS },
    [HV_TIME] = { "hv-time", "clocksources",
        .priv_eax = HV_PRIV_TIME_REF_COUNT | HV_PRIV_REFERENCE_TSC },
    [HV_CRASH] = { "hv-crash", "crash MSRs",
        .feat_edx = HV_FEAT_EDX_CRASH },
    [HV_RESET] = { "hv-reset", "reset MSR",
        .priv_eax = HV_PRIV_RESET },
    [HV_VPINDEX] = { "hv-vpindex", "VP_INDEX MSR",
        .priv_eax = HV_PRIV_VP_INDEX },
    [HV_RUNTIME] = { "hv-runtime", "VP_RUNTIME MSR",
        .priv_eax = HV_PRIV_VP_RUNTIME },
    [HV_SYNIC] = { "hv-synic", "synthetic interrupt controller",
        .priv_eax = HV_PRIV_SYNIC, .deps = BIT(HV_VPINDEX) },
    [HV_STIMER] = { "hv-stimer", "synthetic timers",
        .priv_eax = HV_PRIV_STIMER, .deps = BIT(HV_SYNIC) | BIT(HV_TIME) },
    [HV_FREQUENCIES] = { "hv-frequencies", "frequency MSRs",
        .priv_eax = HV_PRIV_FREQUENCIES, .feat_edx = HV_FEAT_EDX_FREQUENCIES },
    [HV_REENLIGHTENMENT] = { "hv-reenlightenment", "reenlightenment MSRs",
        .priv_eax = HV_PRIV_REENLIGHTENMENT },
    [HV_TLBFLUSH] = { "hv-tlbflush", "TLB flush support",
        .recomm_eax = HV_RECOMM_LOCAL_TLB_FLUSH | HV_RECOMM_REMOTE_TLB_FLUSH |
                      HV_RECOMM_EX_PROC_MASKS,
        .deps = BIT(HV_VPINDEX), .needs_kernel_recomm = true },
    [HV_EVMCS] = { "hv-evmcs", "enlightened VMCS",
        .recomm_eax = HV_RECOMM_ENLIGHTENED_VMCS,
        .deps = BIT(HV_VAPIC) },   /* checked by enabling the capability */
    [HV_IPI] = { "hv-ipi", "IPI send support",
        .recomm_eax = HV_RECOMM_CLUSTER_IPI | HV_RECOMM_EX_PROC_MASKS,
        .deps = BIT(HV_VPINDEX), .needs_kernel_recomm = true },
    [HV_STIMER_DIRECT] = { "hv-stimer-direct", "direct mode synthetic timers",
        .feat_edx = HV_FEAT_EDX_STIMER_DIRECT, .deps = BIT(HV_STIMER) },
    [HV_AVIC] = { "hv-avic", "AVIC support",
        .recomm_eax = HV_RECOMM_DEPRECATE_AEOI },
    [HV_XMM_INPUT] = { "hv-xmm-input", "XMM fast hypercall input",
        .feat_edx = HV_FEAT_EDX_XMM_INPUT },
    [HV_TLBFLUSH_EXT] = { "hv-tlbflush-ext", "Extended GVA ranges for TLB flush",
        .feat_edx = HV_FEAT_EDX_EXT_GVA_FLUSH, .deps = BIT(HV_TLBFLUSH) },
    [HV_TLBFLUSH_DIRECT] = { "hv-tlbflush-direct", "direct TLB flush",
        .nested_eax = HV_NESTED_DIRECT_FLUSH, .deps = BIT(HV_VAPIC) },
    [HV_EMSR_BITMAP] = { "hv-emsr-bitmap", "enlightened MSR-Bitmap",
        .nested_eax = HV_NESTED_MSR_BITMAP },
    [HV_SYNDBG] = { "hv-syndbg", "synthetic debugger",
        .unsupported = true },
};

/* Options that take a value; the on/off ones come from the table. */
static const char *const value_options[] = {
    "hv-spinlocks", "hv-vendor-id", "hv-no-nonarch-coresharing",
    "hv-version-id-build", "hv-version-id-major", "hv-version-id-minor",
    "hv-version-id-spack", "hv-version-id-sbranch", "hv-version-id-snumber",
    NULL
};

void hyperv_config_init(HypervConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->spinlocks = 0xffffffff;
    g_strlcpy(cfg->vendor_id, "Microsoft Hv", sizeof(cfg->vendor_id));
    cfg->no_nonarch_coresharing = HV_OFF;
    cfg->kvm_signature = true;
    /* The version a guest sees by default (QEMU's documented defaults). */
    cfg->ver_build = 14393;
    cfg->ver_major = 10;
}

/* "hv_stimer" and "hv-stimer" are the same option. */
static char *canonical(const char *name)
{
    char *s = g_strdup(name);

    for (char *p = s; *p; p++) {
        if (*p == '_') {
            *p = '-';
        }
    }
    return s;
}

static int feature_index(const char *canon)
{
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        if (!strcmp(hyperv_features[i].name, canon)) {
            return i;
        }
    }
    return -1;
}

static bool is_value_option(const char *canon)
{
    for (const char *const *v = value_options; *v; v++) {
        if (!strcmp(*v, canon)) {
            return true;
        }
    }
    return false;
}

bool hyperv_is_option(const char *name)
{
    g_autofree char *canon = canonical(name);

    return feature_index(canon) >= 0 || is_value_option(canon) ||
           !strcmp(canon, "hv-passthrough") ||
           !strcmp(canon, "hv-enforce-cpuid") || !strcmp(canon, "kvm");
}

static bool parse_flag(const char *name, const char *value, bool *out,
                       GError **errp)
{
    if (!kite_parse_bool(value, out)) {
        kite_error_set(errp, "Parameter '%s' expects 'on' or 'off'", name);
        return false;
    }
    return true;
}

static bool parse_uint(const char *name, const char *value, uint64_t max,
                       const char *type, uint64_t *out, GError **errp)
{
    if (value[0] == '-' || !kite_parse_uint64(value, out) || *out > max) {
        kite_error_set(errp, "Parameter '%s' expects %s", name, type);
        return false;
    }
    return true;
}

static bool parse_value(HypervConfig *cfg, const char *name,
                        const char *canon, const char *value, GError **errp)
{
    uint64_t n;

    if (!strcmp(canon, "hv-spinlocks")) {
        if (!parse_uint(name, value, UINT32_MAX, "uint32_t", &n, errp)) {
            return false;
        }
        cfg->spinlocks = n;
    } else if (!strcmp(canon, "hv-vendor-id")) {
        /* CPUID has room for 12 bytes; QEMU truncates, we refuse. */
        if (strlen(value) > 12) {
            kite_error_set(errp, "Parameter '%s' expects at most 12 "
                           "characters", name);
            return false;
        }
        memset(cfg->vendor_id, 0, sizeof(cfg->vendor_id));
        memcpy(cfg->vendor_id, value, strlen(value));
    } else if (!strcmp(canon, "hv-no-nonarch-coresharing")) {
        if (!strcmp(value, "on")) {
            cfg->no_nonarch_coresharing = HV_ON;
        } else if (!strcmp(value, "off")) {
            cfg->no_nonarch_coresharing = HV_OFF;
        } else if (!strcmp(value, "auto")) {
            cfg->no_nonarch_coresharing = HV_AUTO;
        } else {
            kite_error_set(errp, "Parameter '%s' does not accept value '%s'",
                           name, value);
            return false;
        }
    } else if (!strcmp(canon, "hv-version-id-build")) {
        if (!parse_uint(name, value, UINT32_MAX, "uint32_t", &n, errp)) {
            return false;
        }
        cfg->ver_build = n;
    } else if (!strcmp(canon, "hv-version-id-major") ||
               !strcmp(canon, "hv-version-id-minor")) {
        if (!parse_uint(name, value, UINT16_MAX, "uint16_t", &n, errp)) {
            return false;
        }
        *(!strcmp(canon, "hv-version-id-major") ? &cfg->ver_major
                                                   : &cfg->ver_minor) = n;
    } else if (!strcmp(canon, "hv-version-id-spack")) {
        if (!parse_uint(name, value, UINT32_MAX, "uint32_t", &n, errp)) {
            return false;
        }
        cfg->ver_spack = n;
    } else if (!strcmp(canon, "hv-version-id-sbranch")) {
        if (!parse_uint(name, value, UINT8_MAX, "uint8_t", &n, errp)) {
            return false;
        }
        cfg->ver_sbranch = n;
    } else {
        /* hv-version-id-snumber: 24 bits next to the branch in EDX. */
        if (!parse_uint(name, value, 0xffffff, "uint32_t", &n, errp)) {
            return false;
        }
        cfg->ver_snumber = n;
    }
    return true;
}

bool hyperv_parse_option(HypervConfig *cfg, const char *name,
                         const char *value, GError **errp)
{
    g_autofree char *canon = canonical(name);
    int idx = feature_index(canon);
    bool b;

    if (!value) {
        value = "on";
    }
    if (idx >= 0) {
        if (!parse_flag(name, value, &b, errp)) {
            return false;
        }
        if (b) {
            cfg->on |= BIT(idx);
            cfg->off &= ~BIT(idx);
        } else {
            cfg->on &= ~BIT(idx);
            cfg->off |= BIT(idx);
        }
        return true;
    }
    if (!strcmp(canon, "hv-passthrough")) {
        return parse_flag(name, value, &cfg->passthrough, errp);
    }
    if (!strcmp(canon, "hv-enforce-cpuid")) {
        return parse_flag(name, value, &cfg->enforce_cpuid, errp);
    }
    if (!strcmp(canon, "kvm")) {
        return parse_flag(name, value, &cfg->kvm_signature, errp);
    }
    if (is_value_option(canon)) {
        return parse_value(cfg, name, canon, value, errp);
    }
    kite_error_set(errp, "Property '%s.%s' not found", TYPE_X86_CPU, name);
    return false;
}

bool hyperv_enabled(const HypervConfig *cfg)
{
    return cfg->on != 0 || cfg->passthrough;
}

/* The order missing requirements are named in: SynIC before the clock
 * for hv-stimer, as the example message has it. */
static const HypervFeature dep_order[] = {
    HV_SYNIC, HV_TIME, HV_VPINDEX, HV_STIMER, HV_VAPIC, HV_TLBFLUSH,
};

bool hyperv_check_dependencies(const HypervConfig *cfg, GError **errp)
{
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        const HypervFeatureInfo *f = &hyperv_features[i];

        if (!(cfg->on & BIT(i))) {
            continue;
        }
        if (f->unsupported) {
            kite_error_set(errp, "Hyper-V %s (%s) is not supported by Kite",
                           f->desc, f->name);
            return false;
        }
        for (size_t k = 0; k < G_N_ELEMENTS(dep_order); k++) {
            int d = dep_order[k];

            if ((f->deps & BIT(d)) && !(cfg->on & BIT(d))) {
                kite_error_set(errp, "Hyper-V %s (%s) requires Hyper-V %s (%s)",
                               f->desc, f->name, hyperv_features[d].desc,
                               hyperv_features[d].name);
                return false;
            }
        }
    }
    return true;
}

bool hyperv_config_from_features(HypervConfig *cfg, GHashTable *features,
                                 GError **errp)
{
    GHashTableIter it;
    gpointer k, v;

    hyperv_config_init(cfg);
    if (!features) {
        return true;
    }
    g_hash_table_iter_init(&it, features);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (hyperv_is_option(k) &&
            !hyperv_parse_option(cfg, k, v, errp)) {
            return false;
        }
    }
    return true;
}

/* ---- help and QOM properties ---- */

void hyperv_print_help(GString *out)
{
    static const struct { const char *name, *type, *desc; } extra[] = {
        { "hv-spinlocks", "uint32", "spinlock retries before notifying "
          "(default: 0xffffffff)" },
        { "hv-vendor-id", "str", "Hyper-V vendor string "
          "(default: \"Microsoft Hv\")" },
        { "hv-no-nonarch-coresharing", "OnOffAuto", "on/off/auto "
          "(default: \"off\")" },
        { "hv-passthrough", "bool", "everything the kernel supports "
          "(default: false)" },
        { "hv-enforce-cpuid", "bool", "kernel refuses what CPUID does not "
          "show (default: false)" },
        { "hv-version-id-build", "uint32", "(default: 14393)" },
        { "hv-version-id-major", "uint16", "(default: 10)" },
        { "hv-version-id-minor", "uint16", "(default: 0)" },
        { "hv-version-id-spack", "uint32", "(default: 0)" },
        { "hv-version-id-sbranch", "uint8", "(default: 0)" },
        { "hv-version-id-snumber", "uint32", "(default: 0)" },
        { "kvm", "bool", "show KVM's own CPUID leaves (default: true)" },
    };

    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        g_autofree char *n = g_strdup_printf("%s=<bool>",
                                             hyperv_features[i].name);
        g_string_append_printf(out, "  %-28s - Hyper-V %s, on/off "
                               "(default: false)\n", n,
                               hyperv_features[i].desc);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extra); i++) {
        g_autofree char *n = g_strdup_printf("%s=<%s>", extra[i].name,
                                             extra[i].type);
        g_string_append_printf(out, "  %-28s - %s\n", n, extra[i].desc);
    }
}

/* Properties read and write the CPU's feature settings, so -cpu and
 * qom-set land in the same place. */
static json_t *hv_prop_get(Object *obj, const Property *prop, GError **errp)
{
    X86CPU *cpu = X86_CPU(obj);
    HypervConfig cfg;
    g_autofree char *canon = canonical(prop->name);
    int idx = feature_index(canon);

    if (!hyperv_config_from_features(&cfg, cpu->features, errp)) {
        return NULL;
    }
    if (idx >= 0) {
        return json_boolean(cfg.on & BIT(idx));
    }
    if (!strcmp(canon, "hv-passthrough")) {
        return json_boolean(cfg.passthrough);
    }
    if (!strcmp(canon, "hv-enforce-cpuid")) {
        return json_boolean(cfg.enforce_cpuid);
    }
    if (!strcmp(canon, "kvm")) {
        return json_boolean(cfg.kvm_signature);
    }
    if (!strcmp(canon, "hv-spinlocks")) {
        return json_integer(cfg.spinlocks);
    }
    if (!strcmp(canon, "hv-vendor-id")) {
        return json_string(cfg.vendor_id);
    }
    if (!strcmp(canon, "hv-no-nonarch-coresharing")) {
        static const char *const names[] = { "off", "on", "auto" };
        return json_string(names[cfg.no_nonarch_coresharing]);
    }
    if (!strcmp(canon, "hv-version-id-build")) {
        return json_integer(cfg.ver_build);
    }
    if (!strcmp(canon, "hv-version-id-major")) {
        return json_integer(cfg.ver_major);
    }
    if (!strcmp(canon, "hv-version-id-minor")) {
        return json_integer(cfg.ver_minor);
    }
    if (!strcmp(canon, "hv-version-id-spack")) {
        return json_integer(cfg.ver_spack);
    }
    if (!strcmp(canon, "hv-version-id-sbranch")) {
        return json_integer(cfg.ver_sbranch);
    }
    return json_integer(cfg.ver_snumber);
}

static bool hv_prop_set(Object *obj, const Property *prop, json_t *value,
                        GError **errp)
{
    X86CPU *cpu = X86_CPU(obj);
    HypervConfig scratch;
    g_autofree char *text = NULL;

    if (json_is_boolean(value)) {
        text = g_strdup(json_is_true(value) ? "on" : "off");
    } else if (json_is_integer(value)) {
        text = g_strdup_printf("%" JSON_INTEGER_FORMAT,
                               json_integer_value(value));
    } else if (json_is_string(value)) {
        text = g_strdup(json_string_value(value));
    } else {
        kite_error_set(errp, "Invalid parameter type for '%s'", prop->name);
        return false;
    }
    hyperv_config_init(&scratch);
    if (!hyperv_parse_option(&scratch, prop->name, text, errp)) {
        return false;
    }
    g_hash_table_replace(cpu->features, g_strdup(prop->name),
                         g_steal_pointer(&text));
    return true;
}

/* Custom accessors only: the values live in the CPU's feature table, not
 * in fields of the instance. */
#define HV_PROP_KIND(n, tn) \
    { .name = (n), .kind = PROP_KIND_CUSTOM, .type_name = (tn), \
      .get = hv_prop_get, .set = hv_prop_set }
#define HV_PROP_BOOL(n) HV_PROP_KIND(n, "bool")

const Property hyperv_cpu_properties[] = {
    HV_PROP_BOOL("hv-relaxed"), HV_PROP_BOOL("hv-vapic"),
    HV_PROP_BOOL("hv-time"), HV_PROP_BOOL("hv-crash"),
    HV_PROP_BOOL("hv-reset"), HV_PROP_BOOL("hv-vpindex"),
    HV_PROP_BOOL("hv-runtime"), HV_PROP_BOOL("hv-synic"),
    HV_PROP_BOOL("hv-stimer"), HV_PROP_BOOL("hv-frequencies"),
    HV_PROP_BOOL("hv-reenlightenment"), HV_PROP_BOOL("hv-tlbflush"),
    HV_PROP_BOOL("hv-evmcs"), HV_PROP_BOOL("hv-ipi"),
    HV_PROP_BOOL("hv-stimer-direct"), HV_PROP_BOOL("hv-avic"),
    HV_PROP_BOOL("hv-xmm-input"), HV_PROP_BOOL("hv-tlbflush-ext"),
    HV_PROP_BOOL("hv-tlbflush-direct"), HV_PROP_BOOL("hv-emsr-bitmap"),
    HV_PROP_BOOL("hv-syndbg"), HV_PROP_BOOL("hv-passthrough"),
    HV_PROP_BOOL("hv-enforce-cpuid"),
    HV_PROP_BOOL("kvm"),
    HV_PROP_KIND("hv-spinlocks", "uint32"),
    HV_PROP_KIND("hv-vendor-id", "str"),
    HV_PROP_KIND("hv-no-nonarch-coresharing", "OnOffAuto"),
    HV_PROP_KIND("hv-version-id-build", "uint32"),
    HV_PROP_KIND("hv-version-id-major", "uint16"),
    HV_PROP_KIND("hv-version-id-minor", "uint16"),
    HV_PROP_KIND("hv-version-id-spack", "uint32"),
    HV_PROP_KIND("hv-version-id-sbranch", "uint8"),
    HV_PROP_KIND("hv-version-id-snumber", "uint32"),
    DEFINE_PROP_END_OF_LIST()
};
