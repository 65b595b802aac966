/*
 * libFuzzer harness: arbitrary ring contents, guest memory and driver
 * register writes for virtio-balloon-pci.  The machine is built in-process
 * (RAM, the PCI host, the device) so that each input is a few register
 * writes and kicks; ASan/UBSan turn any misbehaviour into a crash.
 */
#include "kite/virtio-balloon.h"
#include "kite/qdev.h"

#define RAM_SIZE (16 * MiB)
#define RING_BASE 0x100000
#define DATA_BASE 0x200000

static VirtIOPCIProxy *proxy;
static hwaddr bar;

static void setup(void)
{
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    g_autoptr(GHashTable) props = g_hash_table_new(g_str_hash, g_str_equal);
    GError *err = NULL;
    DeviceState *dev;

    memory_system_init();
    if (!memory_region_init_ram(ram, NULL, "fuzz.ram", RAM_SIZE, &err) ||
        !pci_host_create(0xc0000000, 0x10000000, &err)) {
        g_error("fuzz set-up: %s", err->message);
    }
    memory_region_add_subregion(get_system_memory(), 0, ram);
    g_hash_table_insert(props, "free-page-reporting", "on");
    dev = qdev_device_add(TYPE_VIRTIO_BALLOON_PCI, "b", props, &err);
    if (!dev || !pci_assign_bars(&err)) {
        g_error("fuzz set-up: %s", err ? err->message : "no device");
    }
    proxy = VIRTIO_PCI(dev);
    bar = proxy->pci.bars[VIRTIO_PCI_BAR].addr;
}

static void common_write(unsigned off, unsigned size, uint64_t v)
{
    address_space_write_sized(address_space_memory(),
                              bar + VIRTIO_PCI_COMMON_OFFSET + off, v, size);
}

static uint8_t take(const uint8_t **data, size_t *size)
{
    uint8_t b = 0;

    if (*size) {
        b = **data;
        (*data)++;
        (*size)--;
    }
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t feat, qsize, kicks;
    size_t ring_bytes;

    if (!proxy) {
        setup();
    }
    feat = take(&data, &size);
    qsize = take(&data, &size);
    kicks = take(&data, &size);

    common_write(20, 1, 0);                       /* reset */
    common_write(20, 1, 3);                       /* ACKNOWLEDGE | DRIVER */
    common_write(8, 4, 0);
    /* balloon feature bits, indirect descriptors, event index */
    common_write(12, 4, (feat & 0x3f) | (feat & 0x40 ? 1u << 28 : 0) |
                        (qsize & 0x80 ? 1u << 29 : 0));
    common_write(8, 4, 1);
    common_write(12, 4, 1 | (feat & 0x80 ? 0x100 : 0)); /* VERSION_1, RING_RESET */
    common_write(20, 1, 0x0b);                    /* FEATURES_OK */
    for (unsigned q = 0; q < 4; q++) {
        hwaddr base = RING_BASE + q * 0x10000;
        common_write(22, 2, q);
        common_write(24, 2, (qsize % 64) + 1);
        common_write(32, 8, base);
        common_write(40, 8, base + 0x4000);
        common_write(48, 8, base + 0x8000);
        common_write(28, 2, 1);
    }
    common_write(20, 1, 0x0f);                    /* DRIVER_OK */
    /* The rest of the input becomes ring and buffer memory. */
    ring_bytes = MIN(size, (size_t)0x40000);
    dma_memory_write(address_space_memory(), RING_BASE, data, ring_bytes, NULL);
    if (size > ring_bytes) {
        dma_memory_write(address_space_memory(), DATA_BASE, data + ring_bytes,
                         MIN(size - ring_bytes, (size_t)0x100000), NULL);
    }
    for (unsigned k = 0; k < 8; k++) {
        address_space_write_sized(address_space_memory(),
                                  bar + VIRTIO_PCI_NOTIFY_OFFSET +
                                  ((kicks >> k) & 3) * VIRTIO_PCI_NOTIFY_MULTIPLIER,
                                  0, 2);
    }
    /* Config writes from the driver side. */
    address_space_write_sized(address_space_memory(),
                              bar + VIRTIO_PCI_DEVICE_OFFSET + 4, feat * 977u, 4);
    return 0;
}
