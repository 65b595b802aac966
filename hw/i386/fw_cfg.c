/*
 * fw_cfg, QEMU's firmware configuration interface (QEMU's
 * docs/specs/fw_cfg.rst), on x86 I/O ports as microvm has it:
 *   0x510  selector, 16-bit write: choose an item, data offset to 0
 *   0x511  data, 8-bit read: the item's next byte (0 past its end)
 *   0x514  DMA address, 64-bit big-endian (0x514 high, 0x518 low half);
 *          writing the low half runs the transfer it points at
 * Items hold bytes set by the machine; keys not set read as zeros.  As on
 * QEMU's port pair, a byte access at either 0x510 or 0x511 reads or
 * (ignored) writes data, a 16-bit write at 0x510 selects, and other
 * accesses at 0x510 do nothing (reads give 0).  Reading the DMA address
 * register gives the signature "QEMU CFG".  Nothing is writable.
 */
#include "hw/i386/fw_cfg.h"
#include "kite/memory.h"

#define FW_CFG_KEY_MASK     (~FW_CFG_WRITE_CHANNEL & 0xffff)
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL   /* "QEMU CFG" */

/* DMA control bits (fw_cfg.rst, "FWCfgDmaAccess"). */
#define FW_CFG_DMA_ERROR    0x01
#define FW_CFG_DMA_READ     0x02
#define FW_CFG_DMA_SKIP     0x04
#define FW_CFG_DMA_SELECT   0x08
#define FW_CFG_DMA_WRITE    0x10
#define FW_CFG_DMA_CHUNK    4096

/* struct FWCfgDmaAccess: be32 control, be32 length, be64 address. */
#define FW_CFG_DMA_ACCESS_SIZE 16

typedef struct FwCfgState {
    DeviceState parent_obj;
    MemoryRegion io, dma_io;
    GHashTable *items;          /* key (write bit clear) -> GBytes */
    uint16_t key;
    uint64_t offset;
    uint64_t dma_addr;          /* high half as last written */
} FwCfgState;

#define FW_CFG(o) OBJECT_CHECK(FwCfgState, (o), TYPE_FW_CFG_IO)

static uint64_t be_at(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static GBytes *fw_cfg_item(FwCfgState *s)
{
    return g_hash_table_lookup(s->items, GUINT_TO_POINTER(s->key));
}

static void fw_cfg_select(FwCfgState *s, uint16_t key)
{
    s->key = key & FW_CFG_KEY_MASK;
    s->offset = 0;
}

static uint8_t fw_cfg_next_byte(FwCfgState *s)
{
    GBytes *item = fw_cfg_item(s);
    gsize len = 0;
    const uint8_t *data = item ? g_bytes_get_data(item, &len) : NULL;

    if (s->offset >= len) {
        return 0;
    }
    return data[s->offset++];
}

/*
 * The port region is 4 bytes, 0x510-0x513, so that a word or dword
 * access at 0x510 reaches the device whole and does nothing, as on QEMU
 * (whose port accesses are not cut at a region's end, while Kite's
 * memory core would split them into a select and stray bytes).  Bytes
 * 0x512-0x513 behave as unassigned ports.
 */
#define FW_CFG_IO_SIZE 4
#define FW_CFG_PORTS_USED 2

static uint64_t fw_cfg_io_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    if (size != 1 && addr == 0) {
        return 0;               /* only byte reads are valid */
    }
    /* Byte by byte from @addr: the data register, then unassigned. */
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = addr + i < FW_CFG_PORTS_USED ? fw_cfg_next_byte(opaque)
                                                 : 0xff;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void fw_cfg_io_write(void *opaque, hwaddr addr, uint64_t value,
                            unsigned size)
{
    if (size == 2 && addr == 0) {
        fw_cfg_select(opaque, value);
    }
    /* Byte writes go to the data register: nothing is writable. */
}

static const MemoryRegionOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* Copy up to @len bytes of the current item to guest @addr, zeros past
 * its end, a chunk at a time so a guest's length costs no host memory. */
static bool fw_cfg_dma_read(FwCfgState *s, uint64_t addr, uint32_t len)
{
    GBytes *item = fw_cfg_item(s);
    gsize item_len = 0;
    const uint8_t *data = item ? g_bytes_get_data(item, &item_len) : NULL;
    uint8_t buf[FW_CFG_DMA_CHUNK];

    while (len) {
        uint32_t n = MIN(len, (uint32_t)sizeof(buf));
        uint64_t have = s->offset < item_len ? item_len - s->offset : 0;

        memset(buf, 0, n);
        if (have) {
            memcpy(buf, data + s->offset, MIN(have, n));
        }
        if (!dma_memory_write(address_space_memory(), addr, buf, n, NULL)) {
            return false;
        }
        s->offset = MIN(s->offset + n, item_len);
        addr += n;
        len -= n;
    }
    return true;
}

static void fw_cfg_dma_run(FwCfgState *s, uint64_t desc)
{
    uint8_t access[FW_CFG_DMA_ACCESS_SIZE];
    uint32_t control, len, done;
    uint64_t addr;
    bool ok = true;

    if (!dma_memory_read(address_space_memory(), desc, access, sizeof(access),
                         NULL)) {
        return;                 /* nowhere to report the error */
    }
    control = be_at(access, 4);
    len = be_at(access + 4, 4);
    addr = be_at(access + 8, 8);
    if (control & FW_CFG_DMA_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_READ) {
        ok = fw_cfg_dma_read(s, addr, len);
    } else if (control & FW_CFG_DMA_WRITE) {
        ok = false;             /* no item is writable */
    } else if (control & FW_CFG_DMA_SKIP) {
        GBytes *item = fw_cfg_item(s);
        uint64_t item_len = item ? g_bytes_get_size(item) : 0;
        s->offset = MIN(s->offset + len, item_len);
    }
    done = GUINT32_TO_BE(ok ? 0 : FW_CFG_DMA_ERROR);
    dma_memory_write(address_space_memory(), desc, &done, sizeof(done), NULL);
}

static uint64_t fw_cfg_dma_io_read(void *opaque, hwaddr addr, unsigned size)
{
    unsigned shift = 8 * (8 - addr - size);

    return (FW_CFG_DMA_SIGNATURE >> shift) &
           (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
}

/* The region is big-endian, so @value is the register's number. */
static void fw_cfg_dma_io_write(void *opaque, hwaddr addr, uint64_t value,
                                unsigned size)
{
    FwCfgState *s = opaque;

    if (size == 4 && addr == 0) {
        s->dma_addr = value << 32;
    } else if (size == 4 && addr == 4) {
        uint64_t desc = s->dma_addr | value;

        s->dma_addr = 0;
        fw_cfg_dma_run(s, desc);
    } else if (size == 8 && addr == 0) {
        s->dma_addr = 0;
        fw_cfg_dma_run(s, value);
    }
}

static const MemoryRegionOps fw_cfg_dma_io_ops = {
    .read = fw_cfg_dma_io_read,
    .write = fw_cfg_dma_io_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

void fw_cfg_set_bytes(DeviceState *dev, uint16_t key, const void *data,
                      size_t len)
{
    FwCfgState *s = FW_CFG(dev);
    gpointer k = GUINT_TO_POINTER(key & FW_CFG_KEY_MASK);

    if (len) {
        g_hash_table_replace(s->items, k, g_bytes_new(data, len));
    } else {
        g_hash_table_remove(s->items, k);
    }
}

void fw_cfg_set_i16(DeviceState *dev, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);

    fw_cfg_set_bytes(dev, key, &le, sizeof(le));
}

void fw_cfg_set_i32(DeviceState *dev, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);

    fw_cfg_set_bytes(dev, key, &le, sizeof(le));
}

void fw_cfg_set_i64(DeviceState *dev, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);

    fw_cfg_set_bytes(dev, key, &le, sizeof(le));
}

static void fw_cfg_init(Object *obj)
{
    FwCfgState *s = FW_CFG(obj);

    s->items = g_hash_table_new_full(NULL, NULL, NULL,
                                     (GDestroyNotify)g_bytes_unref);
    fw_cfg_set_bytes(DEVICE(obj), FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_set_i32(DEVICE(obj), FW_CFG_ID,
                   FW_CFG_VERSION | FW_CFG_VERSION_DMA);
}

static void fw_cfg_finalize(Object *obj)
{
    g_hash_table_destroy(FW_CFG(obj)->items);
}

static bool fw_cfg_realize(DeviceState *dev, GError **errp)
{
    FwCfgState *s = FW_CFG(dev);

    memory_region_init_io(&s->io, OBJECT(dev), &fw_cfg_io_ops, s, "fw_cfg",
                          FW_CFG_IO_SIZE);
    memory_region_add_subregion(get_system_io(), FW_CFG_IO_BASE, &s->io);
    memory_region_init_io(&s->dma_io, OBJECT(dev), &fw_cfg_dma_io_ops, s,
                          "fw_cfg-dma", 8);
    memory_region_add_subregion(get_system_io(), FW_CFG_DMA_IO_BASE,
                                &s->dma_io);
    return true;
}

static void fw_cfg_unrealize(DeviceState *dev)
{
    FwCfgState *s = FW_CFG(dev);

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_del_subregion(get_system_io(), &s->dma_io);
}

/* Reset selects the signature, as at power-on. */
static void fw_cfg_reset(DeviceState *dev)
{
    FwCfgState *s = FW_CFG(dev);

    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

DeviceState *fw_cfg_io_create(Object *machine, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_FW_CFG_IO);

    object_property_add_child(machine, "fw_cfg", OBJECT(dev));
    object_unref(OBJECT(dev));
    return qdev_realize(dev, errp) ? dev : NULL;
}

DeviceState *fw_cfg_find(void)
{
    Object *obj = object_resolve_path("/machine/fw_cfg", NULL);

    return obj && object_dynamic_cast(obj, TYPE_FW_CFG_IO) ? DEVICE(obj)
                                                            : NULL;
}

static void fw_cfg_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = fw_cfg_realize;
    dc->unrealize = fw_cfg_unrealize;
    dc->reset = fw_cfg_reset;
    dc->desc = "firmware configuration on ports 0x510/0x511, DMA at 0x514";
    dc->user_creatable = false;     /* part of the machine */
}

static const TypeInfo fw_cfg_type = {
    .name = TYPE_FW_CFG_IO,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(FwCfgState),
    .instance_init = fw_cfg_init,
    .instance_finalize = fw_cfg_finalize,
    .class_size = sizeof(DeviceClass),
    .class_init = fw_cfg_class_init,
};

static void fw_cfg_register(void)
{
    type_register(&fw_cfg_type);
}
type_init(fw_cfg_register)
