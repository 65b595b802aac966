/*
 * Split virtqueues (virtio 1.2, 2.7).  Every read of the rings goes through
 * the bounds-checked DMA helpers and every index the driver gives is
 * checked before use, so a malformed ring breaks only the device.
 */
#include "kite/virtio.h"

#define DESC_SIZE 16
#define USED_ELEM_SIZE 8

typedef struct VringDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VringDesc;

static bool read_u16(VirtQueue *vq, hwaddr addr, uint16_t *v)
{
    uint16_t le;

    if (!dma_memory_read(vq->vdev->dma_as, addr, &le, 2, NULL)) {
        return false;
    }
    *v = GUINT16_FROM_LE(le);
    return true;
}

static bool write_u16(VirtQueue *vq, hwaddr addr, uint16_t v)
{
    uint16_t le = GUINT16_TO_LE(v);
    return dma_memory_write(vq->vdev->dma_as, addr, &le, 2, NULL);
}

static bool read_desc(VirtQueue *vq, hwaddr table, unsigned i, VringDesc *d)
{
    uint8_t raw[DESC_SIZE];

    if (!dma_memory_read(vq->vdev->dma_as, table + (hwaddr)i * DESC_SIZE, raw,
                         DESC_SIZE, NULL)) {
        return false;
    }
    memcpy(&d->addr, raw, 8);
    memcpy(&d->len, raw + 8, 4);
    memcpy(&d->flags, raw + 12, 2);
    memcpy(&d->next, raw + 14, 2);
    d->addr = GUINT64_FROM_LE(d->addr);
    d->len = GUINT32_FROM_LE(d->len);
    d->flags = GUINT16_FROM_LE(d->flags);
    d->next = GUINT16_FROM_LE(d->next);
    return true;
}

bool virtqueue_ready(VirtQueue *vq)
{
    return vq->enabled && vq->num && !vq->vdev->broken &&
           (vq->vdev->status & VIRTIO_CONFIG_S_DRIVER_OK);
}

void virtqueue_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->enabled = false;
    vq->desc = vq->avail = vq->used = 0;
    vq->last_avail_idx = vq->used_idx = vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->vector = VIRTIO_NO_VECTOR;
    vq->inuse = 0;
}

/* Walk one chain (direct or indirect table) into @elem. */
static int walk_chain(VirtQueue *vq, VirtQueueElement *elem, unsigned head)
{
    VirtIODevice *vdev = vq->vdev;
    hwaddr table = vq->desc;
    unsigned max = vq->num, i = head, seen = 0;
    bool indirect = false, saw_in = false;
    VringDesc d;

    for (;;) {
        if (++seen > max) {
            virtio_error(vdev, "queue %u: descriptor chain loops or is longer "
                         "than the %s (%u entries)", vq->index,
                         indirect ? "indirect table" : "queue", max);
            return -1;
        }
        if (!read_desc(vq, table, i, &d)) {
            virtio_error(vdev, "queue %u: descriptor %u at 0x%" PRIx64
                         " is outside RAM", vq->index, i,
                         table + (hwaddr)i * DESC_SIZE);
            return -1;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (indirect) {
                virtio_error(vdev, "queue %u: indirect descriptor inside an "
                             "indirect table", vq->index);
                return -1;
            }
            if (!virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
                virtio_error(vdev, "queue %u: indirect descriptor without "
                             "VIRTIO_RING_F_INDIRECT_DESC", vq->index);
                return -1;
            }
            if ((d.flags & VRING_DESC_F_NEXT) || d.len == 0 ||
                d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
                virtio_error(vdev, "queue %u: bad indirect table (length %u, "
                             "flags 0x%x)", vq->index, d.len, d.flags);
                return -1;
            }
            /* An indirect table replaces the rest of the chain (2.7.5.3). */
            indirect = true;
            table = d.addr;
            max = d.len / DESC_SIZE;
            i = 0;
            seen = 0;
            continue;
        }
        if (d.flags & VRING_DESC_F_WRITE) {
            if (elem->in_num >= VIRTQUEUE_MAX_SIZE) {
                virtio_error(vdev, "queue %u: too many segments", vq->index);
                return -1;
            }
            elem->in[elem->in_num++] = (VirtQueueSeg){ d.addr, d.len };
            saw_in = true;
        } else {
            if (saw_in) {
                virtio_error(vdev, "queue %u: device-readable descriptor after "
                             "a device-writable one", vq->index);
                return -1;
            }
            if (elem->out_num >= VIRTQUEUE_MAX_SIZE) {
                virtio_error(vdev, "queue %u: too many segments", vq->index);
                return -1;
            }
            elem->out[elem->out_num++] = (VirtQueueSeg){ d.addr, d.len };
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return 1;
        }
        if (d.next >= max) {
            virtio_error(vdev, "queue %u: next descriptor %u past the %s size %u",
                         vq->index, d.next, indirect ? "indirect table" : "queue",
                         max);
            return -1;
        }
        i = d.next;
    }
}

int virtqueue_pop(VirtQueue *vq, VirtQueueElement *elem)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t avail_idx, head;
    unsigned pending;
    int r;

    if (!virtqueue_ready(vq)) {
        return 0;
    }
    if (!read_u16(vq, vq->avail + 2, &avail_idx)) {
        virtio_error(vdev, "queue %u: available ring at 0x%" PRIx64
                     " is outside RAM", vq->index, vq->avail);
        return -1;
    }
    pending = (uint16_t)(avail_idx - vq->last_avail_idx);
    if (pending > vq->num) {
        virtio_error(vdev, "queue %u: available index %u is %u entries ahead "
                     "of %u (queue size %u)", vq->index, avail_idx, pending,
                     vq->last_avail_idx, vq->num);
        return -1;
    }
    if (pending == 0) {
        return 0;
    }
    /* Read the ring entry only after seeing the index (2.7.13). */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!read_u16(vq, vq->avail + 4 + 2 * (hwaddr)(vq->last_avail_idx % vq->num),
                  &head)) {
        virtio_error(vdev, "queue %u: available ring is outside RAM", vq->index);
        return -1;
    }
    if (head >= vq->num) {
        virtio_error(vdev, "queue %u: descriptor index %u past queue size %u",
                     vq->index, head, vq->num);
        return -1;
    }
    elem->index = head;
    elem->out_num = elem->in_num = 0;
    r = walk_chain(vq, elem, head);
    if (r < 0) {
        return r;
    }
    vq->last_avail_idx++;
    vq->inuse++;
    if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        /* avail_event: kick us again as soon as anything new arrives. */
        write_u16(vq, vq->used + 4 + USED_ELEM_SIZE * (hwaddr)vq->num,
                  vq->last_avail_idx);
    }
    return 1;
}

bool virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem, uint32_t len)
{
    VirtIODevice *vdev = vq->vdev;
    uint32_t ent[2] = { GUINT32_TO_LE(elem->index), GUINT32_TO_LE(len) };
    hwaddr slot = vq->used + 4 + USED_ELEM_SIZE * (hwaddr)(vq->used_idx % vq->num);

    if (vdev->broken) {
        return false;
    }
    if (!dma_memory_write(vdev->dma_as, slot, ent, sizeof(ent), NULL)) {
        virtio_error(vdev, "queue %u: used ring at 0x%" PRIx64
                     " is outside RAM", vq->index, vq->used);
        return false;
    }
    /* The element must be visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx++;
    if (!write_u16(vq, vq->used + 2, vq->used_idx)) {
        virtio_error(vdev, "queue %u: used ring at 0x%" PRIx64
                     " is outside RAM", vq->index, vq->used);
        return false;
    }
    if (vq->inuse) {
        vq->inuse--;
    }
    return true;
}

void virtqueue_notify(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    bool need;

    if (vdev->broken) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        uint16_t used_event, old = vq->signalled_used, new = vq->used_idx;

        if (!read_u16(vq, vq->avail + 4 + 2 * (hwaddr)vq->num, &used_event)) {
            virtio_error(vdev, "queue %u: available ring is outside RAM",
                         vq->index);
            return;
        }
        /* Interrupt only if used_event lies in (old, new] (2.7.10). */
        need = !vq->signalled_used_valid ||
               (uint16_t)(new - used_event - 1) < (uint16_t)(new - old);
    } else {
        uint16_t flags;

        if (!read_u16(vq, vq->avail, &flags)) {
            virtio_error(vdev, "queue %u: available ring is outside RAM",
                         vq->index);
            return;
        }
        need = !(flags & VRING_AVAIL_F_NO_INTERRUPT);
    }
    vq->signalled_used = vq->used_idx;
    vq->signalled_used_valid = true;
    if (need) {
        vdev->isr |= 1;
        vdev->transport->notify(vdev, vq);
    }
}

size_t virtqueue_out_size(const VirtQueueElement *elem)
{
    size_t total = 0;

    for (unsigned i = 0; i < elem->out_num; i++) {
        total += elem->out[i].len;
    }
    return total;
}

bool virtqueue_read_out(VirtQueue *vq, const VirtQueueElement *elem,
                        size_t offset, void *buf, size_t len)
{
    uint8_t *dst = buf;

    for (unsigned i = 0; i < elem->out_num && len; i++) {
        const VirtQueueSeg *s = &elem->out[i];
        size_t n;

        if (offset >= s->len) {
            offset -= s->len;
            continue;
        }
        n = MIN(len, s->len - offset);
        if (!dma_memory_read(vq->vdev->dma_as, s->addr + offset, dst, n, NULL)) {
            return false;
        }
        dst += n;
        len -= n;
        offset = 0;
    }
    return len == 0;
}
