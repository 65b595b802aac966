/* Eventfds for the ioeventfd and irqfd shortcuts (event-notifier.h). */
#include "kite/event-notifier.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

bool event_notifier_init(EventNotifier *e, GError **errp)
{
    e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->fd < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "cannot create an eventfd: %s", g_strerror(errno));
        return false;
    }
    return true;
}

void event_notifier_cleanup(EventNotifier *e)
{
    if (e->fd >= 0) {
        close(e->fd);
    }
    e->fd = -1;
}

bool event_notifier_set(EventNotifier *e)
{
    uint64_t one = 1;
    ssize_t r;

    do {
        r = write(e->fd, &one, sizeof(one));
    } while (r < 0 && errno == EINTR);
    /* EAGAIN: the count is at its maximum, so the reader wakes anyway. */
    return r == sizeof(one) || (r < 0 && errno == EAGAIN);
}

uint64_t event_notifier_take(EventNotifier *e)
{
    uint64_t count = 0;
    ssize_t r;

    do {
        r = read(e->fd, &count, sizeof(count));
    } while (r < 0 && errno == EINTR);
    return r == sizeof(count) ? count : 0;
}

bool event_notifier_test_and_clear(EventNotifier *e)
{
    return event_notifier_take(e) != 0;
}
