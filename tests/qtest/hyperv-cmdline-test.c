/*
 * Hyper-V flags on Kite's command line: bad combinations stop Kite before
 * the VM starts with one line naming the rule and exit status 1;
 * `-cpu max,help` lists the hv options; qom-get on the CPU object shows
 * each hv flag as a property (under -accel qtest, so no KVM is needed).
 */
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "libqtest.h"

static const char *kite_binary(void)
{
    const char *b = g_getenv("QTEST_QEMU_BINARY");
    return b ? b : "./kite-system-x86_64";
}

typedef struct BadCase {
    const char *cpu;
    const char *msg;
} BadCase;

static const BadCase bad_cases[] = {
    { "max,hv-stimer",
      "Hyper-V synthetic timers (hv-stimer) requires Hyper-V synthetic "
      "interrupt controller (hv-synic)" },
    { "max,hv-vpindex,hv-synic,hv-stimer",
      "Hyper-V synthetic timers (hv-stimer) requires Hyper-V clocksources "
      "(hv-time)" },
    { "max,hv-stimer-direct",
      "Hyper-V direct mode synthetic timers (hv-stimer-direct) requires "
      "Hyper-V synthetic timers (hv-stimer)" },
    { "qemu64,hv_synic",
      "Hyper-V synthetic interrupt controller (hv-synic) requires Hyper-V "
      "VP_INDEX MSR (hv-vpindex)" },
    { "max,hv-vpindex,hv-synic,hv-vpindex=off",
      "Hyper-V synthetic interrupt controller (hv-synic) requires Hyper-V "
      "VP_INDEX MSR (hv-vpindex)" },
    { "max,hv-tlbflush",
      "Hyper-V TLB flush support (hv-tlbflush) requires Hyper-V VP_INDEX "
      "MSR (hv-vpindex)" },
    { "max,hv-ipi",
      "Hyper-V IPI send support (hv-ipi) requires Hyper-V VP_INDEX MSR "
      "(hv-vpindex)" },
    { "max,hv-evmcs",
      "Hyper-V enlightened VMCS (hv-evmcs) requires Hyper-V virtual APIC "
      "(hv-vapic)" },
    { "max,hv-relaxed=maybe", "Parameter 'hv-relaxed' expects 'on' or 'off'" },
    { "max,hv-spinlocks=lots", "Parameter 'hv-spinlocks' expects uint32_t" },
    { "max,hv-no-nonarch-coresharing=sometimes",
      "Parameter 'hv-no-nonarch-coresharing' does not accept value "
      "'sometimes'" },
    { "max,hv-vendor-id=MuchTooLongVendor",
      "Parameter 'hv-vendor-id' expects at most 12 characters" },
    { "max,kvm=maybe", "Parameter 'kvm' expects 'on' or 'off'" },
};

static void test_bad_combination(const void *data)
{
    const BadCase *c = data;
    const char *argv[] = {
        kite_binary(), "-accel", "qtest", "-M", "microvm", "-display",
        "none", "-nodefaults", "-cpu", c->cpu, NULL,
    };
    g_autofree char *err = NULL;
    g_autofree char *want = g_strdup_printf(": %s\n", c->msg);
    int status;

    g_assert_true(kite_run_cmdline(argv, &status, &err));
    g_assert_cmpint(status, ==, 1);
    /* One line, naming the option and the rule. */
    g_assert_nonnull(strchr(err, '\n'));
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
    g_assert_true(g_str_has_suffix(err, want));
    g_assert_nonnull(strstr(err, c->cpu));
}

static void test_cpu_help(void)
{
    const char *argv[] = { kite_binary(), "-cpu", "max,help", NULL };
    static const char *const names[] = {
        "hv-relaxed", "hv-vapic", "hv-spinlocks", "hv-vpindex", "hv-runtime",
        "hv-crash", "hv-time", "hv-synic", "hv-stimer", "hv-stimer-direct",
        "hv-reset", "hv-frequencies", "hv-reenlightenment", "hv-tlbflush",
        "hv-ipi", "hv-vendor-id", "hv-no-nonarch-coresharing",
        "hv-enforce-cpuid", "hv-passthrough", "kvm",
    };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_true(kite_run_cmdline_full(argv, &status, &out, &err));
    g_assert_cmpint(status, ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *want = g_strdup_printf("\n  %s=<", names[i]);
        g_test_message("looking for %s", names[i]);
        g_assert_nonnull(strstr(out, want));
    }
}

static json_t *qom_get(QTestState *qts, const char *prop)
{
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': '/machine/unattached/device[0]', "
                          "'property': %s}}", prop);
    json_t *ret = json_object_get(r, "return");

    g_assert_nonnull(ret);
    json_incref(ret);
    json_decref(r);
    return ret;
}

static void expect_bool(QTestState *qts, const char *prop, bool want)
{
    json_t *v = qom_get(qts, prop);

    g_test_message("%s", prop);
    g_assert_true(json_is_boolean(v));
    g_assert_cmpint(json_is_true(v), ==, want);
    json_decref(v);
}

static void test_qom_get(void)
{
    QTestState *qts = qtest_init(
        "-M microvm -cpu max,hv-relaxed,hv_vpindex,hv-time,hv-synic=on,"
        "hv-stimer,hv-stimer-direct=off,hv-spinlocks=0x2000,"
        "hv-vendor-id=KiteHv,hv-no-nonarch-coresharing=auto,kvm=off");
    static const char *const off[] = {
        "hv-vapic", "hv-crash", "hv-reset", "hv-runtime", "hv-frequencies",
        "hv-reenlightenment", "hv-tlbflush", "hv-ipi", "hv-stimer-direct",
        "hv-passthrough", "hv-enforce-cpuid",
    };
    json_t *v;

    expect_bool(qts, "hv-relaxed", true);
    expect_bool(qts, "hv-vpindex", true);
    expect_bool(qts, "hv-time", true);
    expect_bool(qts, "hv-synic", true);
    expect_bool(qts, "hv-stimer", true);
    expect_bool(qts, "kvm", false);
    for (size_t i = 0; i < G_N_ELEMENTS(off); i++) {
        expect_bool(qts, off[i], false);
    }
    v = qom_get(qts, "hv-spinlocks");
    g_assert_cmpint(json_integer_value(v), ==, 0x2000);
    json_decref(v);
    v = qom_get(qts, "hv-vendor-id");
    g_assert_cmpstr(json_string_value(v), ==, "KiteHv");
    json_decref(v);
    v = qom_get(qts, "hv-no-nonarch-coresharing");
    g_assert_cmpstr(json_string_value(v), ==, "auto");
    json_decref(v);
    qtest_quit(qts);
}

static void test_qom_defaults(void)
{
    QTestState *qts = qtest_init("-M microvm -cpu qemu64");
    json_t *v;

    expect_bool(qts, "hv-relaxed", false);
    expect_bool(qts, "hv-stimer-direct", false);
    expect_bool(qts, "kvm", true);
    v = qom_get(qts, "hv-spinlocks");
    g_assert_cmpint(json_integer_value(v), ==, 0xffffffff);
    json_decref(v);
    v = qom_get(qts, "hv-vendor-id");
    g_assert_cmpstr(json_string_value(v), ==, "Microsoft Hv");
    json_decref(v);
    qtest_quit(qts);
}

/*
 * Some Hyper-V test programs poke a test device that may not exist:
 * writes to unassigned ports and MMIO are dropped, port reads give all
 * ones, * and the VM keeps running.
 */
static void test_unassigned_io_ignored(void)
{
    QTestState *qts = qtest_init("-M microvm -cpu max,hv-relaxed");
    json_t *r;

    qtest_outb(qts, 0x3f8 + 0x100, 0x5a);       /* no device at 0x4f8 */
    qtest_outb(qts, 0xe0, 0x01);
    g_assert_cmphex(qtest_inb(qts, 0xe0), ==, 0xff);
    qtest_writel(qts, 0xfed00000 + 0x100000, 0xdeadbeef);
    /* Nothing stored (QEMU reads unassigned MMIO as 0 on x86). */
    g_assert_cmphex(qtest_readl(qts, 0xfed00000 + 0x100000), !=, 0xdeadbeef);
    r = qtest_qmp(qts, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_string_value(json_object_get(
                    json_object_get(r, "return"), "status")), ==, "running");
    json_decref(r);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/hyperv/cmdline/bad/%zu", i);
        qtest_add_data_func(name, &bad_cases[i], test_bad_combination);
    }
    qtest_add_func("/hyperv/cmdline/cpu-help", test_cpu_help);
    qtest_add_func("/hyperv/qom/get", test_qom_get);
    qtest_add_func("/hyperv/qom/defaults", test_qom_defaults);
    qtest_add_func("/hyperv/unassigned-io", test_unassigned_io_ignored);
    return g_test_run();
}
