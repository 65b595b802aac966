/* The modern virtio-pci transport seen from a qtest driver (4.1). */
#include "libqos/virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4

static uint64_t cap_address(QVirtioDevice *d, uint8_t cap)
{
    uint8_t bar = qpci_config_readb(&d->pci, cap + 4);
    uint32_t off = qpci_config_readl(&d->pci, cap + 8);

    return qpci_bar_address(&d->pci, bar) + off;
}

bool qvirtio_pci_find(QTestState *qts, QGuestAllocator *alloc,
                      uint16_t virtio_id, QVirtioDevice *d)
{
    uint8_t cap = 0;

    memset(d, 0, sizeof(*d));
    d->qts = qts;
    d->alloc = alloc;
    if (!qpci_find_device(qts, VIRTIO_PCI_VENDOR, 0x1040 + virtio_id, &d->pci)) {
        return false;
    }
    qpci_device_enable(&d->pci);
    while ((cap = qpci_find_capability(&d->pci, 0x09, cap))) {
        uint8_t type = qpci_config_readb(&d->pci, cap + 3);

        switch (type) {
        case 1: d->common = cap_address(d, cap); break;
        case 2:
            d->notify = cap_address(d, cap);
            d->notify_mult = qpci_config_readl(&d->pci, cap + 16);
            break;
        case 3: d->isr = cap_address(d, cap); break;
        case 4: d->device = cap_address(d, cap); break;
        default: break;
        }
    }
    cap = qpci_find_capability(&d->pci, 0x11, 0);
    if (cap) {
        uint32_t t = qpci_config_readl(&d->pci, cap + 4);
        d->msix_table = qpci_bar_address(&d->pci, t & 7) + (t & ~7u);
    }
    return d->common && d->notify && d->isr && d->device;
}

uint64_t qvirtio_common_read(QVirtioDevice *d, unsigned off, unsigned size)
{
    switch (size) {
    case 1: return qtest_readb(d->qts, d->common + off);
    case 2: return qtest_readw(d->qts, d->common + off);
    case 4: return qtest_readl(d->qts, d->common + off);
    default: return qtest_readq(d->qts, d->common + off);
    }
}

void qvirtio_common_write(QVirtioDevice *d, unsigned off, unsigned size,
                          uint64_t v)
{
    switch (size) {
    case 1: qtest_writeb(d->qts, d->common + off, v); break;
    case 2: qtest_writew(d->qts, d->common + off, v); break;
    case 4: qtest_writel(d->qts, d->common + off, v); break;
    default: qtest_writeq(d->qts, d->common + off, v); break;
    }
}

uint8_t qvirtio_get_status(QVirtioDevice *d)
{
    return qvirtio_common_read(d, 20, 1);
}

void qvirtio_set_status(QVirtioDevice *d, uint8_t status)
{
    qvirtio_common_write(d, 20, 1, status);
}

void qvirtio_reset(QVirtioDevice *d)
{
    qvirtio_set_status(d, 0);
    g_assert_cmpuint(qvirtio_get_status(d), ==, 0);
}

uint64_t qvirtio_device_features(QVirtioDevice *d)
{
    uint64_t f;

    qvirtio_common_write(d, 0, 4, 0);
    f = qvirtio_common_read(d, 4, 4);
    qvirtio_common_write(d, 0, 4, 1);
    return f | qvirtio_common_read(d, 4, 4) << 32;
}

bool qvirtio_negotiate(QVirtioDevice *d, uint64_t features)
{
    qvirtio_reset(d);
    qvirtio_set_status(d, QVIRTIO_ACKNOWLEDGE);
    qvirtio_set_status(d, QVIRTIO_ACKNOWLEDGE | QVIRTIO_DRIVER);
    qvirtio_common_write(d, 8, 4, 0);
    qvirtio_common_write(d, 12, 4, (uint32_t)features);
    qvirtio_common_write(d, 8, 4, 1);
    qvirtio_common_write(d, 12, 4, features >> 32);
    qvirtio_set_status(d, QVIRTIO_ACKNOWLEDGE | QVIRTIO_DRIVER |
                          QVIRTIO_FEATURES_OK);
    d->features = features;
    return qvirtio_get_status(d) & QVIRTIO_FEATURES_OK;
}

void qvirtio_driver_ok(QVirtioDevice *d)
{
    qvirtio_set_status(d, qvirtio_get_status(d) | QVIRTIO_DRIVER_OK);
}

uint32_t qvirtio_config_readl(QVirtioDevice *d, unsigned off)
{
    return qtest_readl(d->qts, d->device + off);
}

void qvirtio_config_writel(QVirtioDevice *d, unsigned off, uint32_t v)
{
    qtest_writel(d->qts, d->device + off, v);
}

uint16_t qvirtio_num_queues(QVirtioDevice *d)
{
    return qvirtio_common_read(d, 18, 2);
}

void qvirtqueue_setup(QVirtioDevice *d, QVirtQueue *vq, unsigned index,
                      unsigned size, uint16_t vector)
{
    unsigned max;

    memset(vq, 0, sizeof(*vq));
    vq->dev = d;
    vq->index = index;
    qvirtio_common_write(d, 22, 2, index);
    max = qvirtio_common_read(d, 24, 2);
    g_assert_cmpuint(max, >, 0);
    vq->size = size && size < max ? size : max;
    qvirtio_common_write(d, 24, 2, vq->size);
    vq->desc = guest_alloc(d->alloc, 16ULL * vq->size, 4096);
    vq->avail = guest_alloc(d->alloc, 6 + 2ULL * vq->size, 4096);
    vq->used = guest_alloc(d->alloc, 6 + 8ULL * vq->size, 4096);
    qtest_memset(d->qts, vq->desc, 0, 16ULL * vq->size);
    qtest_memset(d->qts, vq->avail, 0, 6 + 2ULL * vq->size);
    qtest_memset(d->qts, vq->used, 0, 6 + 8ULL * vq->size);
    qvirtio_common_write(d, 32, 8, vq->desc);
    qvirtio_common_write(d, 40, 8, vq->avail);
    qvirtio_common_write(d, 48, 8, vq->used);
    qvirtio_common_write(d, 26, 2, vector);
    qvirtio_common_write(d, 28, 2, 1);
}

void qvirtio_msix_enable(QVirtioDevice *d)
{
    uint8_t cap = qpci_find_capability(&d->pci, 0x11, 0);
    uint16_t ctrl;

    g_assert(cap);
    ctrl = qpci_config_readw(&d->pci, cap + 2);
    qpci_config_writew(&d->pci, cap + 2, ctrl | 0x8000);
}

void qvirtio_msix_set_vector(QVirtioDevice *d, unsigned v, uint64_t addr,
                             uint32_t data, bool masked)
{
    uint64_t e = d->msix_table + 16ULL * v;

    qtest_writel(d->qts, e, (uint32_t)addr);
    qtest_writel(d->qts, e + 4, addr >> 32);
    qtest_writel(d->qts, e + 8, data);
    qtest_writel(d->qts, e + 12, masked ? 1 : 0);
}

void qvirtio_set_config_vector(QVirtioDevice *d, uint16_t v)
{
    qvirtio_common_write(d, 16, 2, v);
}
