/* An eventfd: a counter one side increments and the other reads. */
#ifndef KITE_EVENT_NOTIFIER_H
#define KITE_EVENT_NOTIFIER_H

#include "kite/common.h"

typedef struct EventNotifier {
    int fd;                  /* -1 when not initialised */
} EventNotifier;

/* A fresh, non-blocking, close-on-exec eventfd with count 0. */
bool event_notifier_init(EventNotifier *e, GError **errp);
/* Close it (safe on a cleaned-up or never-initialised {-1} notifier). */
void event_notifier_cleanup(EventNotifier *e);
/* Add one to the count (what the guest's side does through KVM). */
bool event_notifier_set(EventNotifier *e);
/* Read and reset the count: true if it was non-zero. */
bool event_notifier_test_and_clear(EventNotifier *e);
/* Read and reset the count: what it was (0 when nothing was pending). */
uint64_t event_notifier_take(EventNotifier *e);

#endif
