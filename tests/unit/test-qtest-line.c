/*
 * The qtest server's command processing, driven line by line through
 * qtest_process_line on a machine-less memory map: 1 MiB of RAM at 0, a
 * 4-byte port device at 0x100, and a small device with GPIO lines.
 * The last case runs the server on a real socket chardev to check the
 * -qtest-log format.
 */
#include "kite/qtest.h"
#include "kite/accel.h"
#include "kite/chardev.h"
#include "kite/memory.h"
#include "kite/qdev.h"
#include "kite/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RAM_SIZE (1 * MiB)
#define TEST_PORT 0x100

static MemoryRegion ram;
static MemoryRegion port_region;
static uint64_t port_last_value;
static unsigned port_last_size;

static uint64_t port_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x12345678 >> (8 * addr);
}

static void port_write(void *opaque, hwaddr addr, uint64_t value,
                       unsigned size)
{
    port_last_value = value;
    port_last_size = size;
}

static const MemoryRegionOps port_ops = {
    .read = port_read,
    .write = port_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* A device with 4 unnamed inputs, 2 unnamed outputs and 2 inputs "ctl". */
typedef struct {
    DeviceState parent_obj;
    qemu_irq out[2];
    int in_level[4];
} GpioTestDev;

#define TYPE_GPIO_TEST "qtest-gpio-test"

static void gpio_test_in(void *opaque, int n, int level)
{
    ((GpioTestDev *)opaque)->in_level[n] = level;
}

static const TypeInfo gpio_test_info = {
    .name = TYPE_GPIO_TEST,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(GpioTestDev),
};

static GpioTestDev *gpio_dev_new(const char *name)
{
    GpioTestDev *d = (GpioTestDev *)qdev_new(TYPE_GPIO_TEST);

    qdev_init_gpio_in(DEVICE(d), gpio_test_in, 4);
    qdev_init_gpio_out(DEVICE(d), d->out, 2);
    qdev_init_gpio_in_named(DEVICE(d), gpio_test_in, "ctl", 2);
    object_property_add_child(object_get_root(), name, OBJECT(d));
    object_unref(OBJECT(d));
    return d;
}

static GpioTestDev *gpio_a, *gpio_b;

static void setup(void)
{
    GError *err = NULL;

    type_register(&gpio_test_info);
    memory_system_init();
    g_assert_true(memory_region_init_ram(&ram, NULL, "test-ram", RAM_SIZE,
                                         &err));
    g_assert_no_error(err);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_io(&port_region, NULL, &port_ops, NULL, "test-port",
                          4);
    memory_region_add_subregion(get_system_io(), TEST_PORT, &port_region);
    gpio_a = gpio_dev_new("gpio-a");
    gpio_b = gpio_dev_new("gpio-b");
}

/* Assert that @line gets exactly @expected. */
#define CHECK(line, expected) do { \
        g_autofree char *r_ = qtest_process_line(line); \
        g_assert_cmpstr(r_, ==, (expected)); \
    } while (0)

/* Assert that @line fails with a FAIL reply mentioning @needle. */
#define CHECK_FAIL(line, needle) do { \
        g_autofree char *r_ = qtest_process_line(line); \
        if (!g_str_has_prefix(r_, "FAIL ") || !strstr(r_, (needle))) { \
            g_error("'%s' -> '%s', want FAIL with '%s'", (line), r_, \
                    (needle)); \
        } \
    } while (0)

static void test_endianness(void)
{
    CHECK("endianness", "OK little");
}

static void test_sized_memory(void)
{
    CHECK("writel 0x1000 0xdeadbeef", "OK");
    CHECK("readl 0x1000", "OK 0x00000000deadbeef");
    CHECK("readw 0x1002", "OK 0x000000000000dead");
    CHECK("readb 0x1000", "OK 0x00000000000000ef");
    CHECK("read 0x1000 4", "OK 0xefbeadde");
    CHECK("writeq 0x2000 0x0123456789abcdef", "OK");
    CHECK("readq 0x2000", "OK 0x0123456789abcdef");
    CHECK("readl 0x2004", "OK 0x0000000001234567");
    CHECK("writew 0x2000 0x1ffff", "OK");     /* truncated to 16 bits */
    CHECK("readq 0x2000", "OK 0x0123456789abffff");
    CHECK("writeb 0x2000 0x42", "OK");
    CHECK("readw 0x2000", "OK 0x000000000000ff42");
    /* Decimal and octal numbers, as strtoul with base 0. */
    CHECK("writeb 4096 255", "OK");
    CHECK("readb 010000", "OK 0x00000000000000ff");
    /* Past the end of RAM: reads are 0, writes vanish. */
    CHECK("writel 0x40000000 0x1", "OK");
    CHECK("readl 0x40000000", "OK 0x0000000000000000");
    /* Extra words are ignored, as QEMU does. */
    CHECK("readb 0x1000 extra", "OK 0x00000000000000ff");
}

static void test_read_write(void)
{
    CHECK("write 0x3000 4 0x01020304", "OK");
    CHECK("read 0x3000 4", "OK 0x01020304");
    /* Shorter data is zero-filled, longer data is cut at SIZE. */
    CHECK("write 0x3000 4 0x11", "OK");
    CHECK("read 0x3000 4", "OK 0x11000000");
    CHECK("write 0x3000 2 0xaabbccdd", "OK");
    CHECK("read 0x3000 4", "OK 0xaabb0000");
    CHECK("write 0x3000 2 0xAABB", "OK");
    CHECK("read 0x3000 2", "OK 0xaabb");
    CHECK("write 0x3000 0 0x", "ERR invalid argument size");
    CHECK_FAIL("read 0x3000 0", "SIZE");
    CHECK_FAIL("read 0x3000 0x10000000", "limit");
    CHECK_FAIL("write 0x3000 0x10000000 0x00", "limit");
    CHECK_FAIL("write 0x3000 2 0x1", "odd");
    CHECK_FAIL("write 0x3000 2 0xzz11", "non-hex");
    CHECK_FAIL("write 0x3000 2 1122", "0x");
    CHECK("read 0x3000 2", "OK 0xaabb");     /* untouched by the FAILs */
    CHECK_FAIL("write 0x3000 2", "missing");
    /* A read straddling the end of RAM: the hole reads as zeros. */
    CHECK("writeb 0xfffff 0x5a", "OK");
    CHECK("read 0xffffe 4", "OK 0x005a0000");
}

static void test_b64(void)
{
    CHECK("b64write 0x4000 4 AQIDBA==", "OK");
    CHECK("read 0x4000 4", "OK 0x01020304");
    CHECK("b64read 0x4000 4", "OK AQIDBA==");
    CHECK("b64read 0x4000 3", "OK AQID");
    CHECK("b64read 0x4000 0", "OK ");
    CHECK("b64write 0x4000 0 AA==", "OK");
    CHECK("read 0x4000 4", "OK 0x01020304");
    /* Shorter data is zero-filled up to SIZE. */
    CHECK("b64write 0x4000 4 /w==", "OK");
    CHECK("read 0x4000 4", "OK 0xff000000");
    CHECK_FAIL("b64write 0x4000 4 !!!!", "base64");
    CHECK_FAIL("b64write 0x4000 4 AQI", "base64");
    CHECK_FAIL("b64read 0x4000 0x10000000", "limit");
    CHECK_FAIL("b64write 0x4000 4", "missing");
    CHECK("read 0x4000 4", "OK 0xff000000");
}

static void test_memset(void)
{
    CHECK("write 0x5000 4 0x01020304", "OK");
    CHECK("memset 0x5000 0 0x77", "OK");
    CHECK("read 0x5000 4", "OK 0x01020304");
    CHECK("memset 0x5000 2 0x77", "OK");
    CHECK("read 0x5000 4", "OK 0x77770304");
    CHECK("memset 0x5000 1 0x1aa", "OK");    /* the byte is truncated */
    CHECK("read 0x5000 1", "OK 0xaa");
    CHECK("memset 0x6000 0x2000 0x5", "OK"); /* more than one chunk */
    CHECK("read 0x7ffe 4", "OK 0x05050000");
    CHECK_FAIL("memset 0x5000 0x80000000 0", "limit");
    CHECK_FAIL("memset 0x5000 2", "missing");
}

static void test_size_limits(void)
{
    qtest_set_size_limits(16, 32);
    CHECK("read 0x0 16", "OK 0x00000000000000000000000000000000");
    CHECK_FAIL("read 0x0 17", "limit of 16 bytes");
    CHECK_FAIL("b64write 0x0 17 AA==", "limit of 16 bytes");
    CHECK("memset 0xa000 32 0", "OK");
    CHECK_FAIL("memset 0xa000 33 0", "limit of 32 bytes");
    /* Limits can only go down from the defaults. */
    qtest_set_size_limits(UINT64_MAX, UINT64_MAX);
    CHECK_FAIL("read 0x0 0x4000001", "limit of 67108864 bytes");
    CHECK_FAIL("memset 0x0 0x40000001 0", "limit of 1073741824 bytes");
}

static void test_ports(void)
{
    CHECK("inb 0x10", "OK 0x00ff");
    CHECK("inw 0x10", "OK 0xffff");
    CHECK("inl 0x10", "OK 0xffffffff");
    CHECK("outb 0x10 0x1", "OK");
    CHECK("inb 0x101", "OK 0x0056");
    CHECK("inw 0x100", "OK 0x5678");
    CHECK("inl 0x100", "OK 0x12345678");
    CHECK("outw 0x100 0x1abcd", "OK");       /* truncated to 16 bits */
    g_assert_cmpuint(port_last_value, ==, 0xabcd);
    g_assert_cmpuint(port_last_size, ==, 2);
    CHECK("outl 0x100 0xcafef00d", "OK");
    g_assert_cmpuint(port_last_value, ==, 0xcafef00d);
    CHECK("outb 0x100 255", "OK");
    g_assert_cmpuint(port_last_value, ==, 0xff);
    /* Past the end of the port space, bytes read as 0 (as in QEMU). */
    CHECK("inw 0xffff", "OK 0x00ff");
    CHECK("inl 0xfffe", "OK 0xffff");
    CHECK_FAIL("inb 0x10000", "0xffff");
    CHECK_FAIL("outb 0x10000 1", "0xffff");
    CHECK_FAIL("outb 0x10", "missing");
}

static void test_bad_input(void)
{
    CHECK("foo bar", "FAIL Unknown command 'foo'");
    CHECK("READB 0x0", "FAIL Unknown command 'READB'");
    CHECK_FAIL("", "empty");
    CHECK_FAIL("readb", "missing");
    CHECK_FAIL("readb  0x0", "invalid");     /* two spaces: empty word */
    CHECK_FAIL("readb 0xg", "invalid ADDR '0xg'");
    CHECK_FAIL("readb 12abc", "invalid");
    CHECK_FAIL("readb 0x10000000000000000", "invalid");
    CHECK_FAIL("writel 0x0 zz", "invalid VALUE");
    CHECK_FAIL("read 0x0 -", "invalid");
    CHECK_FAIL("set_irq_in", "missing");
    CHECK_FAIL("irq_intercept_in", "missing");
    /* After all that, the server still answers. */
    CHECK("endianness", "OK little");
}

static int timer_fired;

static void timer_cb(void *opaque)
{
    timer_fired++;
}

static void test_clock(void)
{
    const AccelOps *qtest_ops = accel_find("qtest");
    GError *err = NULL;
    KiteTimer *t;
    int64_t now;
    char expect[64];

    /* Without the qtest accelerator the clock commands do not exist. */
    accel_set_current(NULL);
    CHECK("clock_step 10", "FAIL Unknown command 'clock_step'");
    CHECK("clock_set 10", "FAIL Unknown command 'clock_set'");

    g_assert_nonnull(qtest_ops);
    g_assert_true(qtest_ops->init(NULL, &err));
    g_assert_no_error(err);
    accel_set_current(qtest_ops);
    g_assert_true(clock_virtual_is_manual());

    now = clock_get_ns(KITE_CLOCK_VIRTUAL);
    snprintf(expect, sizeof(expect), "OK %" PRId64, now + 100);
    CHECK("clock_step 100", expect);
    /* No timer pending: clock_step without NS leaves the clock alone. */
    snprintf(expect, sizeof(expect), "OK %" PRId64, now + 100);
    CHECK("clock_step", expect);
    /* Backwards is not possible: the clock stays. */
    CHECK("clock_set 0", expect);
    CHECK("clock_step -5", expect);
    snprintf(expect, sizeof(expect), "OK %" PRId64, now + 1000000);
    g_autofree char *set = g_strdup_printf("clock_set %" PRId64,
                                           now + 1000000);
    CHECK(set, expect);

    /* To the next deadline, firing the timer. */
    t = timer_new_ns(KITE_CLOCK_VIRTUAL, timer_cb, NULL);
    timer_mod_ns(t, now + 1000000 + 5000);
    snprintf(expect, sizeof(expect), "OK %" PRId64, now + 1000000 + 5000);
    CHECK("clock_step", expect);
    g_assert_cmpint(timer_fired, ==, 1);
    g_assert_false(timer_pending(t));
    /* A step past a deadline fires it too. */
    timer_mod_ns(t, now + 1000000 + 6000);
    snprintf(expect, sizeof(expect), "OK %" PRId64, now + 1000000 + 15000);
    CHECK("clock_step 10000", expect);
    g_assert_cmpint(timer_fired, ==, 2);
    timer_free(t);

    CHECK_FAIL("clock_step 1x", "invalid NS");
    CHECK_FAIL("clock_set", "missing");
    CHECK_FAIL("clock_step 0x7fffffffffffffff", "overflow");
}

static void test_irq_in(void)
{
    CHECK("irq_intercept_in /nothing/here", "FAIL Unknown device");
    CHECK("irq_intercept_in /machine-less", "FAIL Unknown device");
    CHECK("set_irq_in /nothing unnamed 0 1", "FAIL Unknown device");
    CHECK("irq_intercept_in /gpio-a", "OK");
    /* Again on the same device is fine; another device is refused. */
    CHECK("irq_intercept_in /gpio-a", "OK");
    CHECK("irq_intercept_in /gpio-b", "FAIL IRQ intercept already enabled");

    CHECK("set_irq_in /gpio-a unnamed 2 1", "IRQ raise 2\nOK");
    /* Same level again: no new IRQ line. */
    CHECK("set_irq_in /gpio-a unnamed 2 1", "OK");
    CHECK("set_irq_in /gpio-a unnamed 2 0", "IRQ lower 2\nOK");
    CHECK("set_irq_in /gpio-a unnamed 3 7", "IRQ raise 3\nOK");
    /* The handler was replaced: the device itself saw nothing. */
    g_assert_cmpint(gpio_a->in_level[2], ==, 0);
    g_assert_cmpint(gpio_a->in_level[3], ==, 0);
    /* The named list was not intercepted: it reaches the device. */
    CHECK("set_irq_in /gpio-a ctl 1 1", "OK");
    g_assert_cmpint(gpio_a->in_level[1], ==, 1);
    /* A device that is not intercepted takes the level itself. */
    CHECK("set_irq_in /gpio-b unnamed 0 1", "OK");
    g_assert_cmpint(gpio_b->in_level[0], ==, 1);

    CHECK_FAIL("set_irq_in /gpio-a unnamed 4 1", "no GPIO input");
    CHECK_FAIL("set_irq_in /gpio-a unnamed -1 1", "no GPIO input");
    int lists = 0, lists_after = 0;
    for (NamedGPIOList *l = DEVICE(gpio_a)->gpios; l; l = l->next) {
        lists++;
    }
    CHECK_FAIL("set_irq_in /gpio-a nosuch 0 1", "no GPIO input");
    /* A client-given name must not create a GPIO list on the device. */
    for (NamedGPIOList *l = DEVICE(gpio_a)->gpios; l; l = l->next) {
        lists_after++;
    }
    g_assert_cmpint(lists_after, ==, lists);
    CHECK_FAIL("set_irq_in /gpio-a unnamed x 1", "invalid NUM");
    CHECK_FAIL("set_irq_in /gpio-a unnamed 0", "missing");
    CHECK("endianness", "OK little");
}

/* Drive gpio-b's output line N to LEVEL from inside a request. */
static void set_out_cmd(gchar **words, GString *reply)
{
    qemu_set_irq(gpio_b->out[atoi(words[1])], atoi(words[2]));
    g_string_assign(reply, "OK");
}

/* Interception is once per process, so this runs in a subprocess. */
static void test_irq_out(void)
{
    if (g_test_subprocess()) {
        qtest_register_command("kite_set_out", set_out_cmd);
        CHECK("irq_intercept_out /gpio-b", "OK");
        /* IRQ lines come before the reply of the request that caused them. */
        CHECK("kite_set_out 1 1", "IRQ raise 1\nOK");
        CHECK("kite_set_out 1 1", "OK");
        CHECK("kite_set_out 0 1", "IRQ raise 0\nOK");
        CHECK("kite_set_out 1 0", "IRQ lower 1\nOK");
        CHECK("irq_intercept_in /gpio-a", "FAIL IRQ intercept already enabled");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
}

static void target_cmd(gchar **words, GString *reply)
{
    g_string_printf(reply, "OK %s", words[1] ? words[1] : "none");
}

static void test_target_command(void)
{
    CHECK("kite_unit_cmd x", "FAIL Unknown command 'kite_unit_cmd'");
    qtest_register_command("kite_unit_cmd", target_cmd);
    CHECK("kite_unit_cmd x", "OK x");
    CHECK("kite_unit_cmd", "OK none");
}

/* Read from @fd until @n newlines arrived (or 5 s passed). */
static char *read_lines(int fd, int n)
{
    GString *got = g_string_new(NULL);
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        char buf[256];
        int lines = 0;
        ssize_t r;

        for (size_t i = 0; i < got->len; i++) {
            lines += got->str[i] == '\n';
        }
        if (lines >= n) {
            break;
        }
        g_main_context_iteration(NULL, FALSE);
        r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (r > 0) {
            g_string_append_len(got, buf, r);
        } else {
            g_usleep(1000);
        }
    }
    return g_string_free(got, FALSE);
}

static void test_server_and_log(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-qtest-line-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "q.sock", NULL);
    g_autofree char *log = g_build_filename(dir, "q.log", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s", sock);
    g_autofree char *replies = NULL;
    g_autofree char *logtext = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    GError *err = NULL;
    Chardev *chr;
    int lfd, fd;
    const char *req = "readb 0x9000\nbogus\nwritel 0x9000 0x1\r\nendiann";

    g_assert_nonnull(dir);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(addr.sun_path, sock);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    chr = chardev_new_from_spec("qtest", spec, &err);
    g_assert_no_error(err);
    fd = accept(lfd, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(qtest_server_init(chr, log, &err));
    g_assert_no_error(err);

    /* The request arrives in pieces; the last line is split. */
    g_assert_cmpint(write(fd, req, strlen(req)), ==, (ssize_t)strlen(req));
    replies = read_lines(fd, 3);
    g_assert_cmpstr(replies, ==, "OK 0x0000000000000000\n"
                    "FAIL Unknown command 'bogus'\nOK\n");
    g_free(replies);
    g_assert_cmpint(write(fd, "ess\n", 4), ==, 4);
    replies = read_lines(fd, 1);
    g_assert_cmpstr(replies, ==, "OK little\n");

    g_assert_true(g_file_get_contents(log, &logtext, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(logtext, "\n", -1);
    static const char *const expect[] = {
        "^\\[I [0-9]+\\.[0-9]{6}\\] OPENED$",
        "^\\[R \\+[0-9]+\\.[0-9]{6}\\] readb 0x9000$",
        "^\\[S \\+[0-9]+\\.[0-9]{6}\\] OK 0x0000000000000000$",
        "^\\[R \\+[0-9]+\\.[0-9]{6}\\] bogus$",
        "^\\[S \\+[0-9]+\\.[0-9]{6}\\] FAIL Unknown command 'bogus'$",
        "^\\[R \\+[0-9]+\\.[0-9]{6}\\] writel 0x9000 0x1$",
        "^\\[S \\+[0-9]+\\.[0-9]{6}\\] OK$",
        "^\\[R \\+[0-9]+\\.[0-9]{6}\\] endianness$",
        "^\\[S \\+[0-9]+\\.[0-9]{6}\\] OK little$",
    };
    g_assert_cmpuint(g_strv_length(lines), >=, ARRAY_SIZE(expect));
    for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
        if (!g_regex_match_simple(expect[i], lines[i], 0, 0)) {
            g_error("log line %zu '%s' does not match %s", i, lines[i],
                    expect[i]);
        }
    }
    close(fd);
    close(lfd);
    chardev_cleanup_all();
    unlink(log);
    unlink(sock);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup();
    g_test_add_func("/qtest-line/endianness", test_endianness);
    g_test_add_func("/qtest-line/sized-memory", test_sized_memory);
    g_test_add_func("/qtest-line/read-write", test_read_write);
    g_test_add_func("/qtest-line/b64", test_b64);
    g_test_add_func("/qtest-line/memset", test_memset);
    g_test_add_func("/qtest-line/size-limits", test_size_limits);
    g_test_add_func("/qtest-line/ports", test_ports);
    g_test_add_func("/qtest-line/bad-input", test_bad_input);
    g_test_add_func("/qtest-line/clock", test_clock);
    g_test_add_func("/qtest-line/irq-in", test_irq_in);
    g_test_add_func("/qtest-line/irq-out", test_irq_out);
    g_test_add_func("/qtest-line/target-command", test_target_command);
    g_test_add_func("/qtest-line/server-and-log", test_server_and_log);
    return g_test_run();
}
