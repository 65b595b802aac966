/* Between runstate.c and main-loop.c only. */
#ifndef KITE_RUNSTATE_INTERNAL_H
#define KITE_RUNSTATE_INTERNAL_H

#include "kite/common.h"
#include <jansson.h>

typedef enum {
    MAIN_LOOP_REQ_RESET,
    MAIN_LOOP_REQ_SHUTDOWN,
    MAIN_LOOP_REQ_POWERDOWN,
    MAIN_LOOP_REQ_EXIT,
} MainLoopRequestKind;

/* Queue a request for the main loop (any thread); @reason is copied. */
void main_loop_post_request(MainLoopRequestKind kind, const char *reason,
                            int status);
/* Send an event now on the main thread, or queue it from another one. */
void main_loop_emit_event(const char *name, json_t *data);

json_t *runstate_request_event_data(MainLoopRequestKind kind,
                                    const char *reason, const char **name);
bool runstate_handle_request(MainLoopRequestKind kind, const char *reason);
void runstate_notify_powerdown(void);

#endif
