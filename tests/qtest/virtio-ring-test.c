/*
 * Malformed virtqueues: whatever a driver writes into its rings, Kite must
 * not crash or hang.  The device stops, sets DEVICE_NEEDS_RESET, raises a
 * configuration interrupt, and works again after the driver resets it.
 * Exercised on virtio-balloon-pci's inflate queue through qtest.
 */
#include "libqtest.h"
#include "libqos/virtio.h"

#define BALLOON_ID 5
#define MSI_ADDR (8ULL << 20)
#define CONFIG_MSI_DATA 0x7777

typedef enum {
    BAD_AVAIL_IDX,
    BAD_HEAD,
    BAD_LOOP,
    BAD_LONG_CHAIN,
    BAD_NEXT,
    BAD_NESTED_INDIRECT,
    BAD_INDIRECT_NOT_NEGOTIATED,
    BAD_INDIRECT_LENGTH,
    BAD_BUFFER_OUTSIDE_RAM,
    BAD_WRONG_DIRECTION,
    BAD_RING_OUTSIDE_RAM,
} BadRing;

typedef struct Case {
    const char *name;
    BadRing kind;
} Case;

static const Case cases[] = {
    { "avail-index-past-queue-size", BAD_AVAIL_IDX },
    { "head-index-past-queue-size", BAD_HEAD },
    { "descriptor-loop", BAD_LOOP },
    { "chain-longer-than-queue", BAD_LONG_CHAIN },
    { "next-index-past-queue-size", BAD_NEXT },
    { "indirect-inside-indirect", BAD_NESTED_INDIRECT },
    { "indirect-not-negotiated", BAD_INDIRECT_NOT_NEGOTIATED },
    { "indirect-bad-length", BAD_INDIRECT_LENGTH },
    { "buffer-outside-ram", BAD_BUFFER_OUTSIDE_RAM },
    { "wrong-direction", BAD_WRONG_DIRECTION },
    { "ring-outside-ram", BAD_RING_OUTSIDE_RAM },
};

typedef struct Rig {
    QTestState *qts;
    QGuestAllocator alloc;
    QVirtioDevice dev;
    QVirtQueue vq[2];
} Rig;

static void rig_setup(Rig *r, bool indirect)
{
    uint64_t f = 1ULL << QVIRTIO_F_VERSION_1;

    if (indirect) {
        f |= 1ULL << QVIRTIO_F_INDIRECT_DESC;
    }
    g_assert_true(qvirtio_negotiate(&r->dev, f));
    qvirtio_msix_enable(&r->dev);
    qvirtio_msix_set_vector(&r->dev, 0, MSI_ADDR, CONFIG_MSI_DATA, false);
    qvirtio_set_config_vector(&r->dev, 0);
    qvirtqueue_setup(&r->dev, &r->vq[0], 0, 16, 0xffff);
    qvirtqueue_setup(&r->dev, &r->vq[1], 1, 16, 0xffff);
    qvirtio_driver_ok(&r->dev);
}

static int64_t ring_errors(QTestState *qts)
{
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': {'path': "
                          "'/machine/peripheral/b', 'property': 'ring-errors'}}");
    int64_t n = json_integer_value(json_object_get(r, "return"));

    json_decref(r);
    return n;
}

/* A well-formed inflate request of one PFN inside RAM. */
static void good_inflate(Rig *r)
{
    uint64_t buf = guest_alloc(&r->alloc, 4, 4);
    uint32_t len = 4, id;
    bool w = false;
    unsigned head;
    uint16_t before = qvirtqueue_used_idx(&r->vq[0]);

    qtest_writel(r->qts, buf, (64u << 20) >> 12);
    head = qvirtqueue_add_chain(&r->vq[0], &buf, &len, &w, 1);
    qvirtqueue_publish(&r->vq[0], head);
    qvirtqueue_kick(&r->vq[0]);
    g_assert_cmpuint(qvirtqueue_used_idx(&r->vq[0]), ==, (uint16_t)(before + 1));
    g_assert_true(qvirtqueue_get_used(&r->vq[0], &id, NULL));
    g_assert_cmpuint(id, ==, head);
}

static void make_bad(Rig *r, BadRing kind)
{
    QVirtQueue *vq = &r->vq[0];
    uint64_t pfn = guest_alloc(&r->alloc, 4, 4);
    uint64_t table;

    qtest_writel(r->qts, pfn, (64u << 20) >> 12);
    switch (kind) {
    case BAD_AVAIL_IDX:
        qvirtqueue_write_desc(vq, vq->desc, 0, pfn, 4, 0, 0);
        qvirtqueue_publish_raw(vq, 0, 0, vq->size + 5);
        break;
    case BAD_HEAD:
        qvirtqueue_publish_raw(vq, 0, vq->size + 3, 1);
        break;
    case BAD_LOOP:
        qvirtqueue_write_desc(vq, vq->desc, 0, pfn, 4, QVRING_DESC_F_NEXT, 1);
        qvirtqueue_write_desc(vq, vq->desc, 1, pfn, 4, QVRING_DESC_F_NEXT, 0);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_LONG_CHAIN:
        for (unsigned i = 0; i < vq->size; i++) {
            qvirtqueue_write_desc(vq, vq->desc, i, pfn, 4, QVRING_DESC_F_NEXT,
                                  (i + 1) % vq->size);
        }
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_NEXT:
        qvirtqueue_write_desc(vq, vq->desc, 0, pfn, 4, QVRING_DESC_F_NEXT,
                              vq->size + 1);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_NESTED_INDIRECT:
        table = guest_alloc(&r->alloc, 32, 16);
        qvirtqueue_write_desc(vq, table, 0, table, 32, QVRING_DESC_F_INDIRECT, 0);
        qvirtqueue_write_desc(vq, vq->desc, 0, table, 32, QVRING_DESC_F_INDIRECT, 0);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_INDIRECT_NOT_NEGOTIATED:
    case BAD_INDIRECT_LENGTH:
        table = guest_alloc(&r->alloc, 32, 16);
        qvirtqueue_write_desc(vq, table, 0, pfn, 4, 0, 0);
        qvirtqueue_write_desc(vq, vq->desc, 0, table,
                              kind == BAD_INDIRECT_LENGTH ? 13 : 16,
                              QVRING_DESC_F_INDIRECT, 0);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_BUFFER_OUTSIDE_RAM:
        qvirtqueue_write_desc(vq, vq->desc, 0, 1ULL << 40, 4, 0, 0);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_WRONG_DIRECTION:
        qvirtqueue_write_desc(vq, vq->desc, 0, pfn, 4, QVRING_DESC_F_WRITE, 0);
        qvirtqueue_publish_raw(vq, 0, 0, 1);
        break;
    case BAD_RING_OUTSIDE_RAM:
        /* Move the rings of queue 0 past the end of RAM before enabling. */
        qvirtio_negotiate(&r->dev, 1ULL << QVIRTIO_F_VERSION_1);
        qvirtio_msix_set_vector(&r->dev, 0, MSI_ADDR, CONFIG_MSI_DATA, false);
        qvirtio_set_config_vector(&r->dev, 0);
        qvirtio_common_write(&r->dev, 22, 2, 0);
        qvirtio_common_write(&r->dev, 32, 8, 1ULL << 40);
        qvirtio_common_write(&r->dev, 40, 8, (1ULL << 40) + 0x1000);
        qvirtio_common_write(&r->dev, 48, 8, (1ULL << 40) + 0x2000);
        qvirtio_common_write(&r->dev, 28, 2, 1);
        qvirtio_driver_ok(&r->dev);
        break;
    }
}

static void test_bad_ring(const void *data)
{
    const Case *c = data;
    Rig r;
    uint8_t status;

    r.qts = qtest_init("-M microvm -m 128M -device virtio-balloon-pci,id=b");
    guest_alloc_init(&r.alloc, 16ULL << 20, 32ULL << 20);
    g_assert_true(qvirtio_pci_find(r.qts, &r.alloc, BALLOON_ID, &r.dev));
    rig_setup(&r, c->kind != BAD_INDIRECT_NOT_NEGOTIATED);
    qtest_writel(r.qts, MSI_ADDR, 0);

    make_bad(&r, c->kind);
    qvirtqueue_kick(&r.vq[0]);

    status = qvirtio_get_status(&r.dev);
    g_assert_cmphex(status & QVIRTIO_NEEDS_RESET, ==, QVIRTIO_NEEDS_RESET);
    g_assert_cmphex(status & QVIRTIO_DRIVER_OK, ==, QVIRTIO_DRIVER_OK);
    /* The configuration interrupt went out through MSI-X vector 0. */
    g_assert_cmphex(qtest_readl(r.qts, MSI_ADDR), ==, CONFIG_MSI_DATA);
    g_assert_cmpint(ring_errors(r.qts), ==, 1);
    /* Nothing is processed until reset, even well-formed requests. */
    if (c->kind != BAD_RING_OUTSIDE_RAM) {
        g_assert_cmpuint(qvirtqueue_used_idx(&r.vq[0]), ==, 0);
    }
    qvirtqueue_kick(&r.vq[1]);
    qvirtqueue_kick(&r.vq[0]);
    g_assert_cmpint(ring_errors(r.qts), ==, 1);

    /* After a reset the device works normally again. */
    rig_setup(&r, true);
    g_assert_cmphex(qvirtio_get_status(&r.dev) & QVIRTIO_NEEDS_RESET, ==, 0);
    good_inflate(&r);
    good_inflate(&r);
    qtest_quit(r.qts);
}

static void test_queue_reset(void)
{
    Rig r;

    r.qts = qtest_init("-M microvm -m 128M -device virtio-balloon-pci,id=b");
    guest_alloc_init(&r.alloc, 16ULL << 20, 32ULL << 20);
    g_assert_true(qvirtio_pci_find(r.qts, &r.alloc, BALLOON_ID, &r.dev));
    g_assert_true(qvirtio_device_features(&r.dev) & (1ULL << QVIRTIO_F_RING_RESET));
    g_assert_true(qvirtio_negotiate(&r.dev, 1ULL << QVIRTIO_F_VERSION_1 |
                                    1ULL << QVIRTIO_F_RING_RESET));
    qvirtqueue_setup(&r.dev, &r.vq[0], 0, 16, 0xffff);
    qvirtqueue_setup(&r.dev, &r.vq[1], 1, 16, 0xffff);
    qvirtio_driver_ok(&r.dev);
    good_inflate(&r);
    /* queue_reset = 1: the queue is disabled and its state cleared. */
    qvirtio_common_write(&r.dev, 22, 2, 0);
    qvirtio_common_write(&r.dev, 58, 2, 1);
    g_assert_cmpuint(qvirtio_common_read(&r.dev, 58, 2), ==, 0);
    g_assert_cmpuint(qvirtio_common_read(&r.dev, 28, 2), ==, 0);
    g_assert_cmphex(qvirtio_common_read(&r.dev, 32, 8), ==, 0);
    /* Re-enable with fresh rings and use it. */
    qvirtqueue_setup(&r.dev, &r.vq[0], 0, 16, 0xffff);
    good_inflate(&r);
    qtest_quit(r.qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("/virtio-ring/malformed/%s",
                                                cases[i].name);
        g_test_add_data_func(name, &cases[i], test_bad_ring);
    }
    g_test_add_func("/virtio-ring/queue-reset", test_queue_reset);
    return g_test_run();
}
