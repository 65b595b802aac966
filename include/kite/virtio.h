/*
 * virtio 1.x devices with split virtqueues (virtio spec 1.2, 2.7), bound to
 * a transport (virtio-pci).  All ring and buffer access goes through the
 * memory API's bounds-checked DMA helpers: a malformed ring marks the
 * device broken (DEVICE_NEEDS_RESET) instead of touching anything else.
 */
#ifndef KITE_VIRTIO_H
#define KITE_VIRTIO_H

#include "kite/memory.h"

/* Device status bits (2.1). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE   1
#define VIRTIO_CONFIG_S_DRIVER        2
#define VIRTIO_CONFIG_S_DRIVER_OK     4
#define VIRTIO_CONFIG_S_FEATURES_OK   8
#define VIRTIO_CONFIG_S_NEEDS_RESET   0x40
#define VIRTIO_CONFIG_S_FAILED        0x80

/* Reserved feature bits (6). */
#define VIRTIO_RING_F_INDIRECT_DESC   28
#define VIRTIO_RING_F_EVENT_IDX       29
#define VIRTIO_F_VERSION_1            32
#define VIRTIO_F_ACCESS_PLATFORM      33
#define VIRTIO_F_RING_RESET           40

/* Descriptor flags (2.7.5). */
#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

#define VIRTQUEUE_MAX_SIZE 1024
#define VIRTIO_NO_VECTOR 0xffff

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;
typedef void VirtIOHandleOutput(VirtIODevice *vdev, VirtQueue *vq);

/* One guest buffer segment of a popped chain. */
typedef struct VirtQueueSeg {
    hwaddr addr;
    uint32_t len;
} VirtQueueSeg;

/* A descriptor chain taken from the available ring. */
typedef struct VirtQueueElement {
    unsigned index;          /* head descriptor id */
    unsigned out_num, in_num;
    VirtQueueSeg out[VIRTQUEUE_MAX_SIZE]; /* device-readable, in order */
    VirtQueueSeg in[VIRTQUEUE_MAX_SIZE];  /* device-writable, in order */
} VirtQueueElement;

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    uint16_t num_max;        /* size offered */
    uint16_t num;            /* size the driver chose */
    bool enabled;
    hwaddr desc, avail, used;
    uint16_t last_avail_idx;
    uint16_t used_idx;
    uint16_t signalled_used; /* used idx when we last notified */
    bool signalled_used_valid;
    uint16_t vector;         /* MSI-X vector, VIRTIO_NO_VECTOR = none */
    uint16_t inuse;          /* popped, not yet pushed */
    VirtIOHandleOutput *handle;
};

typedef struct VirtioTransportOps {
    /* Raise the queue (or config, vq == NULL) interrupt. */
    void (*notify)(VirtIODevice *vdev, VirtQueue *vq);
} VirtioTransportOps;

typedef struct VirtIODeviceOps {
    /* Features the device offers (transport bits are added by the core). */
    uint64_t (*get_features)(VirtIODevice *vdev);
    /* Accept the negotiated set (FEATURES_OK time); may lay out queues. */
    bool (*set_features)(VirtIODevice *vdev, uint64_t features);
    /* Device config space: little-endian bytes, @len from config_len. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    void (*reset)(VirtIODevice *vdev);
    /* Status written by the driver (after the core's handling). */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
    /* Return queues' elements held by the device before a reset. */
    void (*drop_held)(VirtIODevice *vdev, VirtQueue *vq);
} VirtIODeviceOps;

struct VirtIODevice {
    const char *name;        /* for log lines: "virtio-balloon" */
    Object *owner;
    uint16_t device_id;      /* virtio device id (5 = balloon) */
    AddressSpace *dma_as;
    const VirtIODeviceOps *ops;
    const VirtioTransportOps *transport;
    void *transport_opaque;
    uint8_t status;
    uint8_t isr;
    uint8_t config_generation;
    uint16_t config_vector;
    uint64_t host_features;  /* offered, transport bits included */
    uint64_t guest_features; /* written by the driver */
    size_t config_len;
    unsigned num_queues;     /* queues currently defined */
    VirtQueue vq[8];
    bool broken;             /* stopped after a malformed ring */
    uint64_t ring_errors;    /* how many times that happened */
};

void virtio_init(VirtIODevice *vdev, Object *owner, const char *name,
                 uint16_t device_id, size_t config_len,
                 const VirtIODeviceOps *ops);
/* Define queue @n with at most @size entries and its output handler. */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned n, uint16_t size,
                            VirtIOHandleOutput *handle);
void virtio_set_num_queues(VirtIODevice *vdev, unsigned n);
void virtio_reset(VirtIODevice *vdev);
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
/* FEATURES_OK check: the driver's features must be a subset of ours and
 * include VERSION_1. */
bool virtio_set_features(VirtIODevice *vdev, uint64_t features);
static inline bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}
bool virtio_is_ready(VirtIODevice *vdev);
/* Driver kicked queue @n. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);
void virtio_notify_config(VirtIODevice *vdev);

/*
 * Mark the device broken because of a driver error: one log line naming
 * the device, queue and problem; status gets NEEDS_RESET and a config
 * interrupt is raised.  Nothing more is processed until reset.
 */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Split ring operations. */
bool virtqueue_ready(VirtQueue *vq);
/* Pop the next available chain into @elem: 1 = got one, 0 = empty,
 * -1 = malformed (the device is now broken). */
int virtqueue_pop(VirtQueue *vq, VirtQueueElement *elem);
/* Put a chain on the used ring with @len bytes written. */
bool virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem, uint32_t len);
/* Notify the driver unless it asked not to be (flags / used_event). */
void virtqueue_notify(VirtQueue *vq);
void virtqueue_reset(VirtQueue *vq);
/* Copy out of / into a chain's segments; false if a segment is not RAM
 * (the caller reports it with virtio_error). */
bool virtqueue_read_out(VirtQueue *vq, const VirtQueueElement *elem,
                        size_t offset, void *buf, size_t len);
size_t virtqueue_out_size(const VirtQueueElement *elem);

#endif
