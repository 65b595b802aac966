/* Shared between the qtest server (qtest.c) and its commands. */
#ifndef KITE_SYSTEM_QTEST_INTERNAL_H
#define KITE_SYSTEM_QTEST_INTERNAL_H

#include "kite/common.h"

/* Default largest SIZE accepted by read/write/b64read/b64write (bytes). */
#define QTEST_MAX_DATA (64 * MiB)
/* Default largest SIZE accepted by memset (it needs no buffer that big). */
#define QTEST_MAX_MEMSET (1 * GiB)

/* The limits in force (see qtest_set_size_limits). */
extern uint64_t qtest_max_data;
extern uint64_t qtest_max_memset;

/* Register the built-in commands (idempotent). */
void qtest_commands_init(void);
/* False for commands that exist only under -accel qtest (clock_*). */
bool qtest_command_available(const char *name);
/* Send an asynchronous line ("IRQ raise 3"), ordered before the reply of
 * the request being processed, if any. */
void qtest_send_async(const char *line);

#endif
