/*
 * The transport-independent part of a virtio device: status and feature
 * negotiation (virtio 1.2, 3.1), queue bookkeeping, and what happens when
 * the driver breaks the rules (DEVICE_NEEDS_RESET, 2.1.1).
 */
#include "kite/virtio.h"
#include <stdarg.h>
#include <stdio.h>

/* Transport features every device offers. */
#define TRANSPORT_FEATURES \
    ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | \
     (1ULL << VIRTIO_RING_F_EVENT_IDX) | (1ULL << VIRTIO_F_RING_RESET))

void virtio_init(VirtIODevice *vdev, Object *owner, const char *name,
                 uint16_t device_id, size_t config_len,
                 const VirtIODeviceOps *ops)
{
    vdev->name = name;
    vdev->owner = owner;
    vdev->device_id = device_id;
    vdev->config_len = config_len;
    vdev->ops = ops;
    vdev->dma_as = address_space_memory();
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < G_N_ELEMENTS(vdev->vq); i++) {
        vdev->vq[i].vdev = vdev;
        vdev->vq[i].index = i;
        vdev->vq[i].vector = VIRTIO_NO_VECTOR;
    }
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned n, uint16_t size,
                            VirtIOHandleOutput *handle)
{
    VirtQueue *vq = &vdev->vq[n];

    g_assert(n < G_N_ELEMENTS(vdev->vq) && size && size <= VIRTQUEUE_MAX_SIZE);
    vq->num_max = size;
    vq->handle = handle;
    virtqueue_reset(vq);
    if (n >= vdev->num_queues) {
        vdev->num_queues = n + 1;
    }
    return vq;
}

void virtio_set_num_queues(VirtIODevice *vdev, unsigned n)
{
    g_assert(n <= G_N_ELEMENTS(vdev->vq));
    vdev->num_queues = n;
}

void virtio_reset(VirtIODevice *vdev)
{
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        if (vdev->ops->drop_held) {
            vdev->ops->drop_held(vdev, &vdev->vq[i]);
        }
    }
    vdev->status = 0;
    vdev->isr = 0;
    vdev->guest_features = 0;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    vdev->broken = false;
    if (vdev->ops->reset) {
        vdev->ops->reset(vdev);   /* may redefine the queues */
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(vdev->vq); i++) {
        virtqueue_reset(&vdev->vq[i]);
    }
}

bool virtio_set_features(VirtIODevice *vdev, uint64_t features)
{
    uint64_t offered = vdev->ops->get_features(vdev) | TRANSPORT_FEATURES;

    if ((features & ~offered) || !(features & (1ULL << VIRTIO_F_VERSION_1))) {
        return false;
    }
    if (vdev->ops->set_features && !vdev->ops->set_features(vdev, features)) {
        return false;
    }
    vdev->guest_features = features;
    return true;
}

uint64_t virtio_offered_features(VirtIODevice *vdev);
uint64_t virtio_offered_features(VirtIODevice *vdev)
{
    return vdev->ops->get_features(vdev) | TRANSPORT_FEATURES;
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    uint8_t old = vdev->status;

    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    /* FEATURES_OK sticks only if the device accepts the features (3.1.1):
     * the driver reads the status back to find out. */
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !virtio_set_features(vdev, vdev->guest_features)) {
        status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    }
    /* NEEDS_RESET belongs to the device. */
    status = (status & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
             (old & VIRTIO_CONFIG_S_NEEDS_RESET);
    vdev->status = status;
    if (vdev->ops->set_status) {
        vdev->ops->set_status(vdev, status);
    }
}

bool virtio_is_ready(VirtIODevice *vdev)
{
    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq;

    if (n >= vdev->num_queues) {
        return;   /* a kick for a queue that does not exist: ignore */
    }
    vq = &vdev->vq[n];
    if (vq->handle && virtqueue_ready(vq)) {
        vq->handle(vdev, vq);
    }
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken) {
        return;
    }
    vdev->config_generation++;
    vdev->isr |= 2;
    vdev->transport->notify(vdev, NULL);
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    vdev->ring_errors++;
    if (vdev->broken) {
        return;
    }
    fprintf(stderr, "kite: %s: %s; device stopped until the driver resets it\n",
            vdev->name, msg);
    vdev->broken = true;
    vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        vdev->isr |= 2;
        vdev->config_generation++;
        vdev->transport->notify(vdev, NULL);
    }
}
