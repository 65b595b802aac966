/*
 * The qtest accelerator: no guest code runs.  There are no vCPU threads,
 * and the virtual clock moves only when the test program steps it
 * (clock_step / clock_set on the qtest protocol).
 */
#include "kite/accel.h"
#include "kite/timer.h"

#include <unistd.h>

static bool qtest_accel_paused = true;

static bool qtest_accel_init(MachineState *ms, GError **errp)
{
    clock_virtual_set_manual(true);
    return true;
}

static bool qtest_accel_start_vcpus(MachineState *ms, GError **errp)
{
    return true;
}

/* Nothing runs, so pause and resume only record the state. */
static void qtest_accel_pause(void)
{
    qtest_accel_paused = true;
}

static void qtest_accel_resume(void)
{
    qtest_accel_paused = false;
}

static void qtest_accel_reset(void)
{
}

static void qtest_accel_shutdown(void)
{
    qtest_accel_paused = true;
}

/* Every "vCPU" is the main thread, as with QEMU's qtest accelerator. */
static int64_t qtest_accel_vcpu_thread_id(int cpu_index)
{
    return (int64_t)getpid(); /* the main thread's id */
}

static const AccelOps qtest_accel_ops = {
    .name = "qtest",
    .init = qtest_accel_init,
    .start_vcpus = qtest_accel_start_vcpus,
    .pause = qtest_accel_pause,
    .resume = qtest_accel_resume,
    .reset = qtest_accel_reset,
    .shutdown = qtest_accel_shutdown,
    .vcpu_thread_id = qtest_accel_vcpu_thread_id,
};

static void __attribute__((constructor)) qtest_accel_register(void)
{
    accel_register(&qtest_accel_ops);
}
