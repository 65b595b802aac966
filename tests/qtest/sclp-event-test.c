/*
 * The SCLP event facility through qtest: Write Event Mask, Write Event
 * Data and Read Event Data with their response codes, the ASCII and
 * line-mode consoles on a socket chardev this test serves, and signal
 * quiesce on system_powerdown.
 */
#include "sclp-common.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#define SCCB 0x20000ULL

typedef struct EvFixture {
    QTestState *qts;
    int listen_fd;
    int fd;              /* the VMM's chardev connection */
    char *dir, *path;
} EvFixture;

/* Listen on a unix socket; the chardev connects to it as a client while
 * the VMM starts, so the connection exists before the first request. */
static bool ev_start(EvFixture *f, const char *device)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    memset(f, 0, sizeof(*f));
    f->dir = g_dir_make_tmp("sclp-event-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "con.sock", NULL);
    g_assert_cmpuint(strlen(f->path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, f->path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(f->listen_fd, >=, 0);
    g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)),
                    ==, 0);
    g_assert_cmpint(listen(f->listen_fd, 1), ==, 0);
    f->fd = -1;
    f->qts = sclp_start("-m 256M -chardev socket,id=con,path=%s "
                        "-device %s,chardev=con", f->path, device);
    if (!f->qts) {
        return false;
    }
    f->fd = accept(f->listen_fd, NULL, NULL);
    g_assert_cmpint(f->fd, >=, 0);
    return true;
}

static void ev_stop(EvFixture *f)
{
    if (f->qts) {
        qtest_quit(f->qts);
    }
    if (f->fd >= 0) {
        close(f->fd);
    }
    close(f->listen_fd);
    unlink(f->path);
    rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

/* Read exactly @len bytes from the chardev peer within 10 s. */
static void ev_read_exact(EvFixture *f, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = { .fd = f->fd, .events = POLLIN };
        g_assert_cmpint(poll(&p, 1, 10000), ==, 1);
        ssize_t n = read(f->fd, buf + got, len - got);
        g_assert_cmpint(n, >, 0);
        got += n;
    }
}

/* Nothing more arrives on the chardev within 100 ms. */
static void ev_expect_silence(EvFixture *f)
{
    struct pollfd p = { .fd = f->fd, .events = POLLIN };
    g_assert_cmpint(poll(&p, 1, 100), ==, 0);
}

/* Poll ext_int until a service signal arrives (input is read by the
 * main loop asynchronously); returns its parameter. */
static uint32_t ev_wait_service(QTestState *qts)
{
    for (int i = 0; i < 1000; i++) {
        unsigned code;
        uint32_t p;
        if (sclp_ext_int(qts, &code, &p)) {
            g_assert_cmphex(code, ==, 0x2401);
            return p;
        }
        g_usleep(10 * 1000);
    }
    g_error("no service signal within 10 s");
    return 0;
}

/* Run @cmd on the SCCB image @buf (its header holds the length), copy
 * the result back into @buf and return the response code; the service
 * signal must carry @pending. */
static uint16_t ev_servc(QTestState *qts, uint32_t cmd, uint8_t *buf,
                         size_t len, bool pending)
{
    qtest_memwrite(qts, SCCB, buf, len);
    g_assert_cmpint(sclp_servc(qts, cmd, SCCB), ==, 0);
    qtest_memread(qts, SCCB, buf, len);
    sclp_expect_service(qts, (uint32_t)SCCB | (pending ? 1 : 0));
    return (uint16_t)(buf[6] << 8 | buf[7]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Write Event Mask with 4-byte masks; returns the response code and the
 * SCLP's receive and send masks. */
static uint16_t ev_set_mask(QTestState *qts, uint32_t receive, uint32_t send,
                            uint32_t *sclp_recv, uint32_t *sclp_send,
                            bool pending)
{
    uint8_t b[28] = { 0 };
    put16(b, sizeof(b));
    put16(b + 10, 4);
    put32(b + 12, receive);
    put32(b + 16, send);
    uint16_t rc = ev_servc(qts, SCLP_WEM, b, sizeof(b), pending);
    if (sclp_recv) {
        *sclp_recv = (uint32_t)get16(b + 20) << 16 | get16(b + 22);
    }
    if (sclp_send) {
        *sclp_send = (uint32_t)get16(b + 24) << 16 | get16(b + 26);
    }
    return rc;
}

#define MASK(t) (1u << (32 - (t)))

static void test_event_mask_lengths(void)
{
    EvFixture f;
    if (!ev_start(&f, "sclpconsole")) {
        ev_stop(&f);
        return;
    }
    uint32_t r, s;
    /* ASCII console both ways, signal quiesce to the guest. */
    g_assert_cmphex(ev_set_mask(f.qts, 0, 0, &r, &s, false), ==, 0x0020);
    g_assert_cmphex(r, ==, MASK(0x1a));
    g_assert_cmphex(s, ==, MASK(0x1a) | MASK(0x1d));

    /* Every mask length 1..1021 is accepted; four masks must fit. */
    SclpBatch *b = sclp_batch_new();
    for (unsigned ml = 0; ml <= 1023; ml++) {
        unsigned len = 12 + 4 * ml;
        const char *rc = ml == 0 || ml > 1021 ? "OK 0x00000000000074f0"
                                              : "OK 0x0000000000000020";
        if (len > 4096) {
            len = 4096;     /* too long masks: invalid mask length first */
        }
        sclp_batch_add(b, "OK", "memset 0x%llx %u 0", SCCB, len);
        sclp_batch_add(b, "OK", "write 0x%llx 2 0x%04x", SCCB, len);
        sclp_batch_add(b, "OK", "write 0x%llx 2 0x%04x", SCCB + 10, ml);
        sclp_batch_add(b, "OK cc 0", "servc 0x%08x 0x%llx", SCLP_WEM, SCCB);
        sclp_batch_add(b, rc, "readw 0x%llx", SCCB + 6);
        if (ml >= 4 && ml <= 1021) {
            /* The SCLP's send mask: byte 3 has 0x40 (0x1a) | 0x08 (0x1d). */
            sclp_batch_add(b, "OK 0x0000000000000048", "readb 0x%llx",
                           SCCB + 12 + 3 * ml + 3);
        }
        sclp_batch_ext(b, SCCB);
    }
    /* SCCBs of 8-11 bytes have no room for the mask length field (found
     * by fuzz-sclp: it was read before the length was checked). */
    for (unsigned len = 8; len < 12; len++) {
        sclp_batch_add(b, "OK", "write 0x%llx 2 0x%04x", SCCB, len);
        sclp_batch_add(b, "OK cc 0", "servc 0x%08x 0x%llx", SCLP_WEM, SCCB);
        sclp_batch_add(b, "OK 0x0000000000000300", "readw 0x%llx", SCCB + 6);
        sclp_batch_ext(b, SCCB);
    }
    /* Mask length 8 in an SCCB with room for only three masks. */
    sclp_batch_add(b, "OK", "write 0x%llx 2 0x%04x", SCCB, 12 + 24);
    sclp_batch_add(b, "OK", "write 0x%llx 2 0x0008", SCCB + 10);
    sclp_batch_add(b, "OK cc 0", "servc 0x%08x 0x%llx", SCLP_WEM, SCCB);
    sclp_batch_add(b, "OK 0x0000000000000300", "readw 0x%llx", SCCB + 6);
    sclp_batch_ext(b, SCCB);
    sclp_batch_run(f.qts, b);
    ev_stop(&f);
}

/* An ASCII console event buffer holding @text. */
static size_t ev_ascii_sccb(uint8_t *b, const char *text)
{
    size_t n = strlen(text);
    size_t len = 8 + 6 + n;
    memset(b, 0, len);
    put16(b, (uint16_t)len);
    put16(b + 8, (uint16_t)(6 + n));
    b[10] = 0x1a;
    memcpy(b + 14, text, n);
    return len;
}

static void test_console_round_trip(void)
{
    EvFixture f;
    uint8_t b[4096];
    char out[64];
    if (!ev_start(&f, "sclpconsole")) {
        ev_stop(&f);
        return;
    }
    /* Output needs no mask: the buffer goes to the chardev as is. */
    size_t len = ev_ascii_sccb(b, "Hello from SCLP\n");
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x0020);
    g_assert_cmphex(b[11], ==, 0x80);          /* buffer accepted */
    ev_read_exact(&f, out, 16);
    g_assert_cmpmem(out, 16, "Hello from SCLP\n", 16);

    /* Input before the guest enabled the console: no signal yet. */
    g_assert_cmpint(write(f.fd, "abc", 3), ==, 3);
    g_usleep(100 * 1000);
    sclp_expect_no_interrupt(f.qts);
    /* Enabling it reports the pending event in the completion. */
    g_assert_cmphex(ev_set_mask(f.qts, MASK(0x1a), MASK(0x1a), NULL, NULL,
                                true), ==, 0x0020);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    g_assert_cmpuint(get16(b + 8), ==, 6 + 3);
    g_assert_cmphex(b[10], ==, 0x1a);
    g_assert_cmpmem(b + 14, 3, "abc", 3);
    /* Nothing more to read. */
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x60f0);

    /* Input while enabled: an unsolicited service signal (parameter 1). */
    g_assert_cmpint(write(f.fd, "xyz\n", 4), ==, 4);
    g_assert_cmphex(ev_wait_service(f.qts), ==, 1);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    b[5] = 0x80;                       /* variable-length response */
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    g_assert_cmpuint(get16(b), ==, 8 + 6 + 4);
    g_assert_cmphex(b[5], ==, 0);
    g_assert_cmpmem(b + 14, 4, "xyz\n", 4);
    ev_expect_silence(&f);
    ev_stop(&f);
}

static void test_write_event_data_errors(void)
{
    EvFixture f;
    uint8_t b[64];
    if (!ev_start(&f, "sclpconsole")) {
        ev_stop(&f);
        return;
    }
    size_t len = ev_ascii_sccb(b, "x");
    b[2] = 1;                                   /* function code */
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x40f0);

    len = ev_ascii_sccb(b, "x");
    b[10] = 0x55;                               /* nobody's event type */
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x40f0);

    len = ev_ascii_sccb(b, "x");
    put16(b + 8, 5);                            /* shorter than its header */
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x73f0);

    len = ev_ascii_sccb(b, "x");
    put16(b + 8, 8);                            /* past the SCCB */
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x73f0);

    len = ev_ascii_sccb(b, "x");
    put16(b, (uint16_t)(len + 3));              /* 3 stray bytes after it */
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len + 3, false), ==, 0x72f0);

    /* A good buffer then an unknown one: the second is not accepted. */
    len = ev_ascii_sccb(b, "ok");
    memset(b + len, 0, 8);
    put16(b + len, 8);
    b[len + 2] = 0x55;
    b[len + 3] = 0x80;
    put16(b, (uint16_t)(len + 8));
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len + 8, false), ==, 0x40f0);
    g_assert_cmphex(b[11], ==, 0x80);
    g_assert_cmphex(b[len + 3], ==, 0x80);   /* left alone: it failed */
    char out[2];
    ev_read_exact(&f, out, 2);
    g_assert_cmpmem(out, 2, "ok", 2);

    /* Nothing was written by the failing requests. */
    ev_expect_silence(&f);
    ev_stop(&f);
}

static void test_read_event_data_errors(void)
{
    EvFixture f;
    uint8_t b[4096];
    if (!ev_start(&f, "sclpconsole")) {
        ev_stop(&f);
        return;
    }
    memset(b, 0, sizeof(b));
    put16(b, 4088);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4088, false), ==, 0x0300);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    b[2] = 2;
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x40f0);
    /* Selective read before any mask: nothing may be selected. */
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    b[2] = 1;
    put32(b + 8, MASK(0x1a));
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x70f0);

    g_assert_cmphex(ev_set_mask(f.qts, MASK(0x1a), 0, NULL, NULL, false),
                    ==, 0x0020);
    /* A type the guest does not receive, and an empty selection. */
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    b[2] = 1;
    put32(b + 8, MASK(0x1a) | MASK(0x1d));
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x70f0);
    put32(b + 8, 0);
    b[6] = b[7] = 0;
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x70f0);
    /* A good selection with nothing pending. */
    put32(b + 8, MASK(0x1a));
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x60f0);
    /* Unconditional read: the same. */
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x60f0);

    /* With input pending, a selective read for the console gets it. */
    g_assert_cmpint(write(f.fd, "q", 1), ==, 1);
    g_assert_cmphex(ev_wait_service(f.qts), ==, 1);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    b[2] = 1;
    put32(b + 8, MASK(0x1a));
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    g_assert_cmphex(b[10], ==, 0x1a);
    g_assert_cmphex(b[14], ==, 'q');
    ev_stop(&f);
}

/* EBCDIC (code page 037) for the few characters the test uses. */
static uint8_t to_ebcdic(char c)
{
    if (c >= 'a' && c <= 'i') return 0x81 + (c - 'a');
    if (c >= 'j' && c <= 'r') return 0x91 + (c - 'j');
    if (c >= 's' && c <= 'z') return 0xa2 + (c - 's');
    if (c >= '0' && c <= '9') return 0xf0 + (c - '0');
    if (c == ' ') return 0x40;
    g_assert_not_reached();
}

/* A message event: MDB header, then one MTO per line. */
static size_t ev_lm_sccb(uint8_t *b, const char *const *lines, size_t n)
{
    size_t off = 8 + 6 + 12;
    memset(b, 0, 512);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        put16(b + off, (uint16_t)(10 + l));
        put16(b + off + 2, 4);
        for (size_t j = 0; j < l; j++) {
            b[off + 10 + j] = to_ebcdic(lines[i][j]);
        }
        off += 10 + l;
    }
    put16(b, (uint16_t)off);
    put16(b + 8, (uint16_t)(off - 8));
    b[10] = 0x02;
    put16(b + 14, (uint16_t)(off - 14));        /* MDB length */
    put16(b + 16, 1);
    put32(b + 18, 0xd4c4c240);
    put32(b + 22, 1);
    return off;
}

static void test_line_mode_console(void)
{
    EvFixture f;
    uint8_t b[4096];
    char out[32];
    if (!ev_start(&f, "sclplmconsole")) {
        ev_stop(&f);
        return;
    }
    uint32_t r, s;
    g_assert_cmphex(ev_set_mask(f.qts, MASK(1), MASK(2), &r, &s, false), ==,
                    0x0020);
    g_assert_cmphex(r, ==, MASK(2));
    g_assert_cmphex(s, ==, MASK(1) | MASK(0x1d));

    static const char *const lines[] = { "line one", "line 2" };
    size_t len = ev_lm_sccb(b, lines, 2);
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x0020);
    g_assert_cmphex(b[11], ==, 0x80);
    ev_read_exact(&f, out, 16);
    g_assert_cmpmem(out, 16, "line one\nline 2\n", 16);

    /* An MTO running past the MDB: syntax error, nothing written. */
    len = ev_lm_sccb(b, lines, 1);
    put16(b + 26, 200);
    g_assert_cmphex(ev_servc(f.qts, SCLP_WED, b, len, false), ==, 0x73f0);
    ev_expect_silence(&f);

    /* A typed line becomes an operator command once it is complete. */
    g_assert_cmpint(write(f.fd, "ls", 2), ==, 2);
    g_usleep(100 * 1000);
    sclp_expect_no_interrupt(f.qts);
    g_assert_cmpint(write(f.fd, " 1\n", 3), ==, 3);
    g_assert_cmphex(ev_wait_service(f.qts), ==, 1);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    const uint8_t *e = b + 8;
    g_assert_cmpuint(get16(e), ==, 6 + 12 + 4 + 4);
    g_assert_cmphex(e[2], ==, 0x01);
    g_assert_cmphex(get16(e + 6), ==, 20);       /* MDS message unit */
    g_assert_cmphex(get16(e + 8), ==, 0x1310);
    g_assert_cmphex(get16(e + 10), ==, 16);      /* CP-MSU */
    g_assert_cmphex(get16(e + 12), ==, 0x1212);
    g_assert_cmphex(get16(e + 14), ==, 12);      /* text command */
    g_assert_cmphex(get16(e + 16), ==, 0x1320);
    g_assert_cmphex(e[18], ==, 8);               /* self-defined text msg */
    g_assert_cmphex(e[19], ==, 0x31);
    g_assert_cmphex(e[20], ==, 6);               /* text */
    g_assert_cmphex(e[21], ==, 0x30);
    static const uint8_t ls1[] = { 0x93, 0xa2, 0x40, 0xf1 };
    g_assert_cmpmem(e + 22, 4, ls1, 4);
    ev_stop(&f);
}

static void test_signal_quiesce(void)
{
    EvFixture f;
    uint8_t b[4096];
    if (!ev_start(&f, "sclpconsole")) {
        ev_stop(&f);
        return;
    }
    /* Not enabled: the powerdown stays pending without a signal. */
    qtest_qmp_assert_success(f.qts, "{'execute': 'system_powerdown'}");
    g_usleep(50 * 1000);
    sclp_expect_no_interrupt(f.qts);
    g_assert_cmphex(ev_set_mask(f.qts, MASK(0x1d), 0, NULL, NULL, true), ==,
                    0x0020);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    g_assert_cmpuint(get16(b + 8), ==, 9);
    g_assert_cmphex(b[10], ==, 0x1d);

    /* Enabled: system_powerdown raises the service signal itself. */
    qtest_qmp_assert_success(f.qts, "{'execute': 'system_powerdown'}");
    g_assert_cmphex(ev_wait_service(f.qts), ==, 1);
    memset(b, 0, sizeof(b));
    put16(b, 4096);
    g_assert_cmphex(ev_servc(f.qts, SCLP_RED, b, 4096, false), ==, 0x0020);
    g_assert_cmphex(b[10], ==, 0x1d);
    g_assert_cmpuint(get16(b + 8 + 6), ==, 0);    /* timeout */
    ev_stop(&f);
}

static void test_device_errors(void)
{
    const char *bin = getenv("KITE_S390X_BINARY");
    if (!bin) {
        g_test_skip("KITE_S390X_BINARY is not set");
        return;
    }
    const char *argv1[] = { bin, "-M", "s390-ccw-virtio", "-display", "none",
                            "-accel", "qtest", "-device",
                            "sclpconsole,chardev=nope", NULL };
    int status;
    g_autofree char *err = NULL;
    g_assert_true(kite_run_cmdline(argv1, &status, &err));
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "nope"));
    const char *argv2[] = { bin, "-M", "s390-ccw-virtio", "-display", "none",
                            "-accel", "qtest", "-chardev", "null,id=a",
                            "-chardev", "null,id=b",
                            "-device", "sclpconsole,chardev=a",
                            "-device", "sclpconsole,chardev=b", NULL };
    g_autofree char *err2 = NULL;
    g_assert_true(kite_run_cmdline(argv2, &status, &err2));
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err2, "Multiple sclpconsole"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/s390x/sclp-event/mask-lengths", test_event_mask_lengths);
    g_test_add_func("/s390x/sclp-event/console", test_console_round_trip);
    g_test_add_func("/s390x/sclp-event/write-errors",
                    test_write_event_data_errors);
    g_test_add_func("/s390x/sclp-event/read-errors",
                    test_read_event_data_errors);
    g_test_add_func("/s390x/sclp-event/line-mode", test_line_mode_console);
    g_test_add_func("/s390x/sclp-event/signal-quiesce", test_signal_quiesce);
    g_test_add_func("/s390x/sclp-event/device-errors", test_device_errors);
    return g_test_run();
}
