/*
 * libqtest: drive a Kite (or QEMU) process from a test program through
 * the qtest protocol and QMP.  Function names and behaviour follow QEMU's
 * libqtest, with jansson's json_t * where QEMU uses QDict.
 *
 * Failures of the protocol itself (the VMM went away, a command answered
 * FAIL where OK was required) abort the test program with a message: that
 * is a test failure, and the VMM is killed with it.
 */
#ifndef KITE_LIBQTEST_H
#define KITE_LIBQTEST_H

#include <glib.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct QTestState QTestState;

/* ---- starting and stopping ---- */

/*
 * Start qtest_qemu_binary() as QEMU's libqtest does:
 *   -qtest unix:SOCK -qtest-log /dev/null (or stderr when $QTEST_LOG is
 *   set) -chardev socket,path=QMPSOCK,id=char0 -mon chardev=char0,mode=control
 *   -display none EXTRA_ARGS -accel qtest
 * then query the target's endianness, read the QMP greeting and negotiate
 * capabilities.  EXTRA_ARGS is split by /bin/sh.
 */
QTestState *qtest_init(const char *extra_args);
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
QTestState *qtest_vinitf(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
/* As qtest_init, but leave the QMP greeting unread and unnegotiated. */
QTestState *qtest_init_without_qmp_handshake(const char *extra_args);
/*
 * Start @binary with only a qtest socket: `BINARY -qtest unix:SOCK
 * -qtest-log /dev/null EXTRA_ARGS`, no QMP, no -accel added.  Used to
 * drive Debian's QEMU (which has no qtest accelerator) for comparisons.
 */
QTestState *qtest_init_qtest_only(const char *binary, const char *extra_args);
/* Kill with SIGTERM, wait, check the exit status (see
 * qtest_set_expected_status), remove the sockets and free @s. */
void qtest_quit(QTestState *s);
/* The exit status qtest_quit / qtest_wait_qemu expect (default 0). */
void qtest_set_expected_status(QTestState *s, int status);
/* Wait for the VMM to exit by itself (e.g. after `quit`) and check its
 * exit status; qtest_quit then only cleans up. */
void qtest_wait_qemu(QTestState *s);
/* Is the VMM process still running? */
bool qtest_probe_child(QTestState *s);
pid_t qtest_pid(QTestState *s);

/* $QTEST_QEMU_BINARY; when unset, the kite-system-x86_64 of the build
 * tree this test was built in (exits with a message if there is none). */
const char *qtest_qemu_binary(void);
/* The target of $QTEST_QEMU_BINARY: "x86_64" for kite-system-x86_64. */
const char *qtest_get_arch(void);
/* g_test_add_func with QEMU's "/ARCH/" prefix on @str. */
void qtest_add_func(const char *str, void (*fn)(void));
void qtest_add_data_func(const char *str, const void *data,
                         void (*fn)(const void *));

/* ---- QMP ---- */

/*
 * Send a QMP command and return its response (events that arrive first
 * are queued for qtest_qmp_eventwait).  @fmt is JSON in which strings may
 * be single-quoted, with printf-style interpolation outside strings: %s
 * (a C string, quoted and escaped), %d %i %u %ld %li %lu %lld %lli %llu
 * (PRId64 and friends), %f %g (double), %p (a json_t *, reference taken
 * over) and %% (a literal %).
 */
json_t *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
json_t *qtest_vqmp(QTestState *s, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);
/* Send without waiting for the response. */
void qtest_qmp_send(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qtest_qmp_vsend(QTestState *s, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);
/* Send raw bytes (printf-formatted, no JSON conversion) to QMP. */
void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
void qtest_qmp_send_bytes(QTestState *s, const void *buf, size_t len);
/* The next response (not an event; events are queued). */
json_t *qtest_qmp_receive(QTestState *s);
/* The next message of any kind (response or event). */
json_t *qtest_qmp_receive_dict(QTestState *s);
/* Wait for event @event and return it (new reference); drop others. */
json_t *qtest_qmp_eventwait_ref(QTestState *s, const char *event);
void qtest_qmp_eventwait(QTestState *s, const char *event);
/* A queued event named @event (removed from the queue), or NULL. */
json_t *qtest_qmp_event_ref(QTestState *s, const char *event);
/* Run an HMP command through human-monitor-command; returns its output. */
char *qtest_hmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Send a command and assert that it answered {"return": ...}; returns
 * the "return" value (new reference). */
json_t *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* The JSON text qtest_qmp would send for @fmt (for tests of the
 * converter); NULL if it does not produce valid JSON. */
char *qtest_qmp_format(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* ---- the qtest protocol ---- */

bool qtest_big_endian(QTestState *s);

uint8_t qtest_inb(QTestState *s, uint16_t addr);
uint16_t qtest_inw(QTestState *s, uint16_t addr);
uint32_t qtest_inl(QTestState *s, uint16_t addr);
void qtest_outb(QTestState *s, uint16_t addr, uint8_t value);
void qtest_outw(QTestState *s, uint16_t addr, uint16_t value);
void qtest_outl(QTestState *s, uint16_t addr, uint32_t value);

uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);

/* `read`/`write` (hex) and `b64read`/`b64write` (base64); size 0 sends
 * nothing. */
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t patt, size_t size);

/* The virtual clock (only under -accel qtest); each returns the new time. */
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_step(QTestState *s, int64_t step);
int64_t qtest_clock_set(QTestState *s, int64_t val);

void qtest_irq_intercept_in(QTestState *s, const char *qom_path);
void qtest_irq_intercept_out(QTestState *s, const char *qom_path);
void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name,
                      int irq, int level);
/* Level of intercepted line @num as last reported by IRQ raise/lower. */
bool qtest_get_irq(QTestState *s, int num);

/* ---- raw access, for tests of the protocol itself ---- */

/* Send one request line (a newline is added) without reading a reply. */
void qtest_sendf_raw(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qtest_send_bytes(QTestState *s, const void *buf, size_t len);
/* The next reply line (without newline); IRQ raise/lower lines are
 * recorded for qtest_get_irq and skipped.  Caller frees. */
char *qtest_recv_line(QTestState *s);
/* The next line, IRQ lines included.  Caller frees. */
char *qtest_recv_line_any(QTestState *s);
/* Send a request and return its reply line: qtest_sendf_raw +
 * qtest_recv_line. */
char *qtest_command(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ---- running a binary directly ---- */

/*
 * Run @argv (argv[0] is a path), stdin from /dev/null, with a timeout of
 * 60 s (then SIGKILL).  *status is the exit status, or 128 + the signal
 * number if it was killed.  Output is returned in @stdout_text /
 * @stderr_text when they are not NULL.  False if it could not start.
 */
bool kite_run_cmdline_full(const char *const *argv, int *status,
                           char **stdout_text, char **stderr_text);
bool kite_run_cmdline(const char *const *argv, int *status,
                      char **stderr_text);

#endif
