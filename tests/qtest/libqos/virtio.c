/* Split virtqueues for qtests: rings in guest memory written with qtest. */
#include "libqos/virtio.h"

void qvirtqueue_write_desc(QVirtQueue *vq, uint64_t table, unsigned i,
                           uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next)
{
    QTestState *qts = vq->dev->qts;
    uint64_t d = table + 16ULL * i;

    qtest_writeq(qts, d, addr);
    qtest_writel(qts, d + 8, len);
    qtest_writew(qts, d + 12, flags);
    qtest_writew(qts, d + 14, next);
}

unsigned qvirtqueue_add_chain(QVirtQueue *vq, const uint64_t *addrs,
                              const uint32_t *lens, const bool *write,
                              unsigned n)
{
    unsigned head = vq->free_head % vq->size;

    g_assert_cmpuint(n, >, 0);
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (vq->free_head + k) % vq->size;
        unsigned next = (i + 1) % vq->size;
        uint16_t flags = (write[k] ? QVRING_DESC_F_WRITE : 0) |
                         (k + 1 < n ? QVRING_DESC_F_NEXT : 0);

        qvirtqueue_write_desc(vq, vq->desc, i, addrs[k], lens[k], flags,
                              k + 1 < n ? next : 0);
    }
    vq->free_head += n;
    return head;
}

void qvirtqueue_publish_raw(QVirtQueue *vq, uint16_t slot, uint16_t head,
                            uint16_t idx)
{
    QTestState *qts = vq->dev->qts;

    qtest_writew(qts, vq->avail + 4 + 2ULL * (slot % vq->size), head);
    qtest_writew(qts, vq->avail + 2, idx);
}

void qvirtqueue_publish(QVirtQueue *vq, unsigned head)
{
    qvirtqueue_publish_raw(vq, vq->avail_idx, head, (uint16_t)(vq->avail_idx + 1));
    vq->avail_idx++;
}

void qvirtqueue_kick(QVirtQueue *vq)
{
    QVirtioDevice *d = vq->dev;
    uint16_t off;

    qvirtio_common_write(d, 22, 2, vq->index);
    off = qvirtio_common_read(d, 30, 2);
    qtest_writew(d->qts, d->notify + (uint64_t)off * d->notify_mult, vq->index);
}

uint16_t qvirtqueue_used_idx(QVirtQueue *vq)
{
    return qtest_readw(vq->dev->qts, vq->used + 2);
}

bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *id, uint32_t *len)
{
    QTestState *qts = vq->dev->qts;
    uint64_t e;

    if (qvirtqueue_used_idx(vq) == vq->last_used) {
        return false;
    }
    e = vq->used + 4 + 8ULL * (vq->last_used % vq->size);
    if (id) {
        *id = qtest_readl(qts, e);
    }
    if (len) {
        *len = qtest_readl(qts, e + 4);
    }
    vq->last_used++;
    return true;
}
