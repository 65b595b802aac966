/*
 * virtio-balloon-pci end to end through qtest: the libqos virtio-pci driver
 * negotiates features, lays out queues in guest RAM, and checks what the
 * device does with inflate, deflate, statistics and free page reports,
 * including what reaches the host (Kite's RSS, discarded pages).
 */
#include "libqtest.h"
#include "libqos/virtio.h"
#include <stdio.h>

#define BALLOON_ID 5
#define F_STATS 1
#define F_DEFLATE_ON_OOM 2
#define F_FREE_PAGE_HINT 3
#define F_POISON 4
#define F_REPORTING 5
#define RAM_MB 256
#define ALLOC_START (16ULL << 20)   /* rings and buffers live here */
#define ALLOC_END (32ULL << 20)
#define DATA_START (64ULL << 20)    /* pages the tests fill and free */
#define MSI_ADDR (8ULL << 20)       /* where MSI-X messages land */

typedef struct Balloon {
    QTestState *qts;
    QGuestAllocator alloc;
    QVirtioDevice dev;
    QVirtQueue vq[5];
} Balloon;

static uint64_t ver1(void)
{
    return 1ULL << QVIRTIO_F_VERSION_1;
}

static void balloon_start(Balloon *b, const char *extra)
{
    b->qts = qtest_initf("-M microvm -m %dM -device virtio-balloon-pci,id=balloon0%s",
                         RAM_MB, extra ? extra : "");
    guest_alloc_init(&b->alloc, ALLOC_START, ALLOC_END);
    g_assert_true(qvirtio_pci_find(b->qts, &b->alloc, BALLOON_ID, &b->dev));
}

/* Negotiate @features and set up @nq queues, vectors 1.. for queues. */
static void balloon_ready(Balloon *b, uint64_t features, unsigned nq)
{
    g_assert_true(qvirtio_negotiate(&b->dev, features | ver1()));
    g_assert_cmpuint(qvirtio_num_queues(&b->dev), ==, nq);
    for (unsigned i = 0; i < nq; i++) {
        qvirtqueue_setup(&b->dev, &b->vq[i], i, 0, 0xffff);
    }
    qvirtio_driver_ok(&b->dev);
}

static json_t *qom_get(QTestState *qts, const char *prop)
{
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': '/machine/peripheral/balloon0', 'property': %s}}",
                          prop);
    json_t *ret = json_object_get(r, "return");

    g_assert_nonnull(ret);
    json_incref(ret);
    json_decref(r);
    return ret;
}

static int64_t counter(QTestState *qts, const char *prop, const char *key)
{
    json_t *o = qom_get(qts, prop);
    json_t *v = json_object_get(o, key);
    int64_t n;

    if (!v) {
        /* nested "skipped-ranges" keys */
        v = json_object_get(json_object_get(o, "skipped-ranges"), key);
    }
    g_assert_nonnull(v);
    n = json_integer_value(v);
    json_decref(o);
    return n;
}

static uint64_t rss_bytes(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *p;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    p = strstr(text, "VmRSS:");
    g_assert_nonnull(p);
    return g_ascii_strtoull(p + 6, NULL, 10) * 1024;
}

/* Touch @len bytes of guest RAM at @gpa with a non-zero pattern. */
static void fill(QTestState *qts, uint64_t gpa, uint64_t len)
{
    qtest_memset(qts, gpa, 0x5a, len);
}

/* ---- features ---- */

typedef struct FeatureCase {
    const char *props;
    uint64_t must, must_not;
} FeatureCase;

static const FeatureCase feature_cases[] = {
    { "", 1ULL << F_STATS | 1ULL << F_POISON,
      1ULL << F_REPORTING | 1ULL << F_DEFLATE_ON_OOM | 1ULL << F_FREE_PAGE_HINT },
    { ",free-page-reporting=on", 1ULL << F_REPORTING, 0 },
    { ",free-page-reporting=off", 0, 1ULL << F_REPORTING },
    { ",deflate-on-oom=on", 1ULL << F_DEFLATE_ON_OOM, 0 },
    { ",deflate-on-oom=off", 0, 1ULL << F_DEFLATE_ON_OOM },
    { ",page-poison=off", 0, 1ULL << F_POISON },
    { ",page-poison=on", 1ULL << F_POISON, 0 },
};

static void test_features(const void *data)
{
    const FeatureCase *c = data;
    Balloon b;
    uint64_t f;

    balloon_start(&b, c->props);
    f = qvirtio_device_features(&b.dev);
    g_assert_cmphex(f & c->must, ==, c->must);
    g_assert_cmphex(f & c->must_not, ==, 0);
    g_assert_true(f & ver1());
    /* Statistics are always offered. */
    g_assert_true(f & (1ULL << F_STATS));
    qtest_quit(b.qts);
}

static void test_features_ok_checks(void)
{
    Balloon b;

    balloon_start(&b, "");
    /* Free page hinting is not offered: FEATURES_OK must not stick. */
    g_assert_false(qvirtio_negotiate(&b.dev, ver1() | 1ULL << F_FREE_PAGE_HINT));
    /* Without VERSION_1 a modern device refuses too. */
    g_assert_false(qvirtio_negotiate(&b.dev, 1ULL << F_STATS));
    g_assert_true(qvirtio_negotiate(&b.dev, ver1() | 1ULL << F_STATS));
    qtest_quit(b.qts);
}

static void test_queue_layout(void)
{
    Balloon b;

    balloon_start(&b, ",free-page-reporting=on");
    /* Before negotiation every queue the device may use is there. */
    g_assert_cmpuint(qvirtio_num_queues(&b.dev), ==, 4);
    g_assert_true(qvirtio_negotiate(&b.dev, ver1()));
    g_assert_cmpuint(qvirtio_num_queues(&b.dev), ==, 2);
    g_assert_true(qvirtio_negotiate(&b.dev, ver1() | 1ULL << F_REPORTING));
    g_assert_cmpuint(qvirtio_num_queues(&b.dev), ==, 3);
    g_assert_true(qvirtio_negotiate(&b.dev, ver1() | 1ULL << F_STATS |
                                    1ULL << F_REPORTING));
    g_assert_cmpuint(qvirtio_num_queues(&b.dev), ==, 4);
    qtest_quit(b.qts);
}

/* ---- inflate / deflate ---- */

static unsigned send_pfns(Balloon *b, QVirtQueue *vq, uint64_t gpa, uint64_t pages)
{
    uint64_t buf = guest_alloc(&b->alloc, pages * 4, 8);
    g_autofree uint32_t *pfns = g_new(uint32_t, pages);
    uint32_t len = pages * 4;
    bool w = false;
    unsigned head;

    for (uint64_t i = 0; i < pages; i++) {
        pfns[i] = GUINT32_TO_LE((gpa >> 12) + i);
    }
    qtest_memwrite(b->qts, buf, pfns, pages * 4);
    head = qvirtqueue_add_chain(vq, &buf, &len, &w, 1);
    qvirtqueue_publish(vq, head);
    qvirtqueue_kick(vq);
    return head;
}

static void test_inflate_deflate(void)
{
    Balloon b;
    uint64_t before, filled, after, pages = (64ULL << 20) >> 12;
    uint32_t id, len;
    unsigned head;
    uint8_t probe[16];

    balloon_start(&b, "");
    balloon_ready(&b, 1ULL << F_STATS, 3);
    before = rss_bytes(b.qts);
    fill(b.qts, DATA_START, 64ULL << 20);
    filled = rss_bytes(b.qts);
    g_assert_cmpuint(filled, >, before + (48ULL << 20));

    head = send_pfns(&b, &b.vq[0], DATA_START, pages);
    g_assert_true(qvirtqueue_get_used(&b.vq[0], &id, &len));
    g_assert_cmpuint(id, ==, head);
    after = rss_bytes(b.qts);
    g_test_message("RSS before fill %" PRIu64 " KiB, filled %" PRIu64
                   " KiB, after inflate %" PRIu64 " KiB",
                   before >> 10, filled >> 10, after >> 10);
    g_assert_cmpuint(after, <, filled - (56ULL << 20));
    g_assert_cmpint(counter(b.qts, "inflate-stats", "inflated-pages"), ==, pages);
    g_assert_cmpint(counter(b.qts, "inflate-stats", "discarded-bytes"), ==,
                    64LL << 20);
    /* Discarded pages read back as zeroes. */
    qtest_memread(b.qts, DATA_START + 12345, probe, sizeof(probe));
    for (size_t i = 0; i < sizeof(probe); i++) {
        g_assert_cmpuint(probe[i], ==, 0);
    }

    head = send_pfns(&b, &b.vq[1], DATA_START, pages);
    g_assert_true(qvirtqueue_get_used(&b.vq[1], &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpint(counter(b.qts, "inflate-stats", "deflated-pages"), ==, pages);
    /* Deflated pages are usable again. */
    qtest_writel(b.qts, DATA_START, 0xfeedf00d);
    g_assert_cmphex(qtest_readl(b.qts, DATA_START), ==, 0xfeedf00d);
    qtest_quit(b.qts);
}

static void test_inflate_outside_ram(void)
{
    Balloon b;
    uint32_t id;

    balloon_start(&b, "");
    balloon_ready(&b, 0, 2);
    /* PFNs beyond the 256 MiB of RAM are ignored and counted. */
    send_pfns(&b, &b.vq[0], 1ULL << 32, 8);
    g_assert_true(qvirtqueue_get_used(&b.vq[0], &id, NULL));
    g_assert_cmpint(counter(b.qts, "inflate-stats", "pfns-outside-ram"), ==, 8);
    g_assert_cmpint(counter(b.qts, "inflate-stats", "inflated-pages"), ==, 0);
    g_assert_cmpuint(qvirtio_get_status(&b.dev) & QVIRTIO_NEEDS_RESET, ==, 0);
    qtest_quit(b.qts);
}

/* ---- free page reporting ---- */

static void report(Balloon *b, QVirtQueue *vq, const uint64_t *addrs,
                   const uint32_t *lens, unsigned n)
{
    bool w[8] = { true, true, true, true, true, true, true, true };
    uint32_t id;
    unsigned head;

    g_assert_cmpuint(n, <=, 8);
    head = qvirtqueue_add_chain(vq, addrs, lens, w, n);
    qvirtqueue_publish(vq, head);
    qvirtqueue_kick(vq);
    g_assert_true(qvirtqueue_get_used(vq, &id, NULL));
    g_assert_cmpuint(id, ==, head);
}

static void reporting_case(const char *backend)
{
    Balloon b;
    uint64_t filled, after;
    uint64_t a[1] = { DATA_START };
    uint32_t l[1] = { 32u << 20 };
    g_autofree char *extra = NULL;

    if (backend) {
        extra = g_strdup_printf(",free-page-reporting=on -object %s,id=mem,size=%dM"
                                " -machine memory-backend=mem", backend, RAM_MB);
    }
    balloon_start(&b, extra ? extra : ",free-page-reporting=on");
    balloon_ready(&b, 1ULL << F_REPORTING, 3);
    fill(b.qts, DATA_START, 32ULL << 20);
    filled = rss_bytes(b.qts);
    report(&b, &b.vq[2], a, l, 1);
    after = rss_bytes(b.qts);
    g_test_message("%s: RSS %" PRIu64 " KiB -> %" PRIu64 " KiB after reporting 32 MiB",
                   backend ? backend : "anonymous", filled >> 10, after >> 10);
    g_assert_cmpuint(after, <, filled - (28ULL << 20));
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "reported-bytes"),
                    ==, 32LL << 20);
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "discarded-bytes"),
                    ==, 32LL << 20);
    g_assert_cmpuint(qtest_readl(b.qts, DATA_START + 4096), ==, 0);
    qtest_quit(b.qts);
}

static void test_reporting_anon(void)
{
    reporting_case(NULL);
}

static void test_reporting_memfd(void)
{
    reporting_case("memory-backend-memfd,share=on");
}

static bool have_hugepages(uint64_t *free_pages)
{
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL)) {
        return false;
    }
    p = strstr(text, "HugePages_Free:");
    *free_pages = p ? g_ascii_strtoull(p + 15, NULL, 10) : 0;
    return *free_pages >= RAM_MB / 2;
}

static void test_reporting_hugetlb(void)
{
    uint64_t free_pages;

    if (!have_hugepages(&free_pages)) {
        g_test_skip("the host kernel has no free 2 MiB huge pages "
                    "(HugePages_Free too small in /proc/meminfo)");
        return;
    }
    reporting_case("memory-backend-memfd,hugetlb=on,share=on");
}

static void test_reporting_bad_ranges(void)
{
    Balloon b;
    uint64_t a[4] = { DATA_START + 100, 1ULL << 36, 0, DATA_START };
    uint32_t l[4] = { 8192, 4096, 0xfffff000u, 4096 };

    balloon_start(&b, ",free-page-reporting=on");
    balloon_ready(&b, 1ULL << F_REPORTING, 3);
    fill(b.qts, DATA_START, 1 << 20);
    report(&b, &b.vq[2], a, l, 4);
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "unaligned"), ==, 1);
    /* beyond RAM, and a huge range running past the end of RAM */
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "outside-ram"), ==, 2);
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "discarded-bytes"),
                    ==, 4096);
    /* The unaligned range was left alone. */
    g_assert_cmphex(qtest_readb(b.qts, DATA_START + 4096 + 200), ==, 0x5a);
    g_assert_cmpuint(qvirtio_get_status(&b.dev) & QVIRTIO_NEEDS_RESET, ==, 0);
    qtest_quit(b.qts);
}

static void test_reporting_poison(void)
{
    Balloon b;
    uint64_t a[1] = { DATA_START };
    uint32_t l[1] = { 2u << 20 };

    balloon_start(&b, ",free-page-reporting=on,page-poison=on");
    balloon_ready(&b, 1ULL << F_REPORTING | 1ULL << F_POISON, 3);
    qvirtio_config_writel(&b.dev, 12, 0xaaaaaaaa);
    g_assert_cmphex(qvirtio_config_readl(&b.dev, 12), ==, 0xaaaaaaaa);
    qtest_memset(b.qts, DATA_START, 0xaa, 2 << 20);
    report(&b, &b.vq[2], a, l, 1);
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "poison"), ==, 1);
    g_assert_cmpint(counter(b.qts, "free-page-reporting-stats", "discarded-bytes"),
                    ==, 0);
    g_assert_cmphex(qtest_readl(b.qts, DATA_START + 8192), ==, 0xaaaaaaaa);
    qtest_quit(b.qts);
}

/* ---- statistics ---- */

static void test_stats(void)
{
    Balloon b;
    json_t *gs, *r;
    uint8_t entries[2][10];
    uint64_t buf;
    uint32_t len = sizeof(entries);
    bool w = false;
    unsigned head;
    uint64_t v;

    balloon_start(&b, "");
    balloon_ready(&b, 1ULL << F_STATS, 3);
    gs = qom_get(b.qts, "guest-stats");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(gs, "stats"),
                                                       "stat-free-memory")), ==, -1);
    json_decref(gs);

    r = qtest_qmp(b.qts, "{'execute': 'qom-set', 'arguments': {'path': "
                  "'/machine/peripheral/balloon0', 'property': "
                  "'guest-stats-polling-interval', 'value': 2}}");
    g_assert_nonnull(json_object_get(r, "return"));
    json_decref(r);

    /* tag 4 = free memory, tag 5 = total memory (5.5.6.3) */
    entries[0][0] = 4; entries[0][1] = 0;
    v = GUINT64_TO_LE(123456789);
    memcpy(&entries[0][2], &v, 8);
    entries[1][0] = 5; entries[1][1] = 0;
    v = GUINT64_TO_LE(987654321);
    memcpy(&entries[1][2], &v, 8);
    buf = guest_alloc(&b.alloc, sizeof(entries), 8);
    qtest_memwrite(b.qts, buf, entries, sizeof(entries));
    head = qvirtqueue_add_chain(&b.vq[2], &buf, &len, &w, 1);
    qvirtqueue_publish(&b.vq[2], head);
    qvirtqueue_kick(&b.vq[2]);
    /* The device holds the buffer until the next poll. */
    g_assert_cmpuint(qvirtqueue_used_idx(&b.vq[2]), ==, 0);
    gs = qom_get(b.qts, "guest-stats");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(gs, "stats"),
                                                       "stat-free-memory")), ==, 123456789);
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(gs, "stats"),
                                                       "stat-total-memory")), ==, 987654321);
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(gs, "stats"),
                                                       "stat-swap-in")), ==, 0);
    g_assert_cmpint(json_integer_value(json_object_get(gs, "last-update")), >, 0);
    json_decref(gs);
    qtest_clock_step(b.qts, 2000000000LL);
    g_assert_cmpuint(qvirtqueue_used_idx(&b.vq[2]), ==, 1);
    qtest_quit(b.qts);
}

/* ---- QMP ---- */

static void test_qmp_balloon(void)
{
    Balloon b;
    json_t *r, *ev;

    balloon_start(&b, "");
    balloon_ready(&b, 0, 2);
    r = qtest_qmp(b.qts, "{'execute': 'balloon', 'arguments': {'value': %d}}",
                  (RAM_MB - 64) << 20);
    g_assert_nonnull(json_object_get(r, "return"));
    json_decref(r);
    /* num_pages = (ram - target) / 4096 */
    g_assert_cmpuint(qvirtio_config_readl(&b.dev, 0), ==, (64u << 20) >> 12);
    r = qtest_qmp(b.qts, "{'execute': 'query-balloon'}");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(r, "return"),
                                                       "actual")), ==, RAM_MB << 20);
    json_decref(r);
    /* The driver reports progress through actual: BALLOON_CHANGE. */
    qvirtio_config_writel(&b.dev, 4, (64u << 20) >> 12);
    ev = qtest_qmp_eventwait_ref(b.qts, "BALLOON_CHANGE");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(ev, "data"),
                                                       "actual")), ==, (RAM_MB - 64) << 20);
    json_decref(ev);
    r = qtest_qmp(b.qts, "{'execute': 'query-balloon'}");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(r, "return"),
                                                       "actual")), ==, (RAM_MB - 64) << 20);
    json_decref(r);
    r = qtest_qmp(b.qts, "{'execute': 'balloon', 'arguments': {'value': 0}}");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(r, "error"),
                                                      "class")), ==, "GenericError");
    json_decref(r);
    {
        g_autofree char *out = qtest_hmp(b.qts, "info balloon");
        g_assert_nonnull(strstr(out, "balloon: actual=192"));
    }
    qtest_quit(b.qts);
}

static void test_qmp_no_balloon(void)
{
    QTestState *qts = qtest_init("-M microvm -m 128M");
    json_t *r = qtest_qmp(qts, "{'execute': 'query-balloon'}");

    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(r, "error"),
                                                      "class")), ==, "DeviceNotActive");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(r, "error"),
                                                      "desc")), ==,
                    "No balloon device has been activated");
    json_decref(r);
    qtest_quit(qts);
}

static void test_two_balloons(void)
{
    const char *bin = qtest_qemu_binary();
    const char *argv[] = { bin, "-M", "microvm", "-accel", "qtest", "-display", "none",
                           "-device", "virtio-balloon-pci",
                           "-device", "virtio-balloon-pci", NULL };
    int status;
    g_autofree char *err = NULL;

    g_assert_true(kite_run_cmdline(argv, &status, &err));
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "Only one balloon device is supported"));
}

/* ---- MSI-X ---- */

static void test_msix(void)
{
    Balloon b;
    uint32_t id;

    balloon_start(&b, "");
    g_assert_true(qvirtio_negotiate(&b.dev, ver1()));
    qvirtio_msix_enable(&b.dev);
    qvirtio_msix_set_vector(&b.dev, 1, MSI_ADDR, 0x4242, false);
    qvirtio_msix_set_vector(&b.dev, 2, MSI_ADDR + 4, 0x4343, true);
    qvirtqueue_setup(&b.dev, &b.vq[0], 0, 0, 1);
    qvirtqueue_setup(&b.dev, &b.vq[1], 1, 0, 2);
    qvirtio_driver_ok(&b.dev);
    qtest_writel(b.qts, MSI_ADDR, 0);
    qtest_writel(b.qts, MSI_ADDR + 4, 0);
    send_pfns(&b, &b.vq[0], DATA_START, 1);
    g_assert_true(qvirtqueue_get_used(&b.vq[0], &id, NULL));
    g_assert_cmphex(qtest_readl(b.qts, MSI_ADDR), ==, 0x4242);
    /* A masked vector stays pending until unmasked. */
    send_pfns(&b, &b.vq[1], DATA_START, 1);
    g_assert_true(qvirtqueue_get_used(&b.vq[1], &id, NULL));
    g_assert_cmphex(qtest_readl(b.qts, MSI_ADDR + 4), ==, 0);
    qvirtio_msix_set_vector(&b.dev, 2, MSI_ADDR + 4, 0x4343, false);
    g_assert_cmphex(qtest_readl(b.qts, MSI_ADDR + 4), ==, 0x4343);
    qtest_quit(b.qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(feature_cases); i++) {
        g_autofree char *name = g_strdup_printf("/virtio-balloon/features/%s",
                                                feature_cases[i].props[0] ?
                                                feature_cases[i].props + 1 : "default");
        g_test_add_data_func(name, &feature_cases[i], test_features);
    }
    g_test_add_func("/virtio-balloon/features-ok-checks", test_features_ok_checks);
    g_test_add_func("/virtio-balloon/queue-layout", test_queue_layout);
    g_test_add_func("/virtio-balloon/inflate-deflate-rss", test_inflate_deflate);
    g_test_add_func("/virtio-balloon/inflate-outside-ram", test_inflate_outside_ram);
    g_test_add_func("/virtio-balloon/reporting/anonymous", test_reporting_anon);
    g_test_add_func("/virtio-balloon/reporting/memfd-shared", test_reporting_memfd);
    g_test_add_func("/virtio-balloon/reporting/hugetlb", test_reporting_hugetlb);
    g_test_add_func("/virtio-balloon/reporting/bad-ranges", test_reporting_bad_ranges);
    g_test_add_func("/virtio-balloon/reporting/poison", test_reporting_poison);
    g_test_add_func("/virtio-balloon/stats", test_stats);
    g_test_add_func("/virtio-balloon/qmp", test_qmp_balloon);
    g_test_add_func("/virtio-balloon/qmp-no-balloon", test_qmp_no_balloon);
    g_test_add_func("/virtio-balloon/two-balloons", test_two_balloons);
    g_test_add_func("/virtio-balloon/msix", test_msix);
    return g_test_run();
}
