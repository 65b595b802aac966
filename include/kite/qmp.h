/*
 * QMP: commands are registered with an argument schema that the
 * dispatcher checks (missing, unexpected and mistyped arguments are
 * GenericError) before calling the handler.
 */
#ifndef KITE_QMP_H
#define KITE_QMP_H

#include "kite/common.h"
#include "kite/chardev.h"
#include <jansson.h>

typedef enum {
    QMP_ARG_STR,
    QMP_ARG_INT,     /* JSON integer */
    QMP_ARG_NUMBER,  /* integer or real */
    QMP_ARG_BOOL,
    QMP_ARG_ANY,     /* any JSON value */
    QMP_ARG_OBJECT,
    QMP_ARG_ARRAY,
} QmpArgType;

typedef struct QmpArg {
    const char *name;   /* NULL terminates */
    QmpArgType type;
    bool optional;
} QmpArg;

/* @args is the "arguments" object (never NULL; {} when absent).  Return a
 * new reference to the result ({} for commands that return nothing), or
 * NULL with *errp set. */
typedef json_t *QmpCommandFn(json_t *args, GError **errp);

typedef struct QmpCommandInfo {
    const char *name;
    QmpCommandFn *fn;
    const QmpArg *args;      /* NULL = no arguments accepted */
    bool allow_any_args;     /* skip the schema check entirely */
} QmpCommandInfo;

void qmp_register_command(const QmpCommandInfo *info);
#define qmp_register_commands(arr) \
    do { for (size_t i_ = 0; i_ < ARRAY_SIZE(arr); i_++) \
        qmp_register_command(&(arr)[i_]); } while (0)
const QmpCommandInfo *qmp_find_command(const char *name);
/* Names of all commands, sorted (query-commands). */
GPtrArray *qmp_command_names(void);

/* Broadcast an event to every negotiated monitor; @data is stolen (NULL
 * for no "data" member).  Adds the {"seconds","microseconds"} timestamp. */
void qmp_event_emit(const char *name, json_t *data);

/* Start a QMP monitor on @chr (-mon chardev=ID,mode=control, -qmp). */
bool monitor_qmp_new(Chardev *chr, GError **errp);
/* Start a human monitor on @chr (-mon chardev=ID,mode=readline). */
bool monitor_hmp_new(Chardev *chr, GError **errp);

/*
 * The JSON stream splitter used by QMP: feed bytes, get complete
 * top-level values (or one error per malformed message, after which
 * the stream resynchronises).
 */
typedef struct JsonStreamParser JsonStreamParser;
/* @value is a new reference or NULL with @err describing a syntax error;
 * the callback owns both (json_decref / g_error_free). */
typedef void JsonEmitFn(void *opaque, json_t *value, GError *err);
JsonStreamParser *json_stream_parser_new(JsonEmitFn *emit, void *opaque);
void json_stream_parser_feed(JsonStreamParser *p, const char *buf, size_t len);
/* Flush a pending partial message at end of input (reports an error). */
void json_stream_parser_flush(JsonStreamParser *p);
void json_stream_parser_free(JsonStreamParser *p);

/*
 * Handle one parsed request for a session.  Returns the reply object (new
 * reference), never NULL.  Exposed for unit tests and fuzzing.
 */
typedef struct QmpSession {
    bool negotiated;
    bool oob_enabled;    /* qmp_capabilities enable=["oob"] */
} QmpSession;
json_t *qmp_dispatch(QmpSession *s, json_t *request);
/* An error reply {"error":{"class","desc"}} with @id echoed if non-NULL. */
json_t *qmp_error_reply(const GError *err, json_t *id);

/* HMP "info" subcommands used by human-monitor-command and -mon readline. */
typedef void HmpInfoFn(GString *out);
void hmp_register_info(const char *name, const char *help, HmpInfoFn *fn);
/* Run one HMP command line; output (including error text) goes to @out. */
void hmp_execute(const char *cmdline, GString *out);

#endif
