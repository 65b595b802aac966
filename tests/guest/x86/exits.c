/*
 * Port and MMIO exits: PCI configuration space through ports 0xcf8/0xcfc
 * and the virtio-pci common configuration through MMIO, both handled by
 * Kite's device models.  Run with -device virtio-balloon-pci.
 */
#include "guest.h"

int guest_main(uint32_t magic, uint32_t info)
{
    unsigned devfn = 256;
    uint32_t bar_lo, bar_hi, common = 0;

    CHECK_EQ(magic, 0x2BADB002u);
    for (unsigned d = 0; d < 256; d += 8) {
        if (pci_read32(d, 0) == 0x10451af4u) {
            devfn = d;
            break;
        }
    }
    guest_check(devfn < 256, "virtio-balloon-pci found on bus 0", devfn, 0);
    if (devfn >= 256) {
        return guest_failures();
    }
    /* Nothing answers at an empty slot: all ones. */
    CHECK_EQ(pci_read32(devfn ^ 0xf8, 0), 0xffffffffu);
    /* The machine assigned BAR 4 (64-bit memory) and enabled decoding. */
    bar_lo = pci_read32(devfn, 0x20);
    bar_hi = pci_read32(devfn, 0x24);
    CHECK_EQ(bar_lo & 0x6, 0x4);
    CHECK_EQ(bar_hi, 0u);
    guest_check((pci_read32(devfn, 0x04) & 0x2) != 0, "memory decoding on", 0, 2);
    common = bar_lo & ~0xfu;
    guest_check(common != 0, "BAR 4 programmed", common, 1);
    /* MMIO: num_queues (offset 18) and a queue_select round trip. */
    guest_check(mmio_read16(common + 18) >= 2, "num_queues >= 2",
                mmio_read16(common + 18), 2);
    mmio_write16(common + 22, 1);
    CHECK_EQ(mmio_read16(common + 22), 1);
    guest_check(mmio_read16(common + 24) > 0, "queue 1 has a size",
                mmio_read16(common + 24), 1);
    guest_printf("exits: balloon at devfn %x, BAR4 %x, %d failures\n", devfn,
                 common, guest_failures());
    return guest_failures();
}
