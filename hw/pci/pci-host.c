/*
 * The PCI host bridge: configuration mechanism #1 on ports 0xcf8 (address)
 * and 0xcfc-0xcff (data), one bus of 32 slots, INTA-D lines swizzled by
 * slot, and the BAR assignment firmware would otherwise do.
 */
#include "kite/pci.h"
#include "kite/runstate.h"

#define TYPE_PCI_HOST_DEVICE "pci-host"
#define CONFIG_ADDR_ENABLE 0x80000000u
#define FIRST_AUTO_SLOT 1   /* slot 0 is left for a host bridge function */

typedef struct PCIHost {
    DeviceState parent_obj;
    MemoryRegion addr_io, data_io;
    uint32_t config_addr;
    uint8_t reset_control;       /* port 0xcf9, inside the address register */
    PCIDevice *devices[PCI_SLOT_MAX * 8];
    qemu_irq intx[4];            /* to the interrupt controller */
    int intx_count[4];           /* devices asserting each line */
    uint8_t intx_level[PCI_SLOT_MAX * 8]; /* each function's last level */
    hwaddr mmio_base;
    uint64_t mmio_size;
} PCIHost;

#define PCI_HOST(o) OBJECT_CHECK(PCIHost, (o), TYPE_PCI_HOST_DEVICE)

static PCIHost *the_host;

void pci_device_program_bars(PCIDevice *dev, const uint64_t *addrs);
bool pci_device_attach(PCIDevice *dev, GError **errp);
void pci_device_detach(PCIDevice *dev);

DeviceState *pci_host_get(void)
{
    return the_host ? DEVICE(the_host) : NULL;
}

bool pci_host_mmio_window(hwaddr *base, uint64_t *size)
{
    if (!the_host) {
        return false;
    }
    *base = the_host->mmio_base;
    *size = the_host->mmio_size;
    return true;
}

static PCIDevice *config_target(PCIHost *h, uint32_t *reg)
{
    uint32_t a = h->config_addr;

    if (!(a & CONFIG_ADDR_ENABLE) || ((a >> 16) & 0xff) != 0) {
        return NULL;  /* disabled, or a bus that does not exist */
    }
    *reg = a & 0xfc;
    return h->devices[(a >> 8) & 0xff];
}

/*
 * Dword accesses reach the address register (PCI 3.0, 3.2.2.3.2); a byte
 * access to 0xcf9 is the reset control register of PC chipsets: writing
 * it with bit 2 set resets the system.
 */
static uint64_t addr_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHost *h = PCI_HOST(opaque);

    if (size == 4) {
        return h->config_addr;
    }
    if (size == 1 && addr == 1) {
        return h->reset_control;
    }
    return (1ULL << (8 * size)) - 1;
}

static void addr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHost *h = PCI_HOST(opaque);

    if (size == 4) {
        h->config_addr = val & 0xfffffffc;
    } else if (size == 1 && addr == 1) {
        h->reset_control = val & 0x0a;
        if (val & 0x04) {
            /* The guest's reset: -no-reboot turns it into an exit. */
            qemu_system_reset_request_reason("guest-reset");
        }
    }
}

static const MemoryRegionOps addr_ops = {
    .read = addr_read,
    .write = addr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHost *h = PCI_HOST(opaque);
    uint32_t reg;
    PCIDevice *dev = config_target(h, &reg);
    PCIDeviceClass *pc;

    if (!dev) {
        return (1ULL << (8 * size)) - 1;
    }
    reg += addr;
    pc = PCI_DEVICE_GET_CLASS(dev);
    if (pc->config_read) {
        return pc->config_read(dev, reg, size);
    }
    return pci_default_read_config(dev, reg, size);
}

static void data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHost *h = PCI_HOST(opaque);
    uint32_t reg;
    PCIDevice *dev = config_target(h, &reg);
    PCIDeviceClass *pc;

    if (!dev) {
        return;
    }
    reg += addr;
    pc = PCI_DEVICE_GET_CLASS(dev);
    if (pc->config_write) {
        pc->config_write(dev, reg, val, size);
    } else {
        pci_default_write_config(dev, reg, val, size);
    }
}

static const MemoryRegionOps data_ops = {
    .read = data_read,
    .write = data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/*
 * INTx of a device: pin A of slot s drives host line s % 4 (every
 * device here uses pin A); the DSDT's _PRT says the same to the guest.
 */
static void device_intx(void *opaque, int devfn, int level)
{
    PCIHost *h = the_host;
    int line = ((devfn >> 3) + 0) % 4;

    if (!h || h->intx_level[devfn] == !!level) {
        return;
    }
    h->intx_level[devfn] = !!level;
    h->intx_count[line] += level ? 1 : -1;
    qemu_set_irq(h->intx[line], h->intx_count[line] > 0);
}

bool pci_device_attach(PCIDevice *dev, GError **errp)
{
    PCIHost *h = the_host;
    int devfn = dev->devfn;

    if (devfn < 0) {
        for (int slot = FIRST_AUTO_SLOT; slot < PCI_SLOT_MAX; slot++) {
            if (!h->devices[slot << 3]) {
                devfn = slot << 3;
                break;
            }
        }
        if (devfn < 0) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "PCI: no slot available for device '%s'",
                        object_get_typename(OBJECT(dev)));
            return false;
        }
    } else if (h->devices[devfn]) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "PCI: slot %d function %d not available for %s, in use by %s",
                    devfn >> 3, devfn & 7, object_get_typename(OBJECT(dev)),
                    object_get_typename(OBJECT(h->devices[devfn])));
        return false;
    }
    dev->devfn = devfn;
    h->devices[devfn] = dev;
    dev->irq = qemu_allocate_irq(device_intx, dev, devfn);
    return true;
}

void pci_device_detach(PCIDevice *dev)
{
    if (the_host && dev->devfn >= 0 && the_host->devices[dev->devfn] == dev) {
        the_host->devices[dev->devfn] = NULL;
    }
    if (dev->irq) {
        qemu_free_irq(dev->irq);
        dev->irq = NULL;
    }
}

typedef struct BarRef {
    PCIDevice *dev;
    int n;
} BarRef;

static gint bar_by_size_desc(gconstpointer a, gconstpointer b)
{
    const BarRef *x = a, *y = b;
    uint64_t sx = x->dev->bars[x->n].size, sy = y->dev->bars[y->n].size;

    if (sx != sy) {
        return sx > sy ? -1 : 1;
    }
    return x->dev->devfn != y->dev->devfn ? x->dev->devfn - y->dev->devfn
                                          : x->n - y->n;
}

bool pci_assign_bars(GError **errp)
{
    PCIHost *h = the_host;
    g_autoptr(GArray) refs = g_array_new(false, false, sizeof(BarRef));
    hwaddr next;

    if (!h) {
        return true;
    }
    for (int devfn = 0; devfn < PCI_SLOT_MAX * 8; devfn++) {
        PCIDevice *dev = h->devices[devfn];
        for (int n = 0; dev && n < PCI_NUM_BARS; n++) {
            if (dev->bars[n].mr) {
                BarRef r = { dev, n };
                g_array_append_val(refs, r);
            }
        }
    }
    /* Largest first keeps every BAR naturally aligned without holes. */
    g_array_sort(refs, bar_by_size_desc);
    next = h->mmio_base;
    for (guint i = 0; i < refs->len; i++) {
        BarRef *r = &g_array_index(refs, BarRef, i);
        uint64_t size = r->dev->bars[r->n].size;
        hwaddr addr = (next + size - 1) & ~(size - 1);

        if (addr + size > h->mmio_base + h->mmio_size) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "PCI: BAR %d of %s (%" PRIu64 " bytes) does not fit "
                        "in the MMIO window", r->n,
                        object_get_typename(OBJECT(r->dev)), size);
            return false;
        }
        r->dev->bars[r->n].assigned = addr;
        next = addr + size;
    }
    for (int devfn = 0; devfn < PCI_SLOT_MAX * 8; devfn++) {
        PCIDevice *dev = h->devices[devfn];
        if (dev) {
            uint64_t addrs[PCI_NUM_BARS];
            for (int n = 0; n < PCI_NUM_BARS; n++) {
                addrs[n] = dev->bars[n].assigned;
            }
            pci_device_program_bars(dev, addrs);
            /* What firmware tells the OS: the GSI of the device's pin. */
            dev->config[PCI_INTERRUPT_LINE] = 16 + ((devfn >> 3) % 4);
        }
    }
    return true;
}

static void pci_host_reset_hook(DeviceState *ds)
{
    PCIHost *h = PCI_HOST(ds);

    h->config_addr = 0;
    memset(h->intx_count, 0, sizeof(h->intx_count));
    memset(h->intx_level, 0, sizeof(h->intx_level));
}

/* After the devices' own reset, give them their BARs back. */
void pci_host_reprogram(void)
{
    for (int devfn = 0; the_host && devfn < PCI_SLOT_MAX * 8; devfn++) {
        PCIDevice *dev = the_host->devices[devfn];
        if (dev) {
            uint64_t addrs[PCI_NUM_BARS];
            for (int n = 0; n < PCI_NUM_BARS; n++) {
                addrs[n] = dev->bars[n].assigned;
            }
            pci_device_program_bars(dev, addrs);
        }
    }
}

static void pci_host_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->reset = pci_host_reset_hook;
    dc->desc = "PCI host bridge (configuration mechanism #1)";
    dc->user_creatable = false;   /* the machine creates the one bus */
}

static const TypeInfo pci_host_type = {
    .name = TYPE_PCI_HOST_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(PCIHost),
    .class_size = sizeof(DeviceClass),
    .class_init = pci_host_class_init,
};

DeviceState *pci_host_create(hwaddr mmio_base, uint64_t mmio_size,
                             GError **errp)
{
    PCIHost *h;
    DeviceState *ds;

    g_assert(!the_host);
    ds = qdev_new(TYPE_PCI_HOST_DEVICE);
    h = PCI_HOST(ds);
    h->mmio_base = mmio_base;
    h->mmio_size = mmio_size;
    memory_region_init_io(&h->addr_io, OBJECT(h), &addr_ops, h,
                          "pci-conf-idx", 4);
    memory_region_init_io(&h->data_io, OBJECT(h), &data_ops, h,
                          "pci-conf-data", 4);
    memory_region_add_subregion(get_system_io(), 0xcf8, &h->addr_io);
    memory_region_add_subregion(get_system_io(), 0xcfc, &h->data_io);
    qdev_init_gpio_out(ds, h->intx, 4);
    object_property_add_child(container_get("/machine"), "pci", OBJECT(ds));
    object_unref(OBJECT(ds));
    if (!qdev_realize(ds, errp)) {
        object_unparent(OBJECT(ds));
        return NULL;
    }
    the_host = h;
    return ds;
}

static void pci_host_register_types(void)
{
    type_register(&pci_host_type);
}
type_init(pci_host_register_types)
