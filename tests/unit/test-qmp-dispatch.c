/*
 * The QMP dispatcher: QEMU 7.2's request checks, capabilities
 * negotiation, argument schema errors and "id" echo, on commands the
 * test registers itself.
 */
#include "kite/qmp.h"

static json_t *echo_fn(json_t *args, GError **errp)
{
    return json_deep_copy(args);
}

static json_t *fail_fn(json_t *args, GError **errp)
{
    g_set_error(errp, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND,
                "Device '%s' not found", "nowhere");
    return NULL;
}

static json_t *silent_fail_fn(json_t *args, GError **errp)
{
    return NULL;   /* a buggy command: the dispatcher must still answer */
}

static const QmpArg echo_args[] = {
    { "s", QMP_ARG_STR, false },
    { "i", QMP_ARG_INT, true },
    { "n", QMP_ARG_NUMBER, true },
    { "b", QMP_ARG_BOOL, true },
    { "o", QMP_ARG_OBJECT, true },
    { "a", QMP_ARG_ARRAY, true },
    { "v", QMP_ARG_ANY, true },
    { NULL },
};

static const QmpCommandInfo test_cmds[] = {
    { .name = "x-test-echo", .fn = echo_fn, .args = echo_args },
    { .name = "x-test-noargs", .fn = echo_fn },
    { .name = "x-test-anyargs", .fn = echo_fn, .allow_any_args = true },
    { .name = "x-test-fail", .fn = fail_fn },
    { .name = "x-test-silent-fail", .fn = silent_fail_fn },
};

/* Dispatch a request written as JSON text. */
static json_t *req(QmpSession *s, const char *text)
{
    json_error_t jerr;
    json_t *r = json_loads(text, JSON_DECODE_ANY, &jerr);
    g_assert_nonnull(r);
    json_t *reply = qmp_dispatch(s, r);
    json_decref(r);
    g_assert_nonnull(reply);
    return reply;
}

static void assert_error(json_t *reply, const char *cls, const char *desc)
{
    json_t *e = json_object_get(reply, "error");
    if (!e) {
        char *t = json_dumps(reply, 0);
        g_test_message("reply: %s", t);
        free(t);
    }
    g_assert_nonnull(e);
    g_assert_null(json_object_get(reply, "return"));
    g_assert_cmpstr(json_string_value(json_object_get(e, "class")), ==, cls);
    g_assert_cmpstr(json_string_value(json_object_get(e, "desc")), ==, desc);
    g_assert_cmpuint(json_object_size(e), ==, 2);
}

static void check_error(QmpSession *s, const char *text, const char *cls,
                        const char *desc)
{
    json_t *reply = req(s, text);
    assert_error(reply, cls, desc);
    json_decref(reply);
}

static json_t *check_return(QmpSession *s, const char *text)
{
    json_t *reply = req(s, text);
    json_t *ret = json_object_get(reply, "return");
    g_assert_nonnull(ret);
    g_assert_null(json_object_get(reply, "error"));
    json_incref(ret);
    json_decref(reply);
    return ret;
}

static void negotiate(QmpSession *s)
{
    json_decref(check_return(s, "{\"execute\": \"qmp_capabilities\"}"));
    g_assert_true(s->negotiated);
}

static void test_negotiation(void)
{
    QmpSession s = { 0 };
    const char *expect = "Expecting capabilities negotiation with 'qmp_capabilities'";

    check_error(&s, "{\"execute\": \"x-test-noargs\"}", "CommandNotFound", expect);
    /* unknown commands get the same answer before negotiation */
    check_error(&s, "{\"execute\": \"no-such-command\"}", "CommandNotFound", expect);
    g_assert_false(s.negotiated);
    negotiate(&s);
    g_assert_false(s.oob_enabled);
    check_error(&s, "{\"execute\": \"qmp_capabilities\"}", "CommandNotFound",
                "Capabilities negotiation is already complete, command ignored");
    json_t *ret = check_return(&s, "{\"execute\": \"x-test-noargs\"}");
    g_assert_true(json_is_object(ret));
    g_assert_cmpuint(json_object_size(ret), ==, 0);
    json_decref(ret);
}

static void test_capabilities_enable(void)
{
    QmpSession s = { 0 };
    check_error(&s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": \"oob\"}}",
                "GenericError", "Invalid parameter type for 'enable', expected: array");
    check_error(&s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"foo\"]}}",
                "GenericError", "Parameter 'null' does not accept value 'foo'");
    check_error(&s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [1]}}",
                "GenericError", "Invalid parameter type for 'enable[0]', expected: string");
    check_error(&s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"x\": 1}}",
                "GenericError", "Parameter 'x' is unexpected");
    g_assert_false(s.negotiated);
    /* exec-oob is not a member before oob is enabled */
    check_error(&s, "{\"exec-oob\": \"qmp_capabilities\"}", "GenericError",
                "QMP input member 'exec-oob' is unexpected");
    json_decref(check_return(&s, "{\"execute\": \"qmp_capabilities\", "
                             "\"arguments\": {\"enable\": [\"oob\"]}}"));
    g_assert_true(s.negotiated);
    g_assert_true(s.oob_enabled);
    check_error(&s, "{\"exec-oob\": \"x-test-noargs\", \"id\": 1}", "GenericError",
                "The command x-test-noargs does not support OOB");
    check_error(&s, "{\"exec-oob\": \"no-such\"}", "CommandNotFound",
                "The command no-such has not been found");
    check_error(&s, "{\"execute\": \"x-test-noargs\", \"exec-oob\": \"x-test-noargs\"}",
                "GenericError", "QMP input member 'execute' clashes with 'exec-oob'");
}

static void test_request_shape(void)
{
    QmpSession s = { 0 };
    negotiate(&s);
    check_error(&s, "[1]", "GenericError", "QMP input must be a JSON object");
    check_error(&s, "\"x\"", "GenericError", "QMP input must be a JSON object");
    check_error(&s, "{}", "GenericError", "QMP input lacks member 'execute'");
    check_error(&s, "{\"execute\": 1}", "GenericError",
                "QMP input member 'execute' must be a string");
    check_error(&s, "{\"execute\": \"x-test-noargs\", \"foo\": 1}", "GenericError",
                "QMP input member 'foo' is unexpected");
    check_error(&s, "{\"execute\": \"x-test-noargs\", \"arguments\": []}",
                "GenericError", "QMP input member 'arguments' must be an object");
    /* the shape is checked before the command is looked up */
    check_error(&s, "{\"execute\": \"nope\", \"arguments\": 5}",
                "GenericError", "QMP input member 'arguments' must be an object");
    check_error(&s, "{\"exec-oob\": \"x-test-noargs\"}", "GenericError",
                "QMP input member 'exec-oob' is unexpected");
    check_error(&s, "{\"execute\": \"nope\"}", "CommandNotFound",
                "The command nope has not been found");
}

static void test_id_echo(void)
{
    QmpSession s = { 0 };
    static const char *const ids[] = {
        "7", "\"abc\"", "[1, {\"a\": 2}]", "{\"x\": null}", "null", "1.5", "true",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        for (int ok = 0; ok < 2; ok++) {
            char *text = g_strdup_printf("{\"execute\": \"%s\", \"id\": %s}",
                                         ok ? "qmp_capabilities" : "x-test-noargs",
                                         ids[i]);
            s.negotiated = false;
            json_t *reply = req(&s, text);
            json_t *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
            g_assert_true(json_equal(json_object_get(reply, "id"), want));
            g_assert_nonnull(json_object_get(reply, ok ? "return" : "error"));
            /* QEMU's member order: {"return", "id"} / {"id", "error"} */
            void *it = json_object_iter(reply);
            g_assert_cmpstr(json_object_iter_key(it), ==, ok ? "return" : "id");
            json_decref(want);
            json_decref(reply);
            g_free(text);
        }
    }
    /* errors found while checking the request echo the id too */
    check_error(&s, "{}", "GenericError", "QMP input lacks member 'execute'");
    json_t *reply = req(&s, "{\"id\": 5}");
    g_assert_cmpint(json_integer_value(json_object_get(reply, "id")), ==, 5);
    json_decref(reply);
    /* no id, no "id" member */
    reply = req(&s, "{\"execute\": \"x-test-noargs\"}");
    g_assert_null(json_object_get(reply, "id"));
    json_decref(reply);
}

static void test_schema(void)
{
    QmpSession s = { 0 };
    negotiate(&s);
    const char *e = "{\"execute\": \"x-test-echo\", \"arguments\": ";
#define ARGS(x) (g_strconcat(e, x, "}", NULL))
    struct {
        const char *args;
        const char *desc;
    } bad[] = {
        { "{}", "Parameter 's' is missing" },
        { "{\"i\": 1}", "Parameter 's' is missing" },
        { "{\"s\": 1}", "Invalid parameter type for 's', expected: string" },
        { "{\"s\": null}", "Invalid parameter type for 's', expected: string" },
        { "{\"s\": \"x\", \"i\": 1.5}", "Invalid parameter type for 'i', expected: integer" },
        { "{\"s\": \"x\", \"i\": \"1\"}", "Invalid parameter type for 'i', expected: integer" },
        { "{\"s\": \"x\", \"n\": \"1\"}", "Invalid parameter type for 'n', expected: number" },
        { "{\"s\": \"x\", \"b\": 0}", "Invalid parameter type for 'b', expected: boolean" },
        { "{\"s\": \"x\", \"o\": []}", "Invalid parameter type for 'o', expected: object" },
        { "{\"s\": \"x\", \"a\": {}}", "Invalid parameter type for 'a', expected: array" },
        { "{\"s\": \"x\", \"zz\": 1}", "Parameter 'zz' is unexpected" },
        /* declared members are checked before leftovers, as QEMU does */
        { "{\"zz\": 1, \"s\": 2}", "Invalid parameter type for 's', expected: string" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *t = ARGS(bad[i].args);
        check_error(&s, t, "GenericError", bad[i].desc);
        g_free(t);
    }
    char *t = ARGS("{\"s\": \"x\", \"i\": -3, \"n\": 2, \"b\": true, \"o\": {\"k\": 1},"
                   " \"a\": [], \"v\": null}");
    json_t *ret = check_return(&s, t);
    g_assert_cmpint(json_integer_value(json_object_get(ret, "i")), ==, -3);
    g_assert_true(json_is_null(json_object_get(ret, "v")));
    json_decref(ret);
    g_free(t);
    /* number accepts reals too */
    t = ARGS("{\"s\": \"x\", \"n\": 2.5}");
    json_decref(check_return(&s, t));
    g_free(t);
#undef ARGS
    check_error(&s, "{\"execute\": \"x-test-noargs\", \"arguments\": {\"a\": 1}}",
                "GenericError", "Parameter 'a' is unexpected");
    ret = check_return(&s, "{\"execute\": \"x-test-anyargs\", \"arguments\": {\"a\": 1}}");
    g_assert_cmpint(json_integer_value(json_object_get(ret, "a")), ==, 1);
    json_decref(ret);
}

static void test_command_errors(void)
{
    QmpSession s = { 0 };
    negotiate(&s);
    check_error(&s, "{\"execute\": \"x-test-fail\"}", "DeviceNotFound",
                "Device 'nowhere' not found");
    json_t *reply = req(&s, "{\"execute\": \"x-test-silent-fail\", \"id\": 3}");
    json_t *e = json_object_get(reply, "error");
    g_assert_nonnull(e);
    g_assert_cmpstr(json_string_value(json_object_get(e, "class")), ==, "GenericError");
    g_assert_cmpint(json_integer_value(json_object_get(reply, "id")), ==, 3);
    json_decref(reply);
}

static void test_error_reply(void)
{
    GError *err = g_error_new(KITE_ERROR, KITE_ERROR_COMMAND_NOT_FOUND, "x");
    json_t *id = json_string("abc");
    json_t *r = qmp_error_reply(err, id);
    g_assert_cmpstr(json_string_value(json_object_get(r, "id")), ==, "abc");
    assert_error(r, "CommandNotFound", "x");
    json_decref(r);
    r = qmp_error_reply(err, NULL);
    g_assert_null(json_object_get(r, "id"));
    json_decref(r);
    json_decref(id);
    g_error_free(err);
    /* foreign error domains are GenericError */
    err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "gone");
    r = qmp_error_reply(err, NULL);
    assert_error(r, "GenericError", "gone");
    json_decref(r);
    g_error_free(err);
}

static void test_command_table(void)
{
    g_assert_nonnull(qmp_find_command("qmp_capabilities"));
    g_assert_nonnull(qmp_find_command("x-test-echo"));
    g_assert_null(qmp_find_command("x-test-none"));
    GPtrArray *names = qmp_command_names();
    bool seen_caps = false, seen_echo = false;
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        seen_caps |= !strcmp(n, "qmp_capabilities");
        seen_echo |= !strcmp(n, "x-test-echo");
        if (i) {
            g_assert_cmpint(strcmp(names->pdata[i - 1], n), <, 0);
        }
    }
    g_assert_true(seen_caps && seen_echo);
    g_ptr_array_free(names, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qmp_register_commands(test_cmds);
    g_test_add_func("/qmp-dispatch/negotiation", test_negotiation);
    g_test_add_func("/qmp-dispatch/capabilities-enable", test_capabilities_enable);
    g_test_add_func("/qmp-dispatch/request-shape", test_request_shape);
    g_test_add_func("/qmp-dispatch/id-echo", test_id_echo);
    g_test_add_func("/qmp-dispatch/schema", test_schema);
    g_test_add_func("/qmp-dispatch/command-errors", test_command_errors);
    g_test_add_func("/qmp-dispatch/error-reply", test_error_reply);
    g_test_add_func("/qmp-dispatch/command-table", test_command_table);
    return g_test_run();
}
