/*
 * The QMP server: one monitor per chardev.  Each connection gets the
 * greeting and a fresh session; requests are parsed by the JSON stream
 * splitter, dispatched, and answered one JSON object per line ("\r\n",
 * as QEMU ends its lines).  Events go to every negotiated connection.
 */
#include "kite/qmp.h"
#include "kite/runstate.h"

typedef struct MonitorQMP {
    Chardev *chr;
    JsonStreamParser *parser;
    QmpSession session;
    bool connected;
    bool in_feed;          /* inside json_stream_parser_feed() */
    bool parser_stale;     /* connection changed during a feed */
} MonitorQMP;

static GPtrArray *qmp_monitors;   /* MonitorQMP * */

static void monitor_qmp_send(MonitorQMP *mon, json_t *obj)
{
    char *text = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text) {
        return;
    }
    GString *line = g_string_new(text);
    free(text);
    g_string_append(line, "\r\n");
    chardev_write_all(mon->chr, line->str, line->len);
    g_string_free(line, TRUE);
}

static json_t *qmp_greeting(void)
{
    return json_pack("{s:{s:{s:{s:i,s:i,s:i},s:s},s:[s]}}",
                     "QMP", "version", "qemu",
                     "micro", KITE_VERSION_MICRO,
                     "minor", KITE_VERSION_MINOR,
                     "major", KITE_VERSION_MAJOR,
                     "package", KITE_PACKAGE,
                     "capabilities", "oob");
}

static void monitor_qmp_emit(void *opaque, json_t *value, GError *err)
{
    MonitorQMP *mon = opaque;
    json_t *reply;

    if (!mon->connected || mon->parser_stale) {
        /* bytes of a connection that has gone away */
        json_decref(value);
        if (err) {
            g_error_free(err);
        }
        return;
    }
    if (err) {
        reply = qmp_error_reply(err, NULL);
        g_error_free(err);
    } else {
        reply = qmp_dispatch(&mon->session, value);
        json_decref(value);
    }
    monitor_qmp_send(mon, reply);
    json_decref(reply);
}

static size_t monitor_qmp_can_read(void *opaque)
{
    return 4096;
}

static void monitor_qmp_read(void *opaque, const uint8_t *buf, size_t len)
{
    MonitorQMP *mon = opaque;

    mon->in_feed = true;
    json_stream_parser_feed(mon->parser, (const char *)buf, len);
    mon->in_feed = false;
    if (mon->parser_stale) {
        json_stream_parser_free(mon->parser);
        mon->parser = json_stream_parser_new(monitor_qmp_emit, mon);
        mon->parser_stale = false;
    }
}

/* A new connection starts from scratch: no half message, no session. */
static void monitor_qmp_reset(MonitorQMP *mon)
{
    mon->session = (QmpSession){ 0 };
    if (mon->in_feed) {
        mon->parser_stale = true;
    } else {
        json_stream_parser_free(mon->parser);
        mon->parser = json_stream_parser_new(monitor_qmp_emit, mon);
    }
}

static void monitor_qmp_event(void *opaque, ChardevEvent event)
{
    MonitorQMP *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED: {
        monitor_qmp_reset(mon);
        mon->connected = true;
        json_t *greeting = qmp_greeting();
        monitor_qmp_send(mon, greeting);
        json_decref(greeting);
        break;
    }
    case CHR_EVENT_CLOSED:
        mon->connected = false;
        monitor_qmp_reset(mon);
        break;
    }
}

bool monitor_qmp_new(Chardev *chr, GError **errp)
{
    MonitorQMP *mon = g_new0(MonitorQMP, 1);

    mon->chr = chr;
    mon->parser = json_stream_parser_new(monitor_qmp_emit, mon);
    if (!qmp_monitors) {
        qmp_monitors = g_ptr_array_new();
    }
    /* Listed before attaching: attaching may deliver OPENED at once. */
    g_ptr_array_add(qmp_monitors, mon);
    if (!chardev_attach(chr, monitor_qmp_can_read, monitor_qmp_read,
                        monitor_qmp_event, mon, errp)) {
        g_ptr_array_remove(qmp_monitors, mon);
        json_stream_parser_free(mon->parser);
        g_free(mon);
        return false;
    }
    return true;
}

void qmp_event_emit(const char *name, json_t *data)
{
    gint64 now = g_get_real_time();
    json_t *ev = json_object();

    json_object_set_new(ev, "timestamp",
                        json_pack("{s:I,s:I}",
                                  "seconds", (json_int_t)(now / G_USEC_PER_SEC),
                                  "microseconds",
                                  (json_int_t)(now % G_USEC_PER_SEC)));
    json_object_set_new(ev, "event", json_string(name));
    if (data) {
        json_object_set_new(ev, "data", data);
    }
    for (guint i = 0; qmp_monitors && i < qmp_monitors->len; i++) {
        MonitorQMP *mon = g_ptr_array_index(qmp_monitors, i);
        if (mon->connected && mon->session.negotiated) {
            monitor_qmp_send(mon, ev);
        }
    }
    json_decref(ev);
}
