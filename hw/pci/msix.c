/*
 * MSI-X (PCI Local Bus Specification 3.0, 6.8.2): a vector table and a
 * pending-bit array in a BAR, and a capability with the enable and
 * function-mask bits.
 */
#include "kite/pci.h"

#define MSIX_CAP_SIZE 12

static uint16_t msix_control(PCIDevice *dev)
{
    return dev->config[dev->msix_cap + PCI_MSIX_FLAGS] |
           dev->config[dev->msix_cap + PCI_MSIX_FLAGS + 1] << 8;
}

bool msix_enabled(PCIDevice *dev)
{
    return dev->msix_cap && (msix_control(dev) & PCI_MSIX_FLAGS_ENABLE);
}

static uint32_t entry_word(PCIDevice *dev, unsigned v, unsigned word)
{
    uint8_t *p = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE + word * 4;
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

bool msix_vector_masked(PCIDevice *dev, unsigned v)
{
    return (msix_control(dev) & PCI_MSIX_FLAGS_MASKALL) ||
           (entry_word(dev, v, 3) & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void send_vector(PCIDevice *dev, unsigned v)
{
    uint64_t addr = entry_word(dev, v, 0) | (uint64_t)entry_word(dev, v, 1) << 32;

    dev->msix_pba[v / 8] &= ~(1u << (v % 8));
    dev->msix_sent++;
    if (!dev->msix_vector_fire ||
        !dev->msix_vector_fire(dev, v, addr, entry_word(dev, v, 2))) {
        pci_msi_send(addr, entry_word(dev, v, 2));
    }
}

void msix_notify(PCIDevice *dev, unsigned v)
{
    if (v >= dev->msix_entries || !msix_enabled(dev)) {
        return;
    }
    if (msix_vector_masked(dev, v)) {
        dev->msix_pba[v / 8] |= 1u << (v % 8);
        return;
    }
    send_vector(dev, v);
}

/* Deliver pending vectors that are no longer masked. */
static void deliver_unmasked(PCIDevice *dev)
{
    if (!msix_enabled(dev)) {
        return;
    }
    for (unsigned v = 0; v < dev->msix_entries; v++) {
        if ((dev->msix_pba[v / 8] >> (v % 8) & 1) && !msix_vector_masked(dev, v)) {
            send_vector(dev, v);
        }
    }
}

static void vectors_changed(PCIDevice *dev)
{
    if (dev->msix_vectors_changed) {
        dev->msix_vectors_changed(dev);
    }
}

void msix_config_changed(PCIDevice *dev)
{
    vectors_changed(dev);
    deliver_unmasked(dev);
}

uint64_t msix_messages_sent(PCIDevice *dev)
{
    return dev->msix_sent;
}

static uint64_t table_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)dev->msix_table[addr + i] << (8 * i);
    }
    return v;
}

static void table_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIDevice *dev = opaque;

    for (unsigned i = 0; i < size; i++) {
        dev->msix_table[addr + i] = val >> (8 * i);
    }
    vectors_changed(dev);
    deliver_unmasked(dev);
}

static const MemoryRegionOps table_ops = {
    .read = table_read,
    .write = table_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static uint64_t pba_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;
    uint64_t v = 0;
    size_t pba_len = (dev->msix_entries + 7) / 8;

    for (unsigned i = 0; i < size; i++) {
        if (addr + i < pba_len) {
            v |= (uint64_t)dev->msix_pba[addr + i] << (8 * i);
        }
    }
    return v;
}

static void pba_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    /* The pending bits are read-only for software. */
}

static const MemoryRegionOps pba_ops = {
    .read = pba_read,
    .write = pba_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

bool msix_init(PCIDevice *dev, unsigned n, MemoryRegion *bar,
               uint64_t table_offset, uint64_t pba_offset, GError **errp)
{
    int bir = -1;
    uint64_t table_size = (uint64_t)n * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_size = ((n + 63) / 64) * 8;
    int cap;

    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (dev->bars[i].mr == bar) {
            bir = i;
        }
    }
    if (n == 0 || n > 2048 || bir < 0 ||
        table_offset + table_size > memory_region_size(bar) ||
        pba_offset + pba_size > memory_region_size(bar) ||
        (table_offset & 7) || (pba_offset & 7)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "MSI-X: bad layout for %u vectors", n);
        return false;
    }
    dev->msix_entries = n;
    dev->msix_table = g_malloc0(table_size);
    dev->msix_pba = g_malloc0(pba_size);
    msix_reset(dev);
    memory_region_init_io(&dev->msix_table_mr, OBJECT(dev), &table_ops, dev,
                          "msix-table", table_size);
    memory_region_init_io(&dev->msix_pba_mr, OBJECT(dev), &pba_ops, dev,
                          "msix-pba", pba_size);
    memory_region_add_subregion(bar, table_offset, &dev->msix_table_mr);
    memory_region_add_subregion(bar, pba_offset, &dev->msix_pba_mr);

    cap = pci_add_capability(dev, PCI_CAP_ID_MSIX, MSIX_CAP_SIZE);
    dev->msix_cap = cap;
    dev->config[cap + PCI_MSIX_FLAGS] = (n - 1) & 0xff;
    dev->config[cap + PCI_MSIX_FLAGS + 1] = ((n - 1) >> 8) & 0x07;
    dev->wmask[cap + PCI_MSIX_FLAGS + 1] =
        (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
    for (int i = 0; i < 4; i++) {
        dev->config[cap + PCI_MSIX_TABLE + i] = (table_offset | bir) >> (8 * i);
        dev->config[cap + PCI_MSIX_PBA + i] = (pba_offset | bir) >> (8 * i);
    }
    return true;
}

void msix_reset(PCIDevice *dev)
{
    if (!dev->msix_entries) {
        return;
    }
    memset(dev->msix_table, 0, dev->msix_entries * PCI_MSIX_ENTRY_SIZE);
    memset(dev->msix_pba, 0, ((dev->msix_entries + 63) / 64) * 8);
    /* Every vector starts masked (6.8.2.9). */
    for (unsigned v = 0; v < dev->msix_entries; v++) {
        dev->msix_table[v * PCI_MSIX_ENTRY_SIZE + 12] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
    }
    if (dev->msix_cap) {
        dev->config[dev->msix_cap + PCI_MSIX_FLAGS + 1] &=
            ~((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
    }
    vectors_changed(dev);
}
