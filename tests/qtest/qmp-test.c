/*
 * The QMP protocol over a real socket: greeting, negotiation, bad input
 * (one error per malformed message, then normal service), sessions
 * reset on reconnect, events only for negotiated sessions, and reply
 * shapes (keys, error classes) compared with Debian's QEMU when
 * $QEMU_PEER_BINARY is installed.
 */
#include "libqtest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MACHINE "-M microvm -m 64M -S"

/* ---- a raw QMP client for a VMM started with -qmp unix:PATH,server=on ---- */

typedef struct RawQmp {
    GPid pid;
    int fd;
    char *dir;
    char *path;
    GString *rx;
} RawQmp;

static int raw_connect(const char *path)
{
    for (int i = 0; i < 300; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return fd;
        }
        close(fd);
        g_usleep(50 * 1000);
    }
    return -1;
}

/* The VMM dies with the test program, even when an assertion aborts it. */
static void raw_child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Start @binary with @args plus a QMP server socket and connect to it. */
static RawQmp *raw_start(const char *binary, const char *args)
{
    RawQmp *r = g_new0(RawQmp, 1);
    r->dir = g_dir_make_tmp("kite-qmp-XXXXXX", NULL);
    r->path = g_build_filename(r->dir, "qmp.sock", NULL);
    r->rx = g_string_new(NULL);
    char *cmd = g_strdup_printf("%s %s -display none -qmp unix:%s,server=on,wait=off",
                                binary, args, r->path);
    char **argv = NULL;
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    GError *err = NULL;
    gboolean ok = g_spawn_async(NULL, argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                G_SPAWN_STDOUT_TO_DEV_NULL,
                                raw_child_setup, NULL, &r->pid, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_strfreev(argv);
    g_free(cmd);
    r->fd = raw_connect(r->path);
    g_assert_cmpint(r->fd, >=, 0);
    return r;
}

static void raw_stop(RawQmp *r)
{
    if (r->fd >= 0) {
        close(r->fd);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    g_spawn_close_pid(r->pid);
    unlink(r->path);
    rmdir(r->dir);
    g_free(r->path);
    g_free(r->dir);
    g_string_free(r->rx, TRUE);
    g_free(r);
}

static void raw_send(RawQmp *r, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(r->fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

static void raw_send_str(RawQmp *r, const char *s)
{
    raw_send(r, s, strlen(s));
}

/* The next line as JSON (any message), or NULL after @timeout_ms. */
static json_t *raw_recv_timeout(RawQmp *r, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
    for (;;) {
        char *nl = memchr(r->rx->str, '\n', r->rx->len);
        if (nl) {
            size_t n = nl - r->rx->str + 1;
            char *line = g_strndup(r->rx->str, n);
            g_string_erase(r->rx, 0, n);
            /* QEMU ends lines with "\r\n" */
            g_assert_true(n >= 2 && line[n - 2] == '\r');
            json_error_t jerr;
            json_t *v = json_loads(line, 0, &jerr);
            if (!v) {
                g_test_message("bad line: %s", line);
            }
            g_assert_nonnull(v);
            g_free(line);
            return v;
        }
        int left = (int)((deadline - g_get_monotonic_time()) / 1000);
        if (left <= 0) {
            return NULL;
        }
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        if (poll(&pfd, 1, left) <= 0) {
            continue;
        }
        char buf[4096];
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n <= 0) {
            return NULL;
        }
        g_string_append_len(r->rx, buf, n);
    }
}

static json_t *raw_recv(RawQmp *r)
{
    json_t *v = raw_recv_timeout(r, 20000);
    g_assert_nonnull(v);
    return v;
}

/* The next reply, skipping (and dropping) events. */
static json_t *raw_reply(RawQmp *r, json_t **events)
{
    for (;;) {
        json_t *v = raw_recv(r);
        if (!json_object_get(v, "event")) {
            return v;
        }
        if (events) {
            json_array_append(*events, v);
        }
        json_decref(v);
    }
}

/* One write per request: after "quit" the VMM may be gone before a
 * second write could be made. */
static void raw_send_line(RawQmp *r, const char *text)
{
    char *line = g_strconcat(text, "\n", NULL);
    raw_send_str(r, line);
    g_free(line);
}

static json_t *raw_cmd(RawQmp *r, const char *text)
{
    raw_send_line(r, text);
    return raw_reply(r, NULL);
}

static const char *error_class(json_t *reply)
{
    return json_string_value(json_object_get(json_object_get(reply, "error"),
                                             "class"));
}

static const char *error_desc(json_t *reply)
{
    return json_string_value(json_object_get(json_object_get(reply, "error"),
                                             "desc"));
}

/* ---- greeting and negotiation ---- */

static void test_greeting(void)
{
    QTestState *qts = qtest_init_without_qmp_handshake(MACHINE);
    json_t *g = qtest_qmp_receive_dict(qts);
    json_t *qmp = json_object_get(g, "QMP");
    g_assert_nonnull(qmp);
    g_assert_cmpuint(json_object_size(g), ==, 1);
    json_t *ver = json_object_get(qmp, "version");
    json_t *q = json_object_get(ver, "qemu");
    g_assert_cmpint(json_integer_value(json_object_get(q, "major")), ==, 7);
    g_assert_cmpint(json_integer_value(json_object_get(q, "minor")), ==, 2);
    g_assert_true(json_is_integer(json_object_get(q, "micro")));
    g_assert_true(json_is_string(json_object_get(ver, "package")));
    json_t *caps = json_object_get(qmp, "capabilities");
    g_assert_cmpuint(json_array_size(caps), ==, 1);
    g_assert_cmpstr(json_string_value(json_array_get(caps, 0)), ==, "oob");
    json_decref(g);

    json_t *r = qtest_qmp(qts, "{'execute': 'query-status', 'id': 1}");
    g_assert_cmpstr(error_class(r), ==, "CommandNotFound");
    g_assert_cmpstr(error_desc(r), ==,
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
    g_assert_cmpint(json_integer_value(json_object_get(r, "id")), ==, 1);
    json_decref(r);
    r = qtest_qmp(qts, "{'execute': 'qmp_capabilities'}");
    g_assert_true(json_is_object(json_object_get(r, "return")));
    json_decref(r);
    r = qtest_qmp(qts, "{'execute': 'qmp_capabilities'}");
    g_assert_cmpstr(error_class(r), ==, "CommandNotFound");
    g_assert_cmpstr(error_desc(r), ==,
                    "Capabilities negotiation is already complete, command ignored");
    json_decref(r);
    qtest_qmp_assert_success(qts, "{'execute': 'query-status'}");
    qtest_quit(qts);
}

static void test_request_errors(void)
{
    QTestState *qts = qtest_init(MACHINE);
    struct {
        const char *req;
        const char *desc;
    } cases[] = {
        { "[1]", "QMP input must be a JSON object" },
        { "{\"id\": 5}", "QMP input lacks member 'execute'" },
        { "{\"execute\": 1}", "QMP input member 'execute' must be a string" },
        { "{\"execute\": \"query-status\", \"foo\": 1}",
          "QMP input member 'foo' is unexpected" },
        { "{\"execute\": \"query-status\", \"arguments\": []}",
          "QMP input member 'arguments' must be an object" },
        { "{\"exec-oob\": \"query-status\"}",
          "QMP input member 'exec-oob' is unexpected" },
        { "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}",
          "Parameter 'x' is unexpected" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        /* raw text: libqtest's %s would make a JSON string of it */
        qtest_qmp_send_raw(qts, "%s\n", cases[i].req);
        json_t *r = qtest_qmp_receive(qts);
        g_assert_cmpstr(error_class(r), ==, "GenericError");
        g_assert_cmpstr(error_desc(r), ==, cases[i].desc);
        json_decref(r);
    }
    json_t *r = qtest_qmp(qts, "{'execute': 'no-such-command', 'id': [1, {'a': 'b'}]}");
    g_assert_cmpstr(error_class(r), ==, "CommandNotFound");
    g_assert_cmpstr(error_desc(r), ==, "The command no-such-command has not been found");
    json_t *want = json_loads("[1, {\"a\": \"b\"}]", 0, NULL);
    g_assert_true(json_equal(json_object_get(r, "id"), want));
    json_decref(want);
    json_decref(r);
    qtest_quit(qts);
}

/* ---- bad bytes: exactly one error each, then the next message works ---- */

typedef struct BadInput {
    const char *name;
    const char *bytes;
    size_t len;              /* 0: strlen */
    const char *desc_prefix;
} BadInput;

static const BadInput bad_inputs[] = {
    { "syntax", "{\"execute\" \"x\"}\n", 0, "JSON parse error, " },
    { "stray-0xff", "\xff", 1, "JSON parse error, stray" },
    { "stray-0xff-newline", "\xff\n", 2, "JSON parse error, stray" },
    { "stray-nul", "\0\n", 2, "JSON parse error, stray" },
    { "stray-close", "}\n", 0, "JSON parse error, expecting value" },
    { "invalid-keyword", "abc\n", 0, "JSON parse error, invalid keyword 'abc'" },
    { "control-in-string", "{\"execute\": \"qu\x01ery-name\"}\n", 0,
      "JSON parse error, stray" },
    { "0xff-in-string", "{\"execute\": \"query-name\xff\"}\n", 0,
      "JSON parse error, stray" },
    { "invalid-utf8-in-string", "{\"execute\": \"\xc3\"}\n", 0, "JSON parse error, " },
    { "unterminated-string-newline", "{\"execute\": \"query-name\n", 0,
      "JSON parse error, stray" },
    { "mismatched-bracket", "{\"a\": [}\n", 0, "JSON parse error, " },
    { "bad-escape", "{\"execute\": \"\\x\"}\n", 0, "JSON parse error, " },
};

static void test_bad_input(void)
{
    QTestState *qts = qtest_init(MACHINE);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
        const BadInput *b = &bad_inputs[i];
        g_test_message("bad input: %s", b->name);
        qtest_qmp_send_bytes(qts, b->bytes, b->len ? b->len : strlen(b->bytes));
        qtest_qmp_send_raw(qts, "{\"execute\": \"query-name\", \"id\": %zu}\n", i);
        json_t *r = qtest_qmp_receive(qts);
        g_assert_cmpstr(error_class(r), ==, "GenericError");
        g_assert_true(g_str_has_prefix(error_desc(r), b->desc_prefix));
        g_assert_null(json_object_get(r, "id"));
        json_decref(r);
        /* the very next reply is the good message's: one error only */
        r = qtest_qmp_receive(qts);
        g_assert_nonnull(json_object_get(r, "return"));
        g_assert_cmpint(json_integer_value(json_object_get(r, "id")), ==, i);
        json_decref(r);
    }

    /* an unterminated string with no newline after it: the next message's
     * first quote closes it, the rest is one error, and the message after
     * that is answered */
    qtest_qmp_send_raw(qts, "{\"execute\": \"query-name");
    qtest_qmp_send_raw(qts, "{\"execute\": \"query-name\", \"id\": \"lost\"}\n");
    qtest_qmp_send_raw(qts, "{\"execute\": \"query-name\", \"id\": \"next\"}\n");
    json_t *u = qtest_qmp_receive(qts);
    g_assert_cmpstr(error_class(u), ==, "GenericError");
    g_assert_true(g_str_has_prefix(error_desc(u), "JSON parse error, "));
    json_decref(u);
    u = qtest_qmp_receive(qts);
    g_assert_cmpstr(json_string_value(json_object_get(u, "id")), ==, "next");
    g_assert_nonnull(json_object_get(u, "return"));
    json_decref(u);

    /* too deep, on one line without a newline after it */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(deep, ']');
    }
    qtest_qmp_send_bytes(qts, deep->str, deep->len);
    g_string_free(deep, TRUE);
    qtest_qmp_send_raw(qts, "{\"execute\": \"query-name\", \"id\": \"deep\"}");
    json_t *r = qtest_qmp_receive(qts);
    g_assert_cmpstr(error_desc(r), ==, "JSON nesting depth limit exceeded");
    json_decref(r);
    r = qtest_qmp_receive(qts);
    g_assert_cmpstr(json_string_value(json_object_get(r, "id")), ==, "deep");
    json_decref(r);

    /* a message split into single bytes */
    const char *msg = "{\"execute\": \"query-status\", \"id\": \"split\"}";
    for (size_t i = 0; msg[i]; i++) {
        qtest_qmp_send_bytes(qts, msg + i, 1);
    }
    r = qtest_qmp_receive(qts);
    g_assert_cmpstr(json_string_value(json_object_get(r, "id")), ==, "split");
    g_assert_nonnull(json_object_get(r, "return"));
    json_decref(r);
    qtest_quit(qts);
}

/* ---- sessions and events ---- */

static void test_reconnect_resets_session(void)
{
    RawQmp *r = raw_start(qtest_qemu_binary(), MACHINE " -accel qtest");
    json_t *g = raw_recv(r);
    g_assert_nonnull(json_object_get(g, "QMP"));
    json_decref(g);
    json_t *rep = raw_cmd(r, "{\"execute\": \"qmp_capabilities\"}");
    g_assert_nonnull(json_object_get(rep, "return"));
    json_decref(rep);
    /* leave half a message behind */
    raw_send_str(r, "{\"execute\": \"query-");
    close(r->fd);

    r->fd = raw_connect(r->path);
    g_assert_cmpint(r->fd, >=, 0);
    g_string_truncate(r->rx, 0);
    g = raw_recv(r);
    g_assert_nonnull(json_object_get(g, "QMP"));
    json_decref(g);
    /* a new session: negotiation again, and no leftover bytes */
    rep = raw_cmd(r, "{\"execute\": \"query-status\"}");
    g_assert_cmpstr(error_class(rep), ==, "CommandNotFound");
    json_decref(rep);
    rep = raw_cmd(r, "{\"execute\": \"qmp_capabilities\"}");
    g_assert_nonnull(json_object_get(rep, "return"));
    json_decref(rep);

    /* A client that sends a pile of requests and hangs up at once: the
     * replies have nowhere to go, and the next client is served. */
    GString *pile = g_string_new(NULL);
    for (int i = 0; i < 300; i++) {
        g_string_append(pile, "{\"execute\": \"query-commands\"}\n");
    }
    raw_send(r, pile->str, pile->len);
    g_string_free(pile, TRUE);
    close(r->fd);
    r->fd = raw_connect(r->path);
    g_assert_cmpint(r->fd, >=, 0);
    g_string_truncate(r->rx, 0);
    g = raw_recv(r);
    g_assert_nonnull(json_object_get(g, "QMP"));
    json_decref(g);
    rep = raw_cmd(r, "{\"execute\": \"qmp_capabilities\", \"id\": \"again\"}");
    g_assert_nonnull(json_object_get(rep, "return"));
    g_assert_cmpstr(json_string_value(json_object_get(rep, "id")), ==, "again");
    json_decref(rep);
    raw_stop(r);
}

static void test_events_need_negotiation(void)
{
    RawQmp *r = raw_start(qtest_qemu_binary(), MACHINE " -accel qtest");
    json_t *g = raw_recv(r);
    json_decref(g);
    /* not negotiated: cont's RESUME must not reach this session */
    json_t *rep = raw_cmd(r, "{\"execute\": \"cont\"}");
    g_assert_cmpstr(error_class(rep), ==, "CommandNotFound");
    json_decref(rep);
    rep = raw_cmd(r, "{\"execute\": \"qmp_capabilities\"}");
    g_assert_nonnull(json_object_get(rep, "return"));
    json_decref(rep);

    raw_send_str(r, "{\"execute\": \"cont\", \"id\": 1}");
    json_t *ev = raw_recv(r);
    g_assert_cmpstr(json_string_value(json_object_get(ev, "event")), ==, "RESUME");
    json_t *ts = json_object_get(ev, "timestamp");
    g_assert_true(json_is_integer(json_object_get(ts, "seconds")));
    g_assert_true(json_is_integer(json_object_get(ts, "microseconds")));
    json_decref(ev);
    rep = raw_recv(r);
    g_assert_cmpint(json_integer_value(json_object_get(rep, "id")), ==, 1);
    json_decref(rep);
    raw_stop(r);
}

/* ---- the same requests to Kite and to QEMU: same keys, same classes ---- */

static const char *const peer_requests[] = {
    /* before negotiation */
    "{\"execute\": \"query-status\"}",
    "{\"execute\": \"qmp_capabilities\", \"id\": 1}",
    "{\"execute\": \"qmp_capabilities\"}",
    "{\"execute\": \"query-version\"}",
    "{\"execute\": \"query-status\", \"id\": \"s\"}",
    "{\"execute\": \"query-name\"}",
    "{\"execute\": \"query-kvm\"}",
    "{\"execute\": \"query-commands\"}",
    "{\"execute\": \"query-machines\"}",
    "{\"execute\": \"query-cpus-fast\"}",
    "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/\"}}",
    "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/machine\"}}",
    "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/nope\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine\", \"property\": \"type\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/nope\", \"property\": \"type\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine\", \"property\": \"nope\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": 1, \"property\": \"type\"}}",
    "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine\", \"property\": \"graphics\", \"value\": false}}",
    "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine\", \"property\": \"graphics\", \"value\": \"x\"}}",
    "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/nope\", \"property\": \"x\", \"value\": 1}}",
    "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"machine\"}}",
    "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"machine\", \"abstract\": true}}",
    "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"nope\"}}",
    "{\"execute\": \"qom-list-types\", \"arguments\": {\"abstract\": \"x\"}}",
    "{\"execute\": \"device-list-properties\", \"arguments\": {\"typename\": \"nope\"}}",
    "{\"execute\": \"device-list-properties\", \"arguments\": {\"typename\": \"device\"}}",
    "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info status\"}}",
    "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info version\"}}",
    "{\"execute\": \"human-monitor-command\"}",
    "{\"execute\": \"stop\"}",
    "{\"execute\": \"cont\"}",
    "{\"execute\": \"stop\"}",
    "{\"execute\": \"system_reset\"}",
    "{\"execute\": \"system_powerdown\"}",
    "{\"execute\": \"no-such-command\", \"id\": [1]}",
    "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}",
    "{\"execute\": \"query-status\", \"arguments\": []}",
    "{\"execute\": \"query-status\", \"bogus\": 1}",
    "{\"exec-oob\": \"query-status\"}",
    "{}",
    "[1, 2]",
    "{\"execute\" \"x\"}",
    "{\"execute\": \"quit\"}",
};

/* Keys a machine entry may or may not have (which machine is the default
 * and which has an alias differs between Kite and QEMU). */
static bool optional_key(const char *key)
{
    return !strcmp(key, "is-default") || !strcmp(key, "alias");
}

/* Compare the shapes of two JSON values; appends differences to @diff. */
static void shape_compare(json_t *k, json_t *q, const char *where, GString *diff)
{
    if (json_typeof(k) != json_typeof(q) &&
        !(json_is_boolean(k) && json_is_boolean(q)) &&
        !(json_is_number(k) && json_is_number(q))) {
        g_string_append_printf(diff, "%s: JSON types differ\n", where);
        return;
    }
    if (json_is_object(k)) {
        const char *key;
        json_t *v;
        json_object_foreach(k, key, v) {
            json_t *qv = json_object_get(q, key);
            char *sub = g_strdup_printf("%s.%s", where, key);
            if (!qv) {
                if (!optional_key(key)) {
                    g_string_append_printf(diff, "%s: only Kite has it\n", sub);
                }
            } else {
                shape_compare(v, qv, sub, diff);
            }
            g_free(sub);
        }
        json_object_foreach(q, key, v) {
            if (!json_object_get(k, key) && !optional_key(key)) {
                g_string_append_printf(diff, "%s.%s: only QEMU has it\n", where, key);
            }
        }
    } else if (json_is_array(k)) {
        /* entries with a "name" are matched by name; others by position */
        size_t i;
        json_t *kv;
        json_array_foreach(k, i, kv) {
            const char *name = json_string_value(json_object_get(kv, "name"));
            json_t *qv = NULL;
            if (name) {
                size_t j;
                json_t *c;
                json_array_foreach(q, j, c) {
                    const char *qn = json_string_value(json_object_get(c, "name"));
                    if (qn && !strcmp(qn, name)) {
                        qv = c;
                    }
                }
            } else {
                qv = json_array_get(q, i);
            }
            if (qv) {
                char *sub = g_strdup_printf("%s[%s]", where, name ? name : "#");
                shape_compare(kv, qv, sub, diff);
                g_free(sub);
            }
        }
    }
}

static json_t *events_shape(json_t *events)
{
    /* event names in order, and each event's keys */
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        json_array_append_new(out, json_incref(e));
    }
    return out;
}

static void test_peer_shapes(void)
{
    const char *peer = getenv("QEMU_PEER_BINARY");
    char *peer_path = peer ? g_find_program_in_path(peer) : NULL;
    if (!peer_path) {
        g_test_skip("QEMU_PEER_BINARY (Debian's qemu-system-x86_64) is not installed");
        return;
    }
    RawQmp *k = raw_start(qtest_qemu_binary(), "-M microvm -m 128M -S -accel qtest");
    RawQmp *q = raw_start(peer_path, "-M microvm -m 128M -S -accel tcg -nodefaults");
    json_decref(raw_recv(k));
    json_decref(raw_recv(q));
    GString *diff = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(peer_requests); i++) {
        const char *req = peer_requests[i];
        json_t *kev = json_array(), *qev = json_array();
        raw_send_line(k, req);
        raw_send_line(q, req);
        json_t *kr = raw_reply(k, &kev);
        json_t *qr = raw_reply(q, &qev);
        char *where = g_strdup_printf("request %zu %s", i, req);
        bool k_ok = json_object_get(kr, "return") != NULL;
        bool q_ok = json_object_get(qr, "return") != NULL;
        if (k_ok != q_ok) {
            g_string_append_printf(diff, "%s: Kite %s, QEMU %s (%s)\n", where,
                                   k_ok ? "returned" : "failed",
                                   q_ok ? "returned" : "failed",
                                   k_ok ? error_desc(qr) : error_desc(kr));
        } else if (!k_ok) {
            if (g_strcmp0(error_class(kr), error_class(qr))) {
                g_string_append_printf(diff, "%s: class %s vs QEMU's %s\n", where,
                                       error_class(kr), error_class(qr));
            }
        }
        shape_compare(kr, qr, where, diff);
        /* events that came with the reply: same names, same shapes */
        json_t *ke = events_shape(kev), *qe = events_shape(qev);
        if (json_array_size(ke) != json_array_size(qe)) {
            g_string_append_printf(diff, "%s: %zu events vs QEMU's %zu\n", where,
                                   json_array_size(ke), json_array_size(qe));
        } else {
            for (size_t j = 0; j < json_array_size(ke); j++) {
                json_t *a = json_array_get(ke, j), *b = json_array_get(qe, j);
                if (!json_equal(json_object_get(a, "event"), json_object_get(b, "event"))) {
                    g_string_append_printf(diff, "%s: event %zu differs\n", where, j);
                }
                shape_compare(a, b, where, diff);
            }
        }
        json_decref(ke);
        json_decref(qe);
        json_decref(kev);
        json_decref(qev);
        json_decref(kr);
        json_decref(qr);
        g_free(where);
    }
    if (diff->len) {
        g_test_message("differences from QEMU:\n%s", diff->str);
    }
    g_assert_cmpstr(diff->str, ==, "");
    g_string_free(diff, TRUE);
    raw_stop(k);
    raw_stop(q);
    g_free(peer_path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!getenv("QTEST_QEMU_BINARY")) {
        g_test_skip("QTEST_QEMU_BINARY is not set (run through meson)");
        return g_test_run();
    }
    signal(SIGPIPE, SIG_IGN);
    qtest_add_func("/qmp/greeting-negotiation", test_greeting);
    qtest_add_func("/qmp/request-errors", test_request_errors);
    qtest_add_func("/qmp/bad-input", test_bad_input);
    qtest_add_func("/qmp/reconnect-resets-session", test_reconnect_resets_session);
    qtest_add_func("/qmp/events-need-negotiation", test_events_need_negotiation);
    qtest_add_func("/qmp/peer-shapes", test_peer_shapes);
    return g_test_run();
}
