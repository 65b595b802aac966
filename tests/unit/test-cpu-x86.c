/*
 * The x86 CPUID builder (target/i386/cpuid-build.c) against a fake
 * KVM_GET_SUPPORTED_CPUID table of an AMD host, and -cpu feature parsing.
 */
#include "../../target/i386/cpuid-build.h"
#include "../../target/i386/cpuid-flags.h"
#include "kite/i386/hyperv.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX of the fake host: every bit but 10, 20 and 30 (reserved). */
#define HOST_1_EDX (0xbffffbffu & ~BIT(20))
#define HOST_1_ECX (BIT(0) | BIT(1) | BIT(3) | BIT(9) | BIT(12) | BIT(13) | \
                    BIT(19) | BIT(20) | BIT(21) | BIT(22) | BIT(23) | \
                    BIT(25) | BIT(26) | BIT(28) | BIT(29) | BIT(30))
#define HOST_7_EBX (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(16) | \
                    BIT(18) | BIT(19) | BIT(20))
#define HOST_KVM_EAX (BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
                      BIT(7) | BIT(9) | BIT(15) | BIT(24))
#define HOST_E1_ECX (BIT(0) | BIT(1) | BIT(2) | BIT(5) | BIT(6) | BIT(8))
#define HOST_E1_EDX (BIT(11) | BIT(20) | BIT(22) | BIT(26) | BIT(27) | \
                     BIT(29) | (HOST_1_EDX & 0x0183f3ffu))

typedef struct kvm_cpuid_entry2 Entry;

static Entry ent(uint32_t fn, uint32_t idx, bool indexed, uint32_t a,
                 uint32_t b, uint32_t c, uint32_t d)
{
    return (Entry) {
        .function = fn, .index = idx,
        .flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
        .eax = a, .ebx = b, .ecx = c, .edx = d,
    };
}

/* What KVM on an AMD host (family 0x19) might report. */
static struct kvm_cpuid2 *fake_supported(void)
{
    const Entry e[] = {
        ent(0, 0, false, 0x10, 0x68747541, 0x444d4163, 0x69746e65),
        ent(1, 0, false, 0x00a00f11, 0x00000800, HOST_1_ECX, HOST_1_EDX),
        ent(4, 0, true, 0x121, 0x01c0003f, 0x3f, 0),   /* L1d */
        ent(4, 1, true, 0x122, 0x01c0003f, 0x3f, 0),   /* L1i */
        ent(4, 2, true, 0x143, 0x01c0003f, 0x3ff, 0),  /* L2 */
        ent(4, 3, true, 0x163, 0x03c0003f, 0x3fff, 6), /* L3 */
        ent(4, 4, true, 0, 0, 0, 0),
        ent(6, 0, false, BIT(2), 0, 0, 0),
        ent(7, 0, true, 1, HOST_7_EBX, BIT(2) | BIT(9), BIT(4)),
        ent(7, 1, true, BIT(4), 0, 0, 0),
        ent(0xa, 0, false, 0x07300402, 0, 0, 0x603),   /* PMU v2 */
        ent(0xb, 0, true, 1, 2, 0x100, 0),
        ent(0xb, 1, true, 7, 64, 0x201, 0),
        ent(0xd, 0, true, 0xe7, 0x340, 0xa88, 0),
        ent(0xd, 1, true, 0xf, 0, 0, 0),
        ent(0xd, 2, true, 256, 576, 0, 0),
        ent(0xd, 5, true, 64, 832, 0, 0),
        ent(0xd, 6, true, 512, 896, 0, 0),
        ent(0xd, 7, true, 1024, 1408, 0, 0),
        ent(0x10, 0, false, 0, 0, 0, 0),
        ent(0x1f, 0, true, 1, 2, 0x100, 0),
        ent(0x40000000, 0, false, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d),
        ent(0x40000001, 0, false, HOST_KVM_EAX, 0, 0, 0),
        ent(0x80000000, 0, false, 0x80000021, 0x68747541, 0x444d4163,
            0x69746e65),
        ent(0x80000001, 0, false, 0x00a00f11, 0, HOST_E1_ECX, HOST_E1_EDX),
        ent(0x80000002, 0, false, 0x20444d41, 0x43595045, 0x6b614620, 0x65),
        ent(0x80000003, 0, false, 0, 0, 0, 0),
        ent(0x80000004, 0, false, 0, 0, 0, 0),
        ent(0x80000008, 0, false, 0x3030, BIT(12), 0x700f, 0),
        ent(0x8000000a, 0, false, 1, 0x8000, 0, BIT(0) | BIT(3)),
        ent(0x8000001e, 0, false, 3, 0x101, 0, 0),
    };
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + sizeof(e));

    c->nent = G_N_ELEMENTS(e);
    memcpy(c->entries, e, sizeof(e));
    return c;
}

static const X86CPUModel *model(const char *name)
{
    for (size_t i = 0; i < x86_cpu_models_count; i++) {
        if (!strcmp(x86_cpu_models[i].name, name)) {
            return &x86_cpu_models[i];
        }
    }
    g_assert_not_reached();
}

static const X86CpuTopology one_cpu = { 1, 1, 1 };

/* Build for @model_name with "k=v" settings (NULL-terminated). */
static struct kvm_cpuid2 *build_topo(const char *model_name,
                                     const X86CpuTopology *t, uint32_t apic,
                                     GError **errp, ...)
{
    g_autoptr(GHashTable) f = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                    g_free, g_free);
    g_autofree struct kvm_cpuid2 *sup = fake_supported();
    const char *kv;
    va_list ap;

    va_start(ap, errp);
    while ((kv = va_arg(ap, const char *))) {
        const char *eq = strchr(kv, '=');

        g_hash_table_replace(f, g_strndup(kv, eq - kv), g_strdup(eq + 1));
    }
    va_end(ap);
    return x86_cpuid_build(model(model_name), f, sup, t, apic, g_malloc0,
                           errp);
}

static struct kvm_cpuid2 *built(struct kvm_cpuid2 *c)
{
    g_assert_nonnull(c);
    return c;
}

#define build(m, ...) built(build_topo(m, &one_cpu, 0, NULL, __VA_ARGS__))

static const Entry *leaf(const struct kvm_cpuid2 *c, uint32_t fn,
                         uint32_t idx)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        const Entry *e = &c->entries[i];

        if (e->function == fn &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx)) {
            return e;
        }
    }
    return NULL;
}

static const Entry *must(const struct kvm_cpuid2 *c, uint32_t fn,
                         uint32_t idx)
{
    const Entry *e = leaf(c, fn, idx);

    if (!e) {
        g_error("leaf 0x%x.%u missing", fn, idx);
    }
    return e;
}

static void vendor_of(const struct kvm_cpuid2 *c, char out[13])
{
    const Entry *e = must(c, 0, 0);

    memcpy(out, &e->ebx, 4);
    memcpy(out + 4, &e->edx, 4);
    memcpy(out + 8, &e->ecx, 4);
    out[12] = 0;
}

static void brand_of(const struct kvm_cpuid2 *c, char out[49])
{
    for (int i = 0; i < 3; i++) {
        const Entry *e = must(c, 0x80000002 + i, 0);

        memcpy(out + 16 * i, &e->eax, 4);
        memcpy(out + 16 * i + 4, &e->ebx, 4);
        memcpy(out + 16 * i + 8, &e->ecx, 4);
        memcpy(out + 16 * i + 12, &e->edx, 4);
    }
    out[48] = 0;
}

static void test_host_passes_supported(void)
{
    g_autofree struct kvm_cpuid2 *c = build("host", NULL);
    char vendor[13];

    vendor_of(c, vendor);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    g_assert_cmphex(must(c, 0, 0)->eax, ==, 0x10);
    g_assert_cmphex(must(c, 1, 0)->eax, ==, 0x00a00f11);
    /* Plus the bits the VMM gives: hypervisor, TSC deadline. */
    g_assert_cmphex(must(c, 1, 0)->ecx, ==, HOST_1_ECX | BIT(31) | BIT(24));
    g_assert_cmphex(must(c, 1, 0)->edx, ==, HOST_1_EDX & ~BIT(28));
    g_assert_cmphex(must(c, 7, 0)->ebx, ==, HOST_7_EBX);
    g_assert_cmphex(must(c, 7, 1)->eax, ==, BIT(4));
    g_assert_cmphex(must(c, 0x40000001, 0)->eax, ==, HOST_KVM_EAX);
    g_assert_cmphex(must(c, 0x80000001, 0)->ecx, ==, HOST_E1_ECX);
    g_assert_cmphex(must(c, 0x8000000a, 0)->edx, ==, BIT(0) | BIT(3));
    g_assert_cmphex(must(c, 0xd, 0)->eax, ==, 0xe7);
    g_assert_cmphex(must(c, 0xd, 0)->ecx, ==, 1408 + 1024);
    g_assert_nonnull(leaf(c, 0x10, 0));
    g_assert_cmphex(must(c, 0xa, 0)->eax, ==, 0x07300402);
    /* One vCPU: no SMT/core levels beyond itself, no 0x1F. */
    g_assert_null(leaf(c, 0x1f, 0));
}

static void test_kvm64_model(void)
{
    g_autofree struct kvm_cpuid2 *c = build("kvm64", NULL);
    char vendor[13], brand[49];
    uint32_t edx1 = BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) |
                    BIT(6) | BIT(7) | BIT(8) | BIT(9) | BIT(11) | BIT(12) |
                    BIT(13) | BIT(14) | BIT(15) | BIT(16) | BIT(17) |
                    BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26);

    /* Under KVM QEMU shows the host's vendor for kvm64. */
    vendor_of(c, vendor);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    g_assert_cmphex(must(c, 1, 0)->eax, ==, 0xf61);   /* 15/6/1 */
    brand_of(c, brand);
    g_assert_cmpstr(brand, ==, "Common KVM processor");
    g_assert_cmphex(must(c, 0, 0)->eax, ==, 0xd);
    g_assert_cmphex(must(c, 0x80000000, 0)->eax, ==, 0x80000008);
    g_assert_null(leaf(c, 0x10, 0));
    g_assert_null(leaf(c, 0x8000000a, 0));
    g_assert_null(leaf(c, 0x8000001e, 0));
    g_assert_cmphex(must(c, 1, 0)->edx, ==, edx1);
    /* pni cx16 x2apic hypervisor; no SSSE3/AVX though the host has them. */
    g_assert_cmphex(must(c, 1, 0)->ecx, ==, BIT(0) | BIT(13) | BIT(21) |
                    BIT(31));
    g_assert_cmphex(must(c, 7, 0)->ebx, ==, 0);
    g_assert_cmphex(must(c, 7, 0)->ecx, ==, 0);
    g_assert_cmphex(must(c, 7, 1)->eax, ==, 0);
    g_assert_cmphex(must(c, 6, 0)->eax, ==, 0);
    g_assert_null(leaf(c, 0xd, 0));         /* no xsave in kvm64 */
    g_assert_null(leaf(c, 0xa, 0));         /* pmu=off by default */
    g_assert_cmphex(must(c, 0x80000001, 0)->ecx, ==, 0);
    /* syscall nx lm, and leaf 1's aliases as AMD parts have them. */
    g_assert_cmphex(must(c, 0x80000001, 0)->edx, ==,
                    BIT(11) | BIT(20) | BIT(29) | (edx1 & 0x0183f3ff));
    /* QEMU's KVM defaults, without pv-unhalt and pv-tlb-flush. */
    g_assert_cmphex(must(c, 0x40000001, 0)->eax, ==,
                    BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) |
                    BIT(15) | BIT(24));
}

static void test_qemu64_model(void)
{
    g_autofree struct kvm_cpuid2 *c = build("qemu64", NULL);
    char brand[49];

    g_assert_cmphex(must(c, 1, 0)->eax, ==, 0x60fb1);   /* 15/107/1 */
    brand_of(c, brand);
    g_assert_cmpstr(brand, ==, "QEMU Virtual CPU version 2.5+");
    g_assert_cmphex(must(c, 0x80000000, 0)->eax, ==, 0x8000000a);
    g_assert_false(must(c, 1, 0)->edx & BIT(1));        /* no vme */
    /* lahf-lm on; svm off under KVM, so its leaf is empty. */
    g_assert_cmphex(must(c, 0x80000001, 0)->ecx, ==, BIT(0));
    g_assert_cmphex(must(c, 0x8000000a, 0)->edx, ==, 0);
    g_assert_cmphex(must(c, 0x8000000a, 0)->eax, ==, 0);
}

static void test_identity_settings(void)
{
    g_autofree struct kvm_cpuid2 *c = build("kvm64", "vendor=GenuineIntel",
                                            "family=25", "model=0x21",
                                            "stepping=2", "model-id=Kite test "
                                            "CPU with a long brand name here",
                                            "level=7", NULL);
    g_autofree struct kvm_cpuid2 *h = build("host", "family=6", NULL);
    char vendor[13], brand[49];

    vendor_of(c, vendor);
    g_assert_cmpstr(vendor, ==, "GenuineIntel");
    /* Family 25 = 0xf + ext 0xa; model 0x21 = ext 2, model 1. */
    g_assert_cmphex(must(c, 1, 0)->eax, ==, 0x00a20f12);
    brand_of(c, brand);
    g_assert_cmpstr(brand, ==, "Kite test CPU with a long brand name here");
    g_assert_cmphex(must(c, 0, 0)->eax, ==, 7);
    g_assert_null(leaf(c, 0xb, 0));
    /* Not AMD: no leaf-1 aliases in 0x80000001:EDX. */
    g_assert_cmphex(must(c, 0x80000001, 0)->edx, ==,
                    BIT(11) | BIT(20) | BIT(29));
    /* The host model keeps its model and stepping. */
    g_assert_cmphex(must(h, 1, 0)->eax, ==, 0x00000611 | (0 << 20));
}

static void test_flags_off(void)
{
    g_autofree struct kvm_cpuid2 *c = build("host", "avx=off", "sse4.2=off",
                                            "kvmclock=off", "hypervisor=off",
                                            NULL);
    g_autofree struct kvm_cpuid2 *x = build("host", "xsave=off", "pmu=off",
                                            NULL);
    g_autofree struct kvm_cpuid2 *p = build("kvm64", "pmu=on", NULL);

    g_assert_false(must(c, 1, 0)->ecx & BIT(28));
    g_assert_false(must(c, 1, 0)->ecx & BIT(20));
    g_assert_false(must(c, 1, 0)->ecx & BIT(31));
    g_assert_true(must(c, 1, 0)->ecx & BIT(19));
    g_assert_cmphex(must(c, 0x40000001, 0)->eax & (BIT(0) | BIT(3)), ==, 0);
    /* The AVX state component goes with AVX; AVX-512's stay. */
    g_assert_cmphex(must(c, 0xd, 0)->eax, ==, 0xe3);
    g_assert_cmphex(must(c, 0xd, 2)->eax, ==, 0);
    g_assert_cmphex(must(c, 0xd, 0)->ecx, ==, 1408 + 1024);
    g_assert_null(leaf(x, 0xd, 0));
    g_assert_null(leaf(x, 0xd, 1));
    g_assert_null(leaf(x, 0xa, 0));
    g_assert_nonnull(leaf(p, 0xa, 0));
}

static void test_flags_on(void)
{
    g_autofree struct kvm_cpuid2 *c = build("kvm64", "avx2=on", "ssse3=on",
                                            "xsave=on", "avx=on",
                                            "kvm-pv-unhalt=on", "svm=on",
                                            "x2apic=off", NULL);
    g_autoptr(GError) err = NULL;
    struct kvm_cpuid2 *bad;

    g_assert_cmphex(must(c, 7, 0)->ebx, ==, BIT(5));
    g_assert_cmphex(must(c, 1, 0)->ecx, ==,
                    BIT(0) | BIT(9) | BIT(13) | BIT(26) | BIT(28) | BIT(31));
    g_assert_true(must(c, 0x40000001, 0)->eax & BIT(7));
    g_assert_true(must(c, 0x80000001, 0)->ecx & BIT(2));
    /* XSAVE with AVX but not AVX-512: x87, SSE, AVX components. */
    g_assert_cmphex(must(c, 0xd, 0)->eax, ==, 0x7);
    g_assert_cmphex(must(c, 0xd, 0)->ecx, ==, 832);
    g_assert_cmphex(must(c, 0xd, 5)->eax, ==, 0);
    /* svm=on brings back its leaf; xlevel 0x80000008 drops it though. */
    g_assert_null(leaf(c, 0x8000000a, 0));

    /* A flag KVM lacks: left off (QEMU warns), an error with enforce. */
    bad = build_topo("kvm64", &one_cpu, 1, &err, "avx512vl=on", NULL);
    g_assert_no_error(err);
    g_assert_nonnull(bad);
    g_assert_false(must(bad, 7, 0)->ebx & BIT(31));
    g_free(bad);
    bad = build_topo("kvm64", &one_cpu, 0, &err, "avx512vl=on",
                     "enforce=on", NULL);
    g_assert_null(bad);
    g_assert_error(err, KITE_ERROR, KITE_ERROR_GENERIC);
    g_assert_cmpstr(err->message, ==, "host doesn't support requested "
                    "feature: CPUID.07H:EBX.avx512vl [bit 31]");
    g_clear_error(&err);
    bad = build_topo("host", &one_cpu, 0, &err, "kvm-pv-ipi=on",
                     "enforce=on", NULL);
    g_assert_null(bad);
    g_assert_cmpstr(err->message, ==, "host doesn't support requested "
                    "feature: CPUID.40000001H:EAX.kvm-pv-ipi [bit 11]");

    /* enforce=on: the model's flags must be there too.  The fake host
     * has everything kvm64 wants; without KVM's kvm-asyncpf it fails,
     * unless that flag is turned off. */
    g_clear_error(&err);
    {
        g_autofree struct kvm_cpuid2 *sup = fake_supported();
        g_autoptr(GHashTable) f = g_hash_table_new(g_str_hash, g_str_equal);
        g_autofree struct kvm_cpuid2 *ok = NULL;

        g_hash_table_insert(f, "enforce", "on");
        ok = x86_cpuid_build(model("kvm64"), f, sup, &one_cpu, 0, g_malloc0,
                             NULL);
        g_assert_nonnull(ok);
        for (uint32_t i = 0; i < sup->nent; i++) {
            if (sup->entries[i].function == 0x40000001) {
                sup->entries[i].eax &= ~BIT(4);
            }
        }
        g_assert_null(x86_cpuid_build(model("kvm64"), f, sup, &one_cpu, 0,
                                      g_malloc0, &err));
        g_assert_cmpstr(err->message, ==, "host doesn't support requested "
                        "feature: CPUID.40000001H:EAX.kvm-asyncpf [bit 4]");
        g_hash_table_insert(f, "kvm-asyncpf", "off");
        g_free(ok);
        ok = x86_cpuid_build(model("kvm64"), f, sup, &one_cpu, 0, g_malloc0,
                             NULL);
        g_assert_nonnull(ok);
    }
}

static void test_topology(void)
{
    const X86CpuTopology t = { .threads = 2, .cores = 4, .dies = 1 };
    g_autofree struct kvm_cpuid2 *c = built(build_topo("host", &t, 5,
                                                       NULL, NULL));
    g_autofree struct kvm_cpuid2 *k = built(build_topo("kvm64", &t, 3,
                                                       NULL, NULL));
    const Entry *e;

    e = must(c, 1, 0);
    g_assert_cmphex(e->ebx, ==, 0x05080800);
    g_assert_true(e->edx & BIT(28));
    /* L1d shared by the 2 threads of a core, L3 by all 8; 4 cores. */
    g_assert_cmphex(must(c, 4, 0)->eax, ==, 0x121 | (1 << 14) | (3 << 26));
    g_assert_cmphex(must(c, 4, 3)->eax, ==, 0x163 | (7 << 14) | (3 << 26));
    g_assert_cmphex(must(c, 4, 4)->eax, ==, 0);
    e = must(c, 0xb, 0);
    g_assert_cmphex(e->eax, ==, 1);
    g_assert_cmphex(e->ebx, ==, 2);
    g_assert_cmphex(e->ecx, ==, 0x100);
    g_assert_cmphex(e->edx, ==, 5);
    e = must(c, 0xb, 1);
    g_assert_cmphex(e->eax, ==, 3);
    g_assert_cmphex(e->ebx, ==, 8);
    g_assert_cmphex(e->ecx, ==, 0x201);
    g_assert_cmphex(e->edx, ==, 5);
    e = must(c, 0xb, 2);
    g_assert_cmphex(e->eax | e->ebx, ==, 0);
    g_assert_cmphex(e->ecx, ==, 2);
    g_assert_null(leaf(c, 0x1f, 0));
    /* AMD: 8 threads, 3 APIC id bits; 0x8000001E names core 2. */
    g_assert_cmphex(must(c, 0x80000008, 0)->ecx, ==, 0x3007);
    g_assert_cmphex(must(c, 0x8000001e, 0)->eax, ==, 5);
    g_assert_cmphex(must(c, 0x8000001e, 0)->ebx, ==, 0x102);
    /* The model's level 0xd still has leaf 0xB, with this APIC id. */
    g_assert_cmphex(must(k, 0xb, 1)->edx, ==, 3);
    g_assert_cmphex(must(k, 1, 0)->ebx >> 24, ==, 3);
}

static void test_topology_dies(void)
{
    const X86CpuTopology t = { .threads = 1, .cores = 3, .dies = 2 };
    g_autofree struct kvm_cpuid2 *c = built(build_topo("host", &t, 9,
                                                       NULL, NULL));

    g_assert_cmphex(must(c, 0, 0)->eax, ==, 0x1f);
    g_assert_cmphex(must(c, 0x1f, 0)->ecx, ==, 0x100);
    g_assert_cmphex(must(c, 0x1f, 1)->eax, ==, 2);
    g_assert_cmphex(must(c, 0x1f, 1)->ecx, ==, 0x201);
    g_assert_cmphex(must(c, 0x1f, 2)->eax, ==, 3);
    g_assert_cmphex(must(c, 0x1f, 2)->ebx, ==, 6);
    g_assert_cmphex(must(c, 0x1f, 2)->ecx, ==, 0x502);
    g_assert_cmphex(must(c, 0x1f, 3)->ecx, ==, 3);
    g_assert_cmphex(must(c, 0x1f, 3)->edx, ==, 9);
    g_assert_cmphex(must(c, 1, 0)->ebx >> 16, ==, 0x0906);
}

/* kvm=off: the KVM signature leaves are gone, the rest is untouched. */
static void test_kvm_off_hides_signature(void)
{
    g_autofree struct kvm_cpuid2 *c = build("qemu64", "kvm=off", NULL);
    g_autoptr(GHashTable) f = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree struct kvm_cpuid2 *m = NULL;
    HypervConfig cfg;

    g_hash_table_insert(f, "kvm", "off");
    g_assert_true(hyperv_config_from_features(&cfg, f, NULL));
    g_assert_nonnull(leaf(c, 0x40000000, 0));
    m = hyperv_merge_cpuid(&cfg, c, 1);
    g_assert_null(leaf(m, 0x40000000, 0));
    g_assert_null(leaf(m, 0x40000001, 0));
    g_assert_cmpuint(m->nent, ==, c->nent - 2);
}

/* Every table entry is a -cpu flag, and -flag clears exactly its bit. */
static void test_every_flag_clears_its_bit(void)
{
    g_autofree struct kvm_cpuid2 *all = fake_supported();

    /* A host that has every bit of every leaf the flags use. */
    all = g_realloc(all, sizeof(*all) +
                    (all->nent + x86_cpuid_flags_count) * sizeof(Entry));
    for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
        const X86CpuidFlag *f = &x86_cpuid_flags[i];

        all->entries[all->nent++] = ent(f->leaf, f->subleaf, true,
                                        ~0u, ~0u, ~0u, ~0u);
    }
    for (size_t i = 0; i < x86_cpuid_flags_count; i++) {
        const X86CpuidFlag *f = &x86_cpuid_flags[i];
        g_autoptr(GHashTable) set = g_hash_table_new(g_str_hash, g_str_equal);
        g_autofree struct kvm_cpuid2 *c = NULL;
        g_autofree char *canon = x86_cpuid_flag_canonical(f->name);
        bool listed = false;
        const Entry *e;
        uint32_t r[4];

        for (const char *const *n = x86_cpu_flag_names; *n; n++) {
            listed |= !strcmp(*n, f->name);
        }
        g_assert_true(listed);
        g_assert_cmpstr(canon, ==, f->name);
        g_hash_table_insert(set, (char *)f->name, "off");
        c = x86_cpuid_build(model("host"), set, all, &one_cpu, 0, g_malloc0,
                            NULL);
        g_assert_nonnull(c);
        e = leaf(c, f->leaf, f->subleaf);
        if (!e) {
            continue;   /* the whole leaf went with it (xsave, sgx...) */
        }
        memcpy(r, &e->eax, sizeof(r));
        if (r[f->reg] & BIT(f->bit)) {
            g_error("%s=off left CPUID.%x.%u reg %u bit %u set", f->name,
                    f->leaf, f->subleaf, f->reg, f->bit);
        }
    }
}

static void test_parse_spellings(void)
{
    Object *obj = object_new("kvm64-" TYPE_X86_CPU);
    X86CPU *cpu = X86_CPU(obj);

    g_assert_true(x86_cpu_parse_features(CPU(obj), "+sse4_1,sse4-2=on,"
                                         "lahf_lm=off,sse3,-xd,+i64,"
                                         "kvm_pv_unhalt=on,pclmuldq=off",
                                         NULL));
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "sse4.1"), ==, "on");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "sse4.2"), ==, "on");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "lahf-lm"), ==, "off");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "pni"), ==, "on");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "nx"), ==, "off");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "lm"), ==, "on");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "kvm-pv-unhalt"), ==, "on");
    g_assert_cmpstr(x86_cpu_feature_get(cpu, "pclmulqdq"), ==, "off");
    object_unref(obj);
}

static void expect_cpu_error(const char *features, const char *msg)
{
    Object *obj = object_new("kvm64-" TYPE_X86_CPU);
    g_autoptr(GError) err = NULL;

    g_assert_false(x86_cpu_parse_features(CPU(obj), features, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, msg);
    object_unref(obj);
}

/* Messages as Debian's QEMU 7.2 prints them for -cpu kvm64,... */
static void test_parse_errors(void)
{
    expect_cpu_error("+bogus", "Property 'kvm64-x86_64-cpu.bogus' not found");
    expect_cpu_error("bogus=on", "can't apply global kvm64-x86_64-cpu."
                     "bogus=on: Property 'kvm64-x86_64-cpu.bogus' not found");
    expect_cpu_error("avx=maybe", "can't apply global kvm64-x86_64-cpu."
                     "avx=maybe: Parameter 'avx' expects 'on' or 'off'");
    expect_cpu_error("family=abc", "can't apply global kvm64-x86_64-cpu."
                     "family=abc: Parameter 'family' expects int64");
    expect_cpu_error("family=999", "can't apply global kvm64-x86_64-cpu."
                     "family=999: Property .family doesn't take value 999 "
                     "(minimum: 0, maximum: 270)");
    expect_cpu_error("model=300", "can't apply global kvm64-x86_64-cpu."
                     "model=300: Property .model doesn't take value 300 "
                     "(minimum: 0, maximum: 255)");
    expect_cpu_error("stepping=20", "can't apply global kvm64-x86_64-cpu."
                     "stepping=20: Property .stepping doesn't take value 20 "
                     "(minimum: 0, maximum: 15)");
    expect_cpu_error("level=abc", "can't apply global kvm64-x86_64-cpu."
                     "level=abc: Parameter 'level' expects uint64");
    expect_cpu_error("xlevel=0x100000000", "can't apply global "
                     "kvm64-x86_64-cpu.xlevel=0x100000000: Parameter 'xlevel' "
                     "expects uint32_t");
    expect_cpu_error("vendor=abc", "can't apply global kvm64-x86_64-cpu."
                     "vendor=abc: Property '.vendor' doesn't take value "
                     "'abc'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-x86/host-passes-supported",
                    test_host_passes_supported);
    g_test_add_func("/cpu-x86/kvm64-model", test_kvm64_model);
    g_test_add_func("/cpu-x86/qemu64-model", test_qemu64_model);
    g_test_add_func("/cpu-x86/identity-settings", test_identity_settings);
    g_test_add_func("/cpu-x86/flags-off", test_flags_off);
    g_test_add_func("/cpu-x86/flags-on", test_flags_on);
    g_test_add_func("/cpu-x86/topology", test_topology);
    g_test_add_func("/cpu-x86/topology-dies", test_topology_dies);
    g_test_add_func("/cpu-x86/kvm-off-hides-signature",
                    test_kvm_off_hides_signature);
    g_test_add_func("/cpu-x86/every-flag-clears-its-bit",
                    test_every_flag_clears_its_bit);
    g_test_add_func("/cpu-x86/parse-spellings", test_parse_spellings);
    g_test_add_func("/cpu-x86/parse-errors", test_parse_errors);
    return g_test_run();
}
