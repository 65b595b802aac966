/*
 * Chardevs from the command line: bad -chardev / -serial options end the
 * program with status 1 and one line naming the problem; good ones work
 * end to end (-qmp unix server, file backends, a serial port on a socket
 * when the machine has a 16550 at 0x3f8).
 */
#include "libqtest.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmpdir;

typedef struct {
    const char *args;   /* extra command line, split on spaces */
    const char *want;   /* must appear in the error line */
} BadCase;

static const BadCase bad_cases[] = {
    { "-chardev bogus,id=x", "'bogus' is not a valid char driver name" },
    { "-chardev null", "chardev: no id specified" },
    { "-chardev null,id=1x", "Parameter 'id' expects an identifier" },
    { "-chardev null,id=x,foo=bar", "Invalid parameter 'foo'" },
    { "-chardev null,id=x -chardev null,id=x",
      "Duplicate ID 'x' for chardev" },
    { "-chardev socket,id=x", "'path' or 'host' option required" },
    { "-chardev socket,id=x,host=localhost",
      "chardev: socket: no port given" },
    { "-chardev socket,id=x,path=/nonexistent-kite/q.sock",
      "Failed to connect to '/nonexistent-kite/q.sock': No such file or "
      "directory" },
    { "-chardev socket,id=x,path=/nonexistent-kite/q.sock,server=on,wait=off",
      "Failed to bind socket to /nonexistent-kite/q.sock" },
    { "-chardev socket,id=x,path=/tmp/k.sock,server=maybe",
      "Parameter 'server' expects 'on' or 'off'" },
    { "-chardev file,id=x", "chardev: file: no filename given" },
    { "-chardev file,id=x,path=/nonexistent-kite/out",
      "Could not open '/nonexistent-kite/out'" },
    { "-chardev ringbuf,id=x,size=3",
      "size of ringbuf chardev must be power of two" },
    { "-serial bogus", "'bogus' is not a valid char driver" },
    { "-serial chardev:nope", "chardev \"nope\" not found" },
};

static void test_bad_option(const void *data)
{
    const BadCase *c = data;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_auto(GStrv) extra = g_strsplit(c->args, " ", -1);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    /* timeout(1) keeps a Kite that wrongly keeps running from hanging us. */
    g_ptr_array_add(argv, (char *)"timeout");
    g_ptr_array_add(argv, (char *)"30");
    g_ptr_array_add(argv, (char *)qtest_qemu_binary());
    g_ptr_array_add(argv, (char *)"-M");
    g_ptr_array_add(argv, (char *)"none");
    g_ptr_array_add(argv, (char *)"-accel");
    g_ptr_array_add(argv, (char *)"qtest");
    g_ptr_array_add(argv, (char *)"-display");
    g_ptr_array_add(argv, (char *)"none");
    for (int i = 0; extra[i]; i++) {
        g_ptr_array_add(argv, extra[i]);
    }
    g_ptr_array_add(argv, NULL);

    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, &gerr));
    g_assert_no_error(gerr);
    if (g_test_verbose()) {
        g_printerr("%s -> %s", c->args, err);
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    /* One line, naming the problem. */
    g_assert_nonnull(strstr(err, c->want));
    g_assert_true(g_str_has_suffix(err, "\n"));
    g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read from @fd until @want has been seen or 10 s pass. */
static GString *read_until(int fd, const char *want)
{
    GString *got = g_string_new(NULL);
    int64_t end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;

    while (!strstr(got->str, want) && g_get_monotonic_time() < end) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        char buf[512];
        ssize_t n;

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        g_string_append_len(got, buf, n);
    }
    return got;
}

static void test_qmp_unix_server(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "qmp.sock", NULL);
    g_autofree char *args = g_strdup_printf("-qmp unix:%s,server=on,wait=off",
                                            path);
    QTestState *qts = qtest_init(args);
    g_autoptr(GString) got = NULL;
    int fd = unix_connect(path);

    g_assert_cmpint(fd, >=, 0);
    got = read_until(fd, "\n");
    g_assert_true(g_str_has_prefix(got->str, "{\"QMP\""));
    /* The server takes a new client once this one leaves. */
    close(fd);
    g_string_free(got, true);
    fd = -1;
    for (int i = 0; i < 100 && fd < 0; i++) {
        fd = unix_connect(path);
    }
    g_assert_cmpint(fd, >=, 0);
    got = read_until(fd, "\n");
    g_assert_true(g_str_has_prefix(got->str, "{\"QMP\""));
    close(fd);
    qtest_quit(qts);
}

static void test_file_backends(void)
{
    g_autofree char *f1 = g_build_filename(tmpdir, "c.txt", NULL);
    g_autofree char *f2 = g_build_filename(tmpdir, "s.txt", NULL);
    g_autofree char *args = NULL;
    g_autofree char *contents = NULL;
    QTestState *qts;

    /* Both files start over (truncated) when Kite opens them. */
    g_assert_true(g_file_set_contents(f1, "old", -1, NULL));
    args = g_strdup_printf("-chardev file,path=%s,id=c -serial file:%s "
                           "-device isa-serial,chardev=c,iobase=0x2f8",
                           f1, f2);
    qts = qtest_init(args);
    g_assert_true(g_file_get_contents(f1, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "");
    g_assert_true(g_file_test(f2, G_FILE_TEST_EXISTS));

    /* What the UART sends lands in the file. */
    for (const char *p = "file ok\n"; *p; p++) {
        qtest_outb(qts, 0x2f8, *p);
    }
    qtest_quit(qts);
    g_free(contents);
    g_assert_true(g_file_get_contents(f1, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "file ok\n");
}

/* A 16550 reads LSR (base + 5) with THRE/TEMT set when idle; an empty
 * port reads all ones. */
static bool have_uart(QTestState *qts, uint16_t base)
{
    return qtest_inb(qts, base + 5) != 0xff;
}

/* Bytes out of the UART at @base reach the socket at @path; bytes from
 * the socket show up in its receive buffer. */
static void serial_roundtrip(QTestState *qts, uint16_t base,
                             const char *path)
{
    g_autoptr(GString) got = NULL;
    int fd = unix_connect(path);

    g_assert_cmpint(fd, >=, 0);
    for (const char *p = "hi!"; *p; p++) {
        qtest_outb(qts, base, *p);
    }
    got = read_until(fd, "hi!");
    g_assert_cmpstr(got->str, ==, "hi!");

    /* LSR.DR (bit 0) rises once the byte has crossed the main loop. */
    g_assert_cmpint(write(fd, "Z", 1), ==, 1);
    for (int i = 0; i < 5000 && !(qtest_inb(qts, base + 5) & 1); i++) {
        g_usleep(1000);
    }
    g_assert_cmpint(qtest_inb(qts, base + 5) & 1, ==, 1);
    g_assert_cmpint(qtest_inb(qts, base), ==, 'Z');
    g_assert_cmpint(qtest_inb(qts, base + 5) & 1, ==, 0);
    close(fd);
}

static void test_serial_device_socket(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "dev.sock", NULL);
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=s,path=%s,server=on,wait=off "
        "-device isa-serial,chardev=s,iobase=0x2f8", path);
    QTestState *qts = qtest_init(args);

    g_assert_true(have_uart(qts, 0x2f8));
    serial_roundtrip(qts, 0x2f8, path);
    qtest_quit(qts);
}

static void test_serial_option_socket(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "ser.sock", NULL);
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=s,path=%s,server=on,wait=off -serial chardev:s",
        path);
    QTestState *qts = qtest_init(args);

    /* microvm puts the first -serial port's 16550 at 0x3f8 */
    g_assert_true(have_uart(qts, 0x3f8));
    serial_roundtrip(qts, 0x3f8, path);
    qtest_quit(qts);
}

static void remove_tmpdir(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);
        unlink(p);
    }
    if (dir) {
        g_dir_close(dir);
    }
    rmdir(tmpdir);
    g_free(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("kite-chardev-test-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/chardev/cmdline/bad/%zu",
                                                i);
        qtest_add_data_func(name, &bad_cases[i], test_bad_option);
    }
    qtest_add_func("/chardev/qmp-unix-server", test_qmp_unix_server);
    qtest_add_func("/chardev/file-backends", test_file_backends);
    qtest_add_func("/chardev/serial-device-socket",
                   test_serial_device_socket);
    qtest_add_func("/chardev/serial-option-socket",
                   test_serial_option_socket);
    ret = g_test_run();
    remove_tmpdir();
    return ret;
}
