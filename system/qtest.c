/*
 * The qtest server: reads request lines from a chardev, runs them through
 * the command table (system/qtest-commands.c and target commands) and
 * writes the replies, logging both directions to -qtest-log the way QEMU
 * does ("[R +secs.micros] request", "[S +secs.micros] reply").
 *
 * Where QEMU asserts on bad input (a missing argument, a malformed number),
 * Kite answers "FAIL <reason>" and keeps serving: see docs/qtest.md.
 */
#include "kite/qtest.h"
#include "kite/accel.h"
#include "qtest-internal.h"

#include <stdio.h>
#include <errno.h>

/* A request line longer than this is dropped with a FAIL. It allows a
 * hex `write` of QTEST_MAX_DATA bytes with room to spare. */
#define QTEST_MAX_LINE (2 * QTEST_MAX_DATA + 4096)

static Chardev *qtest_chr;
static FILE *qtest_log_fp;
static bool qtest_opened;
static gint64 qtest_start_us;
static GString *qtest_inbuf;
static bool qtest_discarding;     /* skipping the rest of an overlong line */
static GHashTable *qtest_commands; /* name -> QtestCommandFn * */
/* While a request runs, everything it sends (async IRQ lines first, then
 * the reply) collects here so that the order on the wire is right and
 * qtest_process_line can return it. */
static GString *qtest_pending;

bool qtest_enabled(void)
{
    const AccelOps *ops = current_accel();

    return ops && ops->name && strcmp(ops->name, "qtest") == 0;
}

static void qtest_log_time(char *buf, size_t len)
{
    gint64 us = g_get_monotonic_time() - qtest_start_us;

    snprintf(buf, len, "%" PRId64 ".%06" PRId64, us / G_USEC_PER_SEC,
             us % G_USEC_PER_SEC);
}

/* Log each line of @text (newline-separated) with the [S] or [R] tag. */
static void qtest_log_lines(char tag, const char *text)
{
    char ts[64];
    gchar **lines;

    if (!qtest_log_fp || !qtest_opened) {
        return;
    }
    qtest_log_time(ts, sizeof(ts));
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (lines[i + 1] == NULL && lines[i][0] == '\0') {
            break; /* the text ended with a newline */
        }
        fprintf(qtest_log_fp, "[%c +%s] %s\n", tag, ts, lines[i]);
    }
    g_strfreev(lines);
    fflush(qtest_log_fp);
}

/* Send @text (ending in a newline) to the client now. */
static void qtest_send_now(const char *text)
{
    qtest_log_lines('S', text);
    if (qtest_chr) {
        chardev_write_all(qtest_chr, text, strlen(text));
    }
}

void qtest_send_async(const char *line)
{
    if (qtest_pending) {
        g_string_append_printf(qtest_pending, "%s\n", line);
    } else {
        g_autofree char *text = g_strdup_printf("%s\n", line);
        qtest_send_now(text);
    }
}

void qtest_register_command(const char *name, QtestCommandFn *fn)
{
    if (!qtest_commands) {
        qtest_commands = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, NULL);
    }
    g_hash_table_insert(qtest_commands, g_strdup(name), (gpointer)fn);
}

/* Run one request; returns what to send (each line newline-terminated). */
static char *qtest_run_line(const char *line)
{
    g_auto(GStrv) words = g_strsplit(line, " ", -1);
    g_autoptr(GString) reply = g_string_new(NULL);
    QtestCommandFn *fn = NULL;
    GString *outer = qtest_pending;
    GString *out = g_string_new(NULL);

    qtest_pending = out;
    qtest_commands_init();
    if (words[0] && words[0][0] != '\0') {
        fn = g_hash_table_lookup(qtest_commands, words[0]);
    }
    if (!words[0] || words[0][0] == '\0') {
        g_string_append(reply, "FAIL empty command");
    } else if (!fn || !qtest_command_available(words[0])) {
        g_string_append_printf(reply, "FAIL Unknown command '%s'", words[0]);
    } else {
        fn(words, reply);
        if (reply->len == 0) {
            g_string_append(reply, "FAIL command gave no reply");
        }
    }
    g_string_append_printf(out, "%s\n", reply->str);
    qtest_pending = outer;
    return g_string_free(out, FALSE);
}

char *qtest_process_line(const char *line)
{
    char *out = qtest_run_line(line);
    size_t len = strlen(out);

    if (len && out[len - 1] == '\n') {
        out[len - 1] = '\0';
    }
    return out;
}

static void qtest_handle_line(const char *line)
{
    g_autofree char *out = NULL;

    qtest_log_lines('R', line);
    out = qtest_run_line(line);
    qtest_send_now(out);
}

static void qtest_consume(void)
{
    char *nl;

    while ((nl = memchr(qtest_inbuf->str, '\n', qtest_inbuf->len)) != NULL) {
        size_t n = nl - qtest_inbuf->str;
        /* A NUL inside the line would hide the rest of it: refuse it. */
        bool has_nul = memchr(qtest_inbuf->str, '\0', n) != NULL;
        g_autofree char *line = g_strndup(qtest_inbuf->str, n);

        g_string_erase(qtest_inbuf, 0, n + 1);
        if (qtest_discarding) {
            qtest_discarding = false;
            continue;
        }
        n = strlen(line);
        if (n && line[n - 1] == '\r') {
            line[n - 1] = '\0';
        }
        if (has_nul) {
            qtest_log_lines('R', line);
            qtest_send_now("FAIL request contains a NUL byte\n");
            continue;
        }
        qtest_handle_line(line);
    }
    if (qtest_inbuf->len > QTEST_MAX_LINE) {
        g_string_truncate(qtest_inbuf, 0);
        if (!qtest_discarding) {
            qtest_discarding = true;
            qtest_send_now("FAIL request line too long\n");
        }
    }
}

static size_t qtest_can_read(void *opaque)
{
    return 64 * KiB;
}

static void qtest_read(void *opaque, const uint8_t *buf, size_t len)
{
    g_string_append_len(qtest_inbuf, (const char *)buf, len);
    qtest_consume();
}

static void qtest_open(void)
{
    char ts[64];

    if (qtest_opened) {
        return;
    }
    qtest_start_us = g_get_monotonic_time();
    qtest_opened = true;
    if (qtest_log_fp) {
        qtest_log_time(ts, sizeof(ts));
        fprintf(qtest_log_fp, "[I %s] OPENED\n", ts);
        fflush(qtest_log_fp);
    }
}

static void qtest_event(void *opaque, ChardevEvent event)
{
    char ts[64];

    switch (event) {
    case CHR_EVENT_OPENED:
        qtest_open();
        break;
    case CHR_EVENT_CLOSED:
        if (qtest_opened && qtest_log_fp) {
            qtest_log_time(ts, sizeof(ts));
            fprintf(qtest_log_fp, "[I +%s] CLOSED\n", ts);
            fflush(qtest_log_fp);
        }
        qtest_opened = false;
        g_string_truncate(qtest_inbuf, 0);
        qtest_discarding = false;
        break;
    }
}

bool qtest_server_init(Chardev *chr, const char *log_path, GError **errp)
{
    FILE *log_fp = NULL;

    if (qtest_chr) {
        kite_error_set(errp, "qtest server already running");
        return false;
    }
    if (log_path && strcmp(log_path, "none") != 0) {
        log_fp = fopen(log_path, "w");
        if (!log_fp) {
            kite_error_set(errp, "Could not open qtest log '%s': %s",
                           log_path, g_strerror(errno));
            return false;
        }
    }
    /* Attaching may report OPENED at once: be ready to log it. */
    qtest_log_fp = log_fp;
    qtest_inbuf = g_string_new(NULL);
    qtest_commands_init();
    if (!chardev_attach(chr, qtest_can_read, qtest_read, qtest_event, NULL,
                        errp)) {
        qtest_log_fp = NULL;
        g_string_free(qtest_inbuf, TRUE);
        qtest_inbuf = NULL;
        if (log_fp) {
            fclose(log_fp);
        }
        return false;
    }
    qtest_chr = chr;
    if (chardev_is_connected(chr)) {
        qtest_open();
    }
    return true;
}
