/*
 * Kicks and MSI-X interrupts of virtio-balloon-pci on real KVM: the guest
 * drives the inflate queue as a driver would (virtio 1.2, 4.1), with
 * queue 0 on MSI-X vector 0 (APIC vector 0x40), kicks it ten times and
 * takes one interrupt per used buffer; then masks the vector, sees the
 * pending bit instead of an interrupt, and gets it on unmasking.  It
 * prints "virtio-eventfd: done" and halts, so eventfd-probe.py can read
 * Kite's ioeventfd/irqfd counters over QMP.  Run with
 * -device virtio-balloon-pci,id=bal.
 */
#include "hv-lib.h"

#define QSZ 16
#define KICKS 10
#define MSI_VECTOR 0x40
#define SPIN_LIMIT 50000000u

/* Common configuration (4.1.4.3). */
#define CC_DFSELECT 0
#define CC_DF 4
#define CC_GFSELECT 8
#define CC_GF 12
#define CC_MSIX_CONFIG 16
#define CC_STATUS 20
#define CC_Q_SELECT 22
#define CC_Q_SIZE 24
#define CC_Q_MSIX 26
#define CC_Q_ENABLE 28
#define CC_Q_DESC 32
#define CC_Q_DRIVER 40
#define CC_Q_DEVICE 48

struct Desc {
    uint32_t addr_lo, addr_hi, len;
    uint16_t flags, next;
};

static struct Desc desc[QSZ] __attribute__((aligned(4096)));
static struct {
    uint16_t flags, idx, ring[QSZ], used_event;
} avail __attribute__((aligned(4096)));
static struct {
    volatile uint16_t flags, idx;
    struct { uint32_t id, len; } ring[QSZ];
    uint16_t avail_event;
} used __attribute__((aligned(4096)));
/* The page the balloon "inflates": four bytes of PFN per buffer. */
static uint8_t balloon_page[4096] __attribute__((aligned(4096)));
static uint32_t pfn;

static volatile uint32_t interrupts;

static void on_msi(void)
{
    interrupts++;
    apic_eoi();
}

static void mmio_write32(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

static void mmio_write8(uint32_t addr, uint8_t v)
{
    *(volatile uint8_t *)addr = v;
}

static uint8_t mmio_read8(uint32_t addr)
{
    return *(volatile uint8_t *)addr;
}

static void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* Take interrupts until *@v reaches @want (bounded). */
static uint32_t wait_for(volatile uint32_t *v, uint32_t want)
{
    for (uint32_t i = 0; i < SPIN_LIMIT && *v < want; i++) {
        __asm__ volatile("sti; pause; cli" ::: "memory");
    }
    return *v;
}

static uint32_t used_idx(void)
{
    return used.idx;
}

static uint32_t wait_used(uint32_t want)
{
    for (uint32_t i = 0; i < SPIN_LIMIT && used_idx() < want; i++) {
        __asm__ volatile("sti; pause; cli" ::: "memory");
    }
    return used_idx();
}

/* Put one PFN buffer on the inflate queue and kick it as Linux does: the
 * 16-bit queue index at the queue's notify address. */
static void inflate_one(uint32_t notify, uint16_t n)
{
    unsigned slot = n % QSZ;

    desc[slot].addr_lo = (uint32_t)&pfn;
    desc[slot].addr_hi = 0;
    desc[slot].len = 4;
    desc[slot].flags = 0;
    avail.ring[slot] = slot;
    barrier();
    avail.idx = n + 1;
    barrier();
    mmio_write16(notify, 0);
}

static int find_cap(unsigned devfn, uint8_t id)
{
    unsigned off = pci_read32(devfn, 0x34) & 0xfc;

    for (int guard = 0; off && guard < 48; guard++) {
        uint32_t w = pci_read32(devfn, off);
        if ((w & 0xff) == id) {
            return off;
        }
        off = (w >> 8) & 0xfc;
    }
    return 0;
}

int guest_main(uint32_t magic, uint32_t info)
{
    unsigned devfn = 256;
    uint32_t common, notify, table, cmd, status;
    int msix;

    for (unsigned d = 0; d < 256; d += 8) {
        if (pci_read32(d, 0) == 0x10451af4u) {
            devfn = d;
            break;
        }
    }
    guest_check(devfn < 256, "virtio-balloon-pci found", devfn, 0);
    msix = devfn < 256 ? find_cap(devfn, 0x11) : 0;
    guest_check(msix != 0, "MSI-X capability", msix, 1);
    if (devfn >= 256 || !msix) {
        return guest_failures();
    }
    hv_setup_cpu();
    hv_set_handler(MSI_VECTOR, on_msi);
    pfn = (uint32_t)balloon_page >> 12;

    common = pci_read32(devfn, 0x20) & ~0xfu;
    notify = common + 0x3000;
    table = (pci_read32(devfn, 0x10 + 4 * (pci_read32(devfn, msix + 4) & 7))
             & ~0xfu) + (pci_read32(devfn, msix + 4) & ~7u);
    cmd = pci_read32(devfn, 0x04) & 0xffff;
    pci_write32(devfn, 0x04, cmd | 0x6);          /* memory + bus master */

    /* MSI-X vector 0 -> APIC 0, vector 0x40, unmasked; MSI-X on. */
    mmio_write32(table + 0, 0xfee00000u);
    mmio_write32(table + 4, 0);
    mmio_write32(table + 8, MSI_VECTOR);
    mmio_write32(table + 12, 0);
    pci_write32(devfn, msix, pci_read32(devfn, msix) | (0x8000u << 16));

    /* Driver initialisation (3.1.1). */
    mmio_write8(common + CC_STATUS, 0);
    mmio_write8(common + CC_STATUS, 1 | 2);
    mmio_write32(common + CC_DFSELECT, 1);
    guest_check(mmio_read32(common + CC_DF) & 1, "VERSION_1 offered",
                mmio_read32(common + CC_DF), 1);
    mmio_write32(common + CC_GFSELECT, 1);
    mmio_write32(common + CC_GF, 1);
    mmio_write32(common + CC_GFSELECT, 0);
    mmio_write32(common + CC_GF, 0);
    mmio_write8(common + CC_STATUS, 1 | 2 | 8);
    status = mmio_read8(common + CC_STATUS);
    CHECK_EQ(status & 8, 8u);
    mmio_write16(common + CC_MSIX_CONFIG, 0xffff);
    mmio_write16(common + CC_Q_SELECT, 0);
    guest_check(mmio_read16(common + CC_Q_SIZE) >= QSZ, "queue 0 size",
                mmio_read16(common + CC_Q_SIZE), QSZ);
    mmio_write16(common + CC_Q_SIZE, QSZ);
    mmio_write16(common + CC_Q_MSIX, 0);
    CHECK_EQ(mmio_read16(common + CC_Q_MSIX), 0);
    mmio_write32(common + CC_Q_DESC, (uint32_t)desc);
    mmio_write32(common + CC_Q_DESC + 4, 0);
    mmio_write32(common + CC_Q_DRIVER, (uint32_t)&avail);
    mmio_write32(common + CC_Q_DRIVER + 4, 0);
    mmio_write32(common + CC_Q_DEVICE, (uint32_t)&used);
    mmio_write32(common + CC_Q_DEVICE + 4, 0);
    mmio_write16(common + CC_Q_ENABLE, 1);
    mmio_write8(common + CC_STATUS, 1 | 2 | 4 | 8);
    guest_printf("virtio-eventfd: driver ready, %d failures so far\n",
                 guest_failures());

    /* Each kick: one used buffer and one interrupt. */
    for (uint16_t n = 0; n < KICKS; n++) {
        inflate_one(notify, n);
        guest_check(wait_used(n + 1) == n + 1u, "buffer used", used_idx(),
                    n + 1);
        guest_check(wait_for(&interrupts, n + 1) == n + 1u, "interrupt",
                    interrupts, n + 1);
    }

    guest_printf("virtio-eventfd: %u kicks, %u interrupts unmasked\n",
                 used_idx(), interrupts);
    /* Masked: the buffer is used, the interrupt waits in the PBA... */
    mmio_write32(table + 12, 1);
    inflate_one(notify, KICKS);
    CHECK_EQ(wait_used(KICKS + 1), KICKS + 1u);
    /* The message would have been injected with the used buffer: a
     * short wait is enough to see that none came. */
    for (uint32_t i = 0; i < 100000; i++) {
        __asm__ volatile("sti; pause; cli" ::: "memory");
    }
    CHECK_EQ(interrupts, (uint32_t)KICKS);
    CHECK_EQ(mmio_read32(table + 0x800) & 1, 1u);
    /* ...and arrives once unmasked. */
    mmio_write32(table + 12, 0);
    CHECK_EQ(wait_for(&interrupts, KICKS + 1), KICKS + 1u);
    CHECK_EQ(mmio_read32(table + 0x800) & 1, 0u);

    guest_printf("virtio-eventfd: %u kicks, %u interrupts, %d failures\n",
                 KICKS + 1, interrupts, guest_failures());
    guest_printf("virtio-eventfd: done\n");
    /* Wait for eventfd-probe.py to read the counters and quit. */
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
