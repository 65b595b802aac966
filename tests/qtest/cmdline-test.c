/*
 * The command line: bad options, drivers, properties and values each give
 * one stderr line naming the problem and exit status 1; the help options
 * print what they should; a good command line starts and answers QMP.
 * Where Debian's qemu-system-x86_64 is installed, the same bad command
 * lines are run through it and must fail the same way.
 */
#include <glib.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

static const char *kite_binary(void)
{
    const char *b = g_getenv("QTEST_QEMU_BINARY");
    return b ? b : "./kite-system-x86_64";
}

typedef struct RunResult {
    int status;         /* exit status, or 128 + signal */
    char *out, *err;
} RunResult;

static void run_result_clear(RunResult *r)
{
    g_free(r->out);
    g_free(r->err);
}

/* Run @binary with @args (a space-separated list; no quoting needed for
 * the cases here) under a 20 s timeout. */
static RunResult run(const char *binary, const char *args)
{
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    GPtrArray *argv = g_ptr_array_new();
    RunResult r = { 0 };
    GError *err = NULL;
    int wait_status;

    g_ptr_array_add(argv, (char *)"timeout");
    g_ptr_array_add(argv, (char *)"20");
    g_ptr_array_add(argv, (char *)binary);
    for (char **w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(argv, *w);
        }
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL,
                      NULL, &r.out, &r.err, &wait_status, &err)) {
        g_error("spawn %s: %s", binary, err->message);
    }
    g_ptr_array_free(argv, true);
    r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                      : 128 + WTERMSIG(wait_status);
    return r;
}

static unsigned count_lines(const char *s)
{
    unsigned n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/*
 * Bad command lines.  @phrase must appear in Kite's single line and in
 * the first line of QEMU's (QEMU sometimes adds a hint line, Kite does
 * not).  @kite_only rows are Kite's own rules (tcg refused, no displays)
 * and are not compared.  Rows that do not choose an accelerator get
 * "-accel qtest" for Kite and "-accel tcg" for QEMU.
 */
static const struct BadCase {
    const char *args;
    const char *phrase;
    bool kite_only;
} bad_cases[] = {
    { "-foo", "-foo: invalid option" },
    { "--foo", "--foo: invalid option" },
    { "-nodefaults,foo", "-nodefaults,foo: invalid option" },
    { "-m", "-m: requires an argument" },
    { "-device", "-device: requires an argument" },
    { "-name", "-name: requires an argument" },
    { "-kernel", "-kernel: requires an argument" },
    { "-m foo", "-m foo: Parameter 'size' expects a non-negative number below 2^64" },
    { "-m -5", "Parameter 'size' expects a non-negative number below 2^64" },
    { "-m 1.5", "Parameter 'size' expects a non-negative number below 2^64" },
    { "-m size=", "Parameter 'size' expects a non-negative number below 2^64" },
    { "-m 16E", "-m 16E: Value '16E' is out of range for parameter 'size'" },
    { "-m 99999999999999999999", "is out of range for parameter 'size'" },
    { "-m 1G,foo=bar", "-m 1G,foo=bar: Invalid parameter 'foo'" },
    { "-m 1T,slots=a", "Parameter 'slots' expects a number" },
    { "-m 128,maxmem=64M", "invalid value of maxmem: maximum memory size (0x4000000) must be at least the initial memory size (0x8000000)" },
    { "-M bogus", "unsupported machine type" },
    { "-machine bogus", "unsupported machine type" },
    { "-M microvm,foo=bar", "Property 'microvm-machine.foo' not found" },
    { "-M microvm,isa-serial=maybe", "Parameter 'isa-serial' expects 'on' or 'off'" },
    { "-M none,memory-backend=x", "Memory backend 'x' not found" },
    { "-object memory-backend-ram,id=m,size=64M -M microvm,memory-backend=m -m 128M",
      "Machine memory size does not match the size of the memory backend" },
    { "-accel foo", "-accel foo: invalid accelerator foo" },
    { "-accel kvm,foo=bar", "Property 'kvm-accel.foo' not found" },
    { "-M none,accel=foo", "invalid accelerator foo" },
    { "-accel tcg", "-accel tcg: software emulation is not supported", true },
    { "-M none,accel=tcg", "software emulation is not supported", true },
    { "-cpu bogus", "unable to find CPU model 'bogus'" },
    { "-M none -cpu bogus", "unable to find CPU model 'bogus'" },
    { "-cpu qemu64,+foo", "Property 'qemu64-x86_64-cpu.foo' not found" },
    { "-cpu qemu64,vmx=maybe", "Parameter 'vmx' expects 'on' or 'off'" },
    { "-smp foo", "Parameter 'smp.cpus' expects integer" },
    { "-smp cpus=x", "Parameter 'smp.cpus' expects integer" },
    { "-M microvm -smp 500", "Invalid SMP CPUs 500. The max CPUs supported by machine 'microvm' is 288" },
    { "-smp 2,maxcpus=4,sockets=3", "Invalid CPU topology: product of the hierarchy must match maxcpus" },
    { "-smp 4,maxcpus=2", "Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (2) * threads (1) == maxcpus (2) < smp_cpus (4)" },
    { "-smp 2,cores=2,threads=2", "Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (0) * dies (1) * cores (2) * threads (2) != maxcpus (2)" },
    { "-M none -smp 2", "Invalid SMP CPUs 2. The max CPUs supported by machine 'none' is 1" },
    { "-m 128,slots=2", "slots specified but no max-size" },
    { "-name foo,debug-threads=maybe", "Parameter 'debug-threads' expects 'on' or 'off'" },
    { "-serial foo:bar", "-serial foo:bar: 'foo:bar' is not a valid char driver" },
    { "-mon chardev", "-mon chardev: chardev \"chardev\" not found" },
    { "-qmp none", "-qmp none: 'none' is not a valid char driver" },
    { "-qtest none", "'none' is not a valid char driver" },
    { "-qtest unix:/nonexistent-kite/sock", "Failed to connect to '/nonexistent-kite/sock': No such file or directory" },
    { "-device foo", "-device foo: 'foo' is not a valid device model name" },
    { "-object foo", "-object foo: Parameter 'qom-type' does not accept value 'foo'" },
    { "-object memory-backend-ram", "-object memory-backend-ram: Parameter 'id' is missing" },
    { "-object memory-backend-ram,id=m,size=64M -object memory-backend-ram,id=m,size=64M",
      "Duplicate ID 'm' for object" },
    { "-chardev foo", "-chardev foo: chardev: no id specified" },
    { "-chardev null,id=c -chardev null,id=c", "Duplicate ID 'c' for chardev" },
    { "-mon chardev=nope", "-mon chardev=nope: chardev \"nope\" not found" },
    { "-mon foo", "-mon foo: chardev \"foo\" not found" },
    { "-chardev null,id=x -mon chardev=x,mode=foo", "Parameter 'mode' does not accept value 'foo'" },
    { "-name guest=a,foo=b", "-name guest=a,foo=b: Invalid parameter 'foo'" },
    { "-display foo", "-display foo: Parameter 'type' does not accept value 'foo'" },
    { "-display none,foo=bar", "-display none,foo=bar: Parameter 'foo' is unexpected" },
    { "-display gtk", "Parameter 'type' does not accept value 'gtk'", true },
};

/* Text of the first line after "PROG: ". */
static char *first_line_body(const char *err, const char *prog)
{
    g_autofree char *line = g_strndup(err, strcspn(err, "\n"));
    g_autofree char *prefix = g_strdup_printf("%s: ", prog);

    g_assert_true(g_str_has_prefix(line, prefix));
    return g_strdup(line + strlen(prefix));
}

static void test_bad_case(gconstpointer data)
{
    const struct BadCase *c = data;
    g_autofree char *args = g_strdup_printf("-display none %s %s",
        strstr(c->args, "accel") ? "" : "-accel qtest", c->args);
    g_autofree char *prog = g_path_get_basename(kite_binary());
    RunResult r = run(kite_binary(), args);
    g_autofree char *body = NULL;

    if (r.status != 1 || count_lines(r.err) != 1 ||
        !strstr(r.err, c->phrase)) {
        g_test_message("args: %s", args);
        g_test_message("status %d, stderr: %s", r.status, r.err);
    }
    g_assert_cmpint(r.status, ==, 1);
    g_assert_cmpuint(count_lines(r.err), ==, 1);
    body = first_line_body(r.err, prog);
    g_assert_nonnull(strstr(body, c->phrase));
    g_assert_cmpstr(r.out, ==, "");
    run_result_clear(&r);
}

static const char *peer_binary(void)
{
    const char *b = g_getenv("QEMU_PEER_BINARY");
    static char *found;

    if (!b) {
        b = "qemu-system-x86_64";
    }
    if (!found) {
        found = g_find_program_in_path(b);
    }
    return found;
}

/* The same bad command lines through QEMU: same status, same phrase. */
static void test_compare_qemu(void)
{
    const char *qemu = peer_binary();
    unsigned compared = 0;

    if (!qemu) {
        g_test_skip("qemu-system-x86_64 is not installed");
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const struct BadCase *c = &bad_cases[i];
        g_autofree char *args = NULL;
        g_autofree char *body = NULL;
        RunResult r;

        if (c->kite_only) {
            continue;
        }
        args = g_strdup_printf("-display none %s %s",
            strstr(c->args, "accel") ? "" : "-accel tcg", c->args);
        r = run(qemu, args);
        body = first_line_body(r.err, "qemu-system-x86_64");
        if (r.status != 1 || !strstr(body, c->phrase)) {
            g_test_message("QEMU differs for %s: status %d, %s", c->args,
                           r.status, r.err);
        }
        g_assert_cmpint(r.status, ==, 1);
        g_assert_nonnull(strstr(body, c->phrase));
        run_result_clear(&r);
        compared++;
    }
    g_test_message("compared %u command lines with %s", compared, qemu);
}

static void test_version(void)
{
    RunResult r = run(kite_binary(), "-version");

    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out,
                                   "Kite emulator version 7.2.0 (kite-0.1)\n"));
    g_assert_nonnull(strstr(r.out, "Copyright"));
    g_assert_cmpstr(r.err, ==, "");
    run_result_clear(&r);

    r = run(kite_binary(), "--version");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "Kite emulator version "));
    run_result_clear(&r);
}

static void test_help(void)
{
    static const char *const spellings[] = { "-h", "-help", "--help" };

    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        RunResult r = run(kite_binary(), spellings[i]);
        g_assert_cmpint(r.status, ==, 0);
        g_assert_nonnull(strstr(r.out, "usage: "));
        /* Every option Kite accepts is listed. */
        g_assert_nonnull(strstr(r.out, "\n-machine "));
        g_assert_nonnull(strstr(r.out, "\n-qtest "));
        g_assert_nonnull(strstr(r.out, "\n-no-shutdown "));
        run_result_clear(&r);
    }
}

static void test_machine_help(void)
{
    static const char *const spellings[] = { "-machine help", "-M help",
                                             "-M ?", "-machine type=help" };

    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        RunResult r = run(kite_binary(), spellings[i]);
        g_assert_cmpint(r.status, ==, 0);
        g_assert_true(g_str_has_prefix(r.out, "Supported machines are:\n"));
        g_assert_nonnull(strstr(r.out,
            "\nmicrovm              microvm (i386) (default)\n"));
        g_assert_nonnull(strstr(r.out, "\nnone                 empty machine\n"));
        run_result_clear(&r);
    }
}

static void test_cpu_help(void)
{
    RunResult r = run(kite_binary(), "-cpu help");

    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "Available CPUs:\n"));
    for (const char *const *m = (const char *const[]){ "host", "max",
             "kvm64", "qemu64", NULL }; *m; m++) {
        g_autofree char *line = g_strdup_printf("\nx86 %-20s  ", *m);
        g_assert_nonnull(strstr(r.out, line));
    }
    g_assert_nonnull(strstr(r.out, "Recognized CPUID flags:"));
    g_assert_nonnull(strstr(r.out, " vmx "));
    run_result_clear(&r);
}

static void test_accel_help(void)
{
    RunResult r = run(kite_binary(), "-accel help");

    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out,
                                   "Accelerators supported in Kite binary:\n"));
    g_assert_nonnull(strstr(r.out, "\nqtest\n"));
    g_assert_null(strstr(r.out, "tcg"));
    run_result_clear(&r);
}

static void test_device_help(void)
{
    RunResult r = run(kite_binary(), "-device help");

    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "name \""));
    g_assert_cmpstr(r.err, ==, "");
    run_result_clear(&r);

    /* QEMU names the unknown driver on stderr but exits 0 (help was
     * asked for); cmdline-compat-test compares it with QEMU. */
    r = run(kite_binary(), "-device foo,help");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpuint(count_lines(r.err), ==, 1);
    g_assert_nonnull(strstr(r.err, "-device foo,help: Device 'foo' not found"));
    run_result_clear(&r);
}

static void test_object_help(void)
{
    RunResult r = run(kite_binary(), "-object help");

    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "List of user creatable objects:\n"));
    g_assert_nonnull(strstr(r.out, "  memory-backend-ram\n"));
    run_result_clear(&r);

    r = run(kite_binary(), "-object memory-backend-ram,help");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "size="));
    run_result_clear(&r);
}

/* ---- A running instance driven over -qmp stdio ---- */

typedef struct Child {
    GPid pid;
    FILE *in, *out;
    int err_fd;
} Child;

static Child child_start(const char *args)
{
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    GPtrArray *argv = g_ptr_array_new();
    Child c = { 0 };
    GError *err = NULL;
    int in_fd, out_fd;

    g_ptr_array_add(argv, (char *)kite_binary());
    for (char **w = words; *w; w++) {
        g_ptr_array_add(argv, *w);
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &c.pid, &in_fd, &out_fd, &c.err_fd, &err)) {
        g_error("spawn: %s", err->message);
    }
    g_ptr_array_free(argv, true);
    c.in = fdopen(in_fd, "w");
    c.out = fdopen(out_fd, "r");
    return c;
}

static json_t *child_read(Child *c)
{
    char line[65536];
    json_error_t jerr;
    json_t *v;

    g_assert_nonnull(fgets(line, sizeof(line), c->out));
    v = json_loads(line, 0, &jerr);
    g_assert_nonnull(v);
    return v;
}

/* Send a command and return its reply, skipping events (into @events). */
static json_t *child_qmp(Child *c, const char *cmd, GPtrArray *events)
{
    fprintf(c->in, "%s\n", cmd);
    fflush(c->in);
    for (;;) {
        json_t *v = child_read(c);
        if (!json_object_get(v, "event")) {
            return v;
        }
        if (events) {
            g_ptr_array_add(events, v);
        } else {
            json_decref(v);
        }
    }
}

static int child_wait(Child *c)
{
    int status;
    char buf[4096];
    ssize_t n;

    fclose(c->in);
    fclose(c->out);
    while ((n = read(c->err_fd, buf, sizeof(buf) - 1)) > 0) {
        buf[n] = '\0';
        g_test_message("stderr: %s", buf);
    }
    close(c->err_fd);
    g_assert_cmpint(waitpid(c->pid, &status, 0), ==, c->pid);
    g_spawn_close_pid(c->pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *reply_str(json_t *reply, const char *key)
{
    return json_string_value(json_object_get(json_object_get(reply, "return"),
                                             key));
}

static void test_start_stopped(void)
{
    Child c = child_start("-display none -accel qtest -M microvm -m 64M "
                          "-smp 2 -S -name kite-guest -qmp stdio");
    GPtrArray *events = g_ptr_array_new_with_free_func(
        (GDestroyNotify)json_decref);
    json_t *greeting = child_read(&c);
    json_t *r;

    g_assert_nonnull(json_object_get(greeting, "QMP"));
    json_decref(greeting);
    json_decref(child_qmp(&c, "{\"execute\":\"qmp_capabilities\"}", NULL));

    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "prelaunch");
    g_assert_true(json_is_false(json_object_get(json_object_get(r, "return"),
                                                "running")));
    json_decref(r);

    r = child_qmp(&c, "{\"execute\":\"query-name\"}", NULL);
    g_assert_cmpstr(reply_str(r, "name"), ==, "kite-guest");
    json_decref(r);

    r = child_qmp(&c, "{\"execute\":\"query-cpus-fast\"}", NULL);
    g_assert_cmpuint(json_array_size(json_object_get(r, "return")), ==, 2);
    json_decref(r);

    /* /machine/ioapic exists with its 24 inputs (the qtest stand-in). */
    r = child_qmp(&c, "{\"execute\":\"qom-list\",\"arguments\":"
                  "{\"path\":\"/machine\"}}", NULL);
    {
        char *dump = json_dumps(r, 0);
        g_assert_nonnull(strstr(dump, "\"child<ioapic>\""));
        free(dump);
    }
    json_decref(r);

    /* stop in prelaunch sends nothing; cont sends RESUME and runs. */
    json_decref(child_qmp(&c, "{\"execute\":\"stop\"}", events));
    g_assert_cmpuint(events->len, ==, 0);
    json_decref(child_qmp(&c, "{\"execute\":\"cont\"}", events));
    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(
        g_ptr_array_index(events, 0), "event")), ==, "RESUME");
    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "running");
    json_decref(r);

    json_decref(child_qmp(&c, "{\"execute\":\"stop\"}", events));
    g_assert_cmpuint(events->len, ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(
        g_ptr_array_index(events, 1), "event")), ==, "STOP");
    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "paused");
    json_decref(r);

    /* system_reset: RESET with QEMU's data, the VM stays paused. */
    json_decref(child_qmp(&c, "{\"execute\":\"system_reset\"}", events));
    g_assert_cmpuint(events->len, ==, 3);
    {
        json_t *ev = g_ptr_array_index(events, 2);
        json_t *data = json_object_get(ev, "data");
        g_assert_cmpstr(json_string_value(json_object_get(ev, "event")), ==,
                        "RESET");
        g_assert_true(json_is_false(json_object_get(data, "guest")));
        g_assert_cmpstr(json_string_value(json_object_get(data, "reason")),
                        ==, "host-qmp-system-reset");
    }
    /* As in QEMU, a VM that was not running is "prelaunch" after it. */
    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "prelaunch");
    json_decref(r);
    json_decref(child_qmp(&c, "{\"execute\":\"system_powerdown\"}", events));
    g_assert_cmpuint(events->len, ==, 4);
    g_assert_cmpstr(json_string_value(json_object_get(
        g_ptr_array_index(events, 3), "event")), ==, "POWERDOWN");

    /* quit: SHUTDOWN, then the reply, then exit status 0. */
    r = child_qmp(&c, "{\"execute\":\"quit\"}", events);
    g_assert_nonnull(json_object_get(r, "return"));
    json_decref(r);
    g_assert_cmpuint(events->len, ==, 5);
    {
        json_t *ev = g_ptr_array_index(events, 4);
        json_t *data = json_object_get(ev, "data");
        g_assert_cmpstr(json_string_value(json_object_get(ev, "event")), ==,
                        "SHUTDOWN");
        g_assert_cmpstr(json_string_value(json_object_get(data, "reason")),
                        ==, "host-qmp-quit");
    }
    g_assert_cmpint(child_wait(&c), ==, 0);
    g_ptr_array_free(events, true);
}

static void test_machine_none(void)
{
    Child c = child_start("-display none -accel qtest -M none -qmp stdio");
    json_t *r;

    json_decref(child_read(&c));
    json_decref(child_qmp(&c, "{\"execute\":\"qmp_capabilities\"}", NULL));
    /* As QEMU's "none" machine: no CPUs; without -S it runs. */
    r = child_qmp(&c, "{\"execute\":\"query-cpus-fast\"}", NULL);
    g_assert_cmpuint(json_array_size(json_object_get(r, "return")), ==, 0);
    json_decref(r);
    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "running");
    json_decref(r);
    json_decref(child_qmp(&c, "{\"execute\":\"quit\"}", NULL));
    g_assert_cmpint(child_wait(&c), ==, 0);
}

static void test_sigterm(void)
{
    Child c = child_start("-display none -accel qtest -M none -S -qmp stdio");
    json_t *ev;

    json_decref(child_read(&c));
    json_decref(child_qmp(&c, "{\"execute\":\"qmp_capabilities\"}", NULL));
    g_assert_cmpint(kill(c.pid, SIGTERM), ==, 0);
    ev = child_read(&c);
    g_assert_cmpstr(json_string_value(json_object_get(ev, "event")), ==,
                    "SHUTDOWN");
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(ev, "data"), "reason")), ==, "host-signal");
    json_decref(ev);
    g_assert_cmpint(child_wait(&c), ==, 0);
}

/* -monitor SPEC and -mon (mode=readline by default) start HMP. */
static void test_hmp_monitor(void)
{
    static const char *const cmdlines[] = {
        "-display none -accel qtest -M none -S -monitor stdio",
        "-display none -accel qtest -M none -S -chardev stdio,id=h -mon h",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cmdlines); i++) {
        Child c = child_start(cmdlines[i]);
        GString *out = g_string_new(NULL);
        char line[4096];

        fputs("info status\nquit\n", c.in);
        fflush(c.in);
        while (fgets(line, sizeof(line), c.out)) {
            g_string_append(out, line);
        }
        g_assert_nonnull(strstr(out->str, "VM status: paused (prelaunch)"));
        g_assert_cmpint(child_wait(&c), ==, 0);
        g_string_free(out, true);
    }
}

/* "-monitor none" and "-serial none" ask for nothing, as in QEMU. */
static void test_monitor_none(void)
{
    Child c = child_start("-display none -accel qtest -M none -S "
                          "-monitor none -serial none -qmp stdio");
    json_t *r;

    json_decref(child_read(&c));
    json_decref(child_qmp(&c, "{\"execute\":\"qmp_capabilities\"}", NULL));
    r = child_qmp(&c, "{\"execute\":\"query-status\"}", NULL);
    g_assert_cmpstr(reply_str(r, "status"), ==, "prelaunch");
    json_decref(r);
    json_decref(child_qmp(&c, "{\"execute\":\"quit\"}", NULL));
    g_assert_cmpint(child_wait(&c), ==, 0);
}

/* ---- What the machines build (through libqtest) ---- */

/* As QEMU's microvm: without -nodefaults the first serial port exists
 * (a sink under -display none), with -nodefaults or "-serial none" there
 * is nothing at 0x3f8.  Values as Debian's QEMU reads them. */
static void test_default_serial(void)
{
    QTestState *qts = qtest_init("-M microvm");

    g_assert_cmphex(qtest_inb(qts, 0x3fd), ==, 0x60);   /* LSR: THRE|TEMT */
    g_assert_cmphex(qtest_inb(qts, 0x3fa), ==, 0x01);   /* IIR: none */
    qtest_quit(qts);

    qts = qtest_init("-M microvm -nodefaults");
    g_assert_cmphex(qtest_inb(qts, 0x3fd), ==, 0xff);
    qtest_quit(qts);

    qts = qtest_init("-M microvm -serial none");
    g_assert_cmphex(qtest_inb(qts, 0x3fd), ==, 0xff);
    qtest_quit(qts);
}


/* microvm with 4 GiB: 3 GiB from 0, the last 1 GiB from 4 GiB. */
static void test_microvm_ram_split(void)
{
    QTestState *qts = qtest_init("-M microvm -m 4G");
    static const uint64_t ram[] = { 0x0, 0xbffffff8ULL, 0x100000000ULL,
                                    0x13ffffff8ULL };

    for (size_t i = 0; i < G_N_ELEMENTS(ram); i++) {
        qtest_writeq(qts, ram[i], 0x1122334455667700ULL + i);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ram); i++) {
        g_assert_cmphex(qtest_readq(qts, ram[i]), ==,
                        0x1122334455667700ULL + i);
    }
    /* Not RAM: past the top and in the hole below 4 GiB. */
    qtest_writeq(qts, 0x140000000ULL, 0xdeadbeefULL);
    g_assert_cmphex(qtest_readq(qts, 0x140000000ULL), ==, 0);
    qtest_writeq(qts, 0xf0000000ULL, 0xdeadbeefULL);
    g_assert_cmphex(qtest_readq(qts, 0xf0000000ULL), ==, 0);
    qtest_quit(qts);
}

/* "none" has RAM only with -m, at address 0. */
static void test_none_ram(void)
{
    QTestState *qts = qtest_init("-M none");

    qtest_writel(qts, 0x1000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(qts, 0x1000), ==, 0);
    qtest_quit(qts);

    qts = qtest_init("-M none -m 2M");
    qtest_writel(qts, 0x1ffffc, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(qts, 0x1ffffc), ==, 0xdeadbeef);
    qtest_writel(qts, 0x200000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(qts, 0x200000), ==, 0);
    qtest_quit(qts);
}

/* -machine memory-backend=ID: the backend is the RAM; -m may be left
 * out (its size is the backend's). */
static void test_memory_backend_ram(void)
{
    QTestState *qts = qtest_init("-object memory-backend-ram,id=mem,size=8M "
                                 "-M microvm,memory-backend=mem");

    qtest_writel(qts, 0x7ffffc, 0xcafef00d);
    g_assert_cmphex(qtest_readl(qts, 0x7ffffc), ==, 0xcafef00d);
    qtest_writel(qts, 0x800000, 0xcafef00d);
    g_assert_cmphex(qtest_readl(qts, 0x800000), ==, 0);
    /* QEMU reads the link back as the backend's QOM path */
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': '/machine', 'property': 'memory-backend'}}");
    g_assert_cmpstr(json_string_value(json_object_get(r, "return")), ==,
                    "/objects/mem");
    json_decref(r);
    qtest_quit(qts);
}

/* The ioapic stand-in: 24 inputs that qtest can intercept and drive. */
static void test_ioapic_inputs(void)
{
    QTestState *qts = qtest_init("-M microvm");

    qtest_irq_intercept_in(qts, "/machine/ioapic");
    for (int n = 0; n < 24; n += 23) {
        g_assert_false(qtest_get_irq(qts, n));
        qtest_set_irq_in(qts, "/machine/ioapic", NULL, n, 1);
        g_assert_true(qtest_get_irq(qts, n));
        qtest_set_irq_in(qts, "/machine/ioapic", NULL, n, 0);
        g_assert_false(qtest_get_irq(qts, n));
    }
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/cmdline/bad/%zu", i);
        g_test_add_data_func(name, &bad_cases[i], test_bad_case);
    }
    g_test_add_func("/cmdline/compare-qemu", test_compare_qemu);
    g_test_add_func("/cmdline/version", test_version);
    g_test_add_func("/cmdline/help", test_help);
    g_test_add_func("/cmdline/machine-help", test_machine_help);
    g_test_add_func("/cmdline/cpu-help", test_cpu_help);
    g_test_add_func("/cmdline/accel-help", test_accel_help);
    g_test_add_func("/cmdline/device-help", test_device_help);
    g_test_add_func("/cmdline/object-help", test_object_help);
    g_test_add_func("/cmdline/start-stopped", test_start_stopped);
    g_test_add_func("/cmdline/machine-none", test_machine_none);
    g_test_add_func("/cmdline/sigterm", test_sigterm);
    g_test_add_func("/cmdline/hmp-monitor", test_hmp_monitor);
    g_test_add_func("/cmdline/monitor-none", test_monitor_none);
    g_test_add_func("/machine/default-serial", test_default_serial);
    g_test_add_func("/machine/microvm-ram-split", test_microvm_ram_split);
    g_test_add_func("/machine/none-ram", test_none_ram);
    g_test_add_func("/machine/memory-backend", test_memory_backend_ram);
    g_test_add_func("/machine/ioapic-inputs", test_ioapic_inputs);
    return g_test_run();
}
