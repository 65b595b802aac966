/*
 * Building a vCPU's CPUID: start from what KVM supports, narrow it to the
 * -cpu model (identification, feature set, highest leaves), apply the
 * +flag/-flag settings, then the features that depend on others (XSAVE
 * components, SVM leaf) and the topology leaves with this vCPU's APIC id.
 *
 * Leaf layouts: Intel SDM vol. 2A, CPUID (leaves 0, 1, 4, 0xB, 0xD, 0x1F,
 * 0x80000000-0x80000004); AMD APM vol. 3, appendix E (0x80000001 EDX
 * aliases of leaf 1, 0x80000008 ECX, 0x8000001E).
 */
#include "target/i386/cpuid-build.h"
#include "target/i386/cpuid-flags.h"
#include "kite/option.h"

#define BASIC_END 0x40000000u
#define HV_BASE 0x40000000u
#define EXT_BASE 0x80000000u
#define CENTAUR_BASE 0xc0000000u

/* 0x80000001:EDX bits that repeat leaf 1:EDX on AMD (APM appendix E). */
#define AMD_EDX_ALIASES 0x0183f3ffu

/* The feature registers a named model defines entirely. */
static const struct {
    uint32_t leaf, subleaf;
    uint8_t reg;
} feature_words[] = {
    { 1, 0, CPUID_EDX }, { 1, 0, CPUID_ECX }, { 6, 0, CPUID_EAX },
    { 7, 0, CPUID_EBX }, { 7, 0, CPUID_ECX }, { 7, 0, CPUID_EDX },
    { 7, 1, CPUID_EAX }, { 0xd, 1, CPUID_EAX },
    { EXT_BASE + 1, 0, CPUID_ECX }, { EXT_BASE + 1, 0, CPUID_EDX },
    { EXT_BASE + 7, 0, CPUID_EDX }, { EXT_BASE + 8, 0, CPUID_EBX },
    { EXT_BASE + 0xa, 0, CPUID_EDX }, { CENTAUR_BASE + 1, 0, CPUID_EDX },
    { HV_BASE + 1, 0, CPUID_EAX }, { HV_BASE + 1, 0, CPUID_EDX },
};

/* Bits Kite gives whatever KVM_GET_SUPPORTED_CPUID says: KVM leaves the
 * hypervisor bit to the VMM, and the TSC deadline timer comes with the
 * in-kernel LAPIC, which Kite always creates. */
static const char *const vmm_provided[] = { "hypervisor", "tsc-deadline" };

/* XSAVE state components and the flag each belongs to (SDM vol. 1,
 * 13.1): component bit in CPUID.(0xD,0):EAX and its subleaf. */
static const struct {
    const char *flag;
    unsigned first, last;
} xsave_components[] = {
    { "avx", 2, 2 }, { "mpx", 3, 4 }, { "avx512f", 5, 7 }, { "pku", 9, 9 },
    { "amx-tile", 17, 18 },
};

unsigned x86_topo_width(unsigned n)
{
    unsigned w = 0;

    while (n > 1 && (1u << w) < n) {
        w++;
    }
    return w;
}

static uint32_t *reg_ptr(struct kvm_cpuid_entry2 *e, unsigned reg)
{
    switch (reg) {
    case CPUID_EAX:
        return &e->eax;
    case CPUID_EBX:
        return &e->ebx;
    case CPUID_ECX:
        return &e->ecx;
    default:
        return &e->edx;
    }
}

static bool entry_matches(const struct kvm_cpuid_entry2 *e, uint32_t fn,
                          uint32_t idx)
{
    return e->function == fn &&
           (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx);
}

static struct kvm_cpuid_entry2 *find(GArray *a, uint32_t fn, uint32_t idx)
{
    for (guint i = 0; i < a->len; i++) {
        struct kvm_cpuid_entry2 *e =
            &g_array_index(a, struct kvm_cpuid_entry2, i);

        if (entry_matches(e, fn, idx)) {
            return e;
        }
    }
    return NULL;
}

static const struct kvm_cpuid_entry2 *find_const(const struct kvm_cpuid2 *c,
                                                 uint32_t fn, uint32_t idx)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        if (entry_matches(&c->entries[i], fn, idx)) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static struct kvm_cpuid_entry2 *add(GArray *a, uint32_t fn, uint32_t idx,
                                    bool indexed)
{
    struct kvm_cpuid_entry2 e = {
        .function = fn, .index = idx,
        .flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
    };

    g_array_append_val(a, e);
    return &g_array_index(a, struct kvm_cpuid_entry2, a->len - 1);
}

static struct kvm_cpuid_entry2 *get(GArray *a, uint32_t fn, uint32_t idx,
                                    bool indexed)
{
    struct kvm_cpuid_entry2 *e = find(a, fn, idx);

    return e ? e : add(a, fn, idx, indexed);
}

/* Drop every entry of function @fn (all subleaves). */
static void drop_leaf(GArray *a, uint32_t fn)
{
    for (guint i = a->len; i-- > 0;) {
        if (g_array_index(a, struct kvm_cpuid_entry2, i).function == fn) {
            g_array_remove_index(a, i);
        }
    }
}

/* Drop the entries of the range starting at @base above @max. */
static void drop_above(GArray *a, uint32_t base, uint32_t end, uint32_t max)
{
    for (guint i = a->len; i-- > 0;) {
        uint32_t fn = g_array_index(a, struct kvm_cpuid_entry2, i).function;

        if (fn >= base && fn < end && fn > max) {
            g_array_remove_index(a, i);
        }
    }
}

static void set_bit(GArray *a, const X86CpuidFlag *f, bool on)
{
    struct kvm_cpuid_entry2 *e = find(a, f->leaf, f->subleaf);
    uint32_t *r;

    if (!e) {
        if (!on) {
            return;
        }
        e = add(a, f->leaf, f->subleaf, f->leaf == 7 || f->leaf == 0xd);
    }
    r = reg_ptr(e, f->reg);
    *r = on ? *r | (1u << f->bit) : *r & ~(1u << f->bit);
}

static bool get_bit(GArray *a, const X86CpuidFlag *f)
{
    struct kvm_cpuid_entry2 *e = find(a, f->leaf, f->subleaf);

    return e && (*reg_ptr(e, f->reg) & (1u << f->bit));
}

static bool flag_on(GArray *a, const char *name)
{
    const X86CpuidFlag *f = x86_cpuid_flag_find(name);

    return f && get_bit(a, f);
}

/* Can KVM (or Kite itself) give flag entry @f? */
static bool available(const struct kvm_cpuid2 *supported,
                      const X86CpuidFlag *f)
{
    const struct kvm_cpuid_entry2 *e = find_const(supported, f->leaf,
                                                  f->subleaf);

    for (size_t i = 0; i < G_N_ELEMENTS(vmm_provided); i++) {
        if (!strcmp(f->name, vmm_provided[i])) {
            return true;
        }
    }
    return e && (*reg_ptr((struct kvm_cpuid_entry2 *)e, f->reg) &
                 (1u << f->bit));
}

/* Set every CPUID bit of flag @name (kvmclock has two) where available. */
static void turn_on(GArray *a, const struct kvm_cpuid2 *supported,
                    const char *name)
{
    for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
        const X86CpuidFlag *f = &x86_cpuid_flags[i];

        if (!strcmp(f->name, name) && available(supported, f)) {
            set_bit(a, f, true);
        }
    }
}

static void set_string(uint32_t *regs[], size_t nregs, const char *s,
                       size_t len)
{
    char buf[48] = { 0 };

    memcpy(buf, s, MIN(strlen(s), MIN(len, sizeof(buf))));
    for (size_t i = 0; i < nregs; i++) {
        memcpy(regs[i], buf + 4 * i, 4);
    }
}

static void set_vendor(GArray *a, uint32_t fn, const char *vendor)
{
    struct kvm_cpuid_entry2 *e = find(a, fn, 0);

    if (e) {
        /* "GenuineIntel" is EBX "Genu", EDX "ineI", ECX "ntel". */
        uint32_t *regs[] = { &e->ebx, &e->edx, &e->ecx };
        set_string(regs, 3, vendor, 12);
    }
}

static bool vendor_is_amd(GArray *a)
{
    struct kvm_cpuid_entry2 *e = find(a, 0, 0);

    /* "AuthenticAMD" and Hygon's "HygonGenuine" use AMD's leaves. */
    return e && ((e->ebx == 0x68747541 && e->ecx == 0x444d4163) ||
                 (e->ebx == 0x6f677948 && e->ecx == 0x656e6975));
}

static void set_brand(GArray *a, const char *model_id)
{
    for (uint32_t i = 0; i < 3; i++) {
        struct kvm_cpuid_entry2 *e = get(a, EXT_BASE + 2 + i, 0, false);
        uint32_t *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
        size_t len = strlen(model_id);

        set_string(regs, 4, len > 16 * i ? model_id + 16 * i : "", 16);
    }
}

/* Family/model/stepping in CPUID.1:EAX, with the extended fields. */
static uint32_t fms_encode(uint32_t eax, int family, int model, int stepping)
{
    eax &= 0xf000f000u;     /* keep the processor type and reserved bits */
    eax |= (stepping & 0xf) | ((model & 0xf) << 4) | ((model >> 4) << 16);
    if (family > 0xf) {
        eax |= (0xfu << 8) | ((uint32_t)(family - 0xf) << 20);
    } else {
        eax |= (uint32_t)family << 8;
    }
    return eax;
}

static const char *setting(GHashTable *features, const char *name)
{
    return features ? g_hash_table_lookup(features, name) : NULL;
}

static bool setting_u32(GHashTable *features, const char *name, uint32_t *v)
{
    const char *s = setting(features, name);
    uint64_t n;

    if (!s || !kite_parse_uint64(s, &n) || n > UINT32_MAX) {
        return false;
    }
    *v = n;
    return true;
}

/* Identification: vendor, family/model/stepping, brand, highest leaves. */
static void apply_identity(GArray *a, const X86CPUModel *model,
                           GHashTable *features, const struct kvm_cpuid2 *sup)
{
    const struct kvm_cpuid_entry2 *s0 = find_const(sup, 0, 0);
    const struct kvm_cpuid_entry2 *s8 = find_const(sup, EXT_BASE, 0);
    uint32_t level = model->host ? (s0 ? s0->eax : 0) : model->level;
    uint32_t xlevel = model->host ? (s8 ? s8->eax : 0) : model->xlevel;
    const char *vendor = setting(features, "vendor");
    const char *model_id = setting(features, "model-id");
    struct kvm_cpuid_entry2 *e;
    uint32_t fam, mod, step;

    setting_u32(features, "level", &level);
    setting_u32(features, "xlevel", &xlevel);
    drop_above(a, 0, BASIC_END, level);
    drop_above(a, EXT_BASE, CENTAUR_BASE, xlevel);
    if (!model->host) {
        /* QEMU's models leave the Centaur range out (xlevel2 = 0). */
        drop_above(a, CENTAUR_BASE, 0xffffffffu, CENTAUR_BASE);
        drop_leaf(a, CENTAUR_BASE);
    }
    get(a, 0, 0, false)->eax = level;
    if (xlevel >= EXT_BASE) {
        get(a, EXT_BASE, 0, false)->eax = xlevel;
    }

    if (!vendor && !model->host && !model->host_vendor) {
        vendor = model->vendor;
    }
    if (vendor) {
        set_vendor(a, 0, vendor);
        if (!model->host) {
            set_vendor(a, EXT_BASE, vendor);
        }
    }
    e = get(a, 1, 0, false);
    fam = model->family, mod = model->model, step = model->stepping;
    if (model->host) {
        /* Decode the host's values so that one field can be replaced. */
        fam = (e->eax >> 8) & 0xf;
        if (fam == 0xf) {
            fam += (e->eax >> 20) & 0xff;
        }
        mod = ((e->eax >> 4) & 0xf) | (((e->eax >> 16) & 0xf) << 4);
        step = e->eax & 0xf;
    }
    setting_u32(features, "family", &fam);
    setting_u32(features, "model", &mod);
    setting_u32(features, "stepping", &step);
    e->eax = fms_encode(e->eax, fam, mod, step);
    if (!model_id && !model->host) {
        model_id = model->model_id;
    }
    if (model_id && xlevel >= EXT_BASE + 4) {
        set_brand(a, model_id);
    }
}

/* A named model: its flags where KVM has them, nothing else. */
static void apply_model_flags(GArray *a, const X86CPUModel *model,
                              const struct kvm_cpuid2 *sup)
{
    for (size_t i = 0; i < G_N_ELEMENTS(feature_words); i++) {
        struct kvm_cpuid_entry2 *e = find(a, feature_words[i].leaf,
                                          feature_words[i].subleaf);
        if (e) {
            *reg_ptr(e, feature_words[i].reg) = 0;
        }
    }
    for (const char *const *f = model->features; *f; f++) {
        turn_on(a, sup, *f);
    }
}

static char *unsupported_text(const X86CpuidFlag *f)
{
    static const char regname[] = "ABCD";

    return g_strdup_printf("host doesn't support requested feature: "
                           "CPUID.%02XH:E%cX.%s [bit %u]", f->leaf,
                           regname[f->reg], f->name, f->bit);
}

static void unsupported(const X86CpuidFlag *f, GError **errp)
{
    g_autofree char *text = unsupported_text(f);

    g_set_error_literal(errp, KITE_ERROR, KITE_ERROR_GENERIC, text);
}

/*
 * -cpu +flag / -flag / flag=on|off, in the table's order.  A flag KVM
 * cannot give is left off with a warning, as QEMU does (once, for the
 * first vCPU: @warn), and is an error with enforce=on.
 */
static bool apply_settings(GArray *a, GHashTable *features,
                           const struct kvm_cpuid2 *sup, bool warn,
                           GError **errp)
{
    const char *enforce = setting(features, "enforce");
    bool enforcing = enforce && !strcmp(enforce, "on");

    for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
        const X86CpuidFlag *f = &x86_cpuid_flags[i];
        const char *v = setting(features, f->name);

        if (!v) {
            continue;
        }
        if (!strcmp(v, "off")) {
            set_bit(a, f, false);
        } else if (available(sup, f)) {
            set_bit(a, f, true);
        } else if (enforcing) {
            unsupported(f, errp);
            return false;
        } else if (warn) {
            g_autofree char *text = unsupported_text(f);

            g_printerr("%s: warning: %s\n", g_get_prgname() ?: "kite", text);
        }
    }
    return true;
}

/* enforce=on: a named model's own flags must all be there too. */
static bool check_enforce(const X86CPUModel *model, GHashTable *features,
                          const struct kvm_cpuid2 *sup, GError **errp)
{
    const char *enforce = setting(features, "enforce");

    if (!model->features || !enforce || strcmp(enforce, "on")) {
        return true;
    }
    for (const char *const *name = model->features; *name; name++) {
        const char *v = setting(features, *name);

        if (v && !strcmp(v, "off")) {
            continue;
        }
        for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
            const X86CpuidFlag *f = &x86_cpuid_flags[i];

            if (!strcmp(f->name, *name) && !available(sup, f)) {
                unsupported(f, errp);
                return false;
            }
        }
    }
    return true;
}

/* XSAVE leaf 0xD follows the flags whose state it describes. */
static void fix_xsave(GArray *a)
{
    struct kvm_cpuid_entry2 *e0;
    uint32_t size = 576;    /* legacy area + XSAVE header */

    if (!flag_on(a, "xsave")) {
        drop_leaf(a, 0xd);
        return;
    }
    e0 = find(a, 0xd, 0);
    if (!e0) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(xsave_components); i++) {
        if (flag_on(a, xsave_components[i].flag)) {
            continue;
        }
        for (unsigned c = xsave_components[i].first;
             c <= xsave_components[i].last; c++) {
            struct kvm_cpuid_entry2 *s = find(a, 0xd, c);

            e0->eax &= ~(1u << c);
            if (s) {
                s->eax = s->ebx = s->ecx = s->edx = 0;
            }
        }
    }
    /* ECX: the area needed for every user component KVM may enable. */
    for (unsigned c = 2; c < 32; c++) {
        struct kvm_cpuid_entry2 *s = find(a, 0xd, c);

        if ((e0->eax & (1u << c)) && s && !(s->ecx & 1)) {
            size = MAX(size, s->ebx + s->eax);
        }
    }
    e0->ecx = size;
}

static void fix_dependent_leaves(GArray *a, const X86CPUModel *model,
                                 GHashTable *features)
{
    const char *pmu = setting(features, "pmu");

    /* The architectural PMU (leaf 0xA): QEMU's pmu property is off for
     * the named models and on for host/max. */
    if (pmu ? !strcmp(pmu, "off") : !model->host) {
        drop_leaf(a, 0xa);
    }
    fix_xsave(a);
    if (!flag_on(a, "svm")) {
        struct kvm_cpuid_entry2 *e = find(a, EXT_BASE + 0xa, 0);

        if (e) {
            e->eax = e->ebx = e->ecx = e->edx = 0;
        }
    }
    if (!flag_on(a, "intel-pt")) {
        drop_leaf(a, 0x14);
    }
    if (!flag_on(a, "sgx")) {
        drop_leaf(a, 0x12);
    }
}

/* Leaf 0xB or 0x1F: one subleaf per level, then an invalid one. */
static void add_topology_leaf(GArray *a, uint32_t fn, const X86CpuTopology *t,
                              uint32_t apic_id)
{
    /* Level types: 1 SMT, 2 core, 5 die. */
    struct { unsigned shift, count, type; } lv[3];
    unsigned n = 0, tw = x86_topo_width(t->threads),
             cw = x86_topo_width(t->cores), dw = x86_topo_width(t->dies);

    lv[n++] = (typeof(lv[0])) { tw, t->threads, 1 };
    if (fn == 0xb) {
        lv[n++] = (typeof(lv[0])) { tw + cw + dw,
                                    t->threads * t->cores * t->dies, 2 };
    } else {
        lv[n++] = (typeof(lv[0])) { tw + cw, t->threads * t->cores, 2 };
        lv[n++] = (typeof(lv[0])) { tw + cw + dw,
                                    t->threads * t->cores * t->dies, 5 };
    }
    drop_leaf(a, fn);
    for (unsigned i = 0; i <= n; i++) {
        struct kvm_cpuid_entry2 *e = add(a, fn, i, true);

        if (i < n) {
            e->eax = lv[i].shift;
            e->ebx = lv[i].count & 0xffff;
            e->ecx = i | (lv[i].type << 8);
        } else {
            e->ecx = i;
        }
        e->edx = apic_id;
    }
}

static void apply_topology(GArray *a, const X86CpuTopology *t,
                           uint32_t apic_id)
{
    unsigned per_pkg = t->threads * t->cores * t->dies;
    unsigned width = x86_topo_width(t->threads) + x86_topo_width(t->cores) +
                     x86_topo_width(t->dies);
    struct kvm_cpuid_entry2 *e = get(a, 1, 0, false);
    uint32_t level = get(a, 0, 0, false)->eax;

    /* EBX[23:16] logical processors per package, [31:24] APIC id; the
     * count is valid only with HTT (EDX bit 28). */
    e->ebx = (e->ebx & 0xffff) | (MIN(per_pkg, 255u) << 16) |
             ((apic_id & 0xff) << 24);
    e->edx = per_pkg > 1 ? e->edx | (1u << 28) : e->edx & ~(1u << 28);

    for (guint i = 0; i < a->len; i++) {
        e = &g_array_index(a, struct kvm_cpuid_entry2, i);
        if (e->function == 4 && (e->eax & 0x1f)) {
            /* EAX[25:14] logical processors sharing the cache - 1 (L1,
             * L2 per core, L3 per package); [31:26] cores - 1. */
            unsigned cache_level = (e->eax >> 5) & 7;
            unsigned sharing = cache_level >= 3 ? per_pkg : t->threads;

            e->eax = (e->eax & 0x3fff) | (MIN(sharing - 1, 0xfffu) << 14) |
                     (MIN(t->cores * t->dies - 1, 63u) << 26);
        }
    }
    if (level >= 0xb) {
        add_topology_leaf(a, 0xb, t, apic_id);
    } else {
        drop_leaf(a, 0xb);
    }
    if (t->dies > 1) {
        add_topology_leaf(a, 0x1f, t, apic_id);
        get(a, 0, 0, false)->eax = MAX(level, 0x1fu);
    } else {
        drop_leaf(a, 0x1f);
    }
    if (vendor_is_amd(a)) {
        e = find(a, EXT_BASE + 8, 0);
        if (e) {
            /* ECX[7:0] threads in the package - 1, [15:12] APIC id bits. */
            e->ecx = (e->ecx & ~0xf0ffu) | ((per_pkg - 1) & 0xff) |
                     (MIN(width, 15u) << 12);
        }
        e = find(a, EXT_BASE + 0x1e, 0);
        if (e) {
            unsigned core = apic_id >> x86_topo_width(t->threads);

            e->eax = apic_id;
            e->ebx = (core & 0xff) | ((t->threads - 1) << 8);
            e->ecx = 0;     /* node 0, one node per package */
        }
    }
}

struct kvm_cpuid2 *x86_cpuid_build(const X86CPUModel *model,
                                   GHashTable *features,
                                   const struct kvm_cpuid2 *supported,
                                   const X86CpuTopology *topo,
                                   uint32_t apic_id,
                                   void *(*alloc0)(size_t size),
                                   GError **errp)
{
    g_autoptr(GArray) a = g_array_sized_new(false, true,
                                            sizeof(struct kvm_cpuid_entry2),
                                            supported->nent + 8);
    X86CpuTopology t = {
        .threads = MAX(topo->threads, 1u), .cores = MAX(topo->cores, 1u),
        .dies = MAX(topo->dies, 1u),
    };
    struct kvm_cpuid2 *out;

    g_array_append_vals(a, supported->entries, supported->nent);
    apply_identity(a, model, features, supported);
    if (model->features) {
        apply_model_flags(a, model, supported);
    } else {
        for (size_t i = 0; i < G_N_ELEMENTS(vmm_provided); i++) {
            turn_on(a, supported, vmm_provided[i]);
        }
    }
    if (!check_enforce(model, features, supported, errp) ||
        !apply_settings(a, features, supported, apic_id == 0, errp)) {
        return NULL;
    }
    fix_dependent_leaves(a, model, features);
    if (model->features && vendor_is_amd(a)) {
        struct kvm_cpuid_entry2 *e1 = find(a, 1, 0);
        struct kvm_cpuid_entry2 *x1 = find(a, EXT_BASE + 1, 0);

        if (e1 && x1) {
            x1->edx |= e1->edx & AMD_EDX_ALIASES;
        }
    }
    apply_topology(a, &t, apic_id);

    out = alloc0(sizeof(*out) + a->len * sizeof(out->entries[0]));
    if (!out) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "out of memory building CPUID");
        return NULL;
    }
    out->nent = a->len;
    memcpy(out->entries, a->data, a->len * sizeof(out->entries[0]));
    return out;
}
