/*
 * Clocks and timers on GLib's main loop.
 *
 * Each clock keeps its pending timers in a list sorted by deadline.  One
 * GSource on the default main context wakes at the earliest deadline that
 * host time can reach (realtime, host, and the virtual clock while it runs
 * automatically); the manual virtual clock (qtest) moves only through
 * clock_virtual_advance_to().
 *
 * Timer lists may be changed from vCPU threads, so they are guarded by a
 * mutex; callbacks always run on the thread that iterates the main context
 * (or calls clock_virtual_advance_to) with the mutex released.
 */
#include "kite/timer.h"

#include <time.h>

#define CLOCK_COUNT 3

/*
 * Consecutive firings allowed without the clock moving: a timer that keeps
 * re-arming itself in the past would otherwise hang the manual clock.
 */
#define MAX_FIRINGS_AT_ONE_TIME 100000

struct KiteTimer {
    KiteClockType type;
    KiteTimerCb *cb;
    void *opaque;
    int64_t expire;         /* -1 when not pending */
    uint64_t fired_round;   /* dispatch round it last fired in */
    KiteTimer *next;
};

typedef struct {
    GMutex lock;
    KiteTimer *lists[CLOCK_COUNT];
    GSource *source;
    uint64_t round;

    /* Virtual clock: while running automatically, value = monotonic -
     * offset; otherwise (paused or manual) it stays at frozen_ns. */
    bool virt_manual;
    bool virt_running;
    int64_t virt_offset;
    int64_t virt_frozen_ns;
} TimerState;

static TimerState ts = {
    /* The virtual clock starts stopped at 0; vm_start() resumes it. */
    .virt_running = false,
};

static int64_t monotonic_ns(void)
{
    struct timespec tp;

    clock_gettime(CLOCK_MONOTONIC, &tp);
    return (int64_t)tp.tv_sec * 1000000000LL + tp.tv_nsec;
}

static int64_t wall_ns(void)
{
    struct timespec tp;

    clock_gettime(CLOCK_REALTIME, &tp);
    return (int64_t)tp.tv_sec * 1000000000LL + tp.tv_nsec;
}

/* Caller holds ts.lock. */
static int64_t virtual_ns_locked(void)
{
    if (ts.virt_manual || !ts.virt_running) {
        return ts.virt_frozen_ns;
    }
    return monotonic_ns() - ts.virt_offset;
}

static int64_t clock_get_ns_locked(KiteClockType type)
{
    switch (type) {
    case KITE_CLOCK_REALTIME:
        return monotonic_ns();
    case KITE_CLOCK_HOST:
        return wall_ns();
    case KITE_CLOCK_VIRTUAL:
        return virtual_ns_locked();
    }
    return 0;
}

int64_t clock_get_ns(KiteClockType type)
{
    int64_t ns;

    g_mutex_lock(&ts.lock);
    ns = clock_get_ns_locked(type);
    g_mutex_unlock(&ts.lock);
    return ns;
}

/* ---- the main-loop source ---- */

static int64_t ns_to_ready_us(int64_t mono_deadline_ns)
{
    if (mono_deadline_ns <= 0) {
        return 0;
    }
    /* Round up so that the clock has reached the deadline at dispatch. */
    return (mono_deadline_ns + 999) / 1000;
}

/* The monotonic time (ns) at which the head of @type's list is due, or
 * -1 when host time alone will not make it due. Caller holds ts.lock. */
static int64_t head_mono_deadline(KiteClockType type)
{
    KiteTimer *t = ts.lists[type];

    if (!t) {
        return -1;
    }
    switch (type) {
    case KITE_CLOCK_REALTIME:
        return t->expire;
    case KITE_CLOCK_HOST:
        return monotonic_ns() + MAX(t->expire - wall_ns(), 0);
    case KITE_CLOCK_VIRTUAL:
        if (ts.virt_manual || !ts.virt_running) {
            return -1;
        }
        return t->expire + ts.virt_offset;
    }
    return -1;
}

static void reschedule_locked(void)
{
    int64_t best = -1;

    if (!ts.source) {
        return;
    }
    for (int i = 0; i < CLOCK_COUNT; i++) {
        int64_t d = head_mono_deadline(i);
        if (d >= 0 && (best < 0 || d < best)) {
            best = d;
        }
    }
    g_source_set_ready_time(ts.source, best < 0 ? -1 : ns_to_ready_us(best));
}

/*
 * Fire the timers of @type that are due at the clock's current value.  A
 * timer re-armed into the past during this round waits for the next one
 * (the source becomes ready again at once), so the loop cannot spin.
 * Caller holds ts.lock; it is dropped around callbacks.
 */
static void run_due_timers_locked(KiteClockType type)
{
    int64_t now = clock_get_ns_locked(type);
    KiteTimer *t;

    while ((t = ts.lists[type]) && t->expire <= now &&
           t->fired_round != ts.round) {
        ts.lists[type] = t->next;
        t->next = NULL;
        t->expire = -1;
        t->fired_round = ts.round;
        g_mutex_unlock(&ts.lock);
        t->cb(t->opaque);
        g_mutex_lock(&ts.lock);
    }
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc callback,
                                      gpointer user_data)
{
    g_mutex_lock(&ts.lock);
    ts.round++;
    run_due_timers_locked(KITE_CLOCK_REALTIME);
    run_due_timers_locked(KITE_CLOCK_HOST);
    if (!ts.virt_manual && ts.virt_running) {
        run_due_timers_locked(KITE_CLOCK_VIRTUAL);
    }
    reschedule_locked();
    g_mutex_unlock(&ts.lock);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .dispatch = timer_source_dispatch,
};

/* Caller holds ts.lock. */
static void ensure_source_locked(void)
{
    if (ts.source) {
        return;
    }
    ts.source = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(ts.source, "kite-timers");
    g_source_set_ready_time(ts.source, -1);
    g_source_attach(ts.source, g_main_context_default());
}

/* ---- timers ---- */

KiteTimer *timer_new_ns(KiteClockType type, KiteTimerCb *cb, void *opaque)
{
    KiteTimer *t = g_new0(KiteTimer, 1);

    g_assert((unsigned)type < CLOCK_COUNT);
    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    return t;
}

/* Caller holds ts.lock. */
static void timer_unlink_locked(KiteTimer *t)
{
    KiteTimer **p;

    if (t->expire < 0) {
        return;
    }
    for (p = &ts.lists[t->type]; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->expire = -1;
}

void timer_del(KiteTimer *t)
{
    if (!t) {
        return;
    }
    g_mutex_lock(&ts.lock);
    timer_unlink_locked(t);
    reschedule_locked();
    g_mutex_unlock(&ts.lock);
}

void timer_free(KiteTimer *t)
{
    if (!t) {
        return;
    }
    timer_del(t);
    g_free(t);
}

void timer_mod_ns(KiteTimer *t, int64_t expire_ns)
{
    KiteTimer **p;

    if (expire_ns < 0) {
        expire_ns = 0;
    }
    g_mutex_lock(&ts.lock);
    ensure_source_locked();
    timer_unlink_locked(t);
    t->expire = expire_ns;
    /* After timers with the same deadline: equal deadlines fire in the
     * order they were armed. */
    for (p = &ts.lists[t->type]; *p && (*p)->expire <= expire_ns;
         p = &(*p)->next) {
    }
    t->next = *p;
    *p = t;
    reschedule_locked();
    g_mutex_unlock(&ts.lock);
}

bool timer_pending(KiteTimer *t)
{
    bool pending;

    g_mutex_lock(&ts.lock);
    pending = t->expire >= 0;
    g_mutex_unlock(&ts.lock);
    return pending;
}

int64_t timer_expire_time_ns(KiteTimer *t)
{
    int64_t expire;

    g_mutex_lock(&ts.lock);
    expire = t->expire;
    g_mutex_unlock(&ts.lock);
    return expire;
}

/* ---- the virtual clock ---- */

void clock_virtual_set_manual(bool manual)
{
    g_mutex_lock(&ts.lock);
    if (manual != ts.virt_manual) {
        if (manual) {
            ts.virt_frozen_ns = virtual_ns_locked();
        } else {
            ts.virt_offset = monotonic_ns() - ts.virt_frozen_ns;
        }
        ts.virt_manual = manual;
        reschedule_locked();
    }
    g_mutex_unlock(&ts.lock);
}

bool clock_virtual_is_manual(void)
{
    bool manual;

    g_mutex_lock(&ts.lock);
    manual = ts.virt_manual;
    g_mutex_unlock(&ts.lock);
    return manual;
}

int64_t clock_virtual_next_deadline(void)
{
    int64_t deadline;

    g_mutex_lock(&ts.lock);
    deadline = ts.lists[KITE_CLOCK_VIRTUAL] ?
               ts.lists[KITE_CLOCK_VIRTUAL]->expire : -1;
    g_mutex_unlock(&ts.lock);
    return deadline;
}

int64_t clock_virtual_advance_to(int64_t ns)
{
    unsigned stuck = 0;
    int64_t now;
    KiteTimer *t;

    g_mutex_lock(&ts.lock);
    if (!ts.virt_manual) {
        now = virtual_ns_locked();
        g_mutex_unlock(&ts.lock);
        return now;
    }
    while ((t = ts.lists[KITE_CLOCK_VIRTUAL]) && t->expire <= ns) {
        /* Each callback sees the clock at its own deadline (or at the
         * current time for a timer armed in the past). */
        if (t->expire > ts.virt_frozen_ns) {
            ts.virt_frozen_ns = t->expire;
            stuck = 0;
        } else if (++stuck > MAX_FIRINGS_AT_ONE_TIME) {
            break;
        }
        ts.lists[KITE_CLOCK_VIRTUAL] = t->next;
        t->next = NULL;
        t->expire = -1;
        g_mutex_unlock(&ts.lock);
        t->cb(t->opaque);
        g_mutex_lock(&ts.lock);
    }
    if (ns > ts.virt_frozen_ns) {
        ts.virt_frozen_ns = ns;
    }
    now = ts.virt_frozen_ns;
    g_mutex_unlock(&ts.lock);
    return now;
}

void clock_virtual_pause(void)
{
    g_mutex_lock(&ts.lock);
    if (ts.virt_running) {
        if (!ts.virt_manual) {
            ts.virt_frozen_ns = virtual_ns_locked();
        }
        ts.virt_running = false;
        reschedule_locked();
    }
    g_mutex_unlock(&ts.lock);
}

void clock_virtual_resume(void)
{
    g_mutex_lock(&ts.lock);
    if (!ts.virt_running) {
        ts.virt_offset = monotonic_ns() - ts.virt_frozen_ns;
        ts.virt_running = true;
        reschedule_locked();
    }
    g_mutex_unlock(&ts.lock);
}
