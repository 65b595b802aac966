/*
 * PCI: one bus behind configuration mechanism #1 (ports 0xcf8/0xcfc),
 * type 0 functions with 256 bytes of configuration space, memory BARs the
 * machine assigns (there is no firmware), and MSI-X.
 */
#ifndef KITE_PCI_H
#define KITE_PCI_H

#include "kite/qdev.h"
#include "kite/memory.h"

#define TYPE_PCI_DEVICE "pci-device"
#define TYPE_PCI_HOST "pci-host"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_NUM_BARS 6
#define PCI_SLOT_MAX 32

/* Configuration space offsets (PCI Local Bus Specification 3.0, 6.1). */
#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define PCI_STATUS           0x06
#define PCI_REVISION_ID      0x08
#define PCI_CLASS_PROG       0x09
#define PCI_CLASS_DEVICE     0x0a
#define PCI_HEADER_TYPE      0x0e
#define PCI_BASE_ADDRESS_0   0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID     0x2e
#define PCI_CAPABILITY_LIST  0x34
#define PCI_INTERRUPT_LINE   0x3c
#define PCI_INTERRUPT_PIN    0x3d

#define PCI_COMMAND_IO       0x1
#define PCI_COMMAND_MEMORY   0x2
#define PCI_COMMAND_MASTER   0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST  0x10

#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08

#define PCI_CAP_ID_MSIX      0x11
#define PCI_CAP_ID_VNDR      0x09
#define PCI_MSIX_FLAGS       2      /* within the MSI-X capability */
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_TABLE       4
#define PCI_MSIX_PBA         8
#define PCI_MSIX_ENTRY_SIZE  16
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1

typedef struct PCIDevice PCIDevice;

typedef struct PCIBar {
    MemoryRegion *mr;        /* NULL when unused */
    uint64_t size;           /* power of two */
    uint8_t type;            /* low BAR bits: 64-bit, prefetchable */
    uint64_t addr;           /* current guest address, or UINT64_MAX unmapped */
    uint64_t assigned;       /* address the machine gave it (0 = none) */
} PCIBar;

struct PCIDevice {
    DeviceState parent_obj;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* guest-writable bits */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* write-1-to-clear bits */
    int devfn;               /* from the "addr" property, -1 = any */
    char *addr_str;
    PCIBar bars[PCI_NUM_BARS];
    int cap_end;             /* first free byte after the capabilities */
    int cap_last;            /* offset of the last capability, 0 = none */
    int irq_level;
    qemu_irq irq;            /* INTx line, set by the host bridge */
    /* MSI-X */
    int msix_cap;            /* offset of the capability, 0 = none */
    unsigned msix_entries;
    uint8_t *msix_table;     /* msix_entries * 16 bytes */
    uint8_t *msix_pba;
    MemoryRegion msix_table_mr, msix_pba_mr;
    uint64_t msix_sent;
    /*
     * Optional MSI-X fast path (virtio-pci's irqfds), NULL by default:
     * msix_vector_fire delivers an unmasked vector and returns true, or
     * false to leave it to pci_msi_send; msix_vectors_changed runs after
     * the table, a mask bit, the enable bit or a reset changed vectors
     * (before pending vectors are delivered).
     */
    bool (*msix_vector_fire)(PCIDevice *dev, unsigned vector, uint64_t addr,
                             uint32_t data);
    void (*msix_vectors_changed)(PCIDevice *dev);
};

typedef struct PCIDeviceClass {
    DeviceClass parent_class;
    uint16_t vendor_id, device_id, subsystem_vendor_id, subsystem_id;
    uint8_t revision;
    uint16_t class_id;
    bool (*realize)(PCIDevice *dev, GError **errp);
    void (*exit)(PCIDevice *dev);
    /* Hooks after the generic config handling (may be NULL). */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val,
                         unsigned len);
} PCIDeviceClass;

#define PCI_DEVICE(o) OBJECT_CHECK(PCIDevice, (o), TYPE_PCI_DEVICE)
#define PCI_DEVICE_GET_CLASS(o) OBJECT_GET_CLASS(PCIDeviceClass, (o), TYPE_PCI_DEVICE)

/* Register BAR @n backed by @mr (size rounded up to a power of two). */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);
/* Add a capability of @size bytes; returns its offset. */
int pci_add_capability(PCIDevice *dev, uint8_t id, uint8_t size);
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len);
void pci_set_irq(PCIDevice *dev, int level);
/* DMA into guest memory goes through the memory API's bounds-checked
 * helpers; a device without bus mastering enabled must not do DMA. */
bool pci_dma_enabled(PCIDevice *dev);

/* MSI-X with @n vectors; table and PBA in @bar (already registered as a
 * BAR with pci_register_bar) at the given offsets. */
bool msix_init(PCIDevice *dev, unsigned n, MemoryRegion *bar,
               uint64_t table_offset, uint64_t pba_offset, GError **errp);
bool msix_enabled(PCIDevice *dev);
bool msix_vector_masked(PCIDevice *dev, unsigned vector);
/* Deliver vector @v (or set its pending bit if masked). */
void msix_notify(PCIDevice *dev, unsigned vector);
void msix_reset(PCIDevice *dev);
/* The MSI-X control word changed: deliver what became unmasked. */
void msix_config_changed(PCIDevice *dev);
/* Number of messages sent (for tests and counters). */
uint64_t msix_messages_sent(PCIDevice *dev);

/*
 * How an MSI message leaves the device: by default a 32-bit write into
 * the memory address space (so qtests can watch it, as in QEMU); the KVM
 * accelerator replaces this with KVM_SIGNAL_MSI.
 */
typedef void PCIMsiSendFn(uint64_t addr, uint32_t data);
void pci_set_msi_sender(PCIMsiSendFn *fn);
void pci_msi_send(uint64_t addr, uint32_t data);

/*
 * The host bridge: create the bus on ports 0xcf8/0xcfc of the I/O space.
 * @mmio_base/@mmio_size is the window where pci_assign_bars places BARs.
 */
DeviceState *pci_host_create(hwaddr mmio_base, uint64_t mmio_size,
                             GError **errp);
/* The bus devices plug into (NULL when the machine has none). */
DeviceState *pci_host_get(void);
/* The host's MMIO window for BARs; false when the machine has no PCI. */
bool pci_host_mmio_window(hwaddr *base, uint64_t *size);
/* Assign every BAR of every device and enable decoding (the machine does
 * what firmware would). */
bool pci_assign_bars(GError **errp);
/* After a system reset, program the assigned BARs again. */
void pci_host_reprogram(void);

#endif
