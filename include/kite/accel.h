/* Accelerators: how guest code runs (kvm) or doesn't (qtest). */
#ifndef KITE_ACCEL_H
#define KITE_ACCEL_H

#include "kite/machine.h"

typedef struct AccelOps {
    const char *name;        /* "kvm", "qtest" */
    /* Before machine init: open the hypervisor, check capabilities. */
    bool (*init)(MachineState *ms, GError **errp);
    /* After machine and devices exist: create vCPUs. */
    bool (*start_vcpus)(MachineState *ms, GError **errp);
    void (*pause)(void);     /* stop all vCPUs, return when stopped */
    void (*resume)(void);
    void (*reset)(void);
    void (*shutdown)(void);  /* destroy vCPUs and VM */
    /* query-cpus-fast: one entry per vCPU; may be NULL. */
    int64_t (*vcpu_thread_id)(int cpu_index);
} AccelOps;

void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
const AccelOps *current_accel(void);
void accel_set_current(const AccelOps *ops);
bool kvm_enabled(void);
/* Registered names (borrowed strings) in a new array; for -accel help. */
GPtrArray *accel_names(void);

#endif
