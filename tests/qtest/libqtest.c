/*
 * libqtest: start a VMM under test and speak the qtest protocol to it
 * (see libqtest.h; QMP is in libqtest-qmp.c).  The process set-up follows
 * QEMU's libqtest: two listening unix sockets in a private directory, the
 * VMM connects to both.
 */
#include "libqtest-internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

void qtest_die(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "libqtest: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (s && !s->exited && s->pid > 0) {
        kill(s->pid, SIGKILL);
    }
    abort();
}

/*
 * $QTEST_QEMU_BINARY, or else the Kite built next to this test program
 * (tests run from BUILD/tests/qtest/, the binary is BUILD/kite-system-x86_64).
 */
const char *qtest_qemu_binary(void)
{
    static char *fallback;
    const char *bin = getenv("QTEST_QEMU_BINARY");

    if (bin && *bin) {
        return bin;
    }
    if (!fallback) {
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *guess = dir ? g_build_filename(
            dir, "..", "..", "kite-system-x86_64", NULL) : NULL;

        if (!guess || !g_file_test(guess, G_FILE_TEST_IS_EXECUTABLE)) {
            fprintf(stderr, "Environment variable QTEST_QEMU_BINARY required"
                    " (no built kite-system-x86_64 found either)\n");
            exit(1);
        }
        fallback = g_canonicalize_filename(guess, NULL);
    }
    return fallback;
}

const char *qtest_get_arch(void)
{
    const char *bin = qtest_qemu_binary();
    const char *dash = strrchr(bin, '-');

    if (!dash) {
        fprintf(stderr, "Can't determine the target from '%s'\n", bin);
        exit(1);
    }
    return dash + 1;
}

void qtest_add_func(const char *str, void (*fn)(void))
{
    g_autofree char *path = g_strdup_printf("/%s/%s", qtest_get_arch(),
                                            str[0] == '/' ? str + 1 : str);
    g_test_add_func(path, fn);
}

void qtest_add_data_func(const char *str, const void *data,
                         void (*fn)(const void *))
{
    g_autofree char *path = g_strdup_printf("/%s/%s", qtest_get_arch(),
                                            str[0] == '/' ? str + 1 : str);
    g_test_add_data_func(path, data, fn);
}

/* ---- sockets and the process ---- */

static int listen_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(addr.sun_path)) {
        qtest_die(NULL, "cannot create socket %s", path);
    }
    strcpy(addr.sun_path, path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        qtest_die(NULL, "cannot listen on %s: %s", path, g_strerror(errno));
    }
    return fd;
}

static bool child_reap(QTestState *s, bool block)
{
    pid_t r;

    if (s->exited) {
        return true;
    }
    do {
        r = waitpid(s->pid, &s->wstatus, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == s->pid) {
        s->exited = true;
    }
    return s->exited;
}

static char *describe_status(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        return g_strdup_printf("exit status %d", WEXITSTATUS(wstatus));
    }
    if (WIFSIGNALED(wstatus)) {
        return g_strdup_printf("signal %d (%s)", WTERMSIG(wstatus),
                               strsignal(WTERMSIG(wstatus)));
    }
    return g_strdup_printf("wait status 0x%x", wstatus);
}

/* Accept one connection on @lfd, giving up if the child dies. */
static int accept_child(QTestState *s, int lfd, const char *what)
{
    int waited = 0;

    for (;;) {
        struct pollfd p = { .fd = lfd, .events = POLLIN };
        int r = poll(&p, 1, 100);

        if (r > 0) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
        }
        if (child_reap(s, false)) {
            g_autofree char *st = describe_status(s->wstatus);
            qtest_die(s, "%s exited (%s) before connecting its %s socket",
                      qtest_qemu_binary(), st, what);
        }
        waited += 100;
        if (waited >= CONNECT_TIMEOUT_MS) {
            qtest_die(s, "timed out waiting for the %s connection", what);
        }
    }
}

static void spawn(QTestState *s, const char *command)
{
    if (getenv("QTEST_LOG")) {
        fprintf(stderr, "libqtest: starting %s\n", command);
    }
    s->pid = fork();
    if (s->pid < 0) {
        qtest_die(NULL, "fork: %s", g_strerror(errno));
    }
    if (s->pid == 0) {
        /* Don't outlive the test program if it crashes. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execlp("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
}

static QTestState *qtest_new(bool with_qmp)
{
    QTestState *s = g_new0(QTestState, 1);
    GError *err = NULL;

    s->tmpdir = g_dir_make_tmp("kite-qtest-XXXXXX", &err);
    if (!s->tmpdir) {
        qtest_die(NULL, "cannot make a temporary directory: %s",
                  err->message);
    }
    s->sock_path = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    if (with_qmp) {
        s->qmp_path = g_build_filename(s->tmpdir, "qmp.sock", NULL);
    }
    s->fd = -1;
    s->qmp_fd = -1;
    s->rx = g_string_new(NULL);
    s->qmp_rx = g_string_new(NULL);
    s->pending_events = g_queue_new();
    return s;
}

static void qtest_query_endianness(QTestState *s)
{
    g_autofree char *line = qtest_command(s, "endianness");

    if (strcmp(line, "OK big") == 0) {
        s->big_endian = true;
    } else if (strcmp(line, "OK little") == 0) {
        s->big_endian = false;
    } else {
        qtest_die(s, "unexpected reply to endianness: '%s'", line);
    }
}

static QTestState *qtest_start(const char *binary, const char *extra_args,
                               bool with_qmp)
{
    QTestState *s = qtest_new(with_qmp);
    const char *log = getenv("QTEST_LOG") ? "/dev/fd/2" : "/dev/null";
    int lfd = listen_unix(s->sock_path);
    int qmp_lfd = with_qmp ? listen_unix(s->qmp_path) : -1;
    g_autofree char *command = NULL;

    if (with_qmp) {
        command = g_strdup_printf(
            "exec %s -qtest unix:%s -qtest-log %s "
            "-chardev socket,path=%s,id=char0 -mon chardev=char0,mode=control "
            "-display none %s -accel qtest",
            binary, s->sock_path, log, s->qmp_path,
            extra_args ? extra_args : "");
    } else {
        command = g_strdup_printf("exec %s -qtest unix:%s -qtest-log %s %s",
                                  binary, s->sock_path, log,
                                  extra_args ? extra_args : "");
    }
    spawn(s, command);
    s->fd = accept_child(s, lfd, "qtest");
    if (with_qmp) {
        s->qmp_fd = accept_child(s, qmp_lfd, "QMP");
        close(qmp_lfd);
    }
    close(lfd);
    /* Connected: the socket files are not needed any more, and removing
     * them now leaves nothing behind if the test dies. */
    unlink(s->sock_path);
    if (s->qmp_path) {
        unlink(s->qmp_path);
    }
    rmdir(s->tmpdir);
    qtest_query_endianness(s);
    return s;
}

QTestState *qtest_init_without_qmp_handshake(const char *extra_args)
{
    return qtest_start(qtest_qemu_binary(), extra_args, true);
}

QTestState *qtest_init(const char *extra_args)
{
    QTestState *s = qtest_init_without_qmp_handshake(extra_args);
    json_t *greeting = qtest_qmp_receive_dict(s);

    if (!json_object_get(greeting, "QMP")) {
        qtest_die(s, "the first QMP message is not a greeting");
    }
    json_decref(greeting);
    qtest_qmp_assert_success(s, "{ 'execute': 'qmp_capabilities' }");
    return s;
}

QTestState *qtest_vinitf(const char *fmt, va_list ap)
{
    g_autofree char *args = g_strdup_vprintf(fmt, ap);

    return qtest_init(args);
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    QTestState *s;

    va_start(ap, fmt);
    s = qtest_vinitf(fmt, ap);
    va_end(ap);
    return s;
}

QTestState *qtest_init_qtest_only(const char *binary, const char *extra_args)
{
    return qtest_start(binary, extra_args, false);
}

void qtest_set_expected_status(QTestState *s, int status)
{
    s->expected_status = status;
}

bool qtest_probe_child(QTestState *s)
{
    return !child_reap(s, false);
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

/* Wait up to @ms for the child; false if it is still running. */
static bool wait_exit(QTestState *s, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (child_reap(s, false)) {
            return true;
        }
        g_usleep(10 * 1000);
    }
    return child_reap(s, false);
}

static void check_status(QTestState *s)
{
    if (!WIFEXITED(s->wstatus) ||
        WEXITSTATUS(s->wstatus) != s->expected_status) {
        g_autofree char *st = describe_status(s->wstatus);
        fprintf(stderr, "libqtest: %s ended with %s, expected exit "
                "status %d\n", qtest_qemu_binary(), st, s->expected_status);
        g_test_fail();
    }
}

void qtest_wait_qemu(QTestState *s)
{
    if (!wait_exit(s, EXIT_TIMEOUT_MS)) {
        qtest_die(s, "the VMM did not exit within %d s",
                  EXIT_TIMEOUT_MS / 1000);
    }
    check_status(s);
}

void qtest_quit(QTestState *s)
{
    if (!s) {
        return;
    }
    if (!s->exited) {
        kill(s->pid, SIGTERM);
        if (!wait_exit(s, EXIT_TIMEOUT_MS)) {
            kill(s->pid, SIGKILL);
            child_reap(s, true);
            fprintf(stderr, "libqtest: the VMM ignored SIGTERM\n");
            g_test_fail();
        } else {
            check_status(s);
        }
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    unlink(s->sock_path);
    if (s->qmp_path) {
        unlink(s->qmp_path);
    }
    rmdir(s->tmpdir);
    g_free(s->sock_path);
    g_free(s->qmp_path);
    g_free(s->tmpdir);
    g_string_free(s->rx, TRUE);
    g_string_free(s->qmp_rx, TRUE);
    g_queue_free_full(s->pending_events, (GDestroyNotify)json_decref);
    g_free(s);
}

/* ---- byte streams ---- */

void qtest_write_all(QTestState *s, int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            qtest_die(s, "write to the VMM failed: %s", g_strerror(errno));
        }
        p += n;
        len -= n;
    }
}

char *qtest_read_line(QTestState *s, int fd, GString *rx)
{
    char buf[4096];

    for (;;) {
        char *nl = memchr(rx->str, '\n', rx->len);
        if (nl) {
            size_t n = nl - rx->str;
            char *line = g_strndup(rx->str, n);
            g_string_erase(rx, 0, n + 1);
            if (n && line[n - 1] == '\r') {
                line[n - 1] = '\0';
            }
            return line;
        }
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            g_autofree char *st = NULL;
            if (wait_exit(s, 2000)) {
                st = describe_status(s->wstatus);
            }
            qtest_die(s, "the VMM closed the connection (%s)",
                      st ? st : "still running");
        }
        g_string_append_len(rx, buf, r);
    }
}

/* ---- qtest ---- */

void qtest_send_bytes(QTestState *s, const void *buf, size_t len)
{
    qtest_write_all(s, s->fd, buf, len);
}

void qtest_sendf_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;
    g_autofree char *withnl = NULL;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    withnl = g_strconcat(line, "\n", NULL);
    qtest_send_bytes(s, withnl, strlen(withnl));
}

char *qtest_recv_line_any(QTestState *s)
{
    return qtest_read_line(s, s->fd, s->rx);
}

char *qtest_recv_line(QTestState *s)
{
    for (;;) {
        char *line = qtest_recv_line_any(s);
        int n;

        if (sscanf(line, "IRQ raise %d", &n) == 1 && n >= 0 && n < MAX_IRQ) {
            s->irq_level[n] = true;
        } else if (sscanf(line, "IRQ lower %d", &n) == 1 && n >= 0 &&
                   n < MAX_IRQ) {
            s->irq_level[n] = false;
        } else {
            return line;
        }
        g_free(line);
    }
}

char *qtest_command(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_sendf_raw(s, "%s", line);
    return qtest_recv_line(s);
}

/* Send a request, require "OK" and return the words of the reply. */
static gchar **qtest_rsp(QTestState *s, const char *request)
{
    g_autofree char *line = NULL;

    qtest_sendf_raw(s, "%s", request);
    line = qtest_recv_line(s);
    if (strcmp(line, "OK") != 0 && strncmp(line, "OK ", 3) != 0) {
        qtest_die(s, "request '%.200s' answered '%s'", request, line);
    }
    return g_strsplit(line, " ", 3);
}

static void qtest_ok(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void qtest_ok(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *req = NULL;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strfreev(qtest_rsp(s, req));
}

static uint64_t qtest_value(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* A request whose reply is "OK <number>". */
static uint64_t qtest_value(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *req = NULL;
    g_auto(GStrv) words = NULL;
    char *end;
    uint64_t v;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    words = qtest_rsp(s, req);
    if (!words[1]) {
        qtest_die(s, "request '%s' answered OK without a value", req);
    }
    errno = 0;
    v = g_ascii_strtoull(words[1], &end, 0);
    if (*end || errno) {
        qtest_die(s, "request '%s' answered a bad number '%s'", req,
                  words[1]);
    }
    return v;
}

bool qtest_big_endian(QTestState *s)
{
    return s->big_endian;
}

uint8_t qtest_inb(QTestState *s, uint16_t addr)
{
    return qtest_value(s, "inb 0x%x", addr);
}

uint16_t qtest_inw(QTestState *s, uint16_t addr)
{
    return qtest_value(s, "inw 0x%x", addr);
}

uint32_t qtest_inl(QTestState *s, uint16_t addr)
{
    return qtest_value(s, "inl 0x%x", addr);
}

void qtest_outb(QTestState *s, uint16_t addr, uint8_t value)
{
    qtest_ok(s, "outb 0x%x 0x%x", addr, value);
}

void qtest_outw(QTestState *s, uint16_t addr, uint16_t value)
{
    qtest_ok(s, "outw 0x%x 0x%x", addr, value);
}

void qtest_outl(QTestState *s, uint16_t addr, uint32_t value)
{
    qtest_ok(s, "outl 0x%x 0x%x", addr, value);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_value(s, "readb 0x%" PRIx64, addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_value(s, "readw 0x%" PRIx64, addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_value(s, "readl 0x%" PRIx64, addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_value(s, "readq 0x%" PRIx64, addr);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value)
{
    qtest_ok(s, "writeb 0x%" PRIx64 " 0x%x", addr, value);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t value)
{
    qtest_ok(s, "writew 0x%" PRIx64 " 0x%x", addr, value);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t value)
{
    qtest_ok(s, "writel 0x%" PRIx64 " 0x%x", addr, value);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value)
{
    qtest_ok(s, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, value);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *req = NULL;
    g_auto(GStrv) words = NULL;
    uint8_t *out = data;
    const char *hex;

    if (!size) {
        return;
    }
    req = g_strdup_printf("read 0x%" PRIx64 " 0x%zx", addr, size);
    words = qtest_rsp(s, req);
    hex = words[1] ? words[1] : "";
    if (strncmp(hex, "0x", 2) != 0 || strlen(hex) != 2 + 2 * size) {
        qtest_die(s, "bad reply to '%s'", req);
    }
    for (size_t i = 0; i < size; i++) {
        int hi = g_ascii_xdigit_value(hex[2 + 2 * i]);
        int lo = g_ascii_xdigit_value(hex[3 + 2 * i]);
        if (hi < 0 || lo < 0) {
            qtest_die(s, "non-hex reply to '%s'", req);
        }
        out[i] = hi << 4 | lo;
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    const uint8_t *in = data;
    GString *req;

    if (!size) {
        return;
    }
    req = g_string_sized_new(32 + 2 * size);
    g_string_printf(req, "write 0x%" PRIx64 " 0x%zx 0x", addr, size);
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(req, "%02x", in[i]);
    }
    g_strfreev(qtest_rsp(s, req->str));
    g_string_free(req, TRUE);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *req = NULL;
    g_auto(GStrv) words = NULL;
    g_autofree uint8_t *bytes = NULL;
    gsize len = 0;

    if (!size) {
        return;
    }
    req = g_strdup_printf("b64read 0x%" PRIx64 " 0x%zx", addr, size);
    words = qtest_rsp(s, req);
    bytes = g_base64_decode(words[1] ? words[1] : "", &len);
    if (len != size) {
        qtest_die(s, "'%s' returned %zu bytes", req, (size_t)len);
    }
    memcpy(data, bytes, size);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    g_autofree char *b64 = NULL;

    if (!size) {
        return;
    }
    b64 = g_base64_encode(data, size);
    qtest_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, size, b64);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t patt, size_t size)
{
    qtest_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, size, patt);
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return (int64_t)qtest_value(s, "clock_step");
}

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    return (int64_t)qtest_value(s, "clock_step %" PRIi64, step);
}

int64_t qtest_clock_set(QTestState *s, int64_t val)
{
    return (int64_t)qtest_value(s, "clock_set %" PRIi64, val);
}

void qtest_irq_intercept_in(QTestState *s, const char *qom_path)
{
    qtest_ok(s, "irq_intercept_in %s", qom_path);
}

void qtest_irq_intercept_out(QTestState *s, const char *qom_path)
{
    qtest_ok(s, "irq_intercept_out %s", qom_path);
}

void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name,
                      int irq, int level)
{
    qtest_ok(s, "set_irq_in %s %s %d %d", qom_path, name ? name : "unnamed",
             irq, level);
}

bool qtest_get_irq(QTestState *s, int num)
{
    g_assert(num >= 0 && num < MAX_IRQ);
    /* A round trip, so that IRQ lines sent before it have been seen. */
    qtest_ok(s, "endianness");
    return s->irq_level[num];
}
