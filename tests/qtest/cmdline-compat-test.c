/*
 * Command-line behaviour matched to Debian's QEMU 7.2 (issue 2): machine
 * property help, help for an unknown device, the -kernel messages, the
 * implicit RAM backend object, and Kite's own error for KVM without
 * -kernel.  Where qemu-system-x86_64 is installed (QEMU_PEER_BINARY, or
 * the name itself), the same command lines run through it and must give
 * the same exit status and message.
 */
#include "libqtest.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct Run {
    int status;
    char *out, *err;
} Run;

static const char *kite_binary(void)
{
    const char *b = g_getenv("QTEST_QEMU_BINARY");
    return b ? b : "./kite-system-x86_64";
}

static const char *peer_binary(void)
{
    static char *found;
    const char *b = g_getenv("QEMU_PEER_BINARY");

    if (!found) {
        found = g_find_program_in_path(b && *b ? b : "qemu-system-x86_64");
    }
    return found;
}

/* @binary with "-display none", @accel and @args (space-separated). */
static Run run(const char *binary, const char *accel, const char *args)
{
    g_autofree char *line = g_strdup_printf("-display none %s %s", accel,
                                            args);
    g_auto(GStrv) words = g_strsplit(line, " ", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    Run r = { 0 };

    g_ptr_array_add(argv, (char *)binary);
    for (char **w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(argv, *w);
        }
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(kite_run_cmdline_full((const char *const *)argv->pdata,
                                        &r.status, &r.out, &r.err));
    return r;
}

static Run run_kite(const char *args)
{
    return run(kite_binary(), "-accel qtest", args);
}

static void run_clear(Run *r)
{
    g_free(r->out);
    g_free(r->err);
}

static unsigned count_lines(const char *s)
{
    unsigned n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* The first stderr line without its "PROG: " prefix (QEMU's loaders
 * write "qemu: ", everything else the program name). */
static char *message(const char *err)
{
    g_autofree char *line = g_strndup(err, strcspn(err, "\n"));
    const char *colon = strstr(line, ": ");

    g_assert_nonnull(colon);
    return g_strdup(colon + 2);
}

/*
 * Kite gives exit status @status and one stderr line whose message is
 * @expected; QEMU, when installed, the same status and message.
 */
static void expect_error(const char *args, int status, const char *expected)
{
    Run k = run_kite(args);
    g_autofree char *km = NULL;

    g_test_message("kite %s: status %d, %s", args, k.status, k.err);
    g_assert_cmpint(k.status, ==, status);
    g_assert_cmpuint(count_lines(k.err), ==, 1);
    km = message(k.err);
    g_assert_cmpstr(km, ==, expected);
    run_clear(&k);

    if (peer_binary()) {
        Run q = run(peer_binary(), "-accel tcg -M microvm", args);
        g_autofree char *qm = NULL;

        g_test_message("qemu %s: status %d, %s", args, q.status, q.err);
        g_assert_cmpint(q.status, ==, status);
        qm = message(q.err);
        g_assert_cmpstr(qm, ==, expected);
        run_clear(&q);
    }
}

/* "-M TYPE,help" lists the machine's properties, sorted, as QEMU does. */
static void test_machine_properties_help(void)
{
    static const char *const spellings[] = {
        "-M microvm,help", "-machine type=microvm,help", "-M microvm -M help",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        Run r = run_kite(spellings[i]);
        g_auto(GStrv) lines = NULL;

        g_assert_cmpint(r.status, ==, 0);
        g_assert_cmpstr(r.err, ==, "");
        g_assert_true(g_str_has_prefix(r.out, "microvm-machine options:\n"));
        g_assert_nonnull(strstr(r.out, "\n  isa-serial=<bool>"));
        g_assert_nonnull(strstr(r.out, "\n  kernel=<string>"));
        g_assert_nonnull(strstr(r.out, "\n  memory-backend=<link<memory-backend>>"));
        g_assert_null(strstr(r.out, "type="));
        lines = g_strsplit(r.out, "\n", -1);
        for (char **l = lines + 2; *l && **l; l++) {
            g_assert_cmpstr(l[-1], <, *l);
        }
        run_clear(&r);
    }

    /* the none machine has only the base properties */
    Run r = run_kite("-M none,help");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "none-machine options:\n"));
    g_assert_null(strstr(r.out, "isa-serial"));
    run_clear(&r);

    /* an unknown machine, or no machine named: the list of machines */
    r = run_kite("-M bogus,help");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "Supported machines are:\n"));
    run_clear(&r);
    r = run_kite("-machine accel=qtest,help");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "Supported machines are:\n"));
    run_clear(&r);

    /* QEMU's list has the same heading and the same microvm properties */
    if (peer_binary()) {
        static const char *const shared[] = {
            "  isa-serial=<bool>", "  kernel=<string>", "  x-option-roms=<bool>",
            "  auto-kernel-cmdline=<bool>", "  memory-backend=<link<memory-backend>>",
        };
        Run q = run(peer_binary(), "-accel tcg", "-M microvm,help");

        g_assert_cmpint(q.status, ==, 0);
        g_assert_true(g_str_has_prefix(q.out, "microvm-machine options:\n"));
        for (size_t i = 0; i < G_N_ELEMENTS(shared); i++) {
            g_assert_nonnull(strstr(q.out, shared[i]));
        }
        run_clear(&q);
    }
}

/* "-device bogus,help": the error line, but exit status 0 as in QEMU. */
static void test_unknown_device_help(void)
{
    expect_error("-device bogus,help", 0,
                 "-device bogus,help: Device 'bogus' not found");
    expect_error("-device driver=bogus,help", 0,
                 "-device driver=bogus,help: Device 'bogus' not found");
}

static void test_kernel_errors(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-cmdline-XXXXXX", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_autofree char *args = NULL;
    g_autofree char *want = NULL;

    args = g_strdup_printf("-kernel %s", missing);
    want = g_strdup_printf("could not open kernel file '%s': "
                           "No such file or directory", missing);
    expect_error(args, 1, want);
    g_free(args);
    g_free(want);

    args = g_strdup_printf("-kernel %s", dir);
    want = g_strdup_printf("could not load kernel '%s': Is a directory", dir);
    expect_error(args, 1, want);

    /* the machine property is checked the same way (Kite only: QEMU's
     * microvm then reports a later step) */
    g_free(args);
    args = g_strdup_printf("-M microvm,kernel=%s", missing);
    Run r = run_kite(args);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "could not open kernel file"));
    run_clear(&r);
    rmdir(dir);
}

/* Without memory-backend=, RAM is the object /objects/microvm.ram. */
static void test_default_ram_backend(void)
{
    QTestState *qts = qtest_init("-M microvm -m 64M");
    json_t *r, *list;
    bool found = false;
    size_t i;
    json_t *e;

    r = qtest_qmp(qts, "{'execute': 'qom-list', "
                  "'arguments': {'path': '/objects'}}");
    list = json_object_get(r, "return");
    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, e) {
        if (!g_strcmp0(json_string_value(json_object_get(e, "name")),
                       "microvm.ram")) {
            g_assert_cmpstr(json_string_value(json_object_get(e, "type")), ==,
                            "child<memory-backend-ram>");
            found = true;
        }
    }
    g_assert_true(found);
    json_decref(r);

    r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                  "{'path': '/machine', 'property': 'memory-backend'}}");
    g_assert_cmpstr(json_string_value(json_object_get(r, "return")), ==,
                    "/objects/microvm.ram");
    json_decref(r);
    r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                  "{'path': '/objects/microvm.ram', 'property': 'size'}}");
    g_assert_cmpint(json_integer_value(json_object_get(r, "return")), ==,
                    64 << 20);
    json_decref(r);

    /* it is the guest's RAM */
    qtest_writel(qts, 0x3fffffc, 0x12345678);
    g_assert_cmphex(qtest_readl(qts, 0x3fffffc), ==, 0x12345678);
    qtest_quit(qts);

    /* no RAM, no object; /objects is still there */
    qts = qtest_init("-M none");
    r = qtest_qmp(qts, "{'execute': 'qom-list', "
                  "'arguments': {'path': '/objects'}}");
    list = json_object_get(r, "return");
    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, e) {
        g_assert_cmpstr(json_string_value(json_object_get(e, "name")), !=,
                        "ram");
    }
    json_decref(r);
    qtest_quit(qts);

    /* the id is reserved */
    expect_error("-object memory-backend-ram,id=microvm.ram,size=128M", 1,
                 "object name 'microvm.ram' is reserved for the default RAM "
                 "backend, it can't be used for any other purposes. Change "
                 "the object's 'id' to something else");
}

/* KVM without -kernel: QEMU would run its firmware; Kite has none and
 * says so at start-up. */
static void test_kvm_without_kernel(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    Run r;

    if (fd < 0) {
        g_test_skip("/dev/kvm cannot be opened");
        return;
    }
    close(fd);
    r = run(kite_binary(), "-accel kvm", "-M microvm -m 16M -nodefaults");
    g_test_message("status %d, %s", r.status, r.err);
    if (strstr(r.err, "KVM")) {
        /* this host's KVM refused the VM before the machine was built */
        g_test_skip("KVM cannot create a VM here");
        run_clear(&r);
        return;
    }
    g_assert_cmpint(r.status, ==, 1);
    g_assert_cmpuint(count_lines(r.err), ==, 1);
    g_assert_nonnull(strstr(r.err, "microvm: no -kernel given and Kite has "
                            "no firmware"));
    run_clear(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cmdline-compat/machine-properties-help",
                    test_machine_properties_help);
    g_test_add_func("/cmdline-compat/unknown-device-help",
                    test_unknown_device_help);
    g_test_add_func("/cmdline-compat/kernel-errors", test_kernel_errors);
    g_test_add_func("/cmdline-compat/default-ram-backend",
                    test_default_ram_backend);
    g_test_add_func("/cmdline-compat/kvm-without-kernel",
                    test_kvm_without_kernel);
    return g_test_run();
}
