/*
 * The QMP command table and the dispatcher: checks one request the way
 * QEMU 7.2 does (same order, same texts, same error classes), runs the
 * command and builds the reply.
 */
#include "kite/qmp.h"

static GHashTable *qmp_commands;   /* name -> const QmpCommandInfo * */

void qmp_register_command(const QmpCommandInfo *info)
{
    if (!qmp_commands) {
        qmp_commands = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_replace(qmp_commands, (gpointer)info->name, (gpointer)info);
}

const QmpCommandInfo *qmp_find_command(const char *name)
{
    return qmp_commands ? g_hash_table_lookup(qmp_commands, name) : NULL;
}

static gint qmp_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *qmp_command_names(void)
{
    GPtrArray *names = g_ptr_array_new();
    if (qmp_commands) {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, qmp_commands);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            g_ptr_array_add(names, key);
        }
    }
    g_ptr_array_sort(names, qmp_name_cmp);
    return names;
}

json_t *qmp_error_reply(const GError *err, json_t *id)
{
    json_t *reply = json_object();
    if (id) {
        json_object_set(reply, "id", id);
    }
    json_t *e = json_object();
    json_object_set_new(e, "class", json_string(kite_error_class(err)));
    json_t *desc = json_string(err->message);
    if (!desc) {
        /* not valid UTF-8: never drop the reply because of the text */
        desc = json_string("(error message is not valid UTF-8)");
    }
    json_object_set_new(e, "desc", desc);
    json_object_set_new(reply, "error", e);
    return reply;
}

static json_t *qmp_error_reply_new(json_t *id, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static json_t *qmp_error_reply_new(json_t *id, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GError *err = g_error_new_literal(KITE_ERROR, code, msg);
    g_free(msg);
    json_t *reply = qmp_error_reply(err, id);
    g_error_free(err);
    return reply;
}

static const char *qmp_arg_type_name(QmpArgType t)
{
    switch (t) {
    case QMP_ARG_STR:
        return "string";
    case QMP_ARG_INT:
        return "integer";
    case QMP_ARG_NUMBER:
        return "number";
    case QMP_ARG_BOOL:
        return "boolean";
    case QMP_ARG_OBJECT:
        return "object";
    case QMP_ARG_ARRAY:
        return "array";
    case QMP_ARG_ANY:
        break;
    }
    return "any";
}

static bool qmp_arg_type_ok(json_t *v, QmpArgType t)
{
    switch (t) {
    case QMP_ARG_STR:
        return json_is_string(v);
    case QMP_ARG_INT:
        return json_is_integer(v);
    case QMP_ARG_NUMBER:
        return json_is_number(v);
    case QMP_ARG_BOOL:
        return json_is_boolean(v);
    case QMP_ARG_OBJECT:
        return json_is_object(v);
    case QMP_ARG_ARRAY:
        return json_is_array(v);
    case QMP_ARG_ANY:
        return true;
    }
    return false;
}

/* QEMU's visitor order: declared members first, then leftovers. */
static bool qmp_check_args(const QmpCommandInfo *cmd, json_t *args,
                           GError **errp)
{
    if (cmd->allow_any_args) {
        return true;
    }
    for (const QmpArg *a = cmd->args; a && a->name; a++) {
        json_t *v = json_object_get(args, a->name);
        if (!v) {
            if (!a->optional) {
                kite_error_set(errp, "Parameter '%s' is missing", a->name);
                return false;
            }
            continue;
        }
        if (!qmp_arg_type_ok(v, a->type)) {
            kite_error_set(errp, "Invalid parameter type for '%s', expected: %s",
                           a->name, qmp_arg_type_name(a->type));
            return false;
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v) {
        bool known = false;
        for (const QmpArg *a = cmd->args; a && a->name; a++) {
            if (!strcmp(a->name, key)) {
                known = true;
                break;
            }
        }
        if (!known) {
            kite_error_set(errp, "Parameter '%s' is unexpected", key);
            return false;
        }
    }
    return true;
}

/* qmp_capabilities needs the session, so the dispatcher runs it. */
static json_t *qmp_negotiate(QmpSession *s, json_t *args, GError **errp)
{
    if (s->negotiated) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        return NULL;
    }
    bool oob = false;
    json_t *enable = json_object_get(args, "enable");
    size_t i;
    json_t *cap;
    json_array_foreach(enable, i, cap) {
        /* The texts are QEMU's, 'null' included. */
        if (!json_is_string(cap)) {
            kite_error_set(errp, "Invalid parameter type for 'enable[%zu]', "
                           "expected: string", i);
            return NULL;
        }
        if (strcmp(json_string_value(cap), "oob")) {
            kite_error_set(errp, "Parameter 'null' does not accept value '%s'",
                           json_string_value(cap));
            return NULL;
        }
        oob = true;
    }
    s->negotiated = true;
    s->oob_enabled = oob;
    return json_object();
}

static json_t *qmp_capabilities_unreachable(json_t *args, GError **errp)
{
    kite_error_set(errp, "qmp_capabilities is handled by the dispatcher");
    return NULL;
}

static const QmpArg qmp_capabilities_args[] = {
    { "enable", QMP_ARG_ARRAY, true },
    { NULL },
};

static const QmpCommandInfo qmp_capabilities_cmd = {
    .name = "qmp_capabilities",
    .fn = qmp_capabilities_unreachable,
    .args = qmp_capabilities_args,
};

static void __attribute__((constructor)) qmp_dispatch_register(void)
{
    qmp_register_command(&qmp_capabilities_cmd);
}

json_t *qmp_dispatch(QmpSession *s, json_t *request)
{
    if (!json_is_object(request)) {
        return qmp_error_reply_new(NULL, KITE_ERROR_GENERIC,
                                   "QMP input must be a JSON object");
    }
    json_t *id = json_object_get(request, "id");
    json_t *exec = NULL, *exec_oob = NULL, *args = NULL;
    const char *key;
    json_t *v;

    json_object_foreach(request, key, v) {
        if (!strcmp(key, "execute") || !strcmp(key, "exec-oob")) {
            if (!strcmp(key, "exec-oob") && !s->oob_enabled) {
                return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
                    "QMP input member 'exec-oob' is unexpected");
            }
            if (!json_is_string(v)) {
                return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
                    "QMP input member '%s' must be a string", key);
            }
            *(key[4] == '-' ? &exec_oob : &exec) = v;
        } else if (!strcmp(key, "arguments")) {
            if (!json_is_object(v)) {
                return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
                    "QMP input member 'arguments' must be an object");
            }
            args = v;
        } else if (strcmp(key, "id")) {
            return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
                "QMP input member '%s' is unexpected", key);
        }
    }
    if (exec && exec_oob) {
        return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
            "QMP input member 'execute' clashes with 'exec-oob'");
    }
    if (!exec && !exec_oob) {
        return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
            "QMP input lacks member 'execute'");
    }

    const char *name = json_string_value(exec ? exec : exec_oob);
    const QmpCommandInfo *cmd = qmp_find_command(name);
    bool is_caps = cmd == &qmp_capabilities_cmd;
    if (!s->negotiated && !is_caps) {
        return qmp_error_reply_new(id, KITE_ERROR_COMMAND_NOT_FOUND,
            "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    if (!cmd) {
        return qmp_error_reply_new(id, KITE_ERROR_COMMAND_NOT_FOUND,
            "The command %s has not been found", name);
    }
    if (exec_oob) {
        /* No Kite command is safe to run out of band. */
        return qmp_error_reply_new(id, KITE_ERROR_GENERIC,
            "The command %s does not support OOB", name);
    }

    json_t *empty = NULL;
    if (!args) {
        args = empty = json_object();
    }
    GError *err = NULL;
    json_t *ret = NULL;
    if (qmp_check_args(cmd, args, &err)) {
        ret = is_caps ? qmp_negotiate(s, args, &err) : cmd->fn(args, &err);
        if (!ret && !err) {
            kite_error_set(&err, "Command %s failed", name);
        }
    }
    json_decref(empty);

    if (!ret) {
        json_t *reply = qmp_error_reply(err, id);
        g_error_free(err);
        return reply;
    }
    json_t *reply = json_object();
    json_object_set_new(reply, "return", ret);
    if (id) {
        json_object_set(reply, "id", id);
    }
    return reply;
}
