/*
 * Modern virtio-pci (virtio 1.2, 4.1): vendor capabilities pointing at the
 * common, ISR, device and notify structures in BAR 4, MSI-X in BAR 1, and
 * the PCI configuration access capability.
 */
#include "kite/virtio-pci.h"

/* Capability types (4.1.4). */
#define CAP_COMMON_CFG 1
#define CAP_NOTIFY_CFG 2
#define CAP_ISR_CFG    3
#define CAP_DEVICE_CFG 4
#define CAP_PCI_CFG    5

/* Common configuration layout (4.1.4.3). */
enum {
    CC_DFSELECT = 0, CC_DF = 4, CC_GFSELECT = 8, CC_GF = 12,
    CC_MSIX_CONFIG = 16, CC_NUM_QUEUES = 18, CC_STATUS = 20, CC_CFGGEN = 21,
    CC_Q_SELECT = 22, CC_Q_SIZE = 24, CC_Q_MSIX = 26, CC_Q_ENABLE = 28,
    CC_Q_NOTIFY_OFF = 30, CC_Q_DESC = 32, CC_Q_DRIVER = 40, CC_Q_DEVICE = 48,
    CC_Q_NOTIFY_DATA = 56, CC_Q_RESET = 58, CC_SIZE = 60,
};

uint64_t virtio_offered_features(VirtIODevice *vdev);

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static VirtQueue *selected_queue(VirtIOPCIProxy *p)
{
    if (p->queue_select >= p->vdev->num_queues) {
        return NULL;
    }
    return &p->vdev->vq[p->queue_select];
}

static void common_image(VirtIOPCIProxy *p, uint8_t *img)
{
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq = selected_queue(p);
    uint64_t offered = virtio_offered_features(vdev);

    memset(img, 0, CC_SIZE);
    put_le(img + CC_DFSELECT, p->device_feature_select, 4);
    put_le(img + CC_DF, p->device_feature_select < 2 ?
           offered >> (32 * p->device_feature_select) : 0, 4);
    put_le(img + CC_GFSELECT, p->driver_feature_select, 4);
    put_le(img + CC_GF, p->driver_feature_select < 2 ?
           vdev->guest_features >> (32 * p->driver_feature_select) : 0, 4);
    put_le(img + CC_MSIX_CONFIG, vdev->config_vector, 2);
    put_le(img + CC_NUM_QUEUES, vdev->num_queues, 2);
    img[CC_STATUS] = vdev->status;
    img[CC_CFGGEN] = vdev->config_generation;
    put_le(img + CC_Q_SELECT, p->queue_select, 2);
    if (vq) {
        put_le(img + CC_Q_SIZE, vq->num_max ? vq->num : 0, 2);
        put_le(img + CC_Q_MSIX, vq->vector, 2);
        put_le(img + CC_Q_ENABLE, vq->enabled, 2);
        put_le(img + CC_Q_NOTIFY_OFF, p->queue_select, 2);
        put_le(img + CC_Q_DESC, vq->desc, 8);
        put_le(img + CC_Q_DRIVER, vq->avail, 8);
        put_le(img + CC_Q_DEVICE, vq->used, 8);
        put_le(img + CC_Q_NOTIFY_DATA, p->queue_select, 2);
    }
}

static uint64_t common_read(void *opaque, hwaddr addr, unsigned size)
{
    uint8_t img[CC_SIZE + 8];

    common_image(opaque, img);
    memset(img + CC_SIZE, 0, 8);
    return addr < CC_SIZE ? get_le(img + addr, MIN(size, CC_SIZE + 8 - addr)) : 0;
}

static uint16_t checked_vector(VirtIOPCIProxy *p, uint16_t v)
{
    /* A vector the table does not have reads back as NO_VECTOR (4.1.5.1.2). */
    return v < p->pci.msix_entries ? v : VIRTIO_NO_VECTOR;
}

/* Apply a field whose bytes in @img changed. */
static void common_apply(VirtIOPCIProxy *p, unsigned field, const uint8_t *img)
{
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq = selected_queue(p);
    bool configurable = vq && vq->num_max && !vq->enabled;

    switch (field) {
    case CC_DFSELECT:
        p->device_feature_select = get_le(img + field, 4);
        break;
    case CC_GFSELECT:
        p->driver_feature_select = get_le(img + field, 4);
        break;
    case CC_GF:
        /* Features are fixed once FEATURES_OK is set (3.1.1). */
        if (p->driver_feature_select < 2 &&
            !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
            unsigned shift = 32 * p->driver_feature_select;
            vdev->guest_features &= ~(0xffffffffULL << shift);
            vdev->guest_features |= get_le(img + field, 4) << shift;
        }
        break;
    case CC_MSIX_CONFIG:
        vdev->config_vector = checked_vector(p, get_le(img + field, 2));
        break;
    case CC_STATUS: {
        bool was_ok = vdev->status & VIRTIO_CONFIG_S_DRIVER_OK;

        if (img[field] == 0) {
            virtio_pci_eventfd_stop_all(p);
        }
        virtio_set_status(vdev, img[field]);
        if (vdev->status == 0) {
            pci_set_irq(&p->pci, 0);
        }
        /* Kicks take the eventfd path from DRIVER_OK on. */
        if (!was_ok && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
            virtio_pci_ioeventfd_start(p);
        }
        break;
    }
    case CC_Q_SELECT:
        p->queue_select = get_le(img + field, 2);
        break;
    case CC_Q_SIZE: {
        uint16_t n = get_le(img + field, 2);
        if (configurable && n && n <= vq->num_max) {
            vq->num = n;
        }
        break;
    }
    case CC_Q_MSIX:
        if (vq) {
            vq->vector = checked_vector(p, get_le(img + field, 2));
        }
        break;
    case CC_Q_ENABLE:
        if (configurable && get_le(img + field, 2) == 1) {
            vq->enabled = true;
            if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
                virtio_pci_ioeventfd_start_queue(p, p->queue_select);
            }
        }
        break;
    case CC_Q_DESC:
    case CC_Q_DRIVER:
    case CC_Q_DEVICE:
        if (configurable) {
            uint64_t v = get_le(img + field, 8);
            if (field == CC_Q_DESC) {
                vq->desc = v;
            } else if (field == CC_Q_DRIVER) {
                vq->avail = v;
            } else {
                vq->used = v;
            }
        }
        break;
    case CC_Q_RESET:
        if (vq && get_le(img + field, 2) == 1 &&
            virtio_has_feature(vdev, VIRTIO_F_RING_RESET)) {
            if (vdev->ops->drop_held) {
                vdev->ops->drop_held(vdev, vq);
            }
            virtio_pci_ioeventfd_stop_queue(p, p->queue_select);
            virtqueue_reset(vq);
        }
        break;
    default:
        break;    /* read-only fields */
    }
}

static void common_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    static const unsigned fields[][2] = {
        { CC_DFSELECT, 4 }, { CC_DF, 4 }, { CC_GFSELECT, 4 }, { CC_GF, 4 },
        { CC_MSIX_CONFIG, 2 }, { CC_NUM_QUEUES, 2 }, { CC_STATUS, 1 },
        { CC_CFGGEN, 1 }, { CC_Q_SELECT, 2 }, { CC_Q_SIZE, 2 },
        { CC_Q_MSIX, 2 }, { CC_Q_ENABLE, 2 }, { CC_Q_NOTIFY_OFF, 2 },
        { CC_Q_DESC, 8 }, { CC_Q_DRIVER, 8 }, { CC_Q_DEVICE, 8 },
        { CC_Q_NOTIFY_DATA, 2 }, { CC_Q_RESET, 2 },
    };
    VirtIOPCIProxy *p = opaque;
    uint8_t img[CC_SIZE + 8];

    if (addr >= CC_SIZE) {
        return;
    }
    common_image(p, img);
    put_le(img + addr, val, size);
    /* Apply each field the access touched, in address order, so that a
     * wide write that also selects a queue takes effect consistently. */
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        unsigned off = fields[i][0], len = fields[i][1];
        if (addr < off + len && addr + size > off) {
            common_apply(p, off, img);
        }
    }
}

static const MemoryRegionOps common_ops = {
    .read = common_read,
    .write = common_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static uint64_t isr_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    uint8_t v = p->vdev->isr;

    /* Reading the ISR acknowledges the interrupt (4.1.4.5). */
    if (addr == 0) {
        p->vdev->isr = 0;
        pci_set_irq(&p->pci, 0);
    }
    return addr == 0 ? v : 0;
}

static void ignore_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps isr_ops = {
    .read = isr_read,
    .write = ignore_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t device_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    g_autofree uint8_t *cfg = g_malloc0(vdev->config_len + 8);

    if (addr >= vdev->config_len) {
        return 0;
    }
    vdev->ops->get_config(vdev, cfg);
    return get_le(cfg + addr, size);
}

static void device_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    g_autofree uint8_t *cfg = g_malloc0(vdev->config_len + 8);

    if (addr >= vdev->config_len || !vdev->ops->set_config) {
        return;
    }
    vdev->ops->get_config(vdev, cfg);
    put_le(cfg + addr, val, MIN(size, vdev->config_len - addr));
    vdev->ops->set_config(vdev, cfg);
}

static const MemoryRegionOps device_ops = {
    .read = device_read,
    .write = device_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static uint64_t notify_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void notify_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    /* queue_notify_off is the queue index, times the multiplier. */
    if (addr % VIRTIO_PCI_NOTIFY_MULTIPLIER == 0) {
        virtio_queue_notify(p->vdev, addr / VIRTIO_PCI_NOTIFY_MULTIPLIER);
    }
}

static const MemoryRegionOps notify_ops = {
    .read = notify_read,
    .write = notify_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void transport_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOPCIProxy *p = vdev->transport_opaque;

    if (msix_enabled(&p->pci)) {
        uint16_t v = vq ? vq->vector : vdev->config_vector;
        if (v != VIRTIO_NO_VECTOR) {
            msix_notify(&p->pci, v);
        }
        return;
    }
    pci_set_irq(&p->pci, vdev->isr != 0);
}

static const VirtioTransportOps pci_transport = {
    .notify = transport_notify,
};

static int add_vendor_cap(VirtIOPCIProxy *p, uint8_t type, uint32_t offset,
                          uint32_t length, uint8_t extra)
{
    int cap = pci_add_capability(&p->pci, PCI_CAP_ID_VNDR, 16 + extra);
    uint8_t *c = p->pci.config + cap;

    c[2] = 16 + extra;
    c[3] = type;
    c[4] = type == CAP_PCI_CFG ? 0 : VIRTIO_PCI_BAR;
    put_le(c + 8, offset, 4);
    put_le(c + 12, length, 4);
    return cap;
}

/* The PCI configuration access capability: a window onto the BARs
 * through configuration space (4.1.4.9). */
static void pci_cfg_access(VirtIOPCIProxy *p, bool write)
{
    uint8_t *c = p->pci.config + p->pci_cfg_cap;
    unsigned bar = c[4];
    uint32_t off = get_le(c + 8, 4), len = get_le(c + 12, 4);
    uint64_t v = 0;

    if (bar >= PCI_NUM_BARS || !p->pci.bars[bar].mr ||
        p->pci.bars[bar].addr == UINT64_MAX ||
        (len != 1 && len != 2 && len != 4) || off % len ||
        off + len > p->pci.bars[bar].size) {
        return;
    }
    if (write) {
        address_space_write_sized(address_space_memory(),
                                  p->pci.bars[bar].addr + off,
                                  get_le(c + 16, len), len);
    } else {
        address_space_read_sized(address_space_memory(),
                                 p->pci.bars[bar].addr + off, &v, len);
        put_le(c + 16, v, 4);
    }
}

static uint32_t virtio_pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    int data = p->pci_cfg_cap + 16;

    if (p->pci_cfg_cap && addr < data + 4 && addr + len > data) {
        pci_cfg_access(p, false);
    }
    return pci_default_read_config(dev, addr, len);
}

static void virtio_pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val,
                                    unsigned len)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    int data = p->pci_cfg_cap + 16;

    pci_default_write_config(dev, addr, val, len);
    if (p->pci_cfg_cap && addr < data + 4 && addr + len > data) {
        pci_cfg_access(p, true);
    }
}

static bool virtio_pci_realize(PCIDevice *dev, GError **errp)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    VirtIOPCIClass *vc = VIRTIO_PCI_GET_CLASS(dev);
    int cap;

    if (p->disable_legacy && strcmp(p->disable_legacy, "on") &&
        strcmp(p->disable_legacy, "auto")) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: legacy virtio is not supported; only "
                    "disable-legacy=on (or auto) is accepted",
                    object_get_typename(OBJECT(dev)));
        return false;
    }
    if (p->disable_modern) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: disable-modern=on leaves no transport: Kite only "
                    "has modern virtio-pci", object_get_typename(OBJECT(dev)));
        return false;
    }
    virtio_pci_eventfd_init(p);
    p->vdev = vc->vdev_realize(p, errp);
    if (!p->vdev) {
        return false;
    }
    p->vdev->transport = &pci_transport;
    p->vdev->transport_opaque = p;
    /* Modern-only device: device id 0x1040 + virtio id, revision 1
     * (4.1.2.1); the subsystem id is at least 0x40. */
    dev->config[PCI_DEVICE_ID] = (VIRTIO_PCI_MODERN_DEVICE_BASE + p->vdev->device_id) & 0xff;
    dev->config[PCI_DEVICE_ID + 1] = (VIRTIO_PCI_MODERN_DEVICE_BASE + p->vdev->device_id) >> 8;

    memory_region_init(&p->bar, OBJECT(dev), "virtio-pci", 4 * VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->common, OBJECT(dev), &common_ops, p,
                          "virtio-pci-common", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->isr, OBJECT(dev), &isr_ops, p,
                          "virtio-pci-isr", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->device, OBJECT(dev), &device_ops, p,
                          "virtio-pci-device", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->notify, OBJECT(dev), &notify_ops, p,
                          "virtio-pci-notify", VIRTIO_PCI_REGION_SIZE);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_COMMON_OFFSET, &p->common);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_ISR_OFFSET, &p->isr);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_DEVICE_OFFSET, &p->device);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_NOTIFY_OFFSET, &p->notify);
    pci_register_bar(dev, VIRTIO_PCI_BAR, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &p->bar);

    memory_region_init(&p->msix_bar, OBJECT(dev), "virtio-pci-msix", 0x1000);
    pci_register_bar(dev, VIRTIO_PCI_MSIX_BAR, 0, &p->msix_bar);
    if (!msix_init(dev, VIRTIO_PCI_MSIX_VECTORS, &p->msix_bar, 0, 0x800, errp)) {
        if (vc->vdev_unrealize) {
            vc->vdev_unrealize(p);
        }
        return false;
    }

    add_vendor_cap(p, CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFFSET, CC_SIZE, 0);
    add_vendor_cap(p, CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET, 1, 0);
    add_vendor_cap(p, CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFFSET,
                   p->vdev->config_len, 0);
    cap = add_vendor_cap(p, CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFFSET,
                         VIRTIO_PCI_REGION_SIZE, 4);
    put_le(dev->config + cap + 16, VIRTIO_PCI_NOTIFY_MULTIPLIER, 4);
    p->pci_cfg_cap = add_vendor_cap(p, CAP_PCI_CFG, 0, 0, 4);
    /* bar, offset, length and data of the access window are writable. */
    dev->wmask[p->pci_cfg_cap + 4] = 0xff;
    memset(dev->wmask + p->pci_cfg_cap + 8, 0xff, 12);
    return true;
}

static void virtio_pci_exit(PCIDevice *dev)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    VirtIOPCIClass *vc = VIRTIO_PCI_GET_CLASS(dev);

    virtio_pci_eventfd_stop_all(p);
    if (p->vdev && vc->vdev_unrealize) {
        vc->vdev_unrealize(p);
    }
    g_clear_pointer(&dev->msix_table, g_free);
    g_clear_pointer(&dev->msix_pba, g_free);
}

static void virtio_pci_reset(DeviceState *ds)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(ds);
    DeviceClass *parent = DEVICE_CLASS(object_class_by_name(TYPE_PCI_DEVICE));

    virtio_pci_eventfd_stop_all(p);
    parent->reset(ds);
    if (p->vdev) {
        virtio_reset(p->vdev);
    }
    p->device_feature_select = p->driver_feature_select = 0;
    p->queue_select = 0;
}

static void virtio_pci_class_init(ObjectClass *klass, const void *data)
{
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    DeviceClass *dc = DEVICE_CLASS(klass);

    pc->vendor_id = VIRTIO_PCI_VENDOR_ID;
    pc->subsystem_vendor_id = VIRTIO_PCI_VENDOR_ID;
    pc->revision = 1;
    pc->realize = virtio_pci_realize;
    pc->exit = virtio_pci_exit;
    pc->config_read = virtio_pci_config_read;
    pc->config_write = virtio_pci_config_write;
    dc->reset = virtio_pci_reset;
}

static json_t *get_ioeventfd_kicks(Object *obj, const Property *prop,
                                   GError **errp)
{
    return json_integer(VIRTIO_PCI(obj)->ioeventfd_kicks);
}

static json_t *get_ioeventfd_active(Object *obj, const Property *prop,
                                    GError **errp)
{
    return json_integer(virtio_pci_ioeventfd_active(VIRTIO_PCI(obj)));
}

static json_t *get_irqfd_active(Object *obj, const Property *prop,
                                GError **errp)
{
    return json_integer(virtio_pci_irqfd_active(VIRTIO_PCI(obj)));
}

static json_t *get_irqfd_sent(Object *obj, const Property *prop, GError **errp)
{
    return json_integer(VIRTIO_PCI(obj)->irqfd_sent);
}

static const Property virtio_pci_props[] = {
    { .name = "disable-legacy", .kind = PROP_KIND_STRING,
      .offset = offsetof(VirtIOPCIProxy, disable_legacy), .type_name = "OnOffAuto",
      .has_default = true, .defval.s = "auto",
      .description = "on/off/auto (only modern virtio-pci exists: on or auto)" },
    DEFINE_PROP_BOOL("disable-modern", VirtIOPCIProxy, disable_modern, false),
    { .name = "ioeventfd", .kind = PROP_KIND_BOOL,
      .offset = offsetof(VirtIOPCIProxy, ioeventfd), .has_default = true,
      .defval.b = true,
      .description = "on/off: queue kicks through ioeventfds under KVM" },
    { .name = "ioeventfd-kicks", .kind = PROP_KIND_CUSTOM, .type_name = "uint64",
      .get = get_ioeventfd_kicks,
      .description = "queue kicks that arrived through an ioeventfd" },
    { .name = "ioeventfd-active", .kind = PROP_KIND_CUSTOM, .type_name = "uint32",
      .get = get_ioeventfd_active,
      .description = "queues whose kicks go through an ioeventfd now" },
    { .name = "irqfd-active", .kind = PROP_KIND_CUSTOM, .type_name = "uint32",
      .get = get_irqfd_active,
      .description = "MSI-X vectors raised through an irqfd now" },
    { .name = "irqfd-notifications", .kind = PROP_KIND_CUSTOM,
      .type_name = "uint64", .get = get_irqfd_sent,
      .description = "MSI-X messages raised through an irqfd" },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo virtio_pci_type = {
    .name = TYPE_VIRTIO_PCI,
    .parent = TYPE_PCI_DEVICE,
    .abstract = true,
    .instance_size = sizeof(VirtIOPCIProxy),
    .class_size = sizeof(VirtIOPCIClass),
    .class_init = virtio_pci_class_init,
    .props = virtio_pci_props,
};

static void virtio_pci_register_types(void)
{
    type_register(&virtio_pci_type);
}
type_init(virtio_pci_register_types)
