/*
 * Clocks and timers on GLib's main loop.  The virtual clock runs with the
 * host's monotonic time while the VM runs, stops while it is paused, and
 * under qtest moves only when the test steps it.  It starts stopped at 0:
 * vm_start() calls clock_virtual_resume().
 *
 * Timer callbacks run on the thread iterating the default GMainContext (the
 * main loop), or inside clock_virtual_advance_to() for the manual virtual
 * clock.  Timers may be armed and deleted from any thread.
 */
#ifndef KITE_TIMER_H
#define KITE_TIMER_H

#include "kite/common.h"

typedef enum {
    KITE_CLOCK_REALTIME, /* host monotonic, always moving */
    KITE_CLOCK_VIRTUAL,  /* guest time, see above */
    KITE_CLOCK_HOST,     /* wall clock (for event timestamps) */
} KiteClockType;

int64_t clock_get_ns(KiteClockType type);

typedef struct KiteTimer KiteTimer;
typedef void KiteTimerCb(void *opaque);

KiteTimer *timer_new_ns(KiteClockType type, KiteTimerCb *cb, void *opaque);
void timer_free(KiteTimer *t);
/* Arm to fire when the clock reaches @expire_ns (absolute). */
void timer_mod_ns(KiteTimer *t, int64_t expire_ns);
void timer_del(KiteTimer *t);
bool timer_pending(KiteTimer *t);
int64_t timer_expire_time_ns(KiteTimer *t);

/* Manual virtual clock (qtest): time moves only through the calls below. */
void clock_virtual_set_manual(bool manual);
bool clock_virtual_is_manual(void);
/* Deadline of the earliest pending virtual timer, or -1. */
int64_t clock_virtual_next_deadline(void);
/* Advance the manual virtual clock to @ns, firing timers in order as the
 * clock passes their deadlines.  Returns the new time. */
int64_t clock_virtual_advance_to(int64_t ns);
/* Stop / restart the (automatic) virtual clock with the VM. */
void clock_virtual_pause(void);
void clock_virtual_resume(void);

#endif
