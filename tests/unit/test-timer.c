/*
 * Clocks and timers: the manual virtual clock (ordering, re-arming,
 * deletion, deadlines), the automatic virtual clock (pause/resume) and
 * timers fired by GLib's main loop.
 */
#include "kite/timer.h"

#include <unistd.h>

#define MAX_FIRES 64

typedef struct {
    const char *name;
    int64_t seen_ns[MAX_FIRES]; /* virtual clock seen by each firing */
    int fires;
    int64_t period;             /* re-arm by this much when > 0 */
    KiteTimer *timer;
    KiteTimer *victim;          /* deleted by the callback when set */
    GString *log;               /* shared firing order */
} Probe;

static void probe_cb(void *opaque)
{
    Probe *p = opaque;
    KiteClockType type = KITE_CLOCK_VIRTUAL;

    if (p->fires < MAX_FIRES) {
        p->seen_ns[p->fires] = clock_get_ns(type);
    }
    p->fires++;
    if (p->log) {
        g_string_append(p->log, p->name);
    }
    if (p->victim) {
        timer_del(p->victim);
    }
    if (p->period > 0) {
        timer_mod_ns(p->timer, clock_get_ns(type) + p->period);
    }
}

static void probe_init(Probe *p, const char *name, GString *log)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    p->log = log;
    p->timer = timer_new_ns(KITE_CLOCK_VIRTUAL, probe_cb, p);
}

static void test_manual_order(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    Probe a, b, c, d;
    int64_t base;

    clock_virtual_set_manual(true);
    g_assert_true(clock_virtual_is_manual());
    base = clock_get_ns(KITE_CLOCK_VIRTUAL);

    probe_init(&a, "a", log);
    probe_init(&b, "b", log);
    probe_init(&c, "c", log);
    probe_init(&d, "d", log);
    timer_mod_ns(c.timer, base + 300);
    timer_mod_ns(a.timer, base + 100);
    timer_mod_ns(b.timer, base + 200);
    timer_mod_ns(d.timer, base + 200); /* same deadline: after b */

    g_assert_cmpint(clock_virtual_next_deadline(), ==, base + 100);
    g_assert_cmpint(clock_virtual_advance_to(base + 250), ==, base + 250);
    g_assert_cmpstr(log->str, ==, "abd");
    g_assert_cmpint(a.seen_ns[0], ==, base + 100);
    g_assert_cmpint(b.seen_ns[0], ==, base + 200);
    g_assert_cmpint(d.seen_ns[0], ==, base + 200);
    g_assert_cmpint(clock_get_ns(KITE_CLOCK_VIRTUAL), ==, base + 250);
    g_assert_false(timer_pending(a.timer));
    g_assert_true(timer_pending(c.timer));
    g_assert_cmpint(clock_virtual_next_deadline(), ==, base + 300);

    /* The manual clock never moves by itself. */
    g_usleep(2000);
    while (g_main_context_iteration(NULL, false)) {
    }
    g_assert_cmpint(clock_get_ns(KITE_CLOCK_VIRTUAL), ==, base + 250);
    g_assert_cmpstr(log->str, ==, "abd");

    /* Asking to go back leaves the clock where it is. */
    g_assert_cmpint(clock_virtual_advance_to(base + 10), ==, base + 250);

    g_assert_cmpint(clock_virtual_advance_to(base + 1000), ==, base + 1000);
    g_assert_cmpstr(log->str, ==, "abdc");
    g_assert_cmpint(c.seen_ns[0], ==, base + 300);
    g_assert_cmpint(clock_virtual_next_deadline(), ==, -1);

    timer_free(a.timer);
    timer_free(b.timer);
    timer_free(c.timer);
    timer_free(d.timer);
}

static void test_manual_periodic(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    Probe p, q;
    int64_t base;

    clock_virtual_set_manual(true);
    base = clock_get_ns(KITE_CLOCK_VIRTUAL);
    probe_init(&p, "p", log);
    probe_init(&q, "q", log);
    p.period = 100;
    timer_mod_ns(p.timer, base + 100);
    timer_mod_ns(q.timer, base + 450);

    /* One step over many periods fires every period, interleaved in
     * deadline order with the other timer. */
    clock_virtual_advance_to(base + 1050);
    g_assert_cmpint(p.fires, ==, 10);
    for (int i = 0; i < 10; i++) {
        g_assert_cmpint(p.seen_ns[i], ==, base + 100 * (i + 1));
    }
    g_assert_cmpstr(log->str, ==, "ppppqpppppp");
    g_assert_cmpint(q.seen_ns[0], ==, base + 450);
    g_assert_true(timer_pending(p.timer));
    g_assert_cmpint(timer_expire_time_ns(p.timer), ==, base + 1100);
    g_assert_cmpint(clock_virtual_next_deadline(), ==, base + 1100);

    timer_free(p.timer);
    timer_free(q.timer);
    g_assert_cmpint(clock_virtual_next_deadline(), ==, -1);
}

static void test_manual_delete(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    Probe a, b, c;
    int64_t base;

    clock_virtual_set_manual(true);
    base = clock_get_ns(KITE_CLOCK_VIRTUAL);
    probe_init(&a, "a", log);
    probe_init(&b, "b", log);
    probe_init(&c, "c", log);

    /* Deleted before it is due: never fires. */
    timer_mod_ns(a.timer, base + 10);
    g_assert_true(timer_pending(a.timer));
    g_assert_cmpint(timer_expire_time_ns(a.timer), ==, base + 10);
    timer_del(a.timer);
    g_assert_false(timer_pending(a.timer));
    g_assert_cmpint(timer_expire_time_ns(a.timer), ==, -1);
    timer_del(a.timer); /* twice is harmless */

    /* b's callback deletes c, due at the same time. */
    b.victim = c.timer;
    timer_mod_ns(b.timer, base + 20);
    timer_mod_ns(c.timer, base + 20);
    /* Re-arming moves a timer instead of adding it twice. */
    timer_mod_ns(a.timer, base + 5);
    timer_mod_ns(a.timer, base + 30);
    g_assert_cmpint(clock_virtual_next_deadline(), ==, base + 20);

    clock_virtual_advance_to(base + 100);
    g_assert_cmpstr(log->str, ==, "ba");
    g_assert_cmpint(c.fires, ==, 0);
    g_assert_cmpint(a.fires, ==, 1);
    g_assert_cmpint(a.seen_ns[0], ==, base + 30);

    /* Freeing a pending timer unlinks it. */
    timer_mod_ns(a.timer, base + 200);
    timer_free(a.timer);
    g_assert_cmpint(clock_virtual_next_deadline(), ==, -1);
    clock_virtual_advance_to(base + 300);
    g_assert_cmpstr(log->str, ==, "ba");

    timer_free(b.timer);
    timer_free(c.timer);
}

static void test_virtual_pause_resume(void)
{
    int64_t t0, t1, t2, t3;

    clock_virtual_set_manual(false);
    g_assert_false(clock_virtual_is_manual());
    clock_virtual_resume();
    t0 = clock_get_ns(KITE_CLOCK_VIRTUAL);
    g_usleep(20 * 1000);
    t1 = clock_get_ns(KITE_CLOCK_VIRTUAL);
    g_assert_cmpint(t1 - t0, >=, 20 * 1000 * 1000);

    clock_virtual_pause();
    t2 = clock_get_ns(KITE_CLOCK_VIRTUAL);
    g_usleep(20 * 1000);
    g_assert_cmpint(clock_get_ns(KITE_CLOCK_VIRTUAL), ==, t2);
    clock_virtual_pause(); /* twice is harmless */
    g_assert_cmpint(clock_get_ns(KITE_CLOCK_VIRTUAL), ==, t2);

    /* Resuming continues from where it stopped, not from host time. */
    clock_virtual_resume();
    t3 = clock_get_ns(KITE_CLOCK_VIRTUAL);
    g_assert_cmpint(t3, >=, t2);
    g_assert_cmpint(t3 - t2, <, 15 * 1000 * 1000);
    clock_virtual_pause();
}

static void set_flag(void *opaque)
{
    int64_t *fired_at = opaque;

    *fired_at = clock_get_ns(KITE_CLOCK_REALTIME);
}

static gboolean wake_up(gpointer data)
{
    return G_SOURCE_REMOVE;
}

/* Iterate the default context until *flag is set or @timeout_ms passes;
 * returns the number of iterations. */
static int run_until(int64_t *flag, int timeout_ms)
{
    int64_t end = g_get_monotonic_time() + timeout_ms * 1000;
    int iterations = 0;
    guint guard = g_timeout_add(timeout_ms, wake_up, NULL);

    while (!*flag && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, true);
        iterations++;
    }
    if (g_main_context_find_source_by_id(NULL, guard)) {
        g_source_remove(guard);
    }
    return iterations;
}

static void test_realtime_timer(void)
{
    int64_t fired_at = 0;
    KiteTimer *t = timer_new_ns(KITE_CLOCK_REALTIME, set_flag, &fired_at);
    int64_t deadline = clock_get_ns(KITE_CLOCK_REALTIME) + 50 * 1000 * 1000;
    int iterations;

    timer_mod_ns(t, deadline);
    iterations = run_until(&fired_at, 5000);
    g_assert_cmpint(fired_at, >=, deadline);
    g_assert_cmpint(fired_at - deadline, <, 2000LL * 1000 * 1000);
    /* The source sleeps until the deadline rather than polling. */
    g_assert_cmpint(iterations, <, 20);
    g_assert_false(timer_pending(t));

    /* A deleted realtime timer does not fire. */
    fired_at = 0;
    timer_mod_ns(t, clock_get_ns(KITE_CLOCK_REALTIME) + 10 * 1000 * 1000);
    timer_del(t);
    run_until(&fired_at, 100);
    g_assert_cmpint(fired_at, ==, 0);
    timer_free(t);
}

static void test_auto_virtual_timer(void)
{
    int64_t fired_at = 0;
    KiteTimer *t = timer_new_ns(KITE_CLOCK_VIRTUAL, set_flag, &fired_at);

    clock_virtual_set_manual(false);
    clock_virtual_pause();
    /* Due soon in virtual time, but the clock is stopped. */
    timer_mod_ns(t, clock_get_ns(KITE_CLOCK_VIRTUAL) + 5 * 1000 * 1000);
    run_until(&fired_at, 100);
    g_assert_cmpint(fired_at, ==, 0);
    g_assert_true(timer_pending(t));

    clock_virtual_resume();
    run_until(&fired_at, 5000);
    g_assert_cmpint(fired_at, !=, 0);
    g_assert_false(timer_pending(t));
    clock_virtual_pause();
    timer_free(t);
}

static void test_host_clock(void)
{
    int64_t host = clock_get_ns(KITE_CLOCK_HOST);
    int64_t real = g_get_real_time() * 1000;

    g_assert_cmpint(ABS(host - real), <, 1000LL * 1000 * 1000);
    g_assert_cmpint(clock_get_ns(KITE_CLOCK_REALTIME), >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timer/manual/order", test_manual_order);
    g_test_add_func("/timer/manual/periodic", test_manual_periodic);
    g_test_add_func("/timer/manual/delete", test_manual_delete);
    g_test_add_func("/timer/virtual/pause-resume", test_virtual_pause_resume);
    g_test_add_func("/timer/virtual/auto-timer", test_auto_virtual_timer);
    g_test_add_func("/timer/realtime/main-loop", test_realtime_timer);
    g_test_add_func("/timer/host", test_host_clock);
    return g_test_run();
}
