/*
 * The qtest server: QEMU's line protocol for driving a machine from a
 * test program (see docs/qtest.md).
 */
#ifndef KITE_QTEST_H
#define KITE_QTEST_H

#include "kite/common.h"
#include "kite/chardev.h"

bool qtest_enabled(void);

/* Start serving on @chr; @log_path is -qtest-log (NULL = none). */
bool qtest_server_init(Chardev *chr, const char *log_path, GError **errp);

/*
 * A target command (s390x adds servc, set_prefix, ext_int).  @words are
 * the request split on spaces (words[0] is the command); append the reply
 * without the newline, e.g. "OK" or "FAIL reason", to @reply.
 */
typedef void QtestCommandFn(gchar **words, GString *reply);
void qtest_register_command(const char *name, QtestCommandFn *fn);

/*
 * Process one request line (without newline) and return the reply
 * line(s) without the final newline, for unit tests and fuzzing.
 */
char *qtest_process_line(const char *line);

/*
 * Lower the largest SIZE accepted by read/write/b64read/b64write
 * (default 64 MiB) and by memset (default 1 GiB); the fuzzer uses small
 * limits so that it spends its time on parsing, not on copying.
 */
void qtest_set_size_limits(uint64_t max_data, uint64_t max_memset);

#endif
