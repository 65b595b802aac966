/*
 * Character devices: the registry, frontends, and the generic input and
 * output paths shared by the backends.
 *
 * Input is read on the default GMainContext through a g_unix_fd_add watch
 * that exists only while a frontend is attached and can take data: when
 * its can_read says 0 the watch is dropped, and chardev_accept_input()
 * brings it back.  Output is written synchronously by chardev_write_all().
 */
#include "char-internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <glib-unix.h>

/* How long chardev_write_all() waits for a stalled peer to take data. */
#define WRITE_STALL_TIMEOUT_MS 10000
#define READ_CHUNK 4096

static GHashTable *chardevs;   /* id -> Chardev */
static GPtrArray *chardev_order; /* creation order, for cleanup */

static const ChardevBackend *const backends[] = {
    &chardev_socket_backend,
    &chardev_stdio_backend,
    &chardev_file_backend,
    &chardev_null_backend,
    &chardev_ringbuf_backend,
};

static const ChardevBackend *backend_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        if (!strcmp(backends[i]->name, name)) {
            return backends[i];
        }
    }
    return NULL;
}

/* QEMU's identifiers: a letter, then letters, digits, '-', '.', '_'. */
static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_') {
            return false;
        }
    }
    return true;
}

static bool check_keys(const ChardevBackend *be, KiteOpts *opts,
                       GError **errp)
{
    g_autoptr(GPtrArray) keys = kite_opts_keys(opts);

    for (guint i = 0; i < keys->len; i++) {
        const char *key = g_ptr_array_index(keys, i);
        bool known = !strcmp(key, "backend") || !strcmp(key, "id");

        for (size_t k = 0; !known && be->keys && be->keys[k]; k++) {
            known = !strcmp(key, be->keys[k]);
        }
        if (!known) {
            kite_error_set(errp, "Invalid parameter '%s'", key);
            return false;
        }
    }
    return true;
}

bool chardev_opt_bool(KiteOpts *opts, const char *key, bool def, bool *out,
                      GError **errp)
{
    const char *v = kite_opts_get(opts, key);

    *out = def;
    if (v && !kite_parse_bool(v, out)) {
        kite_error_set(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

bool chardev_opt_number(KiteOpts *opts, const char *key, uint64_t def,
                        uint64_t *out, GError **errp)
{
    const char *v = kite_opts_get(opts, key);

    *out = def;
    if (v && !kite_parse_uint64(v, out)) {
        kite_error_set(errp, "Parameter '%s' expects a number", key);
        return false;
    }
    return true;
}

static void chardev_free(Chardev *chr)
{
    chardev_set_input_fd(chr, -1);
    if (chr->backend->close) {
        chr->backend->close(chr);
    }
    /* Deferred work (resume, hangup) still queued for this chardev. */
    while (g_source_remove_by_user_data(chr)) {
    }
    g_free(chr->id);
    g_free(chr);
}

Chardev *chardev_new_from_opts(KiteOpts *opts, GError **errp)
{
    const char *id = kite_opts_get(opts, "id");
    const char *name = kite_opts_get(opts, "backend");
    const ChardevBackend *be;
    Chardev *chr;

    if (!id) {
        kite_error_set(errp, "chardev: no id specified");
        return NULL;
    }
    if (!id_wellformed(id)) {
        kite_error_set(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (!name || !*name) {
        kite_error_set(errp, "chardev: \"%s\" missing backend", id);
        return NULL;
    }
    be = backend_lookup(name);
    if (!be) {
        kite_error_set(errp, "'%s' is not a valid char driver name", name);
        return NULL;
    }
    if (!check_keys(be, opts, errp)) {
        return NULL;
    }
    if (chardev_find(id)) {
        kite_error_set(errp, "Duplicate ID '%s' for chardev", id);
        return NULL;
    }

    /* A peer that goes away must surface as a failed write, not kill us. */
    signal(SIGPIPE, SIG_IGN);

    chr = g_new0(Chardev, 1);
    chr->id = g_strdup(id);
    chr->backend = be;
    chr->in_fd = -1;
    chr->out_fd = -1;
    if (!be->open(chr, opts, errp)) {
        chardev_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_hash_table_new(g_str_hash, g_str_equal);
        chardev_order = g_ptr_array_new();
    }
    g_hash_table_insert(chardevs, chr->id, chr);
    g_ptr_array_add(chardev_order, chr);
    return chr;
}

Chardev *chardev_find(const char *id)
{
    return chardevs && id ? g_hash_table_lookup(chardevs, id) : NULL;
}

const char *chardev_get_id(Chardev *chr)
{
    return chr->id;
}

const char *chardev_get_backend_name(Chardev *chr)
{
    return chr->backend->name;
}

void chardev_remove(Chardev *chr)
{
    if (!chr) {
        return;
    }
    g_hash_table_remove(chardevs, chr->id);
    g_ptr_array_remove(chardev_order, chr);
    chardev_free(chr);
}

void chardev_cleanup_all(void)
{
    if (!chardevs) {
        return;
    }
    /* Newest first, so "chardev:ID" users go before what they use. */
    while (chardev_order->len) {
        chardev_remove(g_ptr_array_index(chardev_order,
                                         chardev_order->len - 1));
    }
    g_hash_table_destroy(chardevs);
    g_ptr_array_free(chardev_order, true);
    chardevs = NULL;
    chardev_order = NULL;
}

/* ---- frontends and events ---- */

bool chardev_attach(Chardev *chr, ChardevCanReadFn *can_read,
                    ChardevReadFn *read, ChardevEventFn *event, void *opaque,
                    GError **errp)
{
    if (chr->fe_attached) {
        kite_error_set(errp, "Device '%s' is in use", chr->id);
        return false;
    }
    chr->fe_attached = true;
    chr->fe_can_read = can_read;
    chr->fe_read = read;
    chr->fe_event = event;
    chr->fe_opaque = opaque;
    chardev_set_input_fd(chr, chr->in_fd);
    if (chr->connected && event) {
        event(opaque, CHR_EVENT_OPENED);
    }
    return true;
}

void chardev_detach(Chardev *chr)
{
    if (!chr || !chr->fe_attached) {
        return;
    }
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
    chr->fe_attached = false;
    chr->fe_can_read = NULL;
    chr->fe_read = NULL;
    chr->fe_event = NULL;
    chr->fe_opaque = NULL;
}

void chardev_set_connected(Chardev *chr, bool connected)
{
    chr->write_failed = false;
    if (chr->connected == connected) {
        return;
    }
    chr->connected = connected;
    if (chr->fe_attached && chr->fe_event) {
        chr->fe_event(chr->fe_opaque,
                      connected ? CHR_EVENT_OPENED : CHR_EVENT_CLOSED);
    }
}

bool chardev_is_connected(Chardev *chr)
{
    return chr->connected;
}

void chardev_disconnect(Chardev *chr)
{
    if (chr->backend->disconnect) {
        chr->backend->disconnect(chr);
    }
}

/* ---- input ---- */

static gboolean chardev_input_ready(int fd, GIOCondition cond, gpointer data)
{
    Chardev *chr = data;
    uint8_t buf[READ_CHUNK];
    size_t want = sizeof(buf);
    ssize_t n;

    if (chr->fe_can_read) {
        want = MIN(chr->fe_can_read(chr->fe_opaque), sizeof(buf));
        if (want == 0) {
            /* Paused until the frontend calls chardev_accept_input(). */
            chr->in_watch = 0;
            return G_SOURCE_REMOVE;
        }
    }
    n = read(fd, buf, want);
    if (n > 0) {
        /* @chr may be gone after this; touch nothing afterwards. */
        if (chr->fe_read) {
            chr->fe_read(chr->fe_opaque, buf, n);
        }
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    /* End of file or a broken connection. */
    chr->in_watch = 0;
    if (chr->backend->hangup) {
        chr->backend->hangup(chr);
    }
    return G_SOURCE_REMOVE;
}

void chardev_set_input_fd(Chardev *chr, int fd)
{
    if (chr->in_watch && (fd != chr->in_fd || !chr->fe_attached)) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
    chr->in_fd = fd;
    if (fd >= 0 && chr->fe_attached && chr->fe_read && !chr->in_watch) {
        chr->in_watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_input_ready, chr);
    }
}

static gboolean chardev_resume_input(gpointer data)
{
    Chardev *chr = data;

    g_atomic_int_set(&chr->resume_pending, 0);
    chardev_set_input_fd(chr, chr->in_fd);
    return G_SOURCE_REMOVE;
}

void chardev_accept_input(Chardev *chr)
{
    if (g_main_context_is_owner(g_main_context_default())) {
        chardev_set_input_fd(chr, chr->in_fd);
        return;
    }
    /* From another thread: let the main loop re-arm the watch. */
    if (g_atomic_int_compare_and_exchange(&chr->resume_pending, 0, 1)) {
        g_idle_add(chardev_resume_input, chr);
    }
}

/* ---- output ---- */

static gboolean chardev_deferred_hangup(gpointer data)
{
    Chardev *chr = data;

    g_atomic_int_set(&chr->hangup_pending, 0);
    /* Only if the connection that failed is still the current one. */
    if (chr->write_failed && chr->backend->hangup) {
        chr->backend->hangup(chr);
    }
    return G_SOURCE_REMOVE;
}

void chardev_schedule_hangup(Chardev *chr)
{
    chr->write_failed = true;
    if (g_atomic_int_compare_and_exchange(&chr->hangup_pending, 0, 1)) {
        g_idle_add(chardev_deferred_hangup, chr);
    }
}

ssize_t chardev_fd_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->out_fd < 0) {
        errno = ENOTCONN;
        return -1;
    }
    return write(chr->out_fd, buf, len);
}

/* Wait until @fd can take data; false after the stall timeout. */
static bool wait_writable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    int64_t deadline = g_get_monotonic_time() +
                       WRITE_STALL_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

    for (;;) {
        int64_t left_ms = (deadline - g_get_monotonic_time()) / 1000;
        int r;

        if (left_ms <= 0) {
            return false;
        }
        r = poll(&pfd, 1, left_ms);
        if (r > 0) {
            /* Errors and hangups show up in the next write. */
            return true;
        }
        if (r < 0 && errno != EINTR) {
            return false;
        }
    }
}

bool chardev_write_all(Chardev *chr, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    if (!chr->backend->write) {
        return true; /* null: accepted and dropped */
    }
    if (chr->backend->needs_peer && !chr->connected) {
        return false;
    }
    while (len > 0) {
        ssize_t n = chr->backend->write(chr, p, len);

        if (n > 0) {
            p += n;
            len -= n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN && chr->out_fd >= 0 &&
            wait_writable(chr->out_fd)) {
            continue;
        }
        if (chr->backend->needs_peer) {
            chardev_schedule_hangup(chr);
        }
        return false;
    }
    return true;
}
