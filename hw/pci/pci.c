/*
 * PCI functions: configuration space with write masks, BARs and
 * capabilities (PCI Local Bus Specification 3.0, chapter 6).
 */
#include "kite/pci.h"

static PCIMsiSendFn *msi_sender;

static void msi_send_default(uint64_t addr, uint32_t data)
{
    /* As in QEMU, an MSI is a 32-bit write into the memory space: under
     * qtest a test watches it land in guest RAM. */
    address_space_write_sized(address_space_memory(), addr, data, 4);
}

void pci_set_msi_sender(PCIMsiSendFn *fn)
{
    msi_sender = fn;
}

void pci_msi_send(uint64_t addr, uint32_t data)
{
    (msi_sender ? msi_sender : msi_send_default)(addr, data);
}

static void set_le(uint8_t *p, uint64_t v, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint64_t get_le(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    PCIBar *bar = &dev->bars[n];
    uint64_t size = memory_region_size(mr);
    uint64_t mask;
    int off = PCI_BASE_ADDRESS_0 + 4 * n;

    g_assert(n >= 0 && n < PCI_NUM_BARS);
    g_assert(!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) || n < PCI_NUM_BARS - 1);
    if (size < 16) {
        size = 16;  /* the smallest memory BAR */
    }
    size = 1ULL << (64 - __builtin_clzll(size - 1));
    bar->mr = mr;
    bar->size = size;
    bar->type = type;
    bar->addr = UINT64_MAX;
    /* Size probing works through the write mask: the low address bits are
     * read-only zero, so writing all ones reads back ~(size - 1). */
    mask = ~(size - 1);
    set_le(dev->config + off, type, 4);
    set_le(dev->wmask + off, (uint32_t)mask & ~0xfu, 4);
    if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        set_le(dev->config + off + 4, 0, 4);
        set_le(dev->wmask + off + 4, mask >> 32, 4);
    }
}

int pci_add_capability(PCIDevice *dev, uint8_t id, uint8_t size)
{
    int off = dev->cap_end ? dev->cap_end : 0x40;

    g_assert(off + size <= PCI_CONFIG_SPACE_SIZE);
    dev->config[off] = id;
    dev->config[off + 1] = 0;
    if (dev->cap_last) {
        dev->config[dev->cap_last + 1] = off;
    } else {
        dev->config[PCI_CAPABILITY_LIST] = off;
        dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    }
    dev->cap_last = off;
    dev->cap_end = (off + size + 3) & ~3;
    return off;
}

/* The address a BAR decodes now, or UINT64_MAX when it does not. */
static uint64_t bar_address(PCIDevice *dev, int n)
{
    PCIBar *bar = &dev->bars[n];
    int off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t addr;

    if (!(get_le(dev->config + PCI_COMMAND, 2) & PCI_COMMAND_MEMORY)) {
        return UINT64_MAX;
    }
    addr = get_le(dev->config + off, 4) & ~0xfULL;
    if (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr |= get_le(dev->config + off + 4, 4) << 32;
    }
    /* Address 0 and addresses that wrap are "not programmed". */
    if (addr == 0 || addr + bar->size < addr) {
        return UINT64_MAX;
    }
    return addr;
}

static void update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &dev->bars[n];
        uint64_t addr;

        if (!bar->mr) {
            continue;
        }
        addr = bar_address(dev, n);
        if (addr == bar->addr) {
            continue;
        }
        if (bar->addr != UINT64_MAX) {
            memory_region_del_subregion(get_system_memory(), bar->mr);
        }
        bar->addr = addr;
        if (addr != UINT64_MAX) {
            /* BARs sit above RAM where they overlap it, as on real boards. */
            memory_region_add_subregion_overlap(get_system_memory(), addr,
                                                bar->mr, 1);
        }
    }
    memory_region_transaction_commit();
}

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    if (addr >= PCI_CONFIG_SPACE_SIZE || len > PCI_CONFIG_SPACE_SIZE - addr) {
        return ~0u;
    }
    return get_le(dev->config + addr, len);
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len)
{
    bool bars_touched = false;

    if (addr >= PCI_CONFIG_SPACE_SIZE || len > PCI_CONFIG_SPACE_SIZE - addr) {
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint32_t a = addr + i;
        uint8_t wm = dev->wmask[a], w1c = dev->w1cmask[a];

        dev->config[a] = (dev->config[a] & ~wm) | (b & wm);
        dev->config[a] &= ~(b & w1c);
        if ((a >= PCI_BASE_ADDRESS_0 && a < PCI_BASE_ADDRESS_0 + 24) ||
            a == PCI_COMMAND) {
            bars_touched = true;
        }
    }
    if (bars_touched) {
        update_mappings(dev);
    }
    if (dev->msix_cap && addr < dev->msix_cap + 4 &&
        addr + len > dev->msix_cap + PCI_MSIX_FLAGS) {
        msix_config_changed(dev);
    }
    if (addr <= PCI_COMMAND + 1 && addr + len > PCI_COMMAND + 1) {
        pci_set_irq(dev, dev->irq_level); /* INTx disable may have changed */
    }
}

void pci_set_irq(PCIDevice *dev, int level)
{
    bool disabled = get_le(dev->config + PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE;

    dev->irq_level = level;
    /* Interrupt status bit (PCI 3.0, 6.2.3). */
    if (level) {
        dev->config[PCI_STATUS] |= 0x08;
    } else {
        dev->config[PCI_STATUS] &= ~0x08;
    }
    qemu_set_irq(dev->irq, level && !disabled);
}

bool pci_dma_enabled(PCIDevice *dev)
{
    return get_le(dev->config + PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

/* Called by the host bridge with the addresses it chose (firmware's job);
 * reset puts them back so a rebooted guest finds them again. */
void pci_device_program_bars(PCIDevice *dev, const uint64_t *addrs);
void pci_device_program_bars(PCIDevice *dev, const uint64_t *addrs)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        int off = PCI_BASE_ADDRESS_0 + 4 * n;
        PCIBar *bar = &dev->bars[n];

        if (!bar->mr) {
            continue;
        }
        set_le(dev->config + off, (addrs[n] & ~0xfULL) | bar->type, 4);
        if (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            set_le(dev->config + off + 4, addrs[n] >> 32, 4);
        }
    }
    set_le(dev->config + PCI_COMMAND,
           get_le(dev->config + PCI_COMMAND, 2) | PCI_COMMAND_MEMORY, 2);
    update_mappings(dev);
}

bool pci_device_attach(PCIDevice *dev, GError **errp);
void pci_device_detach(PCIDevice *dev);

static bool pci_device_realize(DeviceState *ds, GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(ds);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    if (!pci_host_get()) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "No 'PCI' bus found for device '%s'",
                    object_get_typename(OBJECT(dev)));
        return false;
    }
    if (dev->addr_str) {
        /* "SLOT[.FN]" in hex, as QEMU's addr property. */
        char *end;
        unsigned long slot = strtoul(dev->addr_str, &end, 16), fn = 0;

        if (*end == '.') {
            fn = strtoul(end + 1, &end, 16);
        }
        if (end == dev->addr_str || *end || slot >= PCI_SLOT_MAX || fn > 7) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "Property '%s.addr' doesn't take value '%s'",
                        object_get_typename(OBJECT(dev)), dev->addr_str);
            return false;
        }
        dev->devfn = (int)(slot << 3 | fn);
    }
    set_le(dev->config + PCI_VENDOR_ID, pc->vendor_id, 2);
    set_le(dev->config + PCI_DEVICE_ID, pc->device_id, 2);
    dev->config[PCI_REVISION_ID] = pc->revision;
    set_le(dev->config + PCI_CLASS_DEVICE, pc->class_id, 2);
    set_le(dev->config + PCI_SUBSYSTEM_VENDOR_ID, pc->subsystem_vendor_id, 2);
    set_le(dev->config + PCI_SUBSYSTEM_ID, pc->subsystem_id, 2);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    /* Writable: command (I/O, memory, bus master, INTx disable), latency,
     * interrupt line; status error bits are write-1-to-clear. */
    set_le(dev->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
           PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
    dev->wmask[0x0d] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    dev->w1cmask[PCI_STATUS + 1] = 0xf9;
    if (pc->realize && !pc->realize(dev, errp)) {
        return false;
    }
    if (!pci_device_attach(dev, errp)) {
        if (pc->exit) {
            pc->exit(dev);
        }
        return false;
    }
    return true;
}

static void pci_device_unrealize(DeviceState *ds)
{
    PCIDevice *dev = PCI_DEVICE(ds);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (dev->bars[n].mr && dev->bars[n].addr != UINT64_MAX) {
            memory_region_del_subregion(get_system_memory(), dev->bars[n].mr);
            dev->bars[n].addr = UINT64_MAX;
        }
    }
    memory_region_transaction_commit();
    pci_device_detach(dev);
    if (pc->exit) {
        pc->exit(dev);
    }
}

static void pci_device_reset(DeviceState *ds)
{
    PCIDevice *dev = PCI_DEVICE(ds);

    set_le(dev->config + PCI_COMMAND, 0, 2);
    update_mappings(dev);
    pci_set_irq(dev, 0);
    if (dev->msix_entries) {
        msix_reset(dev);
    }
}

static void pci_device_init(Object *obj)
{
    PCI_DEVICE(obj)->devfn = -1;
}

static void pci_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = pci_device_realize;
    dc->unrealize = pci_device_unrealize;
    dc->reset = pci_device_reset;
    dc->category = "misc";
}

static const Property pci_device_props[] = {
    { .name = "addr", .kind = PROP_KIND_STRING,
      .offset = offsetof(PCIDevice, addr_str), .type_name = "int32",
      .description = "Slot and optional function number, example: 06.0 or 06" },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo pci_device_type = {
    .name = TYPE_PCI_DEVICE,
    .parent = TYPE_DEVICE,
    .abstract = true,
    .instance_size = sizeof(PCIDevice),
    .class_size = sizeof(PCIDeviceClass),
    .instance_init = pci_device_init,
    .class_init = pci_device_class_init,
    .props = pci_device_props,
};

static void pci_register_types(void)
{
    type_register(&pci_device_type);
}
type_init(pci_register_types)
