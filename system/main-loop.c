/*
 * The main loop: GLib's default context runs QMP, qtest, chardevs and
 * timers; between iterations we act on queued system requests (reset,
 * shutdown, powerdown, exit) that any thread may post.
 */
#include "kite/runstate.h"
#include "kite/qmp.h"
#include "runstate-internal.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

typedef struct MainLoopRequest {
    MainLoopRequestKind kind;
    char *reason;
    int status;
    char *event_name;     /* queued event from another thread, or NULL */
    json_t *event_data;
} MainLoopRequest;

static GMutex request_lock;
static GQueue requests = G_QUEUE_INIT;
static GThread *main_thread;

static void __attribute__((constructor)) main_loop_record_thread(void)
{
    main_thread = g_thread_self();
}

static bool on_main_thread(void)
{
    return g_thread_self() == main_thread;
}

static void queue_push(MainLoopRequest *req)
{
    g_mutex_lock(&request_lock);
    g_queue_push_tail(&requests, req);
    g_mutex_unlock(&request_lock);
    g_main_context_wakeup(NULL);
}

void main_loop_emit_event(const char *name, json_t *data)
{
    if (on_main_thread()) {
        qmp_event_emit(name, data);
        return;
    }
    MainLoopRequest *req = g_new0(MainLoopRequest, 1);
    req->kind = -1;
    req->event_name = g_strdup(name);
    req->event_data = data;
    queue_push(req);
}

void main_loop_post_request(MainLoopRequestKind kind, const char *reason,
                            int status)
{
    MainLoopRequest *req = g_new0(MainLoopRequest, 1);
    const char *event = NULL;
    json_t *data;

    req->kind = kind;
    req->reason = g_strdup(reason);
    req->status = status;
    data = runstate_request_event_data(kind, reason, &event);
    if (event && on_main_thread()) {
        qmp_event_emit(event, data);
    } else if (event) {
        req->event_name = g_strdup(event);
        req->event_data = data;
    } else {
        json_decref(data);
    }
    queue_push(req);
}

static bool loop_done;
static int loop_status;

/* Process queued requests; true when the loop must end. */
static bool main_loop_process_requests(void)
{
    for (;;) {
        MainLoopRequest *req;

        g_mutex_lock(&request_lock);
        req = g_queue_pop_head(&requests);
        g_mutex_unlock(&request_lock);
        if (!req) {
            break;
        }
        if (req->event_name) {
            qmp_event_emit(req->event_name, req->event_data);
        }
        if ((int)req->kind >= 0 && !loop_done &&
            runstate_handle_request(req->kind, req->reason)) {
            loop_done = true;
            loop_status = req->kind == MAIN_LOOP_REQ_EXIT ? req->status : 0;
        }
        g_free(req->event_name);
        g_free(req->reason);
        g_free(req);
    }
    return loop_done;
}

static gboolean on_signal(gpointer opaque)
{
    int sig = GPOINTER_TO_INT(opaque);

    fprintf(stderr, "%s: terminating on signal %d\n",
            g_get_prgname() ? g_get_prgname() : "kite", sig);
    qemu_system_shutdown_request("host-signal");
    return G_SOURCE_CONTINUE;
}

int main_loop_run(void)
{
    static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
    guint sources[ARRAY_SIZE(signals)];

    loop_done = false;
    loop_status = 0;
    /* A peer that goes away must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        sources[i] = g_unix_signal_add(signals[i], on_signal,
                                       GINT_TO_POINTER(signals[i]));
    }
    while (!main_loop_process_requests()) {
        g_main_context_iteration(NULL, TRUE);
    }
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        g_source_remove(sources[i]);
    }
    return loop_status;
}
