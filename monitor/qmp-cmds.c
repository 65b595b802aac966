/*
 * QMP commands about the monitor itself and the run state: versions,
 * the command list, status, name, KVM presence, stop/cont, reset,
 * powerdown, quit and human-monitor-command.
 */
#include "kite/qmp.h"
#include "kite/runstate.h"
#include "kite/accel.h"
#include <unistd.h>

static json_t *qmp_query_version(json_t *args, GError **errp)
{
    return json_pack("{s:{s:i,s:i,s:i},s:s}",
                     "qemu",
                     "micro", KITE_VERSION_MICRO,
                     "minor", KITE_VERSION_MINOR,
                     "major", KITE_VERSION_MAJOR,
                     "package", KITE_PACKAGE);
}

static json_t *qmp_query_commands(json_t *args, GError **errp)
{
    GPtrArray *names = qmp_command_names();
    json_t *list = json_array();
    for (guint i = 0; i < names->len; i++) {
        json_array_append_new(list, json_pack("{s:s}", "name",
                                              (char *)names->pdata[i]));
    }
    g_ptr_array_free(names, TRUE);
    return list;
}

static json_t *qmp_query_status(json_t *args, GError **errp)
{
    /* QEMU's member order */
    return json_pack("{s:s,s:b,s:b}",
                     "status", runstate_name(runstate_get()),
                     "singlestep", 0,
                     "running", runstate_is_running());
}

static json_t *qmp_query_name(json_t *args, GError **errp)
{
    const char *name = kite_vm_name();
    return name ? json_pack("{s:s}", "name", name) : json_object();
}

static json_t *qmp_query_kvm(json_t *args, GError **errp)
{
    return json_pack("{s:b,s:b}", "enabled", kvm_enabled(),
                     "present", access("/dev/kvm", F_OK) == 0);
}

static json_t *qmp_stop(json_t *args, GError **errp)
{
    /* As QEMU: nothing happens (no STOP event) unless the VM runs;
     * before the first cont (-S) the VM simply stays in prelaunch. */
    if (runstate_is_running()) {
        vm_stop();
    }
    return json_object();
}

static json_t *qmp_cont(json_t *args, GError **errp)
{
    if (runstate_is_running()) {
        return json_object();
    }
    return vm_start(errp) ? json_object() : NULL;
}

static json_t *qmp_system_reset(json_t *args, GError **errp)
{
    qemu_system_reset_request();
    return json_object();
}

static json_t *qmp_system_powerdown(json_t *args, GError **errp)
{
    qemu_system_powerdown_request();
    return json_object();
}

static json_t *qmp_quit(json_t *args, GError **errp)
{
    /* A request: the main loop ends after this reply has been sent. */
    qemu_system_shutdown_request("host-qmp-quit");
    return json_object();
}

static json_t *qmp_human_monitor_command(json_t *args, GError **errp)
{
    GString *out = g_string_new(NULL);
    hmp_execute(json_string_value(json_object_get(args, "command-line")), out);
    json_t *ret = json_stringn(out->str, out->len);
    if (!ret) {
        ret = json_string("(output is not valid UTF-8)\r\n");
    }
    g_string_free(out, TRUE);
    return ret;
}

static const QmpArg hmc_args[] = {
    { "command-line", QMP_ARG_STR, false },
    { "cpu-index", QMP_ARG_INT, true },
    { NULL },
};

static const QmpCommandInfo qmp_core_cmds[] = {
    { .name = "query-version", .fn = qmp_query_version },
    { .name = "query-commands", .fn = qmp_query_commands },
    { .name = "query-status", .fn = qmp_query_status },
    { .name = "query-name", .fn = qmp_query_name },
    { .name = "query-kvm", .fn = qmp_query_kvm },
    { .name = "stop", .fn = qmp_stop },
    { .name = "cont", .fn = qmp_cont },
    { .name = "system_reset", .fn = qmp_system_reset },
    { .name = "system_powerdown", .fn = qmp_system_powerdown },
    { .name = "quit", .fn = qmp_quit },
    { .name = "human-monitor-command", .fn = qmp_human_monitor_command,
      .args = hmc_args },
};

static void __attribute__((constructor)) qmp_cmds_register(void)
{
    qmp_register_commands(qmp_core_cmds);
}
