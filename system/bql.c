/* The big lock and the main loop's poll wrapper that releases it. */
#include "kite/bql.h"

static GMutex bql;
static __thread bool bql_held;

void bql_lock(void)
{
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

static gint poll_without_bql(GPollFD *fds, guint nfds, gint timeout)
{
    gint r;

    bql_unlock();
    r = g_poll(fds, nfds, timeout);
    bql_lock();
    return r;
}

void bql_install_main_loop_hook(void)
{
    if (!bql_locked()) {
        bql_lock();
    }
    g_main_context_set_poll_func(NULL, poll_without_bql);
}
