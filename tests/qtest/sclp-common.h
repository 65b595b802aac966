/*
 * Helpers shared by the SCLP qtests: starting the s390x binary, running
 * SERVC, and batches of request lines checked against expected replies
 * (thousands of cases stay fast when the lines are pipelined).
 */
#ifndef SCLP_COMMON_H
#define SCLP_COMMON_H

#include "libqtest.h"
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef MiB
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#endif

#define SCLP_RSCPI   0x00020001u
#define SCLP_RSCPI_F 0x00120001u
#define SCLP_RCPUI   0x00010001u
#define SCLP_WED     0x00760005u
#define SCLP_RED     0x00770005u
#define SCLP_WEM     0x00780005u

/* Start kite-system-s390x ($KITE_S390X_BINARY); NULL (test skipped)
 * when it is not built. */
static inline QTestState *sclp_start(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static inline QTestState *sclp_start(const char *fmt, ...)
{
    const char *bin = getenv("KITE_S390X_BINARY");
    va_list ap;
    if (!bin || access(bin, X_OK) != 0) {
        g_test_skip("KITE_S390X_BINARY is not set or not executable");
        return NULL;
    }
    g_setenv("QTEST_QEMU_BINARY", bin, true);
    va_start(ap, fmt);
    g_autofree char *args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qtest_initf("-M s390-ccw-virtio %s", args);
}

/* SERVC: the condition code (>= 0) or minus the program interruption
 * code. */
static inline int sclp_servc(QTestState *qts, uint32_t cmd, uint64_t addr)
{
    g_autofree char *r = qtest_command(qts, "servc 0x%08x 0x%" PRIx64,
                                       cmd, addr);
    unsigned v;
    if (sscanf(r, "OK cc %u", &v) == 1) {
        return (int)v;
    }
    if (sscanf(r, "OK pgm 0x%x", &v) == 1) {
        return -(int)v;
    }
    g_error("servc answered '%s'", r);
    return 0;
}

/* Pop the oldest external interrupt; false for "OK none". */
static inline bool sclp_ext_int(QTestState *qts, unsigned *code,
                                uint32_t *param)
{
    g_autofree char *r = qtest_command(qts, "ext_int");
    unsigned c, p;
    if (!strcmp(r, "OK none")) {
        return false;
    }
    if (sscanf(r, "OK 0x%x 0x%x", &c, &p) != 2) {
        g_error("ext_int answered '%s'", r);
    }
    *code = c;
    *param = p;
    return true;
}

/* Expect exactly one pending service signal with @param, then none. */
static inline void sclp_expect_service(QTestState *qts, uint32_t param)
{
    unsigned code = 0;
    uint32_t p = 0;
    g_assert_true(sclp_ext_int(qts, &code, &p));
    g_assert_cmphex(code, ==, 0x2401);
    g_assert_cmphex(p, ==, param);
    g_assert_false(sclp_ext_int(qts, &code, &p));
}

static inline void sclp_expect_no_interrupt(QTestState *qts)
{
    unsigned code = 0;
    uint32_t p = 0;
    g_assert_false(sclp_ext_int(qts, &code, &p));
}

/* Write a header: length, function code, control byte 2 (bit 0x80 =
 * variable length), response code 0. */
static inline void sclp_write_header(QTestState *qts, uint64_t addr,
                                     uint16_t len, uint8_t fc, uint8_t ctl)
{
    uint8_t h[8] = { len >> 8, len & 0xff, fc, 0, 0, ctl, 0, 0 };
    qtest_memwrite(qts, addr, h, sizeof(h));
}

/* ---- batches: request lines with expected replies ---- */

typedef struct SclpBatch {
    GPtrArray *req;
    GPtrArray *exp;     /* NULL entry: any reply starting with "OK" */
} SclpBatch;

static inline SclpBatch *sclp_batch_new(void)
{
    SclpBatch *b = g_new0(SclpBatch, 1);
    b->req = g_ptr_array_new_with_free_func(g_free);
    b->exp = g_ptr_array_new_with_free_func(g_free);
    return b;
}

static inline void sclp_batch_add(SclpBatch *b, const char *exp,
                                  const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static inline void sclp_batch_add(SclpBatch *b, const char *exp,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(b->req, g_strdup_vprintf(fmt, ap));
    va_end(ap);
    g_ptr_array_add(b->exp, g_strdup(exp));
}

/* Send in chunks small enough for the socket buffers, check every reply,
 * free the batch; returns the number of lines checked. */
static inline guint sclp_batch_run(QTestState *qts, SclpBatch *b)
{
    const guint chunk = 256;
    guint n = b->req->len;
    for (guint i = 0; i < n; i += chunk) {
        guint end = MIN(n, i + chunk);
        GString *out = g_string_new(NULL);
        for (guint j = i; j < end; j++) {
            g_string_append_printf(out, "%s\n",
                                   (char *)g_ptr_array_index(b->req, j));
        }
        qtest_send_bytes(qts, out->str, out->len);
        g_string_free(out, true);
        for (guint j = i; j < end; j++) {
            g_autofree char *r = qtest_recv_line(qts);
            const char *e = g_ptr_array_index(b->exp, j);
            if (e ? strcmp(r, e) != 0 : strncmp(r, "OK", 2) != 0) {
                g_error("'%s' answered '%s', expected '%s'",
                        (char *)g_ptr_array_index(b->req, j), r,
                        e ? e : "OK...");
            }
        }
    }
    g_ptr_array_free(b->req, true);
    g_ptr_array_free(b->exp, true);
    g_free(b);
    return n;
}

/* Expect the service signal for the SCCB at @addr from "ext_int". */
static inline void sclp_batch_ext(SclpBatch *b, uint64_t addr)
{
    g_autofree char *e = g_strdup_printf("OK 0x2401 0x%08x", (uint32_t)addr);
    sclp_batch_add(b, e, "ext_int");
}

/* Add "write a valid 8-byte header, SERVC, expect @reply". */
static inline void sclp_batch_servc(SclpBatch *b, uint32_t cmd, uint64_t addr,
                                    uint16_t len, const char *reply)
{
    sclp_batch_add(b, "OK", "write 0x%" PRIx64 " 2 0x%04x", addr, len);
    sclp_batch_add(b, reply, "servc 0x%08x 0x%" PRIx64, cmd, addr);
}

#endif
