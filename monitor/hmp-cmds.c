/* The HMP "info" subcommands about Kite itself, in QEMU's words. */
#include "kite/qmp.h"
#include "kite/runstate.h"
#include "kite/accel.h"

static void hmp_info_version(GString *out)
{
    /* QEMU prints the version and the package string back to back. */
    g_string_append_printf(out, "%s%s\n", KITE_VERSION_STRING, KITE_PACKAGE);
}

static void hmp_info_status(GString *out)
{
    RunState s = runstate_get();

    if (s == RUN_STATE_RUNNING) {
        g_string_append(out, "VM status: running\n");
    } else if (s == RUN_STATE_PAUSED) {
        g_string_append(out, "VM status: paused\n");
    } else {
        g_string_append_printf(out, "VM status: paused (%s)\n",
                               runstate_name(s));
    }
}

static void hmp_info_name(GString *out)
{
    const char *name = kite_vm_name();
    if (name) {
        g_string_append_printf(out, "%s\n", name);
    }
}

static void hmp_info_kvm(GString *out)
{
    g_string_append_printf(out, "kvm support: %s\n",
                           kvm_enabled() ? "enabled" : "disabled");
}

static void __attribute__((constructor)) hmp_cmds_register(void)
{
    hmp_register_info("kvm", "show KVM information", hmp_info_kvm);
    hmp_register_info("name", "show the current VM name", hmp_info_name);
    hmp_register_info("status", "show the current VM status (running|paused)",
                      hmp_info_status);
    hmp_register_info("version", "show the version of QEMU", hmp_info_version);
}
