/*
 * Chardevs: unix and tcp sockets (server and client in one process), file,
 * null, ringbuf and stdio backends, the short spec forms, flow control,
 * and the error messages for bad options.
 */
#include "kite/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char *tmpdir;

/* ---- a recording frontend ---- */

typedef struct {
    GString *data;
    int opened;
    int closed;
    size_t can_read;     /* what can_read answers */
    size_t max_chunk;    /* biggest single read delivered */
} Fe;

static size_t fe_can_read(void *opaque)
{
    return ((Fe *)opaque)->can_read;
}

static void fe_read(void *opaque, const uint8_t *buf, size_t len)
{
    Fe *fe = opaque;

    g_assert_cmpuint(len, <=, fe->can_read);
    g_string_append_len(fe->data, (const char *)buf, len);
    fe->max_chunk = MAX(fe->max_chunk, len);
}

static void fe_event(void *opaque, ChardevEvent event)
{
    Fe *fe = opaque;

    if (event == CHR_EVENT_OPENED) {
        fe->opened++;
    } else {
        fe->closed++;
    }
}

static void fe_init(Fe *fe)
{
    memset(fe, 0, sizeof(*fe));
    fe->data = g_string_new(NULL);
    fe->can_read = 4096;
}

static void fe_attach(Chardev *chr, Fe *fe)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(chardev_attach(chr, fe_can_read, fe_read, fe_event, fe,
                                 &err));
    g_assert_no_error(err);
}

static gboolean wake_up(gpointer data)
{
    return G_SOURCE_REMOVE;
}

/* Run the main loop until @cond holds or 5 s pass. */
#define RUN_UNTIL(cond) do {                                              \
        int64_t end_ = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;  \
        while (!(cond) && g_get_monotonic_time() < end_) {               \
            guint w_ = g_timeout_add(50, wake_up, NULL);                 \
            g_main_context_iteration(NULL, true);                        \
            if (g_main_context_find_source_by_id(NULL, w_)) {            \
                g_source_remove(w_);                                     \
            }                                                            \
        }                                                                \
        g_assert_true(cond);                                             \
    } while (0)

/* Let pending main-loop work run without blocking. */
static void run_pending(void)
{
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, false);
    }
    g_usleep(10 * 1000);
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, false);
    }
}

static Chardev *new_chardev(const char *str, GError **errp)
{
    KiteOpts *opts = kite_opts_parse(str, "backend", errp);
    Chardev *chr;

    if (!opts) {
        return NULL;
    }
    chr = chardev_new_from_opts(opts, errp);
    kite_opts_free(opts);
    return chr;
}

static Chardev *new_chardev_ok(const char *str)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = new_chardev(str, &err);

    g_assert_no_error(err);
    g_assert_nonnull(chr);
    return chr;
}

static char *sock_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

/* ---- unix sockets ---- */

static void test_unix_pair(void)
{
    g_autofree char *path = sock_path("pair.sock");
    g_autofree char *str = NULL;
    Chardev *srv, *cli, *cli2;
    Fe sfe, cfe, c2fe;

    str = g_strdup_printf("socket,id=srv,path=%s,server=on,wait=off", path);
    srv = new_chardev_ok(str);
    g_assert_true(chardev_find("srv") == srv);
    g_assert_cmpstr(chardev_get_id(srv), ==, "srv");
    g_assert_false(chardev_is_connected(srv));
    fe_init(&sfe);
    fe_attach(srv, &sfe);
    g_assert_cmpint(sfe.opened, ==, 0);
    /* No peer yet: the write is dropped. */
    g_assert_false(chardev_write_all(srv, "x", 1));

    g_free(str);
    str = g_strdup_printf("socket,id=cli,path=%s", path);
    cli = new_chardev_ok(str);
    g_assert_true(chardev_is_connected(cli));
    fe_init(&cfe);
    fe_attach(cli, &cfe);
    /* Already connected when attached: OPENED right away. */
    g_assert_cmpint(cfe.opened, ==, 1);

    RUN_UNTIL(sfe.opened == 1);
    g_assert_true(chardev_is_connected(srv));

    g_assert_true(chardev_write_all(cli, "hello", 5));
    RUN_UNTIL(sfe.data->len == 5);
    g_assert_cmpstr(sfe.data->str, ==, "hello");
    g_assert_true(chardev_write_all(srv, "world!", 6));
    RUN_UNTIL(cfe.data->len == 6);
    g_assert_cmpstr(cfe.data->str, ==, "world!");

    /* The client goes away: CLOSED, and the server listens again. */
    chardev_remove(cli);
    g_assert_null(chardev_find("cli"));
    RUN_UNTIL(sfe.closed == 1);
    g_assert_false(chardev_is_connected(srv));
    g_assert_false(chardev_write_all(srv, "x", 1));

    g_free(str);
    str = g_strdup_printf("socket,id=cli2,path=%s", path);
    cli2 = new_chardev_ok(str);
    fe_init(&c2fe);
    fe_attach(cli2, &c2fe);
    RUN_UNTIL(sfe.opened == 2);
    g_assert_true(chardev_write_all(cli2, "again", 5));
    RUN_UNTIL(sfe.data->len == 10);
    g_assert_cmpstr(sfe.data->str, ==, "helloagain");

    /* The server drops the client: the client sees end of file. */
    chardev_disconnect(srv);
    g_assert_cmpint(sfe.closed, ==, 2);
    RUN_UNTIL(c2fe.closed == 1);
    g_assert_false(chardev_is_connected(cli2));
    g_assert_false(chardev_write_all(cli2, "x", 1));

    /* Detached frontends get nothing more. */
    chardev_detach(srv);
    chardev_remove(cli2);
    chardev_remove(srv);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_string_free(sfe.data, true);
    g_string_free(cfe.data, true);
    g_string_free(c2fe.data, true);
}

static void test_flow_control(void)
{
    g_autofree char *path = sock_path("flow.sock");
    g_autofree char *str = NULL;
    Chardev *srv, *cli;
    Fe sfe, cfe;

    str = g_strdup_printf("socket,id=fsrv,path=%s,server=on,wait=off", path);
    srv = new_chardev_ok(str);
    fe_init(&sfe);
    sfe.can_read = 0;
    fe_attach(srv, &sfe);
    g_free(str);
    str = g_strdup_printf("socket,id=fcli,path=%s", path);
    cli = new_chardev_ok(str);
    fe_init(&cfe);
    fe_attach(cli, &cfe);
    RUN_UNTIL(sfe.opened == 1);

    g_assert_true(chardev_write_all(cli, "0123456789", 10));
    run_pending();
    g_assert_cmpuint(sfe.data->len, ==, 0); /* paused */

    sfe.can_read = 3;
    chardev_accept_input(srv);
    RUN_UNTIL(sfe.data->len == 10);
    g_assert_cmpstr(sfe.data->str, ==, "0123456789");
    g_assert_cmpuint(sfe.max_chunk, <=, 3);

    chardev_remove(cli);
    chardev_remove(srv);
    g_string_free(sfe.data, true);
    g_string_free(cfe.data, true);
}

typedef struct {
    int fd;
    size_t total;
} Drain;

static gpointer drain_thread(gpointer data)
{
    Drain *d = data;
    char buf[65536];
    ssize_t n;

    /* Read slowly at first so that the writer has to wait. */
    g_usleep(100 * 1000);
    while ((n = read(d->fd, buf, sizeof(buf))) > 0) {
        d->total += n;
    }
    return NULL;
}

static int raw_unix_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    return fd;
}

static void test_write_all_and_peer_gone(void)
{
    g_autofree char *path = sock_path("big.sock");
    g_autofree char *str = NULL;
    size_t big = 4 * MiB;
    g_autofree uint8_t *buf = g_malloc0(big);
    Drain d = { 0 };
    GThread *th;
    Chardev *srv;
    Fe sfe;
    int i;

    str = g_strdup_printf("socket,id=bsrv,path=%s,server=on,wait=off", path);
    srv = new_chardev_ok(str);
    fe_init(&sfe);
    fe_attach(srv, &sfe);
    d.fd = raw_unix_connect(path);
    RUN_UNTIL(sfe.opened == 1);

    th = g_thread_new("drain", drain_thread, &d);
    g_assert_true(chardev_write_all(srv, buf, big));
    shutdown(d.fd, SHUT_WR);
    chardev_disconnect(srv);
    g_thread_join(th);
    g_assert_cmpuint(d.total, ==, big);
    close(d.fd);
    g_assert_cmpint(sfe.closed, ==, 1);

    /* A peer that closes: writes fail (no SIGPIPE) and the server
     * notices, says CLOSED and accepts the next client. */
    d.fd = raw_unix_connect(path);
    RUN_UNTIL(sfe.opened == 2);
    close(d.fd);
    for (i = 0; i < 100 && chardev_write_all(srv, "data", 4); i++) {
        g_usleep(1000);
    }
    g_assert_cmpint(i, <, 100);
    RUN_UNTIL(sfe.closed == 2);
    d.fd = raw_unix_connect(path);
    RUN_UNTIL(sfe.opened == 3);
    close(d.fd);

    chardev_remove(srv);
    g_string_free(sfe.data, true);
}

typedef struct {
    char *path;
    int fd;
} LateClient;

static gpointer late_client_thread(gpointer data)
{
    LateClient *lc = data;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, lc->path, sizeof(sun.sun_path));
    for (int i = 0; i < 500; i++) {
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            lc->fd = fd;
            return NULL;
        }
        g_usleep(10 * 1000);
    }
    close(fd);
    return NULL;
}

static void test_server_wait(void)
{
    g_autofree char *path = sock_path("wait.sock");
    g_autofree char *str = NULL;
    LateClient lc = { .path = path, .fd = -1 };
    GThread *th = g_thread_new("late", late_client_thread, &lc);
    Chardev *srv;
    char buf[8] = { 0 };

    /* wait defaults to on for a server: creation returns connected. */
    str = g_strdup_printf("socket,id=wsrv,path=%s,server=on", path);
    srv = new_chardev_ok(str);
    g_thread_join(th);
    g_assert_cmpint(lc.fd, >=, 0);
    g_assert_true(chardev_is_connected(srv));
    g_assert_true(chardev_write_all(srv, "hi", 2));
    g_assert_cmpint(read(lc.fd, buf, 2), ==, 2);
    g_assert_cmpstr(buf, ==, "hi");
    close(lc.fd);
    chardev_remove(srv);
}

static void test_client_reconnect(void)
{
    g_autofree char *path = sock_path("recon.sock");
    g_autofree char *str = NULL;
    Chardev *cli, *srv;
    Fe cfe, sfe;

    /* With reconnect=, a missing server is not fatal. */
    str = g_strdup_printf("socket,id=rcli,path=%s,reconnect=1", path);
    cli = new_chardev_ok(str);
    g_assert_false(chardev_is_connected(cli));
    fe_init(&cfe);
    fe_attach(cli, &cfe);

    g_free(str);
    str = g_strdup_printf("socket,id=rsrv,path=%s,server=on,wait=off", path);
    srv = new_chardev_ok(str);
    fe_init(&sfe);
    fe_attach(srv, &sfe);
    RUN_UNTIL(cfe.opened == 1 && sfe.opened == 1);
    g_assert_true(chardev_write_all(srv, "ping", 4));
    RUN_UNTIL(cfe.data->len == 4);

    /* Losing the server, then getting it back. */
    chardev_disconnect(srv);
    RUN_UNTIL(cfe.closed == 1);
    RUN_UNTIL(cfe.opened == 2 && sfe.opened == 2);

    chardev_remove(cli);
    chardev_remove(srv);
    g_string_free(cfe.data, true);
    g_string_free(sfe.data, true);
}

/* ---- tcp ---- */

static int free_tcp_port(void)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

static void test_tcp_pair(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = NULL;
    int port = free_tcp_port();
    Chardev *srv, *cli;
    Fe sfe, cfe;

    spec = g_strdup_printf("tcp:127.0.0.1:%d,server=on,wait=off", port);
    srv = chardev_new_from_spec("tsrv", spec, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chardev_get_backend_name(srv), ==, "socket");
    fe_init(&sfe);
    fe_attach(srv, &sfe);

    g_free(spec);
    spec = g_strdup_printf("tcp:127.0.0.1:%d", port);
    cli = chardev_new_from_spec("tcli", spec, &err);
    g_assert_no_error(err);
    fe_init(&cfe);
    fe_attach(cli, &cfe);
    RUN_UNTIL(sfe.opened == 1);
    g_assert_true(chardev_write_all(cli, "over tcp", 8));
    RUN_UNTIL(sfe.data->len == 8);
    g_assert_cmpstr(sfe.data->str, ==, "over tcp");
    g_assert_true(chardev_write_all(srv, "back", 4));
    RUN_UNTIL(cfe.data->len == 4);

    chardev_remove(cli);
    RUN_UNTIL(sfe.closed == 1);
    chardev_remove(srv);

    /* Nobody listens there any more. */
    cli = chardev_new_from_spec("tcli", spec, &err);
    g_assert_null(cli);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "Failed to connect to '127.0.0.1:"));
    g_string_free(sfe.data, true);
    g_string_free(cfe.data, true);
}

/* ---- file, null, ringbuf, stdio ---- */

static void test_file(void)
{
    g_autofree char *path = sock_path("out.txt");
    g_autofree char *str = NULL;
    g_autofree char *contents = NULL;
    Chardev *chr;
    Fe fe;

    str = g_strdup_printf("file,id=f1,path=%s", path);
    chr = new_chardev_ok(str);
    fe_init(&fe);
    fe_attach(chr, &fe);
    g_assert_cmpint(fe.opened, ==, 1);
    g_assert_true(chardev_write_all(chr, "line one\n", 9));
    g_assert_true(chardev_write_all(chr, "line two\n", 9));
    chardev_remove(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "line one\nline two\n");
    g_clear_pointer(&contents, g_free);

    /* append=on keeps what is there. */
    g_free(str);
    str = g_strdup_printf("file,id=f2,path=%s,append=on", path);
    chr = new_chardev_ok(str);
    g_assert_true(chardev_write_all(chr, "three\n", 6));
    chardev_remove(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "line one\nline two\nthree\n");
    g_clear_pointer(&contents, g_free);

    /* Without it the file starts over; "file:PATH" is the same backend. */
    g_free(str);
    str = g_strdup_printf("file:%s", path);
    chr = chardev_new_from_spec("f3", str, NULL);
    g_assert_nonnull(chr);
    g_assert_cmpstr(chardev_get_backend_name(chr), ==, "file");
    g_assert_true(chardev_write_all(chr, "new", 3));
    chardev_remove(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "new");
    g_string_free(fe.data, true);
}

static void test_null(void)
{
    Chardev *chr = new_chardev_ok("null,id=n1");
    Fe fe;

    fe_init(&fe);
    fe_attach(chr, &fe);
    g_assert_true(chardev_write_all(chr, "gone", 4));
    g_assert_false(chardev_is_connected(chr));
    run_pending();
    g_assert_cmpint(fe.opened + fe.closed, ==, 0);
    g_assert_cmpuint(fe.data->len, ==, 0);
    chardev_remove(chr);
    g_string_free(fe.data, true);
}

static void test_ringbuf(void)
{
    Chardev *chr = new_chardev_ok("ringbuf,id=r1,size=8");
    uint8_t buf[16];
    size_t n;

    g_assert_true(chardev_write_all(chr, "0123456789", 10));
    n = chardev_ringbuf_read(chr, buf, sizeof(buf));
    g_assert_cmpuint(n, ==, 8);
    g_assert_cmpmem(buf, n, "23456789", 8);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 0);

    g_assert_true(chardev_write_all(chr, "abc", 3));
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, 2), ==, 2);
    g_assert_cmpmem(buf, 2, "ab", 2);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, 2), ==, 1);
    g_assert_cmpint(buf[0], ==, 'c');
    chardev_remove(chr);

    /* Not a ringbuf: nothing to read. */
    chr = new_chardev_ok("null,id=r2");
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 0);
    chardev_remove(chr);
}

static void test_stdio(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *a = new_chardev_ok("stdio,id=s1,signal=off");

    g_assert_true(chardev_is_connected(a));
    g_assert_null(new_chardev("stdio,id=s2", &err));
    g_assert_cmpstr(err->message, ==,
                    "cannot use stdio by multiple character devices");
    chardev_remove(a);
    /* Free again once the first is gone. */
    a = chardev_new_from_spec("s3", "stdio", NULL);
    g_assert_nonnull(a);
    chardev_remove(a);
}

/* ---- spec strings and registry ---- */

static void test_spec(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = sock_path("spec.sock");
    g_autofree char *spec = NULL;
    Chardev *chr, *srv, *cli;

    g_assert_null(chardev_new_from_spec("x0", "none", &err));
    g_assert_no_error(err);

    chr = chardev_new_from_spec("x1", "null", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chardev_get_backend_name(chr), ==, "null");
    g_assert_true(chardev_find("x1") == chr);
    g_assert_true(chardev_new_from_spec("x2", "chardev:x1", &err) == chr);
    g_assert_no_error(err);

    /* A generated id when none is given. */
    cli = chardev_new_from_spec(NULL, "null", &err);
    g_assert_no_error(err);
    g_assert_true(chardev_find(chardev_get_id(cli)) == cli);
    chardev_remove(cli);

    /* unix: with server=on is a server; without, a client (-qtest). */
    spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    srv = chardev_new_from_spec("x3", spec, &err);
    g_assert_no_error(err);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(spec);
    spec = g_strdup_printf("unix:%s", path);
    cli = chardev_new_from_spec("x4", spec, &err);
    g_assert_no_error(err);
    g_assert_true(chardev_is_connected(cli));
    chardev_remove(cli);
    chardev_remove(srv);

    /* Commas in a path are doubled, as on the command line. */
    g_free(path);
    path = sock_path("a,b.txt");
    g_free(spec);
    spec = g_strdup_printf("file:%s/a,,b.txt", tmpdir);
    chr = chardev_new_from_spec("x5", spec, &err);
    g_assert_no_error(err);
    g_assert_true(chardev_write_all(chr, "z", 1));
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    chardev_remove(chr);
    chardev_remove(chardev_find("x1"));
}

static void check_spec_error(const char *spec, const char *want)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_from_spec("e", spec, &err));
    g_assert_nonnull(err);
    if (g_test_verbose()) {
        g_printerr("%s -> %s\n", spec, err->message);
    }
    g_assert_cmpstr(err->message, ==, want);
    g_assert_null(chardev_find("e"));
}

static void check_error(const char *str, const char *want)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(new_chardev(str, &err));
    g_assert_nonnull(err);
    g_assert_true(err->domain == KITE_ERROR);
    if (g_test_verbose()) {
        g_printerr("%s -> %s\n", str, err->message);
    }
    g_assert_cmpstr(err->message, ==, want);
}

static void test_errors(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *missing = sock_path("no/such/dir/sock");
    g_autofree char *str = NULL;
    g_autofree char *want = NULL;
    Chardev *chr;
    Fe fe;

    check_error("bogus,id=x", "'bogus' is not a valid char driver name");
    check_error("null", "chardev: no id specified");
    check_error("null,id=1x", "Parameter 'id' expects an identifier");
    check_error("id=x", "chardev: \"x\" missing backend");
    check_error("null,id=x,foo=bar", "Invalid parameter 'foo'");
    check_error("file,id=x", "chardev: file: no filename given");
    check_error("file,id=x,path=/nonexistent-dir/f",
                "Could not open '/nonexistent-dir/f': No such file or "
                "directory");
    check_error("file,id=x,path=/tmp/f,append=maybe",
                "Parameter 'append' expects 'on' or 'off'");
    check_error("ringbuf,id=x,size=3",
                "size of ringbuf chardev must be power of two");
    check_error("ringbuf,id=x,size=abc",
                "Parameter 'size' expects a non-negative number below 2^64");
    check_error("stdio,id=x,signal=foo",
                "Parameter 'signal' expects 'on' or 'off'");
    check_error("socket,id=x",
                "chardev: socket: 'path' or 'host' option required");
    check_error("socket,id=x,host=localhost",
                "chardev: socket: no port given");
    check_error("socket,id=x,path=/tmp/a,host=b",
                "None or one of 'path', 'fd' or 'host' option required.");
    check_error("socket,id=x,path=/tmp/zz,server=maybe",
                "Parameter 'server' expects 'on' or 'off'");
    check_error("socket,id=x,path=/tmp/zz,reconnect=abc",
                "Parameter 'reconnect' expects a number");
    check_error("socket,id=x,path=/tmp/zz,server=on,wait=off,reconnect=1",
                "'reconnect' option is incompatible with socket in server "
                "listen mode");
    check_error("socket,id=x,path=/tmp/zz,wait=off",
                "'wait' option is incompatible with socket in client "
                "connect mode");

    str = g_strdup_printf("socket,id=x,path=%s", missing);
    want = g_strdup_printf("Failed to connect to '%s': No such file or "
                           "directory", missing);
    check_error(str, want);
    g_free(str);
    g_free(want);
    str = g_strdup_printf("socket,id=x,path=%s,server=on,wait=off", missing);
    want = g_strdup_printf("Failed to bind socket to %s: No such file or "
                           "directory", missing);
    check_error(str, want);
    g_assert_null(chardev_find("x"));

    /* Duplicate ids, and a second frontend. */
    chr = new_chardev_ok("null,id=dup");
    check_error("ringbuf,id=dup", "Duplicate ID 'dup' for chardev");
    fe_init(&fe);
    fe_attach(chr, &fe);
    g_assert_false(chardev_attach(chr, fe_can_read, fe_read, fe_event, &fe,
                                  &err));
    g_assert_cmpstr(err->message, ==, "Device 'dup' is in use");
    chardev_detach(chr);
    fe_attach(chr, &fe);
    chardev_remove(chr);
    g_string_free(fe.data, true);

    check_spec_error("bogus", "'bogus' is not a valid char driver");
    check_spec_error("chardev:nope", "chardev \"nope\" not found");
    check_spec_error("tcp:localhost", "chardev: tcp: 'localhost' is not "
                     "HOST:PORT");
    check_spec_error("unix:", "chardev: unix: no path given");
    check_spec_error("unix:/tmp/zz,server=on,wait=off,bogus=1",
                     "Invalid parameter 'bogus'");
    check_spec_error("null,id=other", "Invalid parameter 'id'");
}

static void test_cleanup_all(void)
{
    g_autofree char *path = sock_path("cleanup.sock");
    g_autofree char *str = NULL;

    str = g_strdup_printf("socket,id=c1,path=%s,server=on,wait=off", path);
    new_chardev_ok(str);
    new_chardev_ok("null,id=c2");
    new_chardev_ok("ringbuf,id=c3");
    chardev_cleanup_all();
    g_assert_null(chardev_find("c1"));
    g_assert_null(chardev_find("c3"));
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    /* Usable again afterwards. */
    new_chardev_ok("null,id=c1");
    chardev_cleanup_all();
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
    tmpdir = g_dir_make_tmp("kite-chardev-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/chardev/socket/unix-pair", test_unix_pair);
    g_test_add_func("/chardev/socket/flow-control", test_flow_control);
    g_test_add_func("/chardev/socket/write-all", test_write_all_and_peer_gone);
    g_test_add_func("/chardev/socket/server-wait", test_server_wait);
    g_test_add_func("/chardev/socket/reconnect", test_client_reconnect);
    g_test_add_func("/chardev/socket/tcp", test_tcp_pair);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/null", test_null);
    g_test_add_func("/chardev/ringbuf", test_ringbuf);
    g_test_add_func("/chardev/stdio", test_stdio);
    g_test_add_func("/chardev/spec", test_spec);
    g_test_add_func("/chardev/errors", test_errors);
    g_test_add_func("/chardev/cleanup-all", test_cleanup_all);
    ret = g_test_run();

    chardev_cleanup_all();
    remove_tmpdir();
    return ret;
}
