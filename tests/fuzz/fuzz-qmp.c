/*
 * libFuzzer harness for the QMP input path: bytes go through the JSON
 * stream splitter, and every value it produces is dispatched in a QMP
 * session, as the server does.  Only commands without side effects on
 * the process run (no stop/cont/quit/reset/qom-set: they would queue
 * main-loop requests or change global state between inputs); the request
 * checks, negotiation and argument schema checks run for every command.
 */
#include "kite/qmp.h"

static const char *const fuzz_safe_commands[] = {
    "qmp_capabilities", "query-version", "query-commands", "query-status",
    "query-name", "query-kvm", "query-machines", "query-cpus-fast",
    "qom-list", "qom-get", "qom-list-types", "device-list-properties",
};

/* HMP lines allowed through human-monitor-command (read-only). */
static const char *const fuzz_safe_hmp[] = {
    "info version", "info status", "info name", "info kvm", "info", "help",
};

static bool fuzz_allowed(json_t *req)
{
    json_t *exec = json_object_get(req, "execute");
    if (!exec) {
        exec = json_object_get(req, "exec-oob");
    }
    const char *name = json_string_value(exec);
    if (!name || !qmp_find_command(name)) {
        return true;   /* error paths only */
    }
    for (size_t i = 0; i < ARRAY_SIZE(fuzz_safe_commands); i++) {
        if (!strcmp(name, fuzz_safe_commands[i])) {
            return true;
        }
    }
    if (!strcmp(name, "human-monitor-command")) {
        const char *line = json_string_value(json_object_get(
            json_object_get(req, "arguments"), "command-line"));
        if (!line) {
            return true;   /* a schema error */
        }
        g_autofree char *stripped = g_strstrip(g_strdup(line));
        if (!*stripped) {
            return true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(fuzz_safe_hmp); i++) {
            if (!strcmp(stripped, fuzz_safe_hmp[i])) {
                return true;
            }
        }
    }
    return false;
}

typedef struct FuzzState {
    QmpSession session;
} FuzzState;

static void fuzz_emit(void *opaque, json_t *value, GError *err)
{
    FuzzState *fs = opaque;
    json_t *reply;

    if (err) {
        reply = qmp_error_reply(err, NULL);
        g_error_free(err);
    } else if (json_is_object(value) && !fuzz_allowed(value)) {
        json_decref(value);
        return;
    } else {
        reply = qmp_dispatch(&fs->session, value);
        json_decref(value);
    }
    /* The server serialises every reply: it must always be possible. */
    char *text = json_dumps(reply, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text) {
        __builtin_trap();
    }
    free(text);
    json_decref(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzState fs = { { 0 } };

    if (size == 0) {
        return 0;
    }
    /* First byte: start negotiated or not, and how to split the feed. */
    fs.session.negotiated = data[0] & 1;
    size_t chunk = (data[0] >> 1) ? (data[0] >> 1) : size;
    data++;
    size--;

    JsonStreamParser *p = json_stream_parser_new(fuzz_emit, &fs);
    for (size_t off = 0; off < size; off += chunk) {
        json_stream_parser_feed(p, (const char *)data + off,
                                MIN(chunk, size - off));
    }
    json_stream_parser_flush(p);
    json_stream_parser_free(p);
    return 0;
}
