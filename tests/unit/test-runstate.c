/* Run states and system requests (system/runstate.c, main-loop.c). */
#include "kite/runstate.h"

static int reset_calls, powerdown_calls;

static void count_reset(void *opaque)
{
    reset_calls += GPOINTER_TO_INT(opaque);
}

static void count_powerdown(void *opaque)
{
    powerdown_calls++;
}

static void test_names(void)
{
    g_assert_cmpstr(runstate_name(RUN_STATE_PRELAUNCH), ==, "prelaunch");
    g_assert_cmpstr(runstate_name(RUN_STATE_RUNNING), ==, "running");
    g_assert_cmpstr(runstate_name(RUN_STATE_PAUSED), ==, "paused");
    g_assert_cmpstr(runstate_name(RUN_STATE_SHUTDOWN), ==, "shutdown");
    g_assert_cmpstr(runstate_name(RUN_STATE_INTERNAL_ERROR), ==,
                    "internal-error");
    g_assert_cmpstr(runstate_name(RUN_STATE_GUEST_PANICKED), ==,
                    "guest-panicked");
    g_assert_cmpstr(runstate_name((RunState)99), ==, "unknown");
}

static void test_stop_start(void)
{
    GError *err = NULL;

    runstate_set(RUN_STATE_PRELAUNCH);
    vm_stop();                      /* not running: nothing changes */
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_PRELAUNCH);
    g_assert_true(vm_start(&err));
    g_assert_true(runstate_is_running());
    vm_stop();
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_PAUSED);
    g_assert_true(vm_start(&err));
    g_assert_true(vm_start(&err));  /* already running: fine */
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_RUNNING);

    runstate_set(RUN_STATE_SHUTDOWN);
    g_assert_true(runstate_needs_reset());
    g_assert_false(vm_start(&err));
    g_assert_cmpstr(err->message, ==,
                    "Resetting the Virtual Machine is required");
    g_clear_error(&err);
    runstate_set(RUN_STATE_RUNNING);
}

/* After a reset a VM that was not running is in prelaunch (QEMU). */
static void test_reset_state(void)
{
    GError *err = NULL;

    runstate_set(RUN_STATE_SHUTDOWN);
    qemu_system_reset_request();
    qemu_system_exit_request(0);
    main_loop_run();
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_PRELAUNCH);
    g_assert_true(vm_start(&err));

    qemu_system_reset_request();
    qemu_system_exit_request(0);
    main_loop_run();
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_RUNNING);
}

static gboolean post_exit(gpointer opaque)
{
    qemu_system_exit_request(GPOINTER_TO_INT(opaque));
    return G_SOURCE_REMOVE;
}

static void test_exit_status(void)
{
    qemu_system_exit_request(7);
    g_assert_cmpint(main_loop_run(), ==, 7);
}

static void test_reset_and_powerdown(void)
{
    reset_calls = powerdown_calls = 0;
    qemu_register_reset(count_reset, GINT_TO_POINTER(1));
    qemu_register_reset(count_reset, GINT_TO_POINTER(10));
    qemu_register_powerdown_notifier(count_powerdown, NULL);

    qemu_system_reset_request();
    qemu_system_powerdown_request();
    /* Nothing happens until the main loop runs. */
    g_assert_cmpint(reset_calls, ==, 0);
    g_assert_cmpint(powerdown_calls, ==, 0);
    qemu_system_exit_request(0);
    g_assert_cmpint(main_loop_run(), ==, 0);
    g_assert_cmpint(reset_calls, ==, 11);
    g_assert_cmpint(powerdown_calls, ==, 1);

    qemu_unregister_reset(count_reset, GINT_TO_POINTER(10));
    qemu_system_reset_request_reason("guest-reset");
    qemu_system_exit_request(0);
    main_loop_run();
    g_assert_cmpint(reset_calls, ==, 12);
    qemu_unregister_reset(count_reset, GINT_TO_POINTER(1));
}

static void test_shutdown(void)
{
    /* A host shutdown ends the loop with status 0. */
    runstate_set(RUN_STATE_RUNNING);
    qemu_system_shutdown_request("host-qmp-quit");
    g_assert_cmpint(main_loop_run(), ==, 0);

    /* -no-shutdown: a guest shutdown stops the VM and the loop goes on
     * until something else ends it. */
    no_shutdown = true;
    runstate_set(RUN_STATE_RUNNING);
    qemu_system_shutdown_request("guest-shutdown");
    g_timeout_add(50, post_exit, GINT_TO_POINTER(3));
    g_assert_cmpint(main_loop_run(), ==, 3);
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_SHUTDOWN);
    no_shutdown = false;

    /* -no-reboot: a guest reset becomes a shutdown, a host one does not. */
    no_reboot = true;
    reset_calls = 0;
    qemu_register_reset(count_reset, GINT_TO_POINTER(1));
    runstate_set(RUN_STATE_RUNNING);
    qemu_system_reset_request();
    g_timeout_add(50, post_exit, GINT_TO_POINTER(4));
    g_assert_cmpint(main_loop_run(), ==, 4);
    g_assert_cmpint(reset_calls, ==, 1);
    qemu_system_reset_request_reason("guest-reset");
    g_assert_cmpint(main_loop_run(), ==, 0);
    g_assert_cmpint(reset_calls, ==, 1);
    qemu_unregister_reset(count_reset, GINT_TO_POINTER(1));
    no_reboot = false;
}

static gpointer request_from_thread(gpointer opaque)
{
    qemu_system_exit_request(5);
    return NULL;
}

static void test_request_from_thread(void)
{
    GThread *t = g_thread_new("vcpu", request_from_thread, NULL);

    g_assert_cmpint(main_loop_run(), ==, 5);
    g_thread_join(t);
}

static void test_vm_name(void)
{
    g_assert_null(kite_vm_name());
    kite_set_vm_name("guest1");
    g_assert_cmpstr(kite_vm_name(), ==, "guest1");
    kite_set_vm_name(NULL);
    g_assert_null(kite_vm_name());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/runstate/names", test_names);
    g_test_add_func("/runstate/stop-start", test_stop_start);
    g_test_add_func("/runstate/exit-status", test_exit_status);
    g_test_add_func("/runstate/reset-powerdown", test_reset_and_powerdown);
    g_test_add_func("/runstate/shutdown", test_shutdown);
    g_test_add_func("/runstate/reset-state", test_reset_state);
    g_test_add_func("/runstate/request-from-thread", test_request_from_thread);
    g_test_add_func("/runstate/vm-name", test_vm_name);
    return g_test_run();
}
