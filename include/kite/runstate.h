/* The VM's run state, system events and their QMP events. */
#ifndef KITE_RUNSTATE_H
#define KITE_RUNSTATE_H

#include "kite/common.h"

typedef enum {
    RUN_STATE_PRELAUNCH,      /* -S, not yet started */
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,         /* stop */
    RUN_STATE_SHUTDOWN,       /* guest shut down with -no-shutdown */
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_GUEST_PANICKED,
} RunState;

RunState runstate_get(void);
const char *runstate_name(RunState s);
bool runstate_is_running(void);

/* stop / cont: pause or resume vCPUs and the virtual clock; emit STOP /
 * RESUME. */
void vm_stop(void);
bool vm_start(GError **errp);

/* Requests, handled on the main loop. */
void qemu_system_reset_request(void);      /* RESET event, reset devices */
void qemu_system_shutdown_request(const char *reason); /* SHUTDOWN, exit */
void qemu_system_powerdown_request(void);  /* POWERDOWN, machine notifier */
/* Exit the main loop with @status (used by isa-debug-exit). */
void qemu_system_exit_request(int status);

/* Notifier for system_powerdown (machines connect their ACPI/SCLP). */
typedef void PowerdownFn(void *opaque);
void qemu_register_powerdown_notifier(PowerdownFn *fn, void *opaque);
/* Hooks run on system reset (besides device reset). */
typedef void ResetFn(void *opaque);
void qemu_register_reset(ResetFn *fn, void *opaque);
void qemu_unregister_reset(ResetFn *fn, void *opaque);

/* Main loop: run until a shutdown or exit request; returns exit status. */
int main_loop_run(void);
/* Set by -no-shutdown / -no-reboot. */
extern bool no_shutdown;
extern bool no_reboot;

void runstate_set(RunState s);

/* Reset with an explicit QMP reason ("guest-reset", "host-qmp-system-reset",
 * ...); qemu_system_reset_request() is the QMP one.  With -no-reboot a
 * guest-initiated reset becomes a shutdown, as in QEMU. */
void qemu_system_reset_request_reason(const char *reason);
/* True when cont must be refused until a reset (shutdown, errors). */
bool runstate_needs_reset(void);

/* -name: the VM name for query-name (NULL when unnamed). */
const char *kite_vm_name(void);
void kite_set_vm_name(const char *name);

/* Reset the machine now (devices, reset hooks, accelerator). */
void qemu_system_reset(void);

#endif
