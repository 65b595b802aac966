/*
 * Every QMP command Kite has, through libqtest against a real Kite
 * process: results, events, and error classes and texts (QEMU 7.2's).
 * Also the HMP console of "-mon mode=readline".
 */
#include "libqtest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MACHINE "-M microvm -m 64M -S"

static const char *const kite_commands[] = {
    "qmp_capabilities", "query-version", "query-commands", "query-status",
    "query-name", "query-machines", "query-cpus-fast", "query-kvm", "stop",
    "cont", "system_reset", "system_powerdown", "quit", "qom-list", "qom-get",
    "qom-set", "qom-list-types", "device-list-properties",
    "human-monitor-command",
};

static void assert_error(json_t *reply, const char *cls, const char *desc)
{
    json_t *e = json_object_get(reply, "error");
    if (!e) {
        char *t = json_dumps(reply, 0);
        g_test_message("unexpected reply: %s", t);
        free(t);
    }
    g_assert_nonnull(e);
    g_assert_cmpstr(json_string_value(json_object_get(e, "class")), ==, cls);
    if (desc) {
        g_assert_cmpstr(json_string_value(json_object_get(e, "desc")), ==, desc);
    }
    json_decref(reply);
}

static const char *str_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    g_assert_true(json_is_string(v));
    return json_string_value(v);
}

static void test_query_version(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-version'}");
    json_t *q = json_object_get(ret, "qemu");
    g_assert_cmpint(json_integer_value(json_object_get(q, "major")), ==, 7);
    g_assert_cmpint(json_integer_value(json_object_get(q, "minor")), ==, 2);
    g_assert_true(json_is_integer(json_object_get(q, "micro")));
    g_assert_cmpuint(json_object_size(q), ==, 3);
    g_assert_true(json_is_string(json_object_get(ret, "package")));
    g_assert_cmpuint(json_object_size(ret), ==, 2);

    /* HMP "info version": the version then the package string, as QEMU. */
    char *want = g_strdup_printf("%d.%d.%d%s\r\n",
        (int)json_integer_value(json_object_get(q, "major")),
        (int)json_integer_value(json_object_get(q, "minor")),
        (int)json_integer_value(json_object_get(q, "micro")),
        str_member(ret, "package"));
    char *out = qtest_hmp(qts, "info version");
    g_assert_cmpstr(out, ==, want);
    g_free(out);
    g_free(want);
    json_decref(ret);
    qtest_quit(qts);
}

static void test_query_commands(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-commands'}");
    g_assert_true(json_is_array(ret));
    for (size_t i = 0; i < G_N_ELEMENTS(kite_commands); i++) {
        bool found = false;
        size_t j;
        json_t *c;
        json_array_foreach(ret, j, c) {
            g_assert_cmpuint(json_object_size(c), ==, 1);
            if (!strcmp(str_member(c, "name"), kite_commands[i])) {
                found = true;
            }
        }
        if (!found) {
            g_test_message("missing command %s", kite_commands[i]);
        }
        g_assert_true(found);
    }
    json_decref(ret);
    qtest_quit(qts);
}

static void assert_status(QTestState *qts, const char *status, bool running)
{
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-status'}");
    g_assert_cmpstr(str_member(ret, "status"), ==, status);
    g_assert_true(json_is_boolean(json_object_get(ret, "running")));
    g_assert_cmpint(json_is_true(json_object_get(ret, "running")), ==, running);
    g_assert_true(json_is_false(json_object_get(ret, "singlestep")));
    g_assert_cmpuint(json_object_size(ret), ==, 3);
    json_decref(ret);
}

static void assert_event_shape(json_t *ev, const char *name)
{
    g_assert_cmpstr(str_member(ev, "event"), ==, name);
    json_t *ts = json_object_get(ev, "timestamp");
    g_assert_true(json_is_integer(json_object_get(ts, "seconds")));
    g_assert_true(json_is_integer(json_object_get(ts, "microseconds")));
    g_assert_cmpint(json_integer_value(json_object_get(ts, "seconds")), >, 1000000000);
    g_assert_cmpint(json_integer_value(json_object_get(ts, "microseconds")), <, 1000000);
}

static void test_status_stop_cont(void)
{
    QTestState *qts = qtest_init(MACHINE);
    assert_status(qts, "prelaunch", false);
    char *out = qtest_hmp(qts, "info status");
    g_assert_cmpstr(out, ==, "VM status: paused (prelaunch)\r\n");
    g_free(out);

    /* stop before the first cont changes nothing (QEMU: no STOP event) */
    qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
    assert_status(qts, "prelaunch", false);
    g_assert_null(qtest_qmp_event_ref(qts, "STOP"));

    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    json_t *ev = qtest_qmp_event_ref(qts, "RESUME");
    g_assert_nonnull(ev);
    assert_event_shape(ev, "RESUME");
    g_assert_null(json_object_get(ev, "data"));
    json_decref(ev);
    assert_status(qts, "running", true);
    out = qtest_hmp(qts, "info status");
    g_assert_cmpstr(out, ==, "VM status: running\r\n");
    g_free(out);

    /* cont while running: no second RESUME */
    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    g_assert_null(qtest_qmp_event_ref(qts, "RESUME"));

    qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
    ev = qtest_qmp_event_ref(qts, "STOP");
    g_assert_nonnull(ev);
    assert_event_shape(ev, "STOP");
    json_decref(ev);
    assert_status(qts, "paused", false);
    out = qtest_hmp(qts, "info status");
    g_assert_cmpstr(out, ==, "VM status: paused\r\n");
    g_free(out);

    /* the HMP words do the same */
    out = qtest_hmp(qts, "cont");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    assert_status(qts, "running", true);
    out = qtest_hmp(qts, "stop");
    g_free(out);
    assert_status(qts, "paused", false);
    qtest_quit(qts);
}

static void test_query_name(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-name'}");
    g_assert_cmpuint(json_object_size(ret), ==, 0);
    json_decref(ret);
    char *out = qtest_hmp(qts, "info name");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    qtest_quit(qts);

    qts = qtest_init(MACHINE " -name kite-test-vm");
    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-name'}");
    g_assert_cmpstr(str_member(ret, "name"), ==, "kite-test-vm");
    g_assert_cmpuint(json_object_size(ret), ==, 1);
    json_decref(ret);
    out = qtest_hmp(qts, "info name");
    g_assert_cmpstr(out, ==, "kite-test-vm\r\n");
    g_free(out);
    qtest_quit(qts);
}

static void test_query_machines(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-machines'}");
    size_t i;
    json_t *m;
    int defaults = 0;
    bool microvm = false, none = false;
    json_array_foreach(ret, i, m) {
        const char *name = str_member(m, "name");
        g_assert_true(json_is_integer(json_object_get(m, "cpu-max")));
        g_assert_cmpint(json_integer_value(json_object_get(m, "cpu-max")), >=, 1);
        g_assert_true(json_is_boolean(json_object_get(m, "hotpluggable-cpus")));
        g_assert_true(json_is_boolean(json_object_get(m, "numa-mem-supported")));
        g_assert_true(json_is_boolean(json_object_get(m, "deprecated")));
        json_t *def = json_object_get(m, "is-default");
        if (def) {
            g_assert_true(json_is_true(def));   /* only ever present as true */
            defaults++;
        }
        if (!strcmp(name, "microvm")) {
            microvm = true;
            g_assert_cmpstr(str_member(m, "default-cpu-type"), ==,
                            "qemu64-x86_64-cpu");
            g_assert_cmpstr(str_member(m, "default-ram-id"), ==, "microvm.ram");
        }
        if (!strcmp(name, "none")) {
            none = true;
            g_assert_null(json_object_get(m, "default-cpu-type"));
            g_assert_cmpint(json_integer_value(json_object_get(m, "cpu-max")), ==, 1);
        }
    }
    g_assert_true(microvm && none);
    g_assert_cmpint(defaults, ==, 1);
    json_decref(ret);
    qtest_quit(qts);
}

static void test_query_cpus_fast(void)
{
    QTestState *qts = qtest_init(MACHINE " -smp 2");
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-cpus-fast'}");
    g_assert_cmpuint(json_array_size(ret), ==, 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *c = json_array_get(ret, i);
        g_assert_cmpint(json_integer_value(json_object_get(c, "cpu-index")), ==, i);
        g_assert_cmpstr(str_member(c, "target"), ==, "x86_64");
        g_assert_true(json_is_integer(json_object_get(c, "thread-id")));
        g_assert_cmpint(json_integer_value(json_object_get(c, "thread-id")), >, 0);
        json_t *props = json_object_get(c, "props");
        /* QEMU 7.2 prefers cores: "-smp 2" is cores 0 and 1 of socket 0 */
        g_assert_cmpint(json_integer_value(json_object_get(props, "socket-id")), ==, 0);
        g_assert_cmpint(json_integer_value(json_object_get(props, "core-id")), ==, i);
        g_assert_cmpint(json_integer_value(json_object_get(props, "thread-id")), ==, 0);
        /* the path names a real object */
        const char *path = str_member(c, "qom-path");
        g_assert_true(path[0] == '/');
        json_t *list = qtest_qmp_assert_success_ref(qts,
            "{'execute': 'qom-list', 'arguments': {'path': %s}}", path);
        g_assert_true(json_is_array(list));
        json_decref(list);
    }
    json_decref(ret);
    qtest_quit(qts);

    /* CPU i is thread i % threads of core (i / threads) % cores of socket
     * i / (threads * cores), as Debian's QEMU reports for this -smp */
    qts = qtest_init(MACHINE " -smp 8,sockets=2,threads=2");
    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-cpus-fast'}");
    g_assert_cmpuint(json_array_size(ret), ==, 8);
    static const int want[8][3] = {  /* socket, core, thread */
        {0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1},
        {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1},
    };
    for (size_t i = 0; i < 8; i++) {
        json_t *props = json_object_get(json_array_get(ret, i), "props");
        g_assert_cmpint(json_integer_value(json_object_get(props, "socket-id")), ==, want[i][0]);
        g_assert_cmpint(json_integer_value(json_object_get(props, "core-id")), ==, want[i][1]);
        g_assert_cmpint(json_integer_value(json_object_get(props, "thread-id")), ==, want[i][2]);
    }
    json_decref(ret);
    qtest_quit(qts);

    qts = qtest_init("-M none");
    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-cpus-fast'}");
    g_assert_cmpuint(json_array_size(ret), ==, 0);
    json_decref(ret);
    qtest_quit(qts);
}

static void test_query_kvm(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'query-kvm'}");
    g_assert_true(json_is_false(json_object_get(ret, "enabled")));  /* qtest */
    g_assert_cmpint(json_is_true(json_object_get(ret, "present")), ==,
                    access("/dev/kvm", F_OK) == 0);
    g_assert_cmpuint(json_object_size(ret), ==, 2);
    json_decref(ret);
    char *out = qtest_hmp(qts, "info kvm");
    g_assert_cmpstr(out, ==, "kvm support: disabled\r\n");
    g_free(out);
    qtest_quit(qts);
}

static void test_reset_powerdown(void)
{
    QTestState *qts = qtest_init(MACHINE);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    json_t *ev = qtest_qmp_eventwait_ref(qts, "RESET");
    assert_event_shape(ev, "RESET");
    json_t *data = json_object_get(ev, "data");
    g_assert_true(json_is_false(json_object_get(data, "guest")));
    g_assert_cmpstr(str_member(data, "reason"), ==, "host-qmp-system-reset");
    json_decref(ev);

    qtest_qmp_assert_success(qts, "{'execute': 'system_powerdown'}");
    ev = qtest_qmp_eventwait_ref(qts, "POWERDOWN");
    assert_event_shape(ev, "POWERDOWN");
    json_decref(ev);
    /* still serving */
    assert_status(qts, "prelaunch", false);
    qtest_quit(qts);
}

static void test_quit(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *reply = qtest_qmp(qts, "{'execute': 'quit', 'id': 'bye'}");
    g_assert_nonnull(json_object_get(reply, "return"));
    g_assert_cmpstr(str_member(reply, "id"), ==, "bye");
    json_decref(reply);
    json_t *ev = qtest_qmp_event_ref(qts, "SHUTDOWN");
    g_assert_nonnull(ev);
    json_t *data = json_object_get(ev, "data");
    g_assert_cmpstr(str_member(data, "reason"), ==, "host-qmp-quit");
    g_assert_true(json_is_false(json_object_get(data, "guest")));
    json_decref(ev);
    qtest_wait_qemu(qts);
    qtest_quit(qts);
}

static bool list_has(json_t *list, const char *name, json_t **entry)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (!strcmp(str_member(e, "name"), name)) {
            if (entry) {
                *entry = e;
            }
            return true;
        }
    }
    return false;
}

static void test_qom_list_get_set(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *e = NULL;
    json_t *ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-list', 'arguments': {'path': '/'}}");
    g_assert_true(list_has(ret, "machine", &e));
    g_assert_cmpstr(str_member(e, "type"), ==, "child<microvm-machine>");
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-list', 'arguments': {'path': '/machine'}}");
    g_assert_true(list_has(ret, "type", &e));
    g_assert_true(list_has(ret, "graphics", &e));
    g_assert_cmpstr(str_member(e, "type"), ==, "bool");
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-get', 'arguments': {'path': '/machine', 'property': 'type'}}");
    g_assert_cmpstr(json_string_value(ret), ==, "microvm-machine");
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-get', 'arguments': {'path': '/machine', 'property': 'graphics'}}");
    g_assert_true(json_is_true(ret));
    json_decref(ret);
    qtest_qmp_assert_success(qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': '/machine', 'property': 'graphics', 'value': false}}");
    ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-get', 'arguments': {'path': '/machine', 'property': 'graphics'}}");
    g_assert_true(json_is_false(ret));
    json_decref(ret);

    /* errors, in QEMU's classes and words */
    assert_error(qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': {'path': '/nope'}}"),
                 "DeviceNotFound", "Device '/nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': '/nope', 'property': 'type'}}"),
                 "DeviceNotFound", "Device '/nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': '/machine', 'property': 'nope'}}"),
                 "GenericError", "Property 'microvm-machine.nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/nope', 'property': 'graphics', 'value': true}}"),
                 "DeviceNotFound", "Device '/nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/machine', 'property': 'nope', 'value': true}}"),
                 "GenericError", "Property 'microvm-machine.nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/machine', 'property': 'graphics', 'value': 'x'}}"),
                 "GenericError", "Invalid parameter type for 'graphics', expected: boolean");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': {'path': '/machine'}}"),
                 "GenericError", "Parameter 'property' is missing");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': 1, 'property': 'type'}}"),
                 "GenericError", "Invalid parameter type for 'path', expected: string");
    assert_error(qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/machine', 'property': 'graphics'}}"),
                 "GenericError", "Parameter 'value' is missing");
    /* a partial path, as QEMU resolves them */
    ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-list', 'arguments': {'path': 'machine'}}");
    g_assert_true(list_has(ret, "type", NULL));
    json_decref(ret);
    qtest_quit(qts);
}

static void test_qom_list_types(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *e = NULL;
    json_t *ret = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-list-types', 'arguments': {'implements': 'machine'}}");
    g_assert_true(list_has(ret, "microvm-machine", &e));
    g_assert_true(json_is_string(json_object_get(e, "parent")));
    g_assert_null(json_object_get(e, "abstract"));
    g_assert_false(list_has(ret, "machine", NULL));   /* abstract: left out */
    size_t i;
    json_array_foreach(ret, i, e) {
        g_assert_null(json_object_get(e, "abstract"));
    }
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'qom-list-types', "
        "'arguments': {'implements': 'machine', 'abstract': true}}");
    g_assert_true(list_has(ret, "machine", &e));
    g_assert_true(json_is_true(json_object_get(e, "abstract")));
    g_assert_true(list_has(ret, "microvm-machine", NULL));
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'qom-list-types'}");
    g_assert_true(list_has(ret, "microvm-machine", NULL));
    g_assert_true(list_has(ret, "container", NULL));
    json_decref(ret);

    ret = qtest_qmp_assert_success_ref(qts, "{'execute': 'qom-list-types', "
        "'arguments': {'implements': 'no-such-type'}}");
    g_assert_cmpuint(json_array_size(ret), ==, 0);
    json_decref(ret);

    assert_error(qtest_qmp(qts, "{'execute': 'qom-list-types', "
                           "'arguments': {'abstract': 'x'}}"),
                 "GenericError", "Invalid parameter type for 'abstract', expected: boolean");
    qtest_quit(qts);
}

static void test_device_list_properties(void)
{
    QTestState *qts = qtest_init(MACHINE);
    /* every concrete device type answers with a list of {name, type} */
    json_t *types = qtest_qmp_assert_success_ref(qts,
        "{'execute': 'qom-list-types', 'arguments': {'implements': 'device'}}");
    g_assert_cmpuint(json_array_size(types), >, 0);
    size_t i, j;
    json_t *t, *p;
    json_array_foreach(types, i, t) {
        json_t *props = qtest_qmp_assert_success_ref(qts,
            "{'execute': 'device-list-properties', 'arguments': {'typename': %s}}",
            str_member(t, "name"));
        g_assert_true(json_is_array(props));
        json_array_foreach(props, j, p) {
            g_assert_true(json_is_string(json_object_get(p, "name")));
            g_assert_true(json_is_string(json_object_get(p, "type")));
        }
        json_decref(props);
    }
    json_decref(types);

    assert_error(qtest_qmp(qts, "{'execute': 'device-list-properties', "
                           "'arguments': {'typename': 'nope'}}"),
                 "DeviceNotFound", "Device 'nope' not found");
    assert_error(qtest_qmp(qts, "{'execute': 'device-list-properties', "
                           "'arguments': {'typename': 'device'}}"),
                 "GenericError",
                 "Parameter 'typename' expects a non-abstract device type");
    assert_error(qtest_qmp(qts, "{'execute': 'device-list-properties'}"),
                 "GenericError", "Parameter 'typename' is missing");
    qtest_quit(qts);
}

static void test_human_monitor_command(void)
{
    QTestState *qts = qtest_init(MACHINE);
    char *out = qtest_hmp(qts, "info");
    g_assert_nonnull(strstr(out, "info status  -- show the current VM status"));
    g_assert_nonnull(strstr(out, "info version  -- "));
    g_assert_true(g_str_has_suffix(out, "\r\n"));
    g_free(out);
    out = qtest_hmp(qts, "foo");
    g_assert_cmpstr(out, ==, "unknown command: 'foo'\r\n");
    g_free(out);
    out = qtest_hmp(qts, "info foo");
    g_assert_cmpstr(out, ==, "unknown command: 'info foo'\r\n");
    g_free(out);
    out = qtest_hmp(qts, "%s", "");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = qtest_hmp(qts, "help");
    g_assert_nonnull(strstr(out, "info [subcommand] -- "));
    g_free(out);
    assert_error(qtest_qmp(qts, "{'execute': 'human-monitor-command'}"),
                 "GenericError", "Parameter 'command-line' is missing");
    assert_error(qtest_qmp(qts, "{'execute': 'human-monitor-command', "
                           "'arguments': {'command-line': 5}}"),
                 "GenericError",
                 "Invalid parameter type for 'command-line', expected: string");
    qtest_quit(qts);
}

/* ---- -mon mode=readline ---- */

static int unix_connect_retry(const char *path)
{
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
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

/* Read until @text has arrived (or 10 s pass); returns all that was read. */
static char *read_until(int fd, const char *text)
{
    GString *got = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!strstr(got->str, text) && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        char buf[512];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        g_string_append_len(got, buf, n);
    }
    return g_string_free(got, FALSE);
}

static void test_hmp_console(void)
{
    char *dir = g_dir_make_tmp("kite-hmp-XXXXXX", NULL);
    char *path = g_build_filename(dir, "hmp.sock", NULL);
    QTestState *qts = qtest_initf(MACHINE " -chardev socket,id=hmp0,path=%s,"
                                  "server=on,wait=off -mon chardev=hmp0,mode=readline",
                                  path);
    int fd = unix_connect_retry(path);
    g_assert_cmpint(fd, >=, 0);
    char *got = read_until(fd, "(qemu) ");
    g_assert_nonnull(strstr(got, "monitor - type 'help' for more information\r\n"));
    g_assert_true(g_str_has_suffix(got, "(qemu) "));
    g_free(got);

    const char *cmd = "info status\r\n";
    g_assert_cmpint(write(fd, cmd, strlen(cmd)), ==, strlen(cmd));
    got = read_until(fd, "(qemu) ");
    g_assert_cmpstr(got, ==, "VM status: paused (prelaunch)\r\n(qemu) ");
    g_free(got);

    /* a command split over writes, with a backspace, then "cont" */
    g_assert_cmpint(write(fd, "co", 2), ==, 2);
    g_usleep(20 * 1000);
    g_assert_cmpint(write(fd, "nx\x7ft\n", 5), ==, 5);
    got = read_until(fd, "(qemu) ");
    g_assert_cmpstr(got, ==, "(qemu) ");
    g_free(got);
    assert_status(qts, "running", true);

    g_assert_cmpint(write(fd, "bogus\n", 6), ==, 6);
    got = read_until(fd, "(qemu) ");
    g_assert_cmpstr(got, ==, "unknown command: 'bogus'\r\n(qemu) ");
    g_free(got);
    close(fd);
    qtest_quit(qts);
    unlink(path);
    rmdir(dir);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!getenv("QTEST_QEMU_BINARY")) {
        g_test_skip("QTEST_QEMU_BINARY is not set (run through meson)");
        return g_test_run();
    }
    qtest_add_func("/qmp-commands/query-version", test_query_version);
    qtest_add_func("/qmp-commands/query-commands", test_query_commands);
    qtest_add_func("/qmp-commands/status-stop-cont", test_status_stop_cont);
    qtest_add_func("/qmp-commands/query-name", test_query_name);
    qtest_add_func("/qmp-commands/query-machines", test_query_machines);
    qtest_add_func("/qmp-commands/query-cpus-fast", test_query_cpus_fast);
    qtest_add_func("/qmp-commands/query-kvm", test_query_kvm);
    qtest_add_func("/qmp-commands/reset-powerdown", test_reset_powerdown);
    qtest_add_func("/qmp-commands/quit", test_quit);
    qtest_add_func("/qmp-commands/qom-list-get-set", test_qom_list_get_set);
    qtest_add_func("/qmp-commands/qom-list-types", test_qom_list_types);
    qtest_add_func("/qmp-commands/device-list-properties",
                   test_device_list_properties);
    qtest_add_func("/qmp-commands/human-monitor-command",
                   test_human_monitor_command);
    qtest_add_func("/qmp-commands/hmp-console", test_hmp_console);
    return g_test_run();
}
