/*
 * libqtest's QMP side: QEMU's format language (single-quoted JSON with
 * %-interpolation) converted to JSON, responses and events, HMP.
 */
#include "libqtest-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append the JSON text for one %-conversion at *pp (after the '%'). */
static bool qmp_format_conversion(GString *out, const char **pp, va_list *ap)
{
    const char *p = *pp;
    json_t *v = NULL;
    int longs = 0;

    if (*p == '%') {
        g_string_append_c(out, '%');
        *pp = p + 1;
        return true;
    }
    while (*p == 'l') {
        longs++;
        p++;
    }
    switch (*p) {
    case 's':
        if (longs) {
            return false;
        }
        v = json_string(va_arg(*ap, const char *));
        if (!v) {
            return false; /* not UTF-8 */
        }
        break;
    case 'd':
    case 'i':
        v = json_integer(longs == 0 ? va_arg(*ap, int)
                         : longs == 1 ? va_arg(*ap, long)
                         : va_arg(*ap, long long));
        break;
    case 'u':
        v = json_integer((json_int_t)(longs == 0 ? va_arg(*ap, unsigned)
                         : longs == 1 ? va_arg(*ap, unsigned long)
                         : va_arg(*ap, unsigned long long)));
        break;
    case 'f':
    case 'g':
        if (longs) {
            return false;
        }
        v = json_real(va_arg(*ap, double));
        break;
    case 'p':
        if (longs) {
            return false;
        }
        v = va_arg(*ap, json_t *); /* reference taken over */
        break;
    default:
        return false;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    if (!text) {
        return false;
    }
    g_string_append(out, text);
    free(text);
    *pp = p + 1;
    return true;
}

/*
 * QEMU's QMP format language to JSON: single-quoted strings become
 * double-quoted ones ('\'' inside stays a quote, '"' gets escaped), and
 * %-conversions outside strings are replaced by their JSON values.
 */
static char *qmp_format_to_json(const char *fmt, va_list ap_in)
{
    GString *out = g_string_new(NULL);
    const char *p = fmt;
    va_list ap;

    va_copy(ap, ap_in);
    while (*p) {
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            g_string_append_c(out, '"');
            while (*p && *p != quote) {
                if (*p == '\\' && p[1]) {
                    if (quote == '\'' && p[1] == '\'') {
                        g_string_append_c(out, '\'');
                    } else {
                        g_string_append_c(out, '\\');
                        g_string_append_c(out, p[1]);
                    }
                    p += 2;
                } else if (*p == '"') {
                    g_string_append(out, "\\\"");
                    p++;
                } else {
                    g_string_append_c(out, *p++);
                }
            }
            if (!*p) {
                goto bad; /* unterminated string */
            }
            g_string_append_c(out, '"');
            p++;
        } else if (*p == '%') {
            p++;
            if (!qmp_format_conversion(out, &p, &ap)) {
                goto bad;
            }
        } else {
            g_string_append_c(out, *p++);
        }
    }
    va_end(ap);
    return g_string_free(out, FALSE);
bad:
    va_end(ap);
    g_string_free(out, TRUE);
    return NULL;
}

/* The format converted and checked to be one JSON value, compact. */
static char *qmp_vformat(const char *fmt, va_list ap)
{
    g_autofree char *text = qmp_format_to_json(fmt, ap);
    json_t *v;
    json_error_t err;
    char *dumped;

    if (!text) {
        return NULL;
    }
    v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v) {
        return NULL;
    }
    dumped = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
                        JSON_ENCODE_ANY);
    json_decref(v);
    if (!dumped) {
        return NULL;
    }
    /* Callers g_free the result; jansson's text is free()d. */
    char *ret = g_strdup(dumped);
    free(dumped);
    return ret;
}

char *qtest_qmp_format(const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = qmp_vformat(fmt, ap);
    va_end(ap);
    return text;
}

void qtest_qmp_send_bytes(QTestState *s, const void *buf, size_t len)
{
    if (s->qmp_fd < 0) {
        qtest_die(s, "this VMM was started without QMP");
    }
    qtest_write_all(s, s->qmp_fd, buf, len);
}

void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_qmp_send_bytes(s, text, strlen(text));
}

void qtest_qmp_vsend(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *text = qmp_vformat(fmt, ap);
    g_autofree char *line = NULL;

    if (!text) {
        qtest_die(s, "QMP format does not give valid JSON: %s", fmt);
    }
    if (getenv("QTEST_LOG")) {
        fprintf(stderr, "libqtest: QMP >> %s\n", text);
    }
    line = g_strconcat(text, "\n", NULL);
    qtest_qmp_send_bytes(s, line, strlen(line));
}

void qtest_qmp_send(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qtest_qmp_vsend(s, fmt, ap);
    va_end(ap);
}

json_t *qtest_qmp_receive_dict(QTestState *s)
{
    for (;;) {
        g_autofree char *line = NULL;
        json_error_t err;
        json_t *msg;

        if (s->qmp_fd < 0) {
            qtest_die(s, "this VMM was started without QMP");
        }
        line = qtest_read_line(s, s->qmp_fd, s->qmp_rx);
        if (line[strspn(line, " \t\r")] == '\0') {
            continue;
        }
        if (getenv("QTEST_LOG")) {
            fprintf(stderr, "libqtest: QMP << %s\n", line);
        }
        msg = json_loads(line, 0, &err);
        if (!msg || !json_is_object(msg)) {
            qtest_die(s, "QMP sent something that is not a JSON object: "
                      "%.200s", line);
        }
        return msg;
    }
}

json_t *qtest_qmp_receive(QTestState *s)
{
    for (;;) {
        json_t *msg = qtest_qmp_receive_dict(s);

        if (!json_object_get(msg, "event")) {
            return msg;
        }
        g_queue_push_tail(s->pending_events, msg);
    }
}

json_t *qtest_vqmp(QTestState *s, const char *fmt, va_list ap)
{
    qtest_qmp_vsend(s, fmt, ap);
    return qtest_qmp_receive(s);
}

json_t *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    json_t *r;

    va_start(ap, fmt);
    r = qtest_vqmp(s, fmt, ap);
    va_end(ap);
    return r;
}

static bool event_is(json_t *msg, const char *event)
{
    const char *name = json_string_value(json_object_get(msg, "event"));

    return name && strcmp(name, event) == 0;
}

json_t *qtest_qmp_event_ref(QTestState *s, const char *event)
{
    for (GList *l = s->pending_events->head; l; l = l->next) {
        if (event_is(l->data, event)) {
            json_t *msg = l->data;
            g_queue_delete_link(s->pending_events, l);
            return msg;
        }
    }
    return NULL;
}

json_t *qtest_qmp_eventwait_ref(QTestState *s, const char *event)
{
    json_t *msg = qtest_qmp_event_ref(s, event);

    while (!msg) {
        msg = qtest_qmp_receive_dict(s);
        if (!event_is(msg, event)) {
            json_decref(msg);
            msg = NULL;
        }
    }
    return msg;
}

void qtest_qmp_eventwait(QTestState *s, const char *event)
{
    json_decref(qtest_qmp_eventwait_ref(s, event));
}

static json_t *qmp_vassert_success(QTestState *s, const char *fmt,
                                   va_list ap)
{
    json_t *resp = qtest_vqmp(s, fmt, ap);
    json_t *ret = json_object_get(resp, "return");

    if (!ret) {
        char *text = json_dumps(resp, JSON_COMPACT);
        qtest_die(s, "QMP command failed: %s", text ? text : "?");
    }
    json_incref(ret);
    json_decref(resp);
    return ret;
}

json_t *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    json_t *ret;

    va_start(ap, fmt);
    ret = qmp_vassert_success(s, fmt, ap);
    va_end(ap);
    return ret;
}

void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    json_decref(qmp_vassert_success(s, fmt, ap));
    va_end(ap);
}

char *qtest_hmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cmd = NULL;
    json_t *resp;
    const char *out;
    char *ret;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    resp = qtest_qmp(s, "{'execute': 'human-monitor-command', "
                     "'arguments': {'command-line': %s}}", cmd);
    out = json_string_value(json_object_get(resp, "return"));
    if (!out) {
        char *text = json_dumps(resp, JSON_COMPACT);
        qtest_die(s, "HMP '%s' failed: %s", cmd, text ? text : "?");
    }
    ret = g_strdup(out);
    json_decref(resp);
    return ret;
}
