/* Shared between the parts of libqtest; not for tests. */
#ifndef KITE_LIBQTEST_INTERNAL_H
#define KITE_LIBQTEST_INTERNAL_H

#include "libqtest.h"

#define MAX_IRQ 256
/* Generous: sanitizer builds start slowly on a loaded machine. */
#define CONNECT_TIMEOUT_MS (60 * 1000)
#define EXIT_TIMEOUT_MS (30 * 1000)

struct QTestState {
    pid_t pid;
    int fd;                  /* qtest socket */
    int qmp_fd;              /* QMP socket, -1 without QMP */
    char *tmpdir;
    char *sock_path, *qmp_path;
    GString *rx;             /* unread qtest bytes */
    GString *qmp_rx;         /* unread QMP bytes */
    GQueue *pending_events;  /* json_t * events seen while waiting */
    bool big_endian;
    bool irq_level[MAX_IRQ];
    int expected_status;
    bool exited;             /* reaped already */
    int wstatus;
};

/* Print a message, kill the VMM and abort the test program. */
void qtest_die(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qtest_write_all(QTestState *s, int fd, const void *buf, size_t len);
/* Next line from @fd (without "\n" or "\r\n"), buffering in @rx. */
char *qtest_read_line(QTestState *s, int fd, GString *rx);

#endif
