/*
 * Hyper-V enlightenments: the -cpu option parser, the rules between
 * flags, the CPUID leaves for a table of flag sets (expected values worked
 * out by hand from the Hyper-V TLFS bit definitions), kvm=off, the check
 * against the kernel's KVM_GET_SUPPORTED_HV_CPUID, hv-passthrough, and the
 * per-vCPU KVM side (SynIC, CPUID enforcement, MSR reset) on the fake
 * ioctl layer.
 */
#include "kite/i386/hyperv.h"
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl-fake.h"
#include "kite/runstate.h"
#include "../../target/i386/cpu.h"   /* X86CPU, parse_features */
#include <errno.h>
#include <fcntl.h>

#define BIT(f) (1ull << (f))

/* ---- parser ---- */

static void test_parse_every_flag(void)
{
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        const char *name = hyperv_features[i].name;
        g_autofree char *legacy = g_strdelimit(g_strdup(name), "-", '_');
        HypervConfig cfg;

        hyperv_config_init(&cfg);
        g_assert_true(hyperv_is_option(name));
        g_assert_true(hyperv_is_option(legacy));
        g_assert_true(hyperv_parse_option(&cfg, name, NULL, NULL));
        g_assert_cmphex(cfg.on, ==, BIT(i));
        g_assert_true(hyperv_enabled(&cfg));
        g_assert_true(hyperv_parse_option(&cfg, legacy, "off", NULL));
        g_assert_cmphex(cfg.on, ==, 0);
        g_assert_cmphex(cfg.off, ==, BIT(i));
        g_assert_true(hyperv_parse_option(&cfg, name, "on", NULL));
        g_assert_cmphex(cfg.on, ==, BIT(i));
        g_assert_cmphex(cfg.off, ==, 0);
        g_assert_true(hyperv_parse_option(&cfg, legacy, "yes", NULL));
        g_assert_cmphex(cfg.on, ==, BIT(i));
    }
}

static void expect_parse_error(const char *name, const char *value,
                               const char *msg)
{
    HypervConfig cfg;
    g_autoptr(GError) err = NULL;

    hyperv_config_init(&cfg);
    g_assert_false(hyperv_parse_option(&cfg, name, value, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_parse_bad_values(void)
{
    expect_parse_error("hv-relaxed", "maybe",
                       "Parameter 'hv-relaxed' expects 'on' or 'off'");
    expect_parse_error("hv_time", "2",
                       "Parameter 'hv_time' expects 'on' or 'off'");
    expect_parse_error("hv-spinlocks", "abc",
                       "Parameter 'hv-spinlocks' expects uint32_t");
    expect_parse_error("hv-spinlocks", "-1",
                       "Parameter 'hv-spinlocks' expects uint32_t");
    expect_parse_error("hv-spinlocks", "0x100000000",
                       "Parameter 'hv-spinlocks' expects uint32_t");
    expect_parse_error("hv-no-nonarch-coresharing", "maybe",
                       "Parameter 'hv-no-nonarch-coresharing' does not "
                       "accept value 'maybe'");
    expect_parse_error("hv-vendor-id", "ThirteenChars",
                       "Parameter 'hv-vendor-id' expects at most 12 "
                       "characters");
    expect_parse_error("hv-version-id-major", "65536",
                       "Parameter 'hv-version-id-major' expects uint16_t");
    expect_parse_error("hv-version-id-sbranch", "256",
                       "Parameter 'hv-version-id-sbranch' expects uint8_t");
    expect_parse_error("kvm", "perhaps", "Parameter 'kvm' expects 'on' or 'off'");
    expect_parse_error("hv-passthrough", "x",
                       "Parameter 'hv-passthrough' expects 'on' or 'off'");
    expect_parse_error("hv-nonsense", "on",
                       "Property 'x86_64-cpu.hv-nonsense' not found");
    g_assert_false(hyperv_is_option("hv-nonsense"));
    g_assert_false(hyperv_is_option("sse2"));
}

static void test_parse_values(void)
{
    HypervConfig cfg;

    hyperv_config_init(&cfg);
    g_assert_cmphex(cfg.spinlocks, ==, 0xffffffff);
    g_assert_cmpstr(cfg.vendor_id, ==, "Microsoft Hv");
    g_assert_true(cfg.kvm_signature);
    g_assert_false(hyperv_enabled(&cfg));
    g_assert_true(hyperv_parse_option(&cfg, "hv-spinlocks", "0x1fff", NULL));
    g_assert_cmphex(cfg.spinlocks, ==, 0x1fff);
    g_assert_true(hyperv_parse_option(&cfg, "hv_spinlocks", "4096", NULL));
    g_assert_cmphex(cfg.spinlocks, ==, 4096);
    g_assert_true(hyperv_parse_option(&cfg, "hv-vendor-id", "KiteHyperV", NULL));
    g_assert_cmpstr(cfg.vendor_id, ==, "KiteHyperV");
    g_assert_true(hyperv_parse_option(&cfg, "hv_vendor_id", "Short", NULL));
    g_assert_cmpstr(cfg.vendor_id, ==, "Short");
    g_assert_true(hyperv_parse_option(&cfg, "hv-no-nonarch-coresharing", "on", NULL));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_ON);
    g_assert_true(hyperv_parse_option(&cfg, "hv-no-nonarch-coresharing", "auto", NULL));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_AUTO);
    g_assert_true(hyperv_parse_option(&cfg, "hv-no-nonarch-coresharing", "off", NULL));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_OFF);
    g_assert_true(hyperv_parse_option(&cfg, "kvm", "off", NULL));
    g_assert_false(cfg.kvm_signature);
    g_assert_false(hyperv_enabled(&cfg));
    g_assert_true(hyperv_parse_option(&cfg, "hv-passthrough", NULL, NULL));
    g_assert_true(cfg.passthrough);
    g_assert_true(hyperv_enabled(&cfg));
    g_assert_true(hyperv_parse_option(&cfg, "hv_enforce_cpuid", "on", NULL));
    g_assert_true(cfg.enforce_cpuid);
    g_assert_true(hyperv_parse_option(&cfg, "hv-version-id-build", "7", NULL));
    g_assert_true(hyperv_parse_option(&cfg, "hv-version-id-major", "8", NULL));
    g_assert_true(hyperv_parse_option(&cfg, "hv-version-id-minor", "9", NULL));
    g_assert_cmpuint(cfg.ver_build, ==, 7);
    g_assert_cmpuint(cfg.ver_major, ==, 8);
    g_assert_cmpuint(cfg.ver_minor, ==, 9);
}

/* ---- dependencies ---- */

static void expect_dep(const char *flags, const char *msg)
{
    g_auto(GStrv) list = g_strsplit(flags, ",", -1);
    HypervConfig cfg;
    g_autoptr(GError) err = NULL;

    hyperv_config_init(&cfg);
    for (char **f = list; *f; f++) {
        g_assert_true(hyperv_parse_option(&cfg, *f, NULL, NULL));
    }
    if (!msg) {
        g_assert_true(hyperv_check_dependencies(&cfg, &err));
        g_assert_null(err);
        return;
    }
    g_assert_false(hyperv_check_dependencies(&cfg, &err));
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_dependencies(void)
{
    expect_dep("hv-synic",
        "Hyper-V synthetic interrupt controller (hv-synic) requires "
        "Hyper-V VP_INDEX MSR (hv-vpindex)");
    expect_dep("hv-stimer",
        "Hyper-V synthetic timers (hv-stimer) requires Hyper-V synthetic "
        "interrupt controller (hv-synic)");
    expect_dep("hv-vpindex,hv-synic,hv-stimer",
        "Hyper-V synthetic timers (hv-stimer) requires Hyper-V "
        "clocksources (hv-time)");
    expect_dep("hv-time,hv-stimer",
        "Hyper-V synthetic timers (hv-stimer) requires Hyper-V synthetic "
        "interrupt controller (hv-synic)");
    expect_dep("hv-stimer-direct",
        "Hyper-V direct mode synthetic timers (hv-stimer-direct) requires "
        "Hyper-V synthetic timers (hv-stimer)");
    expect_dep("hv-tlbflush",
        "Hyper-V TLB flush support (hv-tlbflush) requires Hyper-V VP_INDEX "
        "MSR (hv-vpindex)");
    expect_dep("hv-ipi",
        "Hyper-V IPI send support (hv-ipi) requires Hyper-V VP_INDEX MSR "
        "(hv-vpindex)");
    expect_dep("hv-evmcs",
        "Hyper-V enlightened VMCS (hv-evmcs) requires Hyper-V virtual APIC "
        "(hv-vapic)");
    expect_dep("hv-vpindex,hv-tlbflush-ext",
        "Hyper-V Extended GVA ranges for TLB flush (hv-tlbflush-ext) "
        "requires Hyper-V TLB flush support (hv-tlbflush)");
    expect_dep("hv-tlbflush-direct",
        "Hyper-V direct TLB flush (hv-tlbflush-direct) requires Hyper-V "
        "virtual APIC (hv-vapic)");
    expect_dep("hv-syndbg",
        "Hyper-V synthetic debugger (hv-syndbg) is not supported by Kite");
    expect_dep("hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,"
               "hv-stimer-direct", NULL);
    expect_dep("hv-vapic,hv-evmcs,hv-vpindex,hv-tlbflush,hv-tlbflush-ext,"
               "hv-ipi,hv-crash,hv-reset,hv-runtime,hv-frequencies,"
               "hv-reenlightenment,hv-avic,hv-xmm-input,hv-emsr-bitmap,"
               "hv-tlbflush-direct", NULL);
    expect_dep("hv-relaxed", NULL);
}

/* ---- CPUID leaves ---- */

typedef struct LeafCase {
    const char *flags;     /* comma-separated, name[=value] */
    uint32_t max_leaf;
    uint32_t vendor[3];    /* EBX ECX EDX of 0x40000000 */
    uint32_t priv_eax, feat_edx, recomm_eax, spinlocks, nested_eax;
    uint32_t version[4];
} LeafCase;

#define MSHV { 0x7263694d, 0x666f736f, 0x76482074 }   /* "Microsoft Hv" */
#define DEFVER { 14393, 10 << 16, 0, 0 }

/*
 * Expected values from the TLFS bit definitions: privileges 0x40000003
 * EAX (0 VP_RUNTIME, 1 TIME_REF_COUNT, 2 SynIC, 3 timers, 4 APIC MSRs,
 * 5 hypercall, 6 VP_INDEX, 7 reset, 9 reference TSC, 11 frequencies,
 * 13 reenlightenment), EDX (4 XMM input, 8 frequencies, 10 crash,
 * 14 extended GVA flush, 19 direct timers), recommendations 0x40000004 EAX
 * (1/2 local/remote flush, 3 APIC MSRs, 5 relaxed, 9 deprecate AutoEOI,
 * 10 cluster IPI, 11 ExProcessorMasks, 14 eVMCS, 18 no non-architectural
 * core sharing), nested 0x4000000A EAX (7:0/15:8 eVMCS version, 17 direct
 * flush, 19 MSR bitmap).
 */
static const LeafCase leaf_cases[] = {
    { "hv-relaxed", 0x40000005, MSHV, 0x20, 0, 0x20, 0xffffffff, 0, DEFVER },
    { "hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct",
      0x40000005, MSHV, 0x26e, 0x80000, 0x20, 0xffffffff, 0, DEFVER },
    { "hv-vpindex,hv-time,hv-synic,hv-stimer",
      0x40000005, MSHV, 0x26e, 0, 0, 0xffffffff, 0, DEFVER },
    { "hv-vapic,hv-crash,hv-reset,hv-runtime,hv-frequencies,hv-reenlightenment",
      0x40000005, MSHV, 0x28b1, 0x500, 0x8, 0xffffffff, 0, DEFVER },
    { "hv-vpindex,hv-tlbflush,hv-ipi,hv-spinlocks=0x1fff,"
      "hv-no-nonarch-coresharing=on",
      0x40000005, MSHV, 0x60, 0, 0x40c06, 0x1fff, 0, DEFVER },
    { "hv-vpindex,hv-tlbflush,hv-tlbflush-ext,hv-xmm-input,hv-avic",
      0x40000005, MSHV, 0x60, 0x4010, 0xa06, 0xffffffff, 0, DEFVER },
    { "hv-vapic,hv-evmcs,hv-tlbflush-direct,hv-emsr-bitmap",
      0x4000000a, MSHV, 0x30, 0, 0x4008, 0xffffffff, 0xa0701, DEFVER },
    { "hv-relaxed,hv-vendor-id=KiteHyperV,hv-spinlocks=0x10",
      0x40000005, { 0x6574694b, 0x65707948, 0x00005672 },
      0x20, 0, 0x20, 0xfff, 0, DEFVER },
    { "hv-relaxed,hv-version-id-build=1,hv-version-id-major=2,"
      "hv-version-id-minor=3,hv-version-id-spack=4,hv-version-id-sbranch=5,"
      "hv-version-id-snumber=6",
      0x40000005, MSHV, 0x20, 0, 0x20, 0xffffffff, 0,
      { 1, 0x00020003, 4, 0x05000006 } },
    { "hv-relaxed,hv-no-nonarch-coresharing=auto",   /* auto w/o kernel: off */
      0x40000005, MSHV, 0x20, 0, 0x20, 0xffffffff, 0, DEFVER },
};

static void parse_flags(HypervConfig *cfg, const char *flags)
{
    g_auto(GStrv) list = g_strsplit(flags, ",", -1);

    hyperv_config_init(cfg);
    for (char **f = list; *f; f++) {
        char *eq = strchr(*f, '=');
        g_autofree char *name = eq ? g_strndup(*f, eq - *f) : g_strdup(*f);

        g_assert_true(hyperv_parse_option(cfg, name, eq ? eq + 1 : NULL, NULL));
    }
}

static const struct kvm_cpuid_entry2 *leaf(const HypervLeaves *l, uint32_t fn)
{
    for (unsigned i = 0; i < l->n; i++) {
        if (l->e[i].function == fn) {
            return &l->e[i];
        }
    }
    return NULL;
}

static void test_leaves(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(leaf_cases); i++) {
        const LeafCase *c = &leaf_cases[i];
        HypervConfig cfg;
        HypervLeaves l;
        const struct kvm_cpuid_entry2 *e;

        g_test_message("flags: %s", c->flags);
        parse_flags(&cfg, c->flags);
        g_assert_true(hyperv_check_dependencies(&cfg, NULL));
        cfg.evmcs_version = 0x0701;   /* what KVM reports for eVMCS 1.7 */
        hyperv_build_leaves(&cfg, 2, &l);

        e = leaf(&l, 0x40000000);
        g_assert_nonnull(e);
        g_assert_cmphex(e->eax, ==, c->max_leaf);
        g_assert_cmphex(e->ebx, ==, c->vendor[0]);
        g_assert_cmphex(e->ecx, ==, c->vendor[1]);
        g_assert_cmphex(e->edx, ==, c->vendor[2]);
        e = leaf(&l, 0x40000001);
        g_assert_cmphex(e->eax, ==, 0x31237648);   /* "Hv#1" */
        g_assert_cmphex(e->ebx | e->ecx | e->edx, ==, 0);
        e = leaf(&l, 0x40000002);
        g_assert_cmphex(e->eax, ==, c->version[0]);
        g_assert_cmphex(e->ebx, ==, c->version[1]);
        g_assert_cmphex(e->ecx, ==, c->version[2]);
        g_assert_cmphex(e->edx, ==, c->version[3]);
        e = leaf(&l, 0x40000003);
        g_assert_cmphex(e->eax, ==, c->priv_eax);
        g_assert_cmphex(e->ebx, ==, 0);
        g_assert_cmphex(e->edx, ==, c->feat_edx);
        e = leaf(&l, 0x40000004);
        g_assert_cmphex(e->eax, ==, c->recomm_eax);
        g_assert_cmphex(e->ebx, ==, c->spinlocks);
        e = leaf(&l, 0x40000005);
        g_assert_cmphex(e->eax, ==, 2);
        e = leaf(&l, 0x4000000a);
        if (c->max_leaf == 0x4000000a) {
            g_assert_nonnull(e);
            g_assert_cmphex(e->eax, ==, c->nested_eax);
            for (uint32_t fn = 0x40000006; fn < 0x4000000a; fn++) {
                g_assert_nonnull(leaf(&l, fn));
            }
        } else {
            g_assert_null(e);
            g_assert_cmpuint(l.n, ==, 6);
        }
    }
}

/* A KVM_GET_SUPPORTED_CPUID-like table with KVM's signature leaves. */
static struct kvm_cpuid2 *kvm_table(void)
{
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + 4 * sizeof(c->entries[0]));

    c->nent = 4;
    c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
    c->entries[1] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 1u << 31 };
    c->entries[2] = (struct kvm_cpuid_entry2){
        .function = 0x40000000, .eax = 0x40000001,
        .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };   /* KVMKVMKVM */
    c->entries[3] = (struct kvm_cpuid_entry2){
        .function = 0x40000001, .eax = 0x01000001 };
    return c;
}

static void test_merge_kvm_leaves(void)
{
    g_autofree struct kvm_cpuid2 *in = kvm_table();
    HypervConfig cfg;
    const struct kvm_cpuid_entry2 *e;

    /* No enlightenment, kvm=on: KVM's leaves stay where they are. */
    hyperv_config_init(&cfg);
    {
        g_autofree struct kvm_cpuid2 *out = hyperv_merge_cpuid(&cfg, in, 1);
        g_assert_cmpuint(out->nent, ==, 4);
        e = hyperv_cpuid_find(out, 0x40000000);
        g_assert_cmphex(e->ebx, ==, 0x4b4d564b);
        g_assert_null(hyperv_cpuid_find(out, 0x40000100));
    }
    /* No enlightenment, kvm=off: no hypervisor leaves at all. */
    g_assert_true(hyperv_parse_option(&cfg, "kvm", "off", NULL));
    {
        g_autofree struct kvm_cpuid2 *out = hyperv_merge_cpuid(&cfg, in, 1);
        g_assert_cmpuint(out->nent, ==, 2);
        g_assert_null(hyperv_cpuid_find(out, 0x40000000));
        g_assert_null(hyperv_cpuid_find(out, 0x40000001));
        g_assert_nonnull(hyperv_cpuid_find(out, 1));
    }
    /* Hyper-V on, kvm=on: KVM moves to 0x40000100, max leaf moved too. */
    parse_flags(&cfg, "hv-relaxed");
    {
        g_autofree struct kvm_cpuid2 *out = hyperv_merge_cpuid(&cfg, in, 1);
        g_assert_cmpuint(out->nent, ==, 4 + 6);
        e = hyperv_cpuid_find(out, 0x40000000);
        g_assert_cmphex(e->ebx, ==, 0x7263694d);
        e = hyperv_cpuid_find(out, 0x40000100);
        g_assert_nonnull(e);
        g_assert_cmphex(e->eax, ==, 0x40000101);
        g_assert_cmphex(e->ebx, ==, 0x4b4d564b);
        e = hyperv_cpuid_find(out, 0x40000101);
        g_assert_cmphex(e->eax, ==, 0x01000001);
    }
    /* Hyper-V on, kvm=off: only Hyper-V. */
    g_assert_true(hyperv_parse_option(&cfg, "kvm", "off", NULL));
    {
        g_autofree struct kvm_cpuid2 *out = hyperv_merge_cpuid(&cfg, in, 1);
        g_assert_cmpuint(out->nent, ==, 2 + 6);
        g_assert_null(hyperv_cpuid_find(out, 0x40000100));
        g_assert_null(hyperv_cpuid_find(out, 0x40000101));
        e = hyperv_cpuid_find(out, 0x40000001);
        g_assert_cmphex(e->eax, ==, 0x31237648);
    }
}

/* ---- the kernel's answer ---- */

/* What a recent KVM reports (bits as in the TLFS), minus @drop_edx. */
static struct kvm_cpuid2 *kernel_hv(uint32_t drop_priv, uint32_t drop_edx,
                                    uint32_t extra_recomm)
{
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + 6 * sizeof(c->entries[0]));

    c->nent = 6;
    c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0x40000000,
        .eax = 0x4000000a, .ebx = 0x7263694d, .ecx = 0x666f736f,
        .edx = 0x76482074 };
    c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x40000001,
        .eax = 0x31237648 };
    c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x40000003,
        .eax = 0x2aff & ~drop_priv, .edx = (0x80000 | 0x4000 | 0x500 | 0x10) &
                                            ~drop_edx };
    c->entries[3] = (struct kvm_cpuid_entry2){ .function = 0x40000004,
        .eax = 0x0e2e | extra_recomm, .ebx = 0xffffffff };
    c->entries[4] = (struct kvm_cpuid_entry2){ .function = 0x40000005,
        .eax = 1024 };
    c->entries[5] = (struct kvm_cpuid_entry2){ .function = 0x4000000a,
        .eax = 0xa0000 };
    return c;
}

static void test_kernel_support(void)
{
    g_autofree struct kvm_cpuid2 *full = kernel_hv(0, 0, 0);
    g_autofree struct kvm_cpuid2 *no_direct = kernel_hv(0, 1u << 19, 0);
    g_autofree struct kvm_cpuid2 *no_synic = kernel_hv(1u << 2, 0, 0);
    g_autofree struct kvm_cpuid2 *no_flush =
        g_memdup2(full, sizeof(*full) + 6 * sizeof(full->entries[0]));
    const char *linux_set = "hv-relaxed,hv-vpindex,hv-time,hv-synic,"
                            "hv-stimer,hv-stimer-direct";
    HypervConfig cfg;
    g_autoptr(GError) err = NULL;

    no_flush->entries[3].eax &= ~(1u << 2);
    parse_flags(&cfg, linux_set);
    g_assert_true(hyperv_apply_kernel_support(&cfg, full, NULL));
    parse_flags(&cfg, linux_set);
    g_assert_false(hyperv_apply_kernel_support(&cfg, no_direct, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V direct mode synthetic timers "
                    "(hv-stimer-direct) is not supported by kernel");
    g_clear_error(&err);
    parse_flags(&cfg, linux_set);
    g_assert_false(hyperv_apply_kernel_support(&cfg, no_synic, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V synthetic interrupt "
                    "controller (hv-synic) is not supported by kernel");
    g_clear_error(&err);
    /* A recommendation that needs kernel help (remote flush hypercalls). */
    parse_flags(&cfg, "hv-vpindex,hv-tlbflush");
    g_assert_false(hyperv_apply_kernel_support(&cfg, no_flush, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V TLB flush support "
                    "(hv-tlbflush) is not supported by kernel");
    g_clear_error(&err);
    /* Relaxed timing is advice only: fine whatever the kernel says. */
    parse_flags(&cfg, "hv-relaxed");
    g_assert_true(hyperv_apply_kernel_support(&cfg, no_flush, NULL));
}

static void test_passthrough(void)
{
    g_autofree struct kvm_cpuid2 *full = kernel_hv(0, 0, 1u << 18);
    g_autofree struct kvm_cpuid2 *no_direct = kernel_hv(0, 1u << 19, 0);
    HypervConfig cfg;
    HypervLeaves l;
    uint64_t want = BIT(HV_RELAXED) | BIT(HV_VAPIC) | BIT(HV_TIME) |
        BIT(HV_CRASH) | BIT(HV_RESET) | BIT(HV_VPINDEX) | BIT(HV_RUNTIME) |
        BIT(HV_SYNIC) | BIT(HV_STIMER) | BIT(HV_FREQUENCIES) |
        BIT(HV_REENLIGHTENMENT) | BIT(HV_TLBFLUSH) | BIT(HV_IPI) |
        BIT(HV_STIMER_DIRECT) | BIT(HV_AVIC) | BIT(HV_XMM_INPUT) |
        BIT(HV_TLBFLUSH_EXT) | BIT(HV_TLBFLUSH_DIRECT) | BIT(HV_EMSR_BITMAP);

    parse_flags(&cfg, "hv-passthrough");
    g_assert_true(hyperv_apply_kernel_support(&cfg, full, NULL));
    g_assert_cmphex(cfg.on, ==, want);
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_ON);
    g_assert_true(hyperv_check_dependencies(&cfg, NULL));
    hyperv_build_leaves(&cfg, 1, &l);
    g_assert_cmphex(leaf(&l, 0x40000003)->eax, ==, 0x2aff);
    g_assert_cmphex(leaf(&l, 0x40000003)->edx, ==, 0x84510);

    /* An explicit off wins; what the kernel lacks stays off. */
    parse_flags(&cfg, "hv-passthrough,hv-crash=off");
    g_assert_true(hyperv_apply_kernel_support(&cfg, no_direct, NULL));
    g_assert_cmphex(cfg.on, ==,
                    want & ~BIT(HV_CRASH) & ~BIT(HV_STIMER_DIRECT));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_OFF);

    /* Turning off what others need is caught after expansion. */
    parse_flags(&cfg, "hv-passthrough,hv-vpindex=off");
    g_assert_true(hyperv_apply_kernel_support(&cfg, full, NULL));
    g_assert_false(hyperv_check_dependencies(&cfg, NULL));

    /* hv-no-nonarch-coresharing=auto follows the kernel. */
    parse_flags(&cfg, "hv-relaxed,hv-no-nonarch-coresharing=auto");
    g_assert_true(hyperv_apply_kernel_support(&cfg, full, NULL));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_ON);
    parse_flags(&cfg, "hv-relaxed,hv-no-nonarch-coresharing=auto");
    g_assert_true(hyperv_apply_kernel_support(&cfg, no_direct, NULL));
    g_assert_cmpint(cfg.no_nonarch_coresharing, ==, HV_OFF);
}

/* ---- the KVM side on the fake ioctl layer ---- */

typedef struct FakeKernel {
    struct kvm_cpuid2 *hv;       /* KVM_GET_SUPPORTED_HV_CPUID answer */
    unsigned min_nent;           /* E2BIG below this */
    int hv_fd;                   /* fd the query came on */
    unsigned hv_queries;
    int fail_cap;                /* KVM_ENABLE_CAP of this cap fails */
    struct kvm_cpuid2 *set_cpuid;/* last KVM_SET_CPUID2, whole */
    struct kvm_msrs *msrs;       /* last KVM_SET_MSRS, whole */
    unsigned msr_calls;
} FakeKernel;

static int fake_kernel(int fd, unsigned long req, void *arg, void *opaque)
{
    FakeKernel *k = opaque;

    if (req == KVM_GET_SUPPORTED_HV_CPUID) {
        struct kvm_cpuid2 *c = arg;

        k->hv_queries++;
        k->hv_fd = fd;
        if (c->nent < k->min_nent || c->nent < k->hv->nent) {
            errno = E2BIG;
            return -1;
        }
        c->nent = k->hv->nent;
        memcpy(c->entries, k->hv->entries, c->nent * sizeof(c->entries[0]));
        return 0;
    }
    if (req == KVM_GET_SUPPORTED_CPUID) {
        g_autofree struct kvm_cpuid2 *t = kvm_table();
        struct kvm_cpuid2 *c = arg;

        c->nent = t->nent;
        memcpy(c->entries, t->entries, t->nent * sizeof(t->entries[0]));
        return 0;
    }
    if (req == KVM_ENABLE_CAP) {
        struct kvm_enable_cap *ec = arg;

        if ((int)ec->cap == k->fail_cap) {
            errno = EINVAL;
            return -1;
        }
        if (ec->cap == KVM_CAP_HYPERV_ENLIGHTENED_VMCS) {
            *(uint16_t *)(uintptr_t)ec->args[0] = 0x0701;
        }
        return 0;
    }
    if (req == KVM_SET_CPUID2) {
        struct kvm_cpuid2 *c = arg;

        g_free(k->set_cpuid);
        k->set_cpuid = g_memdup2(c, sizeof(*c) + c->nent * sizeof(c->entries[0]));
        return 0;
    }
    if (req == KVM_SET_MSRS) {
        struct kvm_msrs *m = arg;

        k->msr_calls++;
        g_free(k->msrs);
        k->msrs = g_memdup2(m, sizeof(*m) + m->nmsrs * sizeof(m->entries[0]));
        return m->nmsrs;
    }
    return KVM_FAKE_UNHANDLED;
}

typedef struct Fixture {
    FakeKernel k;
    int sys_fd, vm_fd, vcpu_fd;
} Fixture;

static void fixture_up(Fixture *f, struct kvm_cpuid2 *hv)
{
    memset(f, 0, sizeof(*f));
    f->k.hv = hv;
    f->k.fail_cap = -1;
    kvm_fake_install();
    kvm_fake_set_handler(fake_kernel, &f->k);
    f->sys_fd = kvm_open("/dev/kvm", O_RDWR);
    g_assert_cmpint(f->sys_fd, >=, 0);
    f->vm_fd = kvm_ioctl_int(f->sys_fd, KVM_CREATE_VM, 0);
    g_assert_cmpint(f->vm_fd, >=, 0);
    f->vcpu_fd = kvm_ioctl_int(f->vm_fd, KVM_CREATE_VCPU, 0);
    g_assert_cmpint(f->vcpu_fd, >=, 0);
    kvm_fake_clear_calls();
}

static void fixture_down(Fixture *f)
{
    kvm_close(f->vcpu_fd);
    kvm_close(f->vm_fd);
    kvm_close(f->sys_fd);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();
    g_free(f->k.set_cpuid);
    g_free(f->k.msrs);
}

/* Capabilities enabled on @fd, in order. */
static GArray *enabled_caps(int fd)
{
    GArray *a = g_array_new(false, false, sizeof(uint32_t));

    for (unsigned i = 0; i < kvm_fake_ncalls(); i++) {
        const KvmFakeCall *c = kvm_fake_call(i);

        if (c->op == KVM_FAKE_IOCTL && c->req == KVM_ENABLE_CAP &&
            c->fd == fd && c->result == 0) {
            const struct kvm_enable_cap *ec = c->arg;
            g_array_append_val(a, ec->cap);
        }
    }
    return a;
}

static void test_kvm_synic_enable(void)
{
    g_autofree struct kvm_cpuid2 *hv = kernel_hv(0, 0, 0);
    g_autofree struct kvm_cpuid2 *cpuid = kvm_table();
    Fixture f;
    HypervConfig cfg;
    HypervVcpu *state = NULL;
    g_autoptr(GArray) caps = NULL;
    const struct kvm_cpuid_entry2 *e;

    fixture_up(&f, hv);
    f.k.min_nent = 40;        /* two E2BIG answers before it fits */
    parse_flags(&cfg, "hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,"
                "hv-stimer-direct,hv-enforce-cpuid,kvm=off");
    g_assert_true(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 2,
                                        &cpuid, &state, NULL));
    g_assert_nonnull(state);
    g_assert_cmpuint(f.k.hv_queries, ==, 3);      /* 16, 32, 64 entries */
    g_assert_cmpint(f.k.hv_fd, ==, f.vcpu_fd);    /* no system-fd cap */
    caps = enabled_caps(f.vcpu_fd);
    g_assert_cmpuint(caps->len, ==, 2);
    g_assert_cmpuint(g_array_index(caps, uint32_t, 0), ==, 148);  /* SYNIC2 */
    g_assert_cmpuint(g_array_index(caps, uint32_t, 1), ==, 199);  /* ENFORCE */
    /* The vCPU's table now has Hyper-V at 0x40000000 and no KVM leaves. */
    e = hyperv_cpuid_find(cpuid, 0x40000003);
    g_assert_nonnull(e);
    g_assert_cmphex(e->eax, ==, 0x26e);
    g_assert_cmphex(e->edx, ==, 0x80000);
    g_assert_null(hyperv_cpuid_find(cpuid, 0x40000100));

    /* system_reset puts SynIC and the timers back. */
    qemu_system_reset();
    g_assert_cmpuint(f.k.msr_calls, ==, 1);
    {
        bool saw_scontrol = false, saw_sint = false, saw_stimer = false;

        for (unsigned i = 0; i < f.k.msrs->nmsrs; i++) {
            const struct kvm_msr_entry *m = &f.k.msrs->entries[i];

            saw_scontrol |= m->index == 0x40000080 && m->data == 0;
            saw_sint |= m->index == 0x40000092 && m->data == 1ull << 16;
            saw_stimer |= m->index == 0x400000b6 && m->data == 0;
        }
        g_assert_true(saw_scontrol && saw_sint && saw_stimer);
    }
    hyperv_kvm_vcpu_teardown(state);
    qemu_system_reset();
    g_assert_cmpuint(f.k.msr_calls, ==, 1);       /* hook gone */
    fixture_down(&f);
}

static void test_kvm_no_synic_no_caps(void)
{
    g_autofree struct kvm_cpuid2 *hv = kernel_hv(0, 0, 0);
    g_autofree struct kvm_cpuid2 *cpuid = kvm_table();
    Fixture f;
    HypervConfig cfg;
    HypervVcpu *state = NULL;
    g_autoptr(GArray) caps = NULL;

    fixture_up(&f, hv);
    kvm_fake_set_cap(KVM_CAP_SYS_HYPERV_CPUID, 1);
    parse_flags(&cfg, "hv-relaxed,hv-vpindex,hv-time");
    g_assert_true(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                        &cpuid, &state, NULL));
    g_assert_cmpint(f.k.hv_fd, ==, f.sys_fd);     /* system ioctl used */
    caps = enabled_caps(f.vcpu_fd);
    g_assert_cmpuint(caps->len, ==, 0);
    g_assert_nonnull(hyperv_cpuid_find(cpuid, 0x40000100));
    hyperv_kvm_vcpu_teardown(state);
    fixture_down(&f);
}

static void test_kvm_errors(void)
{
    g_autofree struct kvm_cpuid2 *hv = kernel_hv(0, 1u << 19, 0);
    g_autofree struct kvm_cpuid2 *cpuid = kvm_table();
    Fixture f;
    HypervConfig cfg;
    HypervVcpu *state = NULL;
    g_autoptr(GError) err = NULL;

    fixture_up(&f, hv);
    /* The kernel cannot do direct mode. */
    parse_flags(&cfg, "hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct");
    g_assert_false(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                         &cpuid, &state, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V direct mode synthetic timers "
                    "(hv-stimer-direct) is not supported by kernel");
    g_assert_null(state);
    g_assert_cmpuint(cpuid->nent, ==, 4);         /* untouched */
    g_clear_error(&err);
    /* SynIC2 refused. */
    f.k.fail_cap = KVM_CAP_HYPERV_SYNIC2;
    parse_flags(&cfg, "hv-vpindex,hv-synic");
    g_assert_false(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                         &cpuid, &state, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V synthetic interrupt "
                    "controller (hv-synic) is not supported by kernel");
    g_clear_error(&err);
    /* Enforcement refused. */
    f.k.fail_cap = KVM_CAP_HYPERV_ENFORCE_CPUID;
    parse_flags(&cfg, "hv-relaxed,hv-enforce-cpuid");
    g_assert_false(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                         &cpuid, &state, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V CPUID enforcement "
                    "(hv-enforce-cpuid) is not supported by kernel");
    g_clear_error(&err);
    /* eVMCS refused (an AMD host). */
    f.k.fail_cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS;
    parse_flags(&cfg, "hv-vapic,hv-evmcs");
    g_assert_false(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                         &cpuid, &state, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V enlightened VMCS (hv-evmcs) "
                    "is not supported by kernel");
    g_clear_error(&err);
    /* No KVM_GET_SUPPORTED_HV_CPUID at all (old kernel). */
    f.k.fail_cap = -1;
    kvm_fake_fail_next(KVM_GET_SUPPORTED_HV_CPUID, EINVAL);
    parse_flags(&cfg, "hv-relaxed");
    g_assert_false(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                         &cpuid, &state, &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V relaxed timing (hv-relaxed) "
                    "is not supported by kernel");
    g_clear_error(&err);
    /* eVMCS accepted: its version lands in 0x4000000A. */
    parse_flags(&cfg, "hv-vapic,hv-evmcs");
    hv->entries[3].eax |= 1u << 14;
    g_assert_true(hyperv_kvm_vcpu_setup(&cfg, f.sys_fd, f.vcpu_fd, 1,
                                        &cpuid, &state, NULL));
    g_assert_cmphex(hyperv_cpuid_find(cpuid, 0x4000000a)->eax, ==, 0x0701);
    hyperv_kvm_vcpu_teardown(state);
    fixture_down(&f);
}

/* The accelerator's vCPU creation with a real x86 CPU object: the hook in
 * target/i386/kvm.c hands the CPU's -cpu settings to this module. */
static void test_kvm_vcpu_create_hook(void)
{
    g_autofree struct kvm_cpuid2 *hv = kernel_hv(0, 0, 0);
    FakeKernel k = { .hv = hv, .fail_cap = -1 };
    Object *obj;
    KVMState *s;
    KvmVcpu *v;
    g_autoptr(GError) err = NULL;

    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 8);
    kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, 32);
    kvm_fake_set_handler(fake_kernel, &k);
    obj = object_new("qemu64-" TYPE_X86_CPU);
    g_assert_true(x86_cpu_parse_features(CPU(obj), "hv_relaxed,hv-vpindex,"
                  "hv-time,hv-synic=on,hv-stimer,hv-stimer-direct", NULL));
    s = kvm_vm_create(1, &err);
    g_assert_no_error(err);
    v = kvm_vcpu_create(s, CPU(obj), 0, false, &err);
    g_assert_no_error(err);
    g_assert_nonnull(v);
    g_assert_nonnull(k.set_cpuid);
    g_assert_cmphex(hyperv_cpuid_find(k.set_cpuid, 0x40000003)->edx, ==,
                    0x80000);
    g_assert_cmphex(hyperv_cpuid_find(k.set_cpuid, 0x40000100)->ebx, ==,
                    0x4b4d564b);
    g_assert_cmpuint(kvm_fake_count(KVM_ENABLE_CAP), ==, 1);
    kvm_vcpu_destroy(v);

    /* A flag the kernel lacks fails vCPU creation with the message. */
    hv->entries[2].edx &= ~(1u << 19);
    v = kvm_vcpu_create(s, CPU(obj), 0, false, &err);
    g_assert_null(v);
    g_assert_cmpstr(err->message, ==, "Hyper-V direct mode synthetic timers "
                    "(hv-stimer-direct) is not supported by kernel");
    kvm_vm_destroy(s);
    object_unref(obj);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();
    g_free(k.set_cpuid);
    g_free(k.msrs);
}

/* ---- the CPU object's view ---- */

static void test_cpu_properties(void)
{
    Object *obj = object_new("max-" TYPE_X86_CPU);
    g_autoptr(GError) err = NULL;
    json_t *j;

    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        j = object_property_get_json(obj, hyperv_features[i].name, &err);
        g_assert_no_error(err);
        g_assert_true(json_is_false(j));
        json_decref(j);
    }
    j = object_property_get_json(obj, "hv-spinlocks", NULL);
    g_assert_cmpint(json_integer_value(j), ==, 0xffffffff);
    json_decref(j);
    j = object_property_get_json(obj, "hv-vendor-id", NULL);
    g_assert_cmpstr(json_string_value(j), ==, "Microsoft Hv");
    json_decref(j);
    j = object_property_get_json(obj, "hv-no-nonarch-coresharing", NULL);
    g_assert_cmpstr(json_string_value(j), ==, "off");
    json_decref(j);
    j = object_property_get_json(obj, "kvm", NULL);
    g_assert_true(json_is_true(j));
    json_decref(j);

    g_assert_true(x86_cpu_parse_features(CPU(obj), "hv_stimer_direct=off,"
        "hv-vpindex,hv-synic,hv-time,hv-stimer,hv-spinlocks=0x1fff,"
        "hv-no-nonarch-coresharing=auto,kvm=off", &err));
    g_assert_no_error(err);
    j = object_property_get_json(obj, "hv-stimer", NULL);
    g_assert_true(json_is_true(j));
    json_decref(j);
    j = object_property_get_json(obj, "hv-stimer-direct", NULL);
    g_assert_true(json_is_false(j));
    json_decref(j);
    j = object_property_get_json(obj, "hv-spinlocks", NULL);
    g_assert_cmpint(json_integer_value(j), ==, 0x1fff);
    json_decref(j);
    j = object_property_get_json(obj, "hv-no-nonarch-coresharing", NULL);
    g_assert_cmpstr(json_string_value(j), ==, "auto");
    json_decref(j);
    j = object_property_get_json(obj, "kvm", NULL);
    g_assert_true(json_is_false(j));
    json_decref(j);

    /* qom-set style, validated like -cpu. */
    g_assert_true(object_property_parse(obj, "hv-relaxed", "on", NULL));
    j = object_property_get_json(obj, "hv-relaxed", NULL);
    g_assert_true(json_is_true(j));
    json_decref(j);
    g_assert_false(object_property_parse(obj, "hv-no-nonarch-coresharing",
                                         "sometimes", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    /* The rules are checked when -cpu is parsed, whatever the accelerator. */
    g_assert_false(x86_cpu_parse_features(CPU(obj), "hv-synic,hv-vpindex=off",
                                          &err));
    g_assert_cmpstr(err->message, ==, "Hyper-V synthetic interrupt controller "
                    "(hv-synic) requires Hyper-V VP_INDEX MSR (hv-vpindex)");
    object_unref(obj);
}

static void test_help(void)
{
    g_autoptr(GString) s = g_string_new("");

    hyperv_print_help(s);
    for (int i = 0; i < HV_FEATURE_COUNT; i++) {
        g_autofree char *want = g_strdup_printf("  %s=<bool>",
                                                hyperv_features[i].name);
        g_assert_nonnull(strstr(s->str, want));
    }
    g_assert_nonnull(strstr(s->str, "hv-spinlocks=<uint32>"));
    g_assert_nonnull(strstr(s->str, "hv-vendor-id=<str>"));
    g_assert_nonnull(strstr(s->str, "hv-no-nonarch-coresharing=<OnOffAuto>"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hyperv/parse/every-flag", test_parse_every_flag);
    g_test_add_func("/hyperv/parse/bad-values", test_parse_bad_values);
    g_test_add_func("/hyperv/parse/values", test_parse_values);
    g_test_add_func("/hyperv/dependencies", test_dependencies);
    g_test_add_func("/hyperv/cpuid/leaves", test_leaves);
    g_test_add_func("/hyperv/cpuid/kvm-leaves", test_merge_kvm_leaves);
    g_test_add_func("/hyperv/kernel/support", test_kernel_support);
    g_test_add_func("/hyperv/kernel/passthrough", test_passthrough);
    g_test_add_func("/hyperv/kvm/synic-enable", test_kvm_synic_enable);
    g_test_add_func("/hyperv/kvm/no-synic", test_kvm_no_synic_no_caps);
    g_test_add_func("/hyperv/kvm/errors", test_kvm_errors);
    g_test_add_func("/hyperv/kvm/vcpu-create-hook", test_kvm_vcpu_create_hook);
    g_test_add_func("/hyperv/cpu/properties", test_cpu_properties);
    g_test_add_func("/hyperv/cpu/help", test_help);
    return g_test_run();
}
