/*
 * SERVC and the SCLP commands through qtest: every check of the service
 * call in the architecture's order, Read SCP Info and Read CPU Info, the
 * boundary rules and the service-signal interrupt.
 */
#include "sclp-common.h"

#define PAGE 0x20000ULL     /* a normal SCCB page, outside low core */

static const char *PGM_PRIV = "OK pgm 0x0002";
static const char *PGM_ADDR = "OK pgm 0x0005";
static const char *PGM_SPEC = "OK pgm 0x0006";
static const char *CC0 = "OK cc 0";

/* Problem state comes first, before any address or length check. */
static void test_problem_state(void)
{
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    static const uint64_t addrs[] = {
        PAGE, 0, 8, 0x1ff8, PAGE + 1, 1 * GiB, 2 * GiB, 3 * GiB,
        UINT64_MAX - 7,
    };
    static const uint32_t cmds[] = { SCLP_RSCPI, SCLP_RCPUI, SCLP_WEM, 0, 0xffffffff };
    SclpBatch *b = sclp_batch_new();
    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(cmds); j++) {
            sclp_batch_add(b, PGM_PRIV, "servc 0x%08x 0x%" PRIx64 " problem",
                           cmds[j], addrs[i]);
        }
    }
    /* Length 0 in problem state: still privileged operation. */
    sclp_batch_add(b, "OK", "write 0x%llx 2 0x0000", PAGE);
    sclp_batch_add(b, PGM_PRIV, "servc 0x%08x 0x%llx problem", SCLP_RSCPI, PAGE);
    sclp_batch_run(qts, b);
    /* The problem bit is per request: the next one runs in supervisor state. */
    sclp_write_header(qts, PAGE, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    sclp_expect_service(qts, (uint32_t)PAGE);
    qtest_quit(qts);
}

/* Every 8-byte offset of absolute 0-8 KiB: specification exception. */
static void test_low_core(void)
{
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    SclpBatch *b = sclp_batch_new();
    for (uint64_t a = 0; a < 0x2000; a += 8) {
        sclp_batch_servc(b, SCLP_RSCPI, a, 4096 - (a & 0xfff), PGM_SPEC);
    }
    /* The first address above low core works. */
    sclp_batch_servc(b, SCLP_RSCPI, 0x2000, 4096, CC0);
    sclp_batch_add(b, "OK 0x2401 0x00002000", "ext_int");
    sclp_batch_add(b, "OK none", "ext_int");
    g_assert_cmpuint(sclp_batch_run(qts, b), ==, 2 * 1024 + 4);
    qtest_quit(qts);
}

/* After moving the prefix, its 8 KiB are rejected too, and the old
 * prefix area (here low core) stays rejected as absolute 0-8 KiB. */
static void test_prefix_area(void)
{
    static const uint64_t prefixes[] = { 0x10000, 0x3fffe000, 0x2000 };
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        uint64_t p = prefixes[i];
        g_autofree char *r = qtest_command(qts, "set_prefix 0x%" PRIx64, p);
        g_assert_cmpstr(r, ==, "OK");
        SclpBatch *b = sclp_batch_new();
        for (uint64_t a = p; a < p + 0x2000; a += 8) {
            sclp_batch_servc(b, SCLP_RSCPI, a, 4096 - (a & 0xfff), PGM_SPEC);
        }
        for (uint64_t a = 0; a < 0x2000; a += 8) {
            sclp_batch_servc(b, SCLP_RSCPI, a, 4096 - (a & 0xfff), PGM_SPEC);
        }
        /* Just outside the prefix area (below it, if not low core, and
         * above it): accepted. */
        if (p >= 0x4000) {
            sclp_batch_servc(b, SCLP_RSCPI, p - 0x1000, 4096, CC0);
            sclp_batch_add(b, NULL, "ext_int");
        }
        if (p + 0x2000 < 1 * GiB) {
            sclp_batch_servc(b, SCLP_RSCPI, p + 0x2000, 4096, CC0);
            sclp_batch_add(b, NULL, "ext_int");
        }
        sclp_batch_add(b, "OK none", "ext_int");
        sclp_batch_run(qts, b);
    }
    /* Moving it away frees the old area. */
    g_autofree char *r = qtest_command(qts, "set_prefix 0x10000");
    g_assert_cmpstr(r, ==, "OK");
    sclp_write_header(qts, 0x2000, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 0x2000), ==, 0);
    sclp_expect_service(qts, 0x2000);
    qtest_quit(qts);
}

static void test_set_prefix_args(void)
{
    static const char *bad[] = {
        "set_prefix 0x1000", "set_prefix 0x2008", "set_prefix 0x80000000",
        "set_prefix 0x100000000", "set_prefix", "set_prefix x",
        "set_prefix -8192", "set_prefix  0x2000", "set_prefix 0x2000x",
        "servc", "servc 1", "servc 0x100000000 0x2000", "servc 1 2 3",
        "servc 1 2 Problem", "servc 0x1g 0x2000", "servc 1 ''",
        "servc 1 -0x2000", "servc  1 0x2000", "servc 1 0x20000 ",
    };
    QTestState *qts = sclp_start("-m 128M");
    if (!qts) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *r = qtest_command(qts, "%s", bad[i]);
        g_assert_true(g_str_has_prefix(r, "FAIL "));
    }
    /* Words after the last argument are ignored, as for every request. */
    static const char *const good[][2] = {
        { "set_prefix 0x7fffe000", "OK" },
        { "set_prefix 0 extra", "OK" },
        { "ext_int now", "OK none" },
        { "servc 0x00020001 0x30000 problem extra", "OK pgm 0x0002" },
        { "servc 0x00020001 0x30000", "OK pgm 0x0006" },   /* length 0 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *r = qtest_command(qts, "%s", good[i][0]);
        g_assert_cmpstr(r, ==, good[i][1]);
    }
    qtest_quit(qts);
}

/* Each unaligned offset of a page: specification exception. */
static void test_unaligned(void)
{
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    SclpBatch *b = sclp_batch_new();
    sclp_batch_add(b, "OK", "memset 0x%llx 4096 0", PAGE);
    for (uint64_t a = PAGE; a < PAGE + 4096; a++) {
        if (a & 7) {
            sclp_batch_add(b, PGM_SPEC, "servc 0x%08x 0x%" PRIx64,
                           SCLP_RSCPI, a);
        }
    }
    /* Unaligned and beyond memory: addressing wins (it is checked first). */
    sclp_batch_add(b, PGM_ADDR, "servc 0x%08x 0x%llx", SCLP_RSCPI,
                   1 * GiB + 3);
    sclp_batch_add(b, "OK none", "ext_int");
    g_assert_cmpuint(sclp_batch_run(qts, b), ==, 4096 / 8 * 7 + 3);
    qtest_quit(qts);
}

/* Header lengths 0-7: specification exception; 8 is accepted. */
static void test_short_length(void)
{
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    static const uint32_t cmds[] = {
        SCLP_RSCPI, SCLP_RSCPI_F, SCLP_RCPUI, SCLP_WED, SCLP_RED, SCLP_WEM, 0,
    };
    for (size_t c = 0; c < G_N_ELEMENTS(cmds); c++) {
        SclpBatch *b = sclp_batch_new();
        for (uint16_t len = 0; len < 8; len++) {
            sclp_batch_servc(b, cmds[c], PAGE, len, PGM_SPEC);
        }
        sclp_batch_add(b, "OK none", "ext_int");
        sclp_batch_run(qts, b);
        /* Nothing was written back. */
        g_assert_cmphex(qtest_readw(qts, PAGE), ==, 7);
        g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0);
    }
    sclp_write_header(qts, PAGE, 8, 0, 0);
    g_assert_cmpint(sclp_servc(qts, 0, PAGE), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0x01f0);
    sclp_expect_service(qts, (uint32_t)PAGE);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0x0300);
    sclp_expect_service(qts, (uint32_t)PAGE);
    qtest_quit(qts);
}

/*
 * From the end of memory to 2 GiB: addressing exception (no memory); at
 * or above 2 GiB: addressing without memory there, specification with.
 */
static void check_high_addresses(const char *mem, uint64_t ram)
{
    QTestState *qts = sclp_start("-m %s", mem);
    if (!qts) {
        return;
    }
    SclpBatch *b = sclp_batch_new();
    /* The last SCCBs inside memory work. */
    uint64_t last = MIN(ram, 2 * GiB) - 4096;
    sclp_batch_servc(b, SCLP_RSCPI, last, 4096, CC0);
    sclp_batch_add(b, NULL, "ext_int");
    sclp_batch_servc(b, 0, MIN(ram, 2 * GiB) - 8, 8, CC0);
    sclp_batch_add(b, NULL, "ext_int");
    /* Every 1 MiB from the end of memory up to 4 GiB, plus the 8 bytes
     * around each boundary. */
    for (uint64_t a = MIN(ram, 2 * GiB); a < 4 * GiB; a += 1 * MiB) {
        for (int d = -8; d <= 8; d += 8) {
            uint64_t x = a + d;
            const char *exp;
            if (x < MIN(ram, 2 * GiB) ) {
                continue;
            }
            if (x >= ram) {
                exp = PGM_ADDR;
                sclp_batch_add(b, exp, "servc 0x%08x 0x%" PRIx64,
                               SCLP_RSCPI, x);
            } else {
                exp = PGM_SPEC;   /* memory at or above 2 GiB */
                sclp_batch_servc(b, SCLP_RSCPI, x, 8, exp);
            }
        }
    }
    static const uint64_t far[] = {
        4 * GiB, 1ULL << 40, 1ULL << 63, UINT64_MAX - 7, UINT64_MAX,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(far); i++) {
        sclp_batch_add(b, PGM_ADDR, "servc 0x%08x 0x%" PRIx64, SCLP_RSCPI,
                       far[i]);
    }
    sclp_batch_add(b, "OK none", "ext_int");
    sclp_batch_run(qts, b);
    qtest_quit(qts);
}

static void test_high_1g(void)
{
    check_high_addresses("1G", 1 * GiB);
}

static void test_high_3g(void)
{
    check_high_addresses("3G", 3 * GiB);
}

/* Memory between the end of 1 GiB and 2 GiB is there with 3 GiB: the
 * whole range works. */
static void test_3g_below_2g(void)
{
    QTestState *qts = sclp_start("-m 3G");
    if (!qts) {
        return;
    }
    SclpBatch *b = sclp_batch_new();
    for (uint64_t a = 1 * GiB; a < 2 * GiB; a += 16 * MiB) {
        sclp_batch_servc(b, SCLP_RSCPI, a, 4096, CC0);
        sclp_batch_ext(b, a);
    }
    sclp_batch_servc(b, SCLP_RSCPI, 2 * GiB - 4096, 4096, CC0);
    sclp_batch_add(b, "OK 0x2401 0x7ffff000", "ext_int");
    sclp_batch_run(qts, b);
    /* And the reply says 3 GiB: 768 increments of 4 MiB. */
    g_assert_cmphex(qtest_readw(qts, 2 * GiB - 4096 + 6), ==, 0x0010);
    g_assert_cmpuint(qtest_readw(qts, 2 * GiB - 4096 + 8), ==, 768);
    g_assert_cmpuint(qtest_readb(qts, 2 * GiB - 4096 + 10), ==, 4);
    qtest_quit(qts);
}

static bool cmd_valid(uint32_t cmd)
{
    switch (cmd & 0xffff00ffu) {
    case SCLP_RSCPI: case SCLP_RSCPI_F: case SCLP_RCPUI:
    case SCLP_WED: case SCLP_RED: case SCLP_WEM:
        return true;
    }
    return false;
}

/*
 * Every class code (low byte) with each valid command detail, every value
 * of each command-detail byte with each class, and every value of the
 * ignored byte with each valid command.
 */
static void test_invalid_commands(void)
{
    static const uint32_t valid[] = {
        SCLP_RSCPI, SCLP_RSCPI_F, SCLP_RCPUI, SCLP_WED, SCLP_RED, SCLP_WEM,
    };
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    GArray *cmds = g_array_new(false, false, sizeof(uint32_t));
    for (size_t v = 0; v < G_N_ELEMENTS(valid); v++) {
        for (uint32_t x = 0; x < 256; x++) {
            uint32_t c;
            c = (valid[v] & ~0xffu) | x;                 /* class code */
            g_array_append_val(cmds, c);
            c = (valid[v] & ~0xff000000u) | x << 24;     /* detail, byte 0 */
            g_array_append_val(cmds, c);
            c = (valid[v] & ~0x00ff0000u) | x << 16;     /* detail, byte 1 */
            g_array_append_val(cmds, c);
            c = (valid[v] & ~0x0000ff00u) | x << 8;      /* ignored byte */
            g_array_append_val(cmds, c);
        }
    }
    guint invalid = 0;
    for (guint i = 0; i < cmds->len; i += 64) {
        SclpBatch *b = sclp_batch_new();
        for (guint j = i; j < MIN(cmds->len, i + 64); j++) {
            uint32_t c = g_array_index(cmds, uint32_t, j);
            /* A Read Event Data SCCB is 4 KiB, a Write Event Data one of
             * 8 bytes is empty: valid commands all complete. */
            uint64_t a = PAGE + (uint64_t)(j % 8) * 0x1000;
            sclp_batch_add(b, "OK", "memset 0x%" PRIx64 " 4096 0", a);
            sclp_batch_servc(b, c, a, (c & 0xffff00ff) == SCLP_RED ? 4096 :
                             (c & 0xffff00ff) == SCLP_WED ? 8 : 4096, CC0);
            if (cmd_valid(c)) {
                /* Anything but 0x01f0: the command ran. */
                sclp_batch_add(b, NULL, "readw 0x%" PRIx64, a + 6);
            } else {
                invalid++;
                sclp_batch_add(b, "OK 0x00000000000001f0", "readw 0x%" PRIx64,
                               a + 6);
            }
            sclp_batch_ext(b, a);
        }
        sclp_batch_run(qts, b);
    }
    /* 6 commands x 3 changed bytes x 255 values, less the 12 changes that
     * turn one valid command into another (0x02 <-> 0x12 <-> 0x01, ...). */
    g_assert_cmpuint(invalid, ==, 6 * 3 * 255 - 12);
    g_array_free(cmds, true);
    qtest_quit(qts);
}

/*
 * Too short for the reply: 0x0300 for every length from 8 up to one
 * less than needed, normal read completion from there.
 */
static void check_insufficient(QTestState *qts, uint32_t cmd, unsigned need)
{
    SclpBatch *b = sclp_batch_new();
    for (unsigned len = 8; len <= need + 16; len++) {
        sclp_batch_add(b, "OK", "memset 0x%llx 4096 0", PAGE);
        sclp_batch_servc(b, cmd, PAGE, len, CC0);
        sclp_batch_add(b, len < need ? "OK 0x0000000000000300"
                                     : "OK 0x0000000000000010",
                       "readw 0x%llx", PAGE + 6);
        /* The length is left alone without the variable-length bit. */
        g_autofree char *len_reply = g_strdup_printf("OK 0x%016x", len);
        sclp_batch_add(b, len_reply, "readw 0x%llx", PAGE);
        sclp_batch_add(b, "OK 0x2401 0x00020000", "ext_int");
    }
    sclp_batch_run(qts, b);
}

static void test_insufficient_length(void)
{
    QTestState *qts = sclp_start("-m 1G -smp 3,maxcpus=8");
    if (!qts) {
        return;
    }
    /* Read SCP Info: 128 + 16 per possible CPU; Read CPU Info: 24 + 16. */
    check_insufficient(qts, SCLP_RSCPI, 128 + 8 * 16);
    check_insufficient(qts, SCLP_RSCPI_F, 128 + 8 * 16);
    check_insufficient(qts, SCLP_RCPUI, 24 + 8 * 16);

    /* The complete replies. */
    sclp_write_header(qts, PAGE, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0x0010);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 8), ==, 512);  /* 2 MiB each */
    g_assert_cmpuint(qtest_readb(qts, PAGE + 10), ==, 2);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 16), ==, 3);   /* CPUs */
    g_assert_cmpuint(qtest_readw(qts, PAGE + 18), ==, 128);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 120), ==, 7);  /* highest */
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpuint(qtest_readb(qts, PAGE + 128 + 16 * i), ==, i);
    }
    sclp_expect_service(qts, (uint32_t)PAGE);
    sclp_write_header(qts, PAGE, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RCPUI, PAGE), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0x0010);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 8), ==, 3);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 10), ==, 24);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 12), ==, 5);
    g_assert_cmpuint(qtest_readw(qts, PAGE + 14), ==, 24 + 3 * 16);
    sclp_expect_service(qts, (uint32_t)PAGE);
    qtest_quit(qts);
}

/* With the extended-length facility a short variable-length request
 * learns the length it needs. */
static void test_insufficient_variable_length(void)
{
    QTestState *qts = sclp_start("-m 1G -cpu max");
    if (!qts) {
        return;
    }
    sclp_write_header(qts, PAGE, 16, 0, 0x80);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 6), ==, 0x0300);
    g_assert_cmpuint(qtest_readw(qts, PAGE), ==, 128 + 16);
    sclp_expect_service(qts, (uint32_t)PAGE);
    qtest_quit(qts);
}

/*
 * Page-boundary crossings: from every 8-byte offset a length reaching
 * one byte into the next page, and lengths 4097-8191 from a page start,
 * are boundary violations; with -cpu max (extended-length SCCB) Read
 * SCP/CPU Info may cross, the event commands still may not.
 */
static void check_boundary(const char *cpu, bool els)
{
    static const uint32_t cmds[] = {
        SCLP_RSCPI, SCLP_RSCPI_F, SCLP_RCPUI, SCLP_WED, SCLP_RED, SCLP_WEM,
    };
    QTestState *qts = sclp_start("-m 1G -cpu %s", cpu);
    if (!qts) {
        return;
    }
    for (size_t c = 0; c < G_N_ELEMENTS(cmds); c++) {
        bool may_cross = els && c < 3;
        SclpBatch *b = sclp_batch_new();
        for (unsigned off = 8; off < 4096; off += 8) {
            uint64_t a = PAGE + off;
            sclp_batch_add(b, "OK", "memset 0x%" PRIx64 " 8 0", a);
            sclp_batch_servc(b, cmds[c], a, 4096 - off + 1, CC0);
            sclp_batch_add(b, may_cross ? NULL : "OK 0x0000000000000100",
                           "readw 0x%" PRIx64, a + 6);
            sclp_batch_add(b, NULL, "ext_int");
        }
        for (unsigned len = 4097; len <= 8191; len++) {
            sclp_batch_add(b, "OK", "memset 0x%llx 8 0", PAGE);
            sclp_batch_servc(b, cmds[c], PAGE, len, CC0);
            sclp_batch_add(b, may_cross ? "OK 0x0000000000000010" :
                           "OK 0x0000000000000100", "readw 0x%llx", PAGE + 6);
            sclp_batch_add(b, "OK 0x2401 0x00020000", "ext_int");
        }
        sclp_batch_add(b, "OK none", "ext_int");
        sclp_batch_run(qts, b);
    }
    /* Unknown commands are reported before boundary violations. */
    sclp_write_header(qts, PAGE + 4088, 16, 0, 0);
    g_assert_cmpint(sclp_servc(qts, 0x00030001, PAGE + 4088), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 4088 + 6), ==, 0x01f0);
    sclp_expect_service(qts, (uint32_t)(PAGE + 4088));
    /* Exactly up to the boundary is fine. */
    sclp_write_header(qts, PAGE + 4088, 8, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_WED, PAGE + 4088), ==, 0);
    g_assert_cmphex(qtest_readw(qts, PAGE + 4088 + 6), ==, 0x0020);
    sclp_expect_service(qts, (uint32_t)(PAGE + 4088));
    qtest_quit(qts);
}

static void test_boundary(void)
{
    check_boundary("qemu", false);
}

static void test_boundary_els(void)
{
    check_boundary("max", true);
}

/* An extended-length SCCB running off the end of memory: addressing. */
static void test_els_end_of_memory(void)
{
    QTestState *qts = sclp_start("-m 128M -cpu qemu,els=on");
    if (!qts) {
        return;
    }
    sclp_write_header(qts, 128 * MiB - 4096, 8000, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 128 * MiB - 4096), ==, -5);
    sclp_expect_no_interrupt(qts);
    qtest_quit(qts);
}

/* The interrupt parameter is the SCCB address; a write does not leave
 * unrelated state behind, and successive calls queue one service signal
 * whose parameter accumulates until it is taken. */
static void test_interrupt_parameter(void)
{
    QTestState *qts = sclp_start("-m 1G");
    if (!qts) {
        return;
    }
    SclpBatch *b = sclp_batch_new();
    for (uint64_t a = 0x2000; a < 1 * GiB; a = a * 3 + 0x1000) {
        uint64_t x = a & ~7ULL & 0x3ffff000;
        if (x < 0x2000) {
            continue;
        }
        sclp_batch_servc(b, SCLP_RSCPI, x, 4096, CC0);
        sclp_batch_ext(b, x);
    }
    sclp_batch_run(qts, b);
    sclp_write_header(qts, 0x4000, 4096, 0, 0);
    sclp_write_header(qts, 0x3000, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 0x4000), ==, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 0x3000), ==, 0);
    sclp_expect_service(qts, 0x7000);
    qtest_quit(qts);
}

/* Guest memory is big-endian and the header fields are too. */
static void test_endianness(void)
{
    QTestState *qts = sclp_start("-m 128M");
    if (!qts) {
        return;
    }
    g_autofree char *r = qtest_command(qts, "endianness");
    g_assert_cmpstr(r, ==, "OK big");
    qtest_writel(qts, PAGE, 0x10000000);
    g_assert_cmphex(qtest_readw(qts, PAGE), ==, 0x1000);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    uint8_t h[8];
    qtest_memread(qts, PAGE, h, 8);
    g_assert_cmphex(h[6], ==, 0x00);
    g_assert_cmphex(h[7], ==, 0x10);
    sclp_expect_service(qts, (uint32_t)PAGE);
    qtest_quit(qts);
}

/* System reset: prefix back to 0, pending interrupts dropped. */
static void test_reset(void)
{
    QTestState *qts = sclp_start("-m 128M");
    if (!qts) {
        return;
    }
    g_autofree char *r = qtest_command(qts, "set_prefix 0x10000");
    g_assert_cmpstr(r, ==, "OK");
    sclp_write_header(qts, 0x10000, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 0x10000), ==, -6);
    sclp_write_header(qts, PAGE, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, PAGE), ==, 0);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(qts, "RESET");
    sclp_expect_no_interrupt(qts);
    sclp_write_header(qts, 0x10000, 4096, 0, 0);
    g_assert_cmpint(sclp_servc(qts, SCLP_RSCPI, 0x10000), ==, 0);
    sclp_expect_service(qts, 0x10000);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/s390x/sclp/servc/problem-state", test_problem_state);
    g_test_add_func("/s390x/sclp/servc/low-core", test_low_core);
    g_test_add_func("/s390x/sclp/servc/prefix-area", test_prefix_area);
    g_test_add_func("/s390x/sclp/servc/bad-arguments", test_set_prefix_args);
    g_test_add_func("/s390x/sclp/servc/unaligned", test_unaligned);
    g_test_add_func("/s390x/sclp/servc/short-length", test_short_length);
    g_test_add_func("/s390x/sclp/servc/high-1g", test_high_1g);
    g_test_add_func("/s390x/sclp/servc/high-3g", test_high_3g);
    g_test_add_func("/s390x/sclp/servc/3g-below-2g", test_3g_below_2g);
    g_test_add_func("/s390x/sclp/servc/invalid-commands", test_invalid_commands);
    g_test_add_func("/s390x/sclp/read-info/insufficient-length",
                    test_insufficient_length);
    g_test_add_func("/s390x/sclp/read-info/variable-length",
                    test_insufficient_variable_length);
    g_test_add_func("/s390x/sclp/boundary/normal", test_boundary);
    g_test_add_func("/s390x/sclp/boundary/extended-length", test_boundary_els);
    g_test_add_func("/s390x/sclp/boundary/els-end-of-memory",
                    test_els_end_of_memory);
    g_test_add_func("/s390x/sclp/interrupt-parameter", test_interrupt_parameter);
    g_test_add_func("/s390x/sclp/endianness", test_endianness);
    g_test_add_func("/s390x/sclp/reset", test_reset);
    return g_test_run();
}
