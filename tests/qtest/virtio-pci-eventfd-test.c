/*
 * virtio-pci's eventfd shortcuts under qtest: the `ioeventfd` property
 * exists (default on, as in QEMU) and is accepted both ways, but with no
 * accelerator to carry them nothing changes: kicks are MMIO writes, MSI-X
 * messages are writes into the address space, and the eventfd counters
 * stay at zero.  (On real KVM, tests/guest/eventfd-probe.py checks the
 * same counters move.)
 */
#include "libqtest.h"
#include "libqos/virtio.h"

#define BALLOON_ID 5
#define ALLOC_START (16ULL << 20)
#define ALLOC_END (32ULL << 20)
#define DATA_START (64ULL << 20)
#define MSI_ADDR (8ULL << 20)

static json_t *qom_get(QTestState *qts, const char *prop)
{
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': '/machine/peripheral/bal', 'property': %s}}",
                          prop);
    json_t *ret = json_object_get(r, "return");

    g_assert_nonnull(ret);
    json_incref(ret);
    json_decref(r);
    return ret;
}

static int64_t qom_int(QTestState *qts, const char *prop)
{
    json_t *v = qom_get(qts, prop);
    int64_t n;

    g_assert_true(json_is_integer(v));
    n = json_integer_value(v);
    json_decref(v);
    return n;
}

static bool qom_bool(QTestState *qts, const char *prop)
{
    json_t *v = qom_get(qts, prop);
    bool b;

    g_assert_true(json_is_boolean(v));
    b = json_is_true(v);
    json_decref(v);
    return b;
}

/* Inflate a page three times through queue 0 on MSI-X vector 1: each
 * buffer comes back used and the message is written at MSI_ADDR. */
static void kick_and_check(const char *props, bool want_ioeventfd)
{
    QTestState *qts = qtest_initf("-M microvm -m 256M -device "
                                  "virtio-balloon-pci,id=bal%s", props);
    QGuestAllocator alloc;
    QVirtioDevice dev;
    QVirtQueue vq;
    uint32_t pfn = GUINT32_TO_LE(DATA_START >> 12), len = 4, id;
    uint64_t buf;
    bool w = false;
    unsigned head;

    guest_alloc_init(&alloc, ALLOC_START, ALLOC_END);
    g_assert_true(qvirtio_pci_find(qts, &alloc, BALLOON_ID, &dev));
    g_assert_true(qom_bool(qts, "ioeventfd") == want_ioeventfd);
    g_assert_true(qvirtio_negotiate(&dev, 1ULL << QVIRTIO_F_VERSION_1));
    qvirtio_msix_enable(&dev);
    qvirtio_msix_set_vector(&dev, 1, MSI_ADDR, 0x4141, false);
    qvirtqueue_setup(&dev, &vq, 0, 0, 1);
    qvirtio_driver_ok(&dev);
    qtest_writel(qts, MSI_ADDR, 0);

    for (int i = 0; i < 3; i++) {
        buf = guest_alloc(&alloc, 4, 8);
        qtest_memwrite(qts, buf, &pfn, 4);
        head = qvirtqueue_add_chain(&vq, &buf, &len, &w, 1);
        qvirtqueue_publish(&vq, head);
        qvirtqueue_kick(&vq);
        g_assert_true(qvirtqueue_get_used(&vq, &id, NULL));
        g_assert_cmpuint(id, ==, head);
        g_assert_cmphex(qtest_readl(qts, MSI_ADDR), ==, 0x4141);
        qtest_writel(qts, MSI_ADDR, 0);
    }
    /* Nothing took the eventfd paths. */
    g_assert_cmpint(qom_int(qts, "ioeventfd-kicks"), ==, 0);
    g_assert_cmpint(qom_int(qts, "ioeventfd-active"), ==, 0);
    g_assert_cmpint(qom_int(qts, "irqfd-notifications"), ==, 0);
    g_assert_cmpint(qom_int(qts, "irqfd-active"), ==, 0);
    qtest_quit(qts);
}

static void test_default_on(void)
{
    kick_and_check("", true);
}

static void test_off(void)
{
    kick_and_check(",ioeventfd=off", false);
}

/* The counters are read-only. */
static void test_counters_read_only(void)
{
    QTestState *qts = qtest_init("-M microvm -device virtio-balloon-pci,id=bal");
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                          "{'path': '/machine/peripheral/bal', "
                          "'property': 'ioeventfd-kicks', 'value': 5}}");

    g_assert_nonnull(json_object_get(r, "error"));
    json_decref(r);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-pci/eventfd/qtest-default-on", test_default_on);
    g_test_add_func("/virtio-pci/eventfd/qtest-ioeventfd-off", test_off);
    g_test_add_func("/virtio-pci/eventfd/counters-read-only",
                    test_counters_read_only);
    return g_test_run();
}
