/* The modern virtio-pci transport (virtio 1.2, 4.1). */
#ifndef KITE_VIRTIO_PCI_H
#define KITE_VIRTIO_PCI_H

#include "kite/pci.h"
#include "kite/virtio.h"
#include "kite/memory-eventfd.h"

#define TYPE_VIRTIO_PCI "virtio-pci"
#define VIRTIO_PCI_VENDOR_ID 0x1af4
#define VIRTIO_PCI_MODERN_DEVICE_BASE 0x1040

/* Where the structures live in BAR 4 (QEMU uses the same BAR number). */
#define VIRTIO_PCI_BAR 4
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_COMMON_OFFSET 0x0000
#define VIRTIO_PCI_ISR_OFFSET    0x1000
#define VIRTIO_PCI_DEVICE_OFFSET 0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET 0x3000
#define VIRTIO_PCI_REGION_SIZE   0x1000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4
#define VIRTIO_PCI_MSIX_VECTORS  8

typedef struct VirtIOPCIProxy VirtIOPCIProxy;

/* A queue's notify address signalling an eventfd (ioeventfd under KVM). */
typedef struct VirtIOPCIKick {
    VirtIOPCIProxy *proxy;
    unsigned queue;
    EventNotifier e;         /* fd -1 when the queue has none */
    guint source;            /* main-loop source reading e */
} VirtIOPCIKick;

struct VirtIOPCIProxy {
    PCIDevice pci;
    VirtIODevice *vdev;
    MemoryRegion bar, common, isr, device, notify, msix_bar;
    uint32_t device_feature_select, driver_feature_select;
    uint16_t queue_select;
    int pci_cfg_cap;       /* offset of the PCI configuration access cap */
    char *disable_legacy;  /* "on", "off" or "auto"; only modern exists */
    bool disable_modern;
    /* Eventfd shortcuts (virtio-pci-eventfd.c), used when an accelerator
     * offers them: kicks through ioeventfds, MSI-X through irqfds. */
    bool ioeventfd;        /* property, default on */
    VirtIOPCIKick kick[8]; /* per queue (VirtIODevice.vq) */
    uint64_t ioeventfd_kicks;
    MsiEventfd vector_fd[VIRTIO_PCI_MSIX_VECTORS];
    uint64_t irqfd_sent;
};

typedef struct VirtIOPCIClass {
    PCIDeviceClass parent_class;
    /* Set up the device model and return it (embedded in the proxy). */
    VirtIODevice *(*vdev_realize)(VirtIOPCIProxy *proxy, GError **errp);
    void (*vdev_unrealize)(VirtIOPCIProxy *proxy);
} VirtIOPCIClass;

/* virtio-pci-eventfd.c */
void virtio_pci_eventfd_init(VirtIOPCIProxy *p);
/* DRIVER_OK: kicks of every enabled queue through ioeventfds. */
void virtio_pci_ioeventfd_start(VirtIOPCIProxy *p);
void virtio_pci_ioeventfd_start_queue(VirtIOPCIProxy *p, unsigned n);
void virtio_pci_ioeventfd_stop_queue(VirtIOPCIProxy *p, unsigned n);
/* Reset and unrealize: every ioeventfd and irqfd goes. */
void virtio_pci_eventfd_stop_all(VirtIOPCIProxy *p);
unsigned virtio_pci_ioeventfd_active(VirtIOPCIProxy *p);
unsigned virtio_pci_irqfd_active(VirtIOPCIProxy *p);

#define VIRTIO_PCI(o) OBJECT_CHECK(VirtIOPCIProxy, (o), TYPE_VIRTIO_PCI)
#define VIRTIO_PCI_GET_CLASS(o) OBJECT_GET_CLASS(VirtIOPCIClass, (o), TYPE_VIRTIO_PCI)

#endif
