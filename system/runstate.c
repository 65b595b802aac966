/*
 * Run state and system requests.  Requests may come from any thread (a
 * vCPU exit, a device, QMP); they are queued and acted upon by the main
 * loop (main-loop.c).  Their QMP events are sent at once when the request
 * comes from the main thread, so that, as in QEMU, a command's event
 * precedes its reply.
 */
#include "kite/runstate.h"
#include "kite/accel.h"
#include "kite/machine.h"
#include "kite/qdev.h"
#include "kite/qmp.h"
#include "kite/timer.h"
#include "runstate-internal.h"

bool no_shutdown;
bool no_reboot;

static RunState current_state = RUN_STATE_PRELAUNCH;
static char *vm_name;

static const char *const runstate_names[] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
};

RunState runstate_get(void)
{
    return current_state;
}

const char *runstate_name(RunState s)
{
    if ((unsigned)s >= ARRAY_SIZE(runstate_names)) {
        return "unknown";
    }
    return runstate_names[s];
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

void runstate_set(RunState s)
{
    current_state = s;
}

bool runstate_needs_reset(void)
{
    return current_state == RUN_STATE_SHUTDOWN ||
           current_state == RUN_STATE_INTERNAL_ERROR ||
           current_state == RUN_STATE_GUEST_PANICKED;
}

const char *kite_vm_name(void)
{
    return vm_name;
}

void kite_set_vm_name(const char *name)
{
    g_free(vm_name);
    vm_name = g_strdup(name);
}

static void vm_pause_now(RunState new_state)
{
    const AccelOps *accel = current_accel();

    if (accel && accel->pause) {
        accel->pause();
    }
    clock_virtual_pause();
    runstate_set(new_state);
}

void vm_stop(void)
{
    /* Like QEMU, stopping a VM that is not running changes nothing and
     * sends no event. */
    if (!runstate_is_running()) {
        return;
    }
    vm_pause_now(RUN_STATE_PAUSED);
    main_loop_emit_event("STOP", NULL);
}

bool vm_start(GError **errp)
{
    const AccelOps *accel = current_accel();

    if (runstate_is_running()) {
        return true;
    }
    if (runstate_needs_reset()) {
        kite_error_set(errp, "Resetting the Virtual Machine is required");
        return false;
    }
    clock_virtual_resume();
    runstate_set(RUN_STATE_RUNNING);
    if (accel && accel->resume) {
        accel->resume();
    }
    main_loop_emit_event("RESUME", NULL);
    return true;
}

/* Reset hooks, run in registration order on every system reset. */
typedef struct ResetHook {
    ResetFn *fn;
    void *opaque;
} ResetHook;

static GArray *reset_hooks;
static GArray *powerdown_notifiers;

void qemu_register_reset(ResetFn *fn, void *opaque)
{
    ResetHook h = { fn, opaque };

    if (!reset_hooks) {
        reset_hooks = g_array_new(false, false, sizeof(ResetHook));
    }
    g_array_append_val(reset_hooks, h);
}

void qemu_unregister_reset(ResetFn *fn, void *opaque)
{
    if (!reset_hooks) {
        return;
    }
    for (guint i = 0; i < reset_hooks->len; i++) {
        ResetHook *h = &g_array_index(reset_hooks, ResetHook, i);
        if (h->fn == fn && h->opaque == opaque) {
            g_array_remove_index(reset_hooks, i);
            return;
        }
    }
}

void qemu_register_powerdown_notifier(PowerdownFn *fn, void *opaque)
{
    ResetHook h = { (ResetFn *)fn, opaque };

    if (!powerdown_notifiers) {
        powerdown_notifiers = g_array_new(false, false, sizeof(ResetHook));
    }
    g_array_append_val(powerdown_notifiers, h);
}

void runstate_notify_powerdown(void)
{
    if (!powerdown_notifiers) {
        return;
    }
    for (guint i = 0; i < powerdown_notifiers->len; i++) {
        ResetHook *h = &g_array_index(powerdown_notifiers, ResetHook, i);
        ((PowerdownFn *)h->fn)(h->opaque);
    }
}

void qemu_system_reset(void)
{
    MachineState *ms = current_machine_get();
    MachineClass *mc = ms ? MACHINE_GET_CLASS(ms) : NULL;
    const AccelOps *accel = current_accel();
    bool was_running = runstate_is_running();

    if (was_running && accel && accel->pause) {
        accel->pause();
    }
    if (mc && mc->reset) {
        mc->reset(ms);
    } else {
        qdev_reset_all();
    }
    if (reset_hooks) {
        for (guint i = 0; i < reset_hooks->len; i++) {
            ResetHook *h = &g_array_index(reset_hooks, ResetHook, i);
            h->fn(h->opaque);
        }
    }
    if (accel && accel->reset) {
        accel->reset();
    }
    if (was_running && accel && accel->resume) {
        accel->resume();
    }
}

static bool reason_is_guest(const char *reason)
{
    return g_str_has_prefix(reason, "guest-");
}

void qemu_system_reset_request_reason(const char *reason)
{
    if (no_reboot && reason_is_guest(reason)) {
        /* -no-reboot: a guest reset ends the VM. */
        qemu_system_shutdown_request(reason);
        return;
    }
    main_loop_post_request(MAIN_LOOP_REQ_RESET, reason, 0);
}

void qemu_system_reset_request(void)
{
    qemu_system_reset_request_reason("host-qmp-system-reset");
}

void qemu_system_shutdown_request(const char *reason)
{
    main_loop_post_request(MAIN_LOOP_REQ_SHUTDOWN,
                           reason ? reason : "host-qmp-quit", 0);
}

void qemu_system_powerdown_request(void)
{
    main_loop_post_request(MAIN_LOOP_REQ_POWERDOWN, NULL, 0);
}

void qemu_system_exit_request(int status)
{
    main_loop_post_request(MAIN_LOOP_REQ_EXIT, NULL, status);
}

/* The event for a request, sent when it is made on the main thread. */
json_t *runstate_request_event_data(MainLoopRequestKind kind,
                                    const char *reason, const char **name)
{
    switch (kind) {
    case MAIN_LOOP_REQ_RESET:
        *name = "RESET";
        break;
    case MAIN_LOOP_REQ_SHUTDOWN:
        *name = "SHUTDOWN";
        break;
    case MAIN_LOOP_REQ_POWERDOWN:
        *name = "POWERDOWN";
        return NULL;
    case MAIN_LOOP_REQ_EXIT:
        *name = NULL;
        return NULL;
    }
    return json_pack("{s:b, s:s}", "guest", reason_is_guest(reason),
                     "reason", reason);
}

/* Act on a request (main thread). Returns true when the loop must end. */
bool runstate_handle_request(MainLoopRequestKind kind, const char *reason)
{
    switch (kind) {
    case MAIN_LOOP_REQ_RESET:
        qemu_system_reset();
        /* As QEMU: a VM that was not running is "prelaunch" after a
         * reset (cont then starts it afresh, even after a shutdown). */
        if (!runstate_is_running()) {
            runstate_set(RUN_STATE_PRELAUNCH);
        }
        return false;
    case MAIN_LOOP_REQ_POWERDOWN:
        runstate_notify_powerdown();
        return false;
    case MAIN_LOOP_REQ_SHUTDOWN:
        if (no_shutdown && reason_is_guest(reason)) {
            /* -no-shutdown: keep the process, stop the VM. */
            if (runstate_is_running()) {
                vm_pause_now(RUN_STATE_SHUTDOWN);
                main_loop_emit_event("STOP", NULL);
            } else {
                runstate_set(RUN_STATE_SHUTDOWN);
            }
            return false;
        }
        return true;
    case MAIN_LOOP_REQ_EXIT:
        return true;
    }
    return false;
}
