/*
 * The qtest protocol end to end: Kite started by libqtest under
 * `-M microvm -m 128M -accel qtest`, every command and reply format,
 * every FAIL case followed by a good command (the server keeps serving),
 * IRQ interception on /machine/ioapic, -qtest-log, and libqtest's own
 * QMP format converter.
 */
#include "libqtest.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MACHINE_ARGS "-M microvm -m 128M"

/* Send @req and assert the reply line is exactly @expected. */
static void check(QTestState *s, const char *req, const char *expected)
{
    g_autofree char *r = qtest_command(s, "%s", req);

    if (strcmp(r, expected) != 0) {
        g_error("'%s' -> '%s', expected '%s'", req, r, expected);
    }
}

/* Send @req, assert it FAILs mentioning @needle, then that the server
 * still answers. */
static void check_fail(QTestState *s, const char *req, const char *needle)
{
    g_autofree char *r = qtest_command(s, "%s", req);

    if (!g_str_has_prefix(r, "FAIL ") || !strstr(r, needle)) {
        g_error("'%s' -> '%s', expected FAIL with '%s'", req, r, needle);
    }
    check(s, "endianness", "OK little");
}

static void test_endianness(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);

    g_assert_false(qtest_big_endian(s));
    check(s, "endianness", "OK little");
    qtest_quit(s);
}

static void test_sized_access(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);

    check(s, "writel 0x1000 0xdeadbeef", "OK");
    check(s, "readl 0x1000", "OK 0x00000000deadbeef");
    /* Little-endian target: the high half is at +2. */
    check(s, "readw 0x1002", "OK 0x000000000000dead");
    check(s, "readw 0x1000", "OK 0x000000000000beef");
    check(s, "readb 0x1003", "OK 0x00000000000000de");
    check(s, "readq 0x1000", "OK 0x00000000deadbeef");
    check(s, "writeq 0x1008 0xfedcba9876543210", "OK");
    check(s, "readq 0x1008", "OK 0xfedcba9876543210");
    check(s, "writeb 0x1008 0x1ff", "OK");
    check(s, "readb 0x1008", "OK 0x00000000000000ff");
    check(s, "writew 0x100a 0xabcd", "OK");
    check(s, "readl 0x1008", "OK 0x00000000abcd32ff");

    qtest_writeb(s, 0x2000, 0x12);
    qtest_writew(s, 0x2002, 0x3456);
    qtest_writel(s, 0x2004, 0x789abcde);
    qtest_writeq(s, 0x2008, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readb(s, 0x2000), ==, 0x12);
    g_assert_cmphex(qtest_readw(s, 0x2002), ==, 0x3456);
    g_assert_cmphex(qtest_readl(s, 0x2004), ==, 0x789abcde);
    g_assert_cmphex(qtest_readq(s, 0x2008), ==, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(s, 0x2000), ==, 0x789abcde34560012ULL);
    /* Beyond RAM nothing is mapped: reads give 0. */
    g_assert_cmphex(qtest_readq(s, 0x20000000), ==, 0);
    qtest_quit(s);
}

static void test_read_write(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);
    uint8_t buf[4096], back[4096];

    check(s, "write 0x3000 4 0x01020304", "OK");
    check(s, "read 0x3000 4", "OK 0x01020304");
    check(s, "write 0x3000 4 0x11", "OK");          /* zero-filled */
    check(s, "read 0x3000 6", "OK 0x110000000000");
    check(s, "write 0x3000 1 0xaabb", "OK");        /* cut at SIZE */
    check(s, "read 0x3000 2", "OK 0xaa00");
    check(s, "write 0x3000 0 0x", "ERR invalid argument size");

    check(s, "b64write 0x4000 4 AQIDBA==", "OK");
    check(s, "read 0x4000 4", "OK 0x01020304");
    check(s, "b64read 0x4000 4", "OK AQIDBA==");
    check(s, "b64read 0x4000 0", "OK ");

    check(s, "memset 0x4000 0 0xff", "OK");         /* size 0 is fine */
    check(s, "read 0x4000 4", "OK 0x01020304");
    check(s, "memset 0x4001 2 0xff", "OK");
    check(s, "read 0x4000 4", "OK 0x01ffff04");

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = g_test_rand_int_range(0, 256);
    }
    qtest_memwrite(s, 0x10000, buf, sizeof(buf));
    memset(back, 0, sizeof(back));
    qtest_memread(s, 0x10000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    memset(back, 0, sizeof(back));
    qtest_bufread(s, 0x10000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = ~buf[i];
    }
    qtest_bufwrite(s, 0x20000, buf, sizeof(buf));
    qtest_memread(s, 0x20000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));

    qtest_memset(s, 0x20000, 0x5a, 100);
    qtest_memread(s, 0x20000, back, 101);
    for (int i = 0; i < 100; i++) {
        g_assert_cmphex(back[i], ==, 0x5a);
    }
    g_assert_cmphex(back[100], ==, buf[100]);
    qtest_quit(s);
}

static void test_ports(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);

    /* Nothing behind these ports: all ones, in QEMU's formats. */
    check(s, "inb 0x1000", "OK 0x00ff");
    check(s, "inw 0x1000", "OK 0xffff");
    check(s, "inl 0x1000", "OK 0xffffffff");
    check(s, "outb 0x1000 0x12", "OK");
    check(s, "outw 0x1000 0x1234", "OK");
    check(s, "outl 0x1000 0x12345678", "OK");
    check(s, "inl 0x1000", "OK 0xffffffff");
    g_assert_cmphex(qtest_inb(s, 0x8000), ==, 0xff);
    g_assert_cmphex(qtest_inw(s, 0x8000), ==, 0xffff);
    g_assert_cmphex(qtest_inl(s, 0x8000), ==, 0xffffffff);
    qtest_outb(s, 0x8000, 1);
    qtest_outw(s, 0x8000, 1);
    qtest_outl(s, 0x8000, 1);
    qtest_quit(s);
}

static void test_clock(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);
    int64_t t0, t;
    g_autofree char *r = NULL;
    char expect[64];

    t0 = qtest_clock_step(s, 0);
    g_assert_cmpint(t0, >=, 0);
    t = qtest_clock_step(s, 1000);
    g_assert_cmpint(t, ==, t0 + 1000);
    /* Decimal reply, exactly "OK <ns>". */
    r = qtest_command(s, "clock_step 5");
    snprintf(expect, sizeof(expect), "OK %" PRId64, t0 + 1005);
    g_assert_cmpstr(r, ==, expect);
    t = qtest_clock_set(s, t0 + 1000000);
    g_assert_cmpint(t, ==, t0 + 1000000);
    /* The clock never goes backwards. */
    t = qtest_clock_set(s, 0);
    g_assert_cmpint(t, ==, t0 + 1000000);
    /* To the next deadline: forward, or nowhere when no timer is armed. */
    t = qtest_clock_step_next(s);
    g_assert_cmpint(t, >=, t0 + 1000000);
    check_fail(s, "clock_step abc", "invalid NS");
    check_fail(s, "clock_set", "missing");
    qtest_quit(s);
}

static void test_irq(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);
    g_autofree char *l1 = NULL, *l2 = NULL;

    check(s, "irq_intercept_in /machine/nothing", "FAIL Unknown device");
    check(s, "irq_intercept_in /machine", "FAIL Unknown device");
    qtest_irq_intercept_in(s, "/machine/ioapic");
    /* Again on the same device answers OK, as QEMU does. */
    check(s, "irq_intercept_in /machine/ioapic", "OK");
    check(s, "irq_intercept_out /machine/ioapic", "OK");

    g_assert_false(qtest_get_irq(s, 5));
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed", 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    g_assert_false(qtest_get_irq(s, 4));
    qtest_set_irq_in(s, "/machine/ioapic", NULL, 5, 0);
    g_assert_false(qtest_get_irq(s, 5));

    /* On the wire: the IRQ line, then the reply. */
    qtest_sendf_raw(s, "set_irq_in /machine/ioapic unnamed 23 1");
    l1 = qtest_recv_line_any(s);
    l2 = qtest_recv_line_any(s);
    g_assert_cmpstr(l1, ==, "IRQ raise 23");
    g_assert_cmpstr(l2, ==, "OK");
    /* The same level again sends no IRQ line. */
    check(s, "set_irq_in /machine/ioapic unnamed 23 1", "OK");
    g_free(l1);
    g_free(l2);
    qtest_sendf_raw(s, "set_irq_in ioapic unnamed 23 0"); /* partial path */
    l1 = qtest_recv_line_any(s);
    l2 = qtest_recv_line_any(s);
    g_assert_cmpstr(l1, ==, "IRQ lower 23");
    g_assert_cmpstr(l2, ==, "OK");

    check(s, "set_irq_in /machine/nothing unnamed 0 1", "FAIL Unknown device");
    check_fail(s, "set_irq_in /machine/ioapic unnamed 24 1", "no GPIO input");
    check_fail(s, "set_irq_in /machine/ioapic nosuch 0 1", "no GPIO input");
    check_fail(s, "set_irq_in /machine/ioapic unnamed zz 1", "invalid NUM");
    check_fail(s, "set_irq_in /machine/ioapic unnamed 1", "missing");
    check_fail(s, "irq_intercept_in", "missing");
    qtest_quit(s);
}

static void test_fail_cases(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS);
    static const struct {
        const char *req, *needle;
    } cases[] = {
        { "readb", "missing argument ADDR" },
        { "readl 0xzz", "invalid ADDR '0xzz'" },
        { "readq  0x0", "invalid ADDR ''" },
        { "writeb 0x0", "missing argument VALUE" },
        { "writel 0x0 1z", "invalid VALUE" },
        { "inb", "missing argument ADDR" },
        { "inw 0x10000", "above 0xffff" },
        { "outl 0x10 x", "invalid VALUE" },
        { "read 0x0", "missing argument SIZE" },
        { "read 0x0 0", "SIZE must not be 0" },
        { "read 0x0 0xffffffffffff", "limit" },
        { "write 0x0 4", "missing argument DATA" },
        { "write 0x0 4 0x123", "odd number" },
        { "write 0x0 4 0x12zz", "non-hex" },
        { "write 0x0 4 1234", "start with 0x" },
        { "write 0x0 0xffffffffffff 0x00", "limit" },
        { "b64read 0x0", "missing argument SIZE" },
        { "b64read 0x0 0xffffffffffff", "limit" },
        { "b64write 0x0 4 AQ!D", "base64" },
        { "memset 0x0 4", "missing argument VALUE" },
        { "memset 0x0 0xffffffffffff 0", "limit" },
        { "clock_step 1.5", "invalid NS" },
        { "", "empty" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_fail(s, cases[i].req, cases[i].needle);
    }
    check(s, "nosuchcommand 1 2", "FAIL Unknown command 'nosuchcommand'");
    check(s, "Readb 0x0", "FAIL Unknown command 'Readb'");
    /* A line with a NUL byte in it is refused as a whole. */
    qtest_send_bytes(s, "readb 0x0\0junk\n", 15);
    g_autofree char *r = qtest_recv_line(s);
    g_assert_true(g_str_has_prefix(r, "FAIL "));
    /* And the memory is untouched by all of the above. */
    check(s, "read 0x0 4", "OK 0x00000000");
    qtest_quit(s);
}

/* -qtest-log: the last one on the command line wins over libqtest's. */
static void test_log(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-qtest-log-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "qtest.log", NULL);
    g_autofree char *text = NULL;
    QTestState *s = qtest_initf(MACHINE_ARGS " -qtest-log %s", log);

    check(s, "readl 0x0", "OK 0x0000000000000000");
    qtest_quit(s);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_true(g_regex_match_simple(
        "^\\[I [0-9]+\\.[0-9]{6}\\] OPENED\n", text, 0, 0));
    g_assert_true(g_regex_match_simple(
        "\n\\[R \\+[0-9]+\\.[0-9]{6}\\] readl 0x0\n"
        "\\[S \\+[0-9]+\\.[0-9]{6}\\] OK 0x0000000000000000\n", text, 0, 0));
    unlink(log);
    rmdir(dir);
}

static void test_qmp_and_hmp(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS " -smp 2");
    json_t *resp;
    g_autofree char *hmp = NULL;

    resp = qtest_qmp(s, "{ 'execute': 'query-status' }");
    g_assert_nonnull(json_object_get(resp, "return"));
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(resp, "return"), "status")), ==, "running");
    json_decref(resp);
    resp = qtest_qmp(s, "{ 'execute': 'qom-get', 'arguments': "
                     "{ 'path': %s, 'property': %s } }",
                     "/machine/nothing", "type");
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(resp, "error"), "class")), ==, "DeviceNotFound");
    json_decref(resp);
    /* The qtest accelerator has no vCPU threads: each vCPU reports the
     * main thread, whose id is the process id. */
    resp = qtest_qmp(s, "{ 'execute': 'query-cpus-fast' }");
    json_t *cpus = json_object_get(resp, "return");
    g_assert_cmpuint(json_array_size(cpus), ==, 2);
    for (size_t i = 0; i < json_array_size(cpus); i++) {
        json_t *tid = json_object_get(json_array_get(cpus, i), "thread-id");
        g_assert_cmpint(json_integer_value(tid), ==, qtest_pid(s));
    }
    json_decref(resp);
    hmp = qtest_hmp(s, "info %s", "status");
    g_assert_nonnull(strstr(hmp, "VM status"));
    qtest_quit(s);
}

static void test_qmp_format(void)
{
    g_autofree char *a = qtest_qmp_format(
        "{ 'execute': 'x', 'arguments': { 's': %s, 'd': %d, "
        "'l': %" PRId64 ", 'u': %u, 'b': %p, 'q': 'it''s' } }",
        "say \"hi\"\n", -7, (int64_t)1 << 40, 3u, json_true());
    g_autofree char *b = qtest_qmp_format("{ 'a': 'x\\'y\"z', 'p': %d }", 5);
    g_autofree char *c = qtest_qmp_format("{ 'a': %s }", "x");
    g_autofree char *bad = qtest_qmp_format("{ 'a': ");

    /* 'it''s' is not valid: two adjacent strings. */
    g_assert_null(a);
    a = qtest_qmp_format("{ 'execute': 'x', 'arguments': { 's': %s, 'd': %d,"
                         " 'l': %" PRId64 ", 'u': %u, 'b': %p } }",
                         "say \"hi\"\n", -7, (int64_t)1 << 40, 3u,
                         json_true());
    g_assert_cmpstr(a, ==, "{\"execute\":\"x\",\"arguments\":{\"s\":"
                    "\"say \\\"hi\\\"\\n\",\"d\":-7,\"l\":1099511627776,"
                    "\"u\":3,\"b\":true}}");
    g_assert_cmpstr(b, ==, "{\"a\":\"x'y\\\"z\",\"p\":5}");
    g_assert_cmpstr(c, ==, "{\"a\":\"x\"}");
    g_assert_null(bad);
}

/* A start-up failure of the qtest server is one line and exit status 1. */
static void test_bad_log_path(void)
{
    const char *argv[] = {
        qtest_qemu_binary(), "-M", "none", "-display", "none",
        "-accel", "qtest", "-qtest", "null",
        "-qtest-log", "/nonexistent-dir/qtest.log", NULL,
    };
    g_autofree char *err = NULL;
    int status = -1;

    g_assert_true(kite_run_cmdline(argv, &status, &err));
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "/nonexistent-dir/qtest.log"));
}

/* libqtest reports a VMM that dies during start-up instead of hanging. */
static void test_startup_failure(void)
{
    if (g_test_subprocess()) {
        qtest_init("-M no-such-machine");
        return;
    }
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*no-such-machine*");
    g_test_trap_assert_stderr("*exited (exit status 1) before connecting*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/qtest/protocol/endianness", test_endianness);
    qtest_add_func("/qtest/protocol/sized-access", test_sized_access);
    qtest_add_func("/qtest/protocol/read-write", test_read_write);
    qtest_add_func("/qtest/protocol/ports", test_ports);
    qtest_add_func("/qtest/protocol/clock", test_clock);
    qtest_add_func("/qtest/protocol/irq", test_irq);
    qtest_add_func("/qtest/protocol/fail-cases", test_fail_cases);
    qtest_add_func("/qtest/protocol/log", test_log);
    qtest_add_func("/qtest/protocol/qmp-and-hmp", test_qmp_and_hmp);
    qtest_add_func("/qtest/protocol/qmp-format", test_qmp_format);
    qtest_add_func("/qtest/protocol/bad-log-path", test_bad_log_path);
    qtest_add_func("/qtest/protocol/startup-failure", test_startup_failure);
    return g_test_run();
}
