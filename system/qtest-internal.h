/* Shared between the qtest server (qtest.c) and its commands. */
#ifndef KITE_SYSTEM_QTEST_INTERNAL_H
#define KITE_SYSTEM_QTEST_INTERNAL_H

#include "kite/common.h"

/* Largest SIZE accepted by read/write/b64read/b64write (bytes). */
#define QTEST_MAX_DATA (64 * MiB)
/* Largest SIZE accepted by memset (it needs no buffer of that size). */
#define QTEST_MAX_MEMSET (1 * GiB)

/* Register the built-in commands (idempotent). */
void qtest_commands_init(void);
/* False for commands that exist only under -accel qtest (clock_*). */
bool qtest_command_available(const char *name);
/* Send an asynchronous line ("IRQ raise 3"), ordered before the reply of
 * the request being processed, if any. */
void qtest_send_async(const char *line);

#endif
