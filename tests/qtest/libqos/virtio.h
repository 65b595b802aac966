/*
 * A virtio 1.x driver for qtests: modern virtio-pci transport plus split
 * virtqueues laid out in guest memory (virtio 1.2, 2.7 and 4.1).
 */
#ifndef LIBQOS_VIRTIO_H
#define LIBQOS_VIRTIO_H

#include "libqos/pci.h"
#include "libqos/malloc.h"

#define QVIRTIO_ACKNOWLEDGE 1
#define QVIRTIO_DRIVER 2
#define QVIRTIO_DRIVER_OK 4
#define QVIRTIO_FEATURES_OK 8
#define QVIRTIO_NEEDS_RESET 0x40
#define QVIRTIO_F_VERSION_1 32
#define QVIRTIO_F_INDIRECT_DESC 28
#define QVIRTIO_F_EVENT_IDX 29
#define QVIRTIO_F_RING_RESET 40
#define QVRING_DESC_F_NEXT 1
#define QVRING_DESC_F_WRITE 2
#define QVRING_DESC_F_INDIRECT 4

typedef struct QVirtioDevice {
    QTestState *qts;
    QPCIDevice pci;
    QGuestAllocator *alloc;
    uint64_t common, isr, device, notify;   /* guest addresses */
    uint32_t notify_mult;
    uint64_t msix_table;                    /* guest address, 0 = none */
    uint64_t features;                      /* negotiated */
} QVirtioDevice;

typedef struct QVirtQueue {
    QVirtioDevice *dev;
    unsigned index;
    unsigned size;
    uint64_t desc, avail, used;
    unsigned free_head;     /* next descriptor to hand out (no reuse) */
    uint16_t avail_idx;     /* driver's shadow of avail->idx */
    uint16_t last_used;     /* next used entry to read */
} QVirtQueue;

/* Find the virtio-pci function for @virtio_id and parse its capabilities.
 * Returns false if there is none. */
bool qvirtio_pci_find(QTestState *qts, QGuestAllocator *alloc,
                      uint16_t virtio_id, QVirtioDevice *dev);

uint64_t qvirtio_common_read(QVirtioDevice *d, unsigned off, unsigned size);
void qvirtio_common_write(QVirtioDevice *d, unsigned off, unsigned size,
                          uint64_t v);
uint8_t qvirtio_get_status(QVirtioDevice *d);
void qvirtio_set_status(QVirtioDevice *d, uint8_t status);
void qvirtio_reset(QVirtioDevice *d);
uint64_t qvirtio_device_features(QVirtioDevice *d);
/* Reset, ACKNOWLEDGE|DRIVER, write @features, set FEATURES_OK; returns
 * whether the device kept FEATURES_OK. */
bool qvirtio_negotiate(QVirtioDevice *d, uint64_t features);
void qvirtio_driver_ok(QVirtioDevice *d);
uint32_t qvirtio_config_readl(QVirtioDevice *d, unsigned off);
void qvirtio_config_writel(QVirtioDevice *d, unsigned off, uint32_t v);
uint16_t qvirtio_num_queues(QVirtioDevice *d);

/* Select queue @index, allocate rings of @size (0 = the maximum) and enable
 * it; with @vector != 0xffff route it to that MSI-X vector. */
void qvirtqueue_setup(QVirtioDevice *d, QVirtQueue *vq, unsigned index,
                      unsigned size, uint16_t vector);
/* Write descriptor @i (raw, for malformed-ring tests too). */
void qvirtqueue_write_desc(QVirtQueue *vq, uint64_t table, unsigned i,
                           uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next);
/* Append a chain of @n buffers; returns the head index. */
unsigned qvirtqueue_add_chain(QVirtQueue *vq, const uint64_t *addrs,
                              const uint32_t *lens, const bool *write,
                              unsigned n);
/* Put @head in the available ring and publish it (no kick). */
void qvirtqueue_publish(QVirtQueue *vq, unsigned head);
/* Publish raw: set avail->idx to @idx and ring[slot] = @head. */
void qvirtqueue_publish_raw(QVirtQueue *vq, uint16_t slot, uint16_t head,
                            uint16_t idx);
void qvirtqueue_kick(QVirtQueue *vq);
/* Next used element, if any. */
bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *id, uint32_t *len);
uint16_t qvirtqueue_used_idx(QVirtQueue *vq);

/* Enable MSI-X and point vector @v at guest address @addr with @data. */
void qvirtio_msix_enable(QVirtioDevice *d);
void qvirtio_msix_set_vector(QVirtioDevice *d, unsigned v, uint64_t addr,
                             uint32_t data, bool masked);
void qvirtio_set_config_vector(QVirtioDevice *d, uint16_t v);

#endif
