/*
 * virtio-pci's eventfd shortcuts against the recording fake of KVM: a
 * machine built in-process (RAM, the PCI host, virtio-balloon-pci), the
 * memory API's eventfd backend of a fake VM, and the driver's accesses
 * made through the memory API as a vCPU's exits would make them.  Checks
 * the ioeventfds the kernel would hold (address, length, datamatch) from
 * DRIVER_OK to reset and across a BAR move, kicks arriving through the
 * eventfd on the main loop, and MSI-X through irqfds: route = table
 * message, masking drops irqfd and route and leaves the PBA bit, unmasking
 * delivers through a new irqfd.  No fd outlives a reset.
 */
#include "kite/virtio-balloon.h"
#include "kite/qdev.h"
#include "kite/kvm/kvm-irq.h"
#include "kite/kvm/kvm-ioctl-fake.h"
#include <unistd.h>

#define RAM_SIZE (16 * MiB)
#define RING_BASE 0x100000
#define PFN_BUF 0x180000
#define DATA_PAGE 0x200000
#define QSZ 16

/* Common configuration offsets (virtio 1.2, 4.1.4.3). */
#define CC_MSIX_CONFIG 16
#define CC_STATUS 20
#define CC_Q_SELECT 22
#define CC_Q_SIZE 24
#define CC_Q_MSIX 26
#define CC_Q_ENABLE 28
#define CC_Q_DESC 32
#define CC_Q_DRIVER 40
#define CC_Q_DEVICE 48
#define CC_Q_RESET 58

static VirtIOPCIProxy *proxy;
static KVMState *vm;
static uint16_t avail_idx[2];

static void setup_machine(void)
{
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    GError *err = NULL;
    DeviceState *dev;

    memory_system_init();
    g_assert_true(memory_region_init_ram(ram, NULL, "test.ram", RAM_SIZE,
                                         &err));
    g_assert_nonnull(pci_host_create(0xc0000000, 0x10000000, &err));
    memory_region_add_subregion(get_system_memory(), 0, ram);
    dev = qdev_device_add(TYPE_VIRTIO_BALLOON_PCI, "b", NULL, &err);
    g_assert_no_error(err);
    g_assert_true(pci_assign_bars(&err));
    proxy = VIRTIO_PCI(dev);
}

static void setup_kvm(void)
{
    GError *err = NULL;

    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 8);
    kvm_fake_set_cap(KVM_CAP_IRQ_ROUTING, 1024);
    kvm_fake_set_cap(KVM_CAP_IRQFD, 1);
    kvm_fake_set_cap(KVM_CAP_IOEVENTFD, 1);
    vm = kvm_vm_create(1, &err);
    g_assert_no_error(err);
    kvm_irq_install_eventfd_backend(vm);
}

static hwaddr bar4(void)
{
    return proxy->pci.bars[VIRTIO_PCI_BAR].addr;
}

static hwaddr msix_table(void)
{
    return proxy->pci.bars[VIRTIO_PCI_MSIX_BAR].addr;
}

static void mmio_write(hwaddr addr, unsigned size, uint64_t v)
{
    g_assert_cmpint(address_space_write_sized(address_space_memory(), addr,
                                              v, size), ==, MEMTX_OK);
}

static uint64_t mmio_read(hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    address_space_read_sized(address_space_memory(), addr, &v, size);
    return v;
}

static void common_write(unsigned off, unsigned size, uint64_t v)
{
    mmio_write(bar4() + VIRTIO_PCI_COMMON_OFFSET + off, size, v);
}

static void config_write(unsigned off, uint32_t v)
{
    AddressSpace *io = address_space_io();

    address_space_write_sized(io, 0xcf8, 0x80000000u |
                              (uint32_t)proxy->pci.devfn << 8 | off, 4);
    address_space_write_sized(io, 0xcfc, v, 4);
}

static uint32_t config_read(unsigned off)
{
    AddressSpace *io = address_space_io();
    uint64_t v = 0;

    address_space_write_sized(io, 0xcf8, 0x80000000u |
                              (uint32_t)proxy->pci.devfn << 8 | off, 4);
    address_space_read_sized(io, 0xcfc, &v, 4);
    return v;
}

static void msix_vector(unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    hwaddr e = msix_table() + v * PCI_MSIX_ENTRY_SIZE;

    mmio_write(e, 4, (uint32_t)addr);
    mmio_write(e + 4, 4, addr >> 32);
    mmio_write(e + 8, 4, data);
    mmio_write(e + 12, 4, masked);
}

static void msix_enable(void)
{
    unsigned cap = proxy->pci.msix_cap;

    config_write(cap, config_read(cap) | 0x80000000u);
}

/* Driver initialisation up to DRIVER_OK with queues 0 and 1 (inflate,
 * deflate) on MSI-X vectors 0 and 1. */
static void driver_start(void)
{
    common_write(CC_STATUS, 1, 0);
    common_write(CC_STATUS, 1, 3);
    common_write(8, 4, 1);
    common_write(12, 4, 1 | 0x100);            /* VERSION_1, RING_RESET */
    common_write(CC_STATUS, 1, 0xb);
    g_assert_cmphex(mmio_read(bar4() + CC_STATUS, 1) & 8, ==, 8);
    common_write(CC_MSIX_CONFIG, 2, 0xffff);
    for (unsigned q = 0; q < 2; q++) {
        hwaddr base = RING_BASE + q * 0x10000;

        common_write(CC_Q_SELECT, 2, q);
        common_write(CC_Q_SIZE, 2, QSZ);
        common_write(CC_Q_MSIX, 2, q);
        common_write(CC_Q_DESC, 8, base);
        common_write(CC_Q_DRIVER, 8, base + 0x1000);
        common_write(CC_Q_DEVICE, 8, base + 0x2000);
        common_write(CC_Q_ENABLE, 2, 1);
        avail_idx[q] = 0;
    }
    common_write(CC_STATUS, 1, 0xf);
}

/* One PFN buffer on queue @q, made available (not kicked). */
static void add_buffer(unsigned q)
{
    hwaddr base = RING_BASE + q * 0x10000;
    uint16_t slot = avail_idx[q] % QSZ;
    uint8_t d[16] = { 0 };
    uint32_t pfn = DATA_PAGE >> 12;

    for (unsigned i = 0; i < 8; i++) {
        d[i] = (uint64_t)PFN_BUF >> (8 * i);   /* addr, little-endian */
    }
    d[8] = 4;                                  /* len */
    g_assert_true(dma_memory_write(address_space_memory(), PFN_BUF, &pfn, 4,
                                   NULL));
    g_assert_true(dma_memory_write(address_space_memory(), base + slot * 16,
                                   d, 16, NULL));
    mmio_write(base + 0x1000 + 4 + slot * 2, 2, slot);
    avail_idx[q]++;
    mmio_write(base + 0x1000 + 2, 2, avail_idx[q]);
}

static uint16_t used_idx(unsigned q)
{
    return mmio_read(RING_BASE + q * 0x10000 + 0x2000 + 2, 2);
}

/* The ioeventfd the fake kernel holds for @addr, or -1. */
static int ioeventfd_at(hwaddr addr, uint64_t *datamatch, unsigned *len)
{
    struct kvm_ioeventfd e;

    for (unsigned i = 0; kvm_fake_ioeventfd(i, &e); i++) {
        if (e.addr == addr) {
            *datamatch = e.datamatch;
            *len = e.len;
            return e.fd;
        }
    }
    return -1;
}

/* Let the main loop read the eventfds that are ready, as it does
 * between guest exits. */
static void run_main_loop(void)
{
    for (int i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++) {
    }
}

/* What KVM does when the guest writes the queue index there. */
static void guest_kick_through_kvm(unsigned q)
{
    uint64_t dm = 0, one = 1;
    unsigned len = 0;
    int fd = ioeventfd_at(bar4() + VIRTIO_PCI_NOTIFY_OFFSET + 4 * q, &dm,
                          &len);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(dm, ==, q);
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmpint(write(fd, &one, 8), ==, 8);
    run_main_loop();
}

/* Count the irqfd's eventfd holds (what KVM would inject), and reset it. */
static uint64_t irqfd_count(unsigned v)
{
    uint64_t n = 0;

    if (read(proxy->vector_fd[v].e.fd, &n, 8) != 8) {
        return 0;
    }
    return n;
}

static const struct kvm_irq_routing_entry *route_of(unsigned gsi)
{
    static struct kvm_irq_routing_entry e[128];
    unsigned n = kvm_fake_gsi_routes(e, G_N_ELEMENTS(e));

    for (unsigned i = 0; i < n; i++) {
        if (e[i].type == KVM_IRQ_ROUTING_MSI && e[i].gsi == gsi) {
            return &e[i];
        }
    }
    return NULL;
}

static void test_kicks(void)
{
    uint64_t kicks = proxy->ioeventfd_kicks;

    driver_start();
    /* One ioeventfd per enabled queue, at DRIVER_OK. */
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 2);
    g_assert_cmpuint(virtio_pci_ioeventfd_active(proxy), ==, 2);
    add_buffer(0);
    guest_kick_through_kvm(0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    g_assert_cmpuint(proxy->ioeventfd_kicks, ==, kicks + 1);
    /* A 32-bit write misses the datamatch and exits: same result. */
    add_buffer(1);
    mmio_write(bar4() + VIRTIO_PCI_NOTIFY_OFFSET + 4, 4, 1);
    g_assert_cmpuint(used_idx(1), ==, 1);
    g_assert_cmpuint(proxy->ioeventfd_kicks, ==, kicks + 1);

    /* Queue reset drops that queue's ioeventfd, device reset all. */
    common_write(CC_Q_SELECT, 2, 1);
    common_write(CC_Q_RESET, 2, 1);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 1);
    g_assert_cmpint(ioeventfd_at(bar4() + VIRTIO_PCI_NOTIFY_OFFSET + 4,
                                 &(uint64_t){0}, &(unsigned){0}), ==, -1);
    /* Enabled again after DRIVER_OK: its ioeventfd comes back. */
    common_write(CC_Q_SIZE, 2, QSZ);
    common_write(CC_Q_DESC, 8, RING_BASE + 0x10000);
    common_write(CC_Q_DRIVER, 8, RING_BASE + 0x11000);
    common_write(CC_Q_DEVICE, 8, RING_BASE + 0x12000);
    common_write(CC_Q_ENABLE, 2, 1);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 2);
    common_write(CC_STATUS, 1, 0);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    g_assert_cmpuint(virtio_pci_ioeventfd_active(proxy), ==, 0);
}

/* Kicks that come while the main loop is busy add up in the eventfd and
 * are served by one pass over the queue; each still counts as a kick (a
 * guest that kicks again as soon as it sees a buffer used can do that). */
static void test_kicks_add_up(void)
{
    uint64_t kicks, dm = 0, two = 2;
    unsigned len = 0;
    int fd;

    driver_start();
    kicks = proxy->ioeventfd_kicks;
    fd = ioeventfd_at(bar4() + VIRTIO_PCI_NOTIFY_OFFSET, &dm, &len);
    g_assert_cmpint(fd, >=, 0);
    add_buffer(0);
    add_buffer(0);
    /* What KVM leaves after two guest writes the main loop has not read. */
    g_assert_cmpint(write(fd, &two, 8), ==, 8);
    run_main_loop();
    g_assert_cmpuint(used_idx(0), ==, 2);
    g_assert_cmpuint(proxy->ioeventfd_kicks, ==, kicks + 2);
    common_write(CC_STATUS, 1, 0);
    g_assert_cmpuint(virtio_pci_ioeventfd_active(proxy), ==, 0);
}

static void test_bar_move(void)
{
    hwaddr old;

    driver_start();
    old = bar4();
    g_assert_cmpint(ioeventfd_at(old + VIRTIO_PCI_NOTIFY_OFFSET, &(uint64_t){0},
                                 &(unsigned){0}), >=, 0);
    /* The guest moves BAR 4 (64-bit, at 0x20). */
    config_write(0x20, (uint32_t)(old + 0x100000));
    g_assert_cmphex(bar4(), ==, old + 0x100000);
    g_assert_cmpint(ioeventfd_at(old + VIRTIO_PCI_NOTIFY_OFFSET, &(uint64_t){0},
                                 &(unsigned){0}), ==, -1);
    add_buffer(0);
    guest_kick_through_kvm(0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    /* Memory decoding off: no ioeventfd anywhere; back on: back. */
    config_write(0x04, config_read(0x04) & ~2u);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    config_write(0x04, config_read(0x04) | 2u);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 2);
    config_write(0x20, (uint32_t)old);
    common_write(CC_STATUS, 1, 0);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
}

static void test_msix_irqfd(void)
{
    int fds_before = kvm_fake_irqfds();
    const struct kvm_irq_routing_entry *r;
    uint64_t sent = proxy->irqfd_sent;

    msix_enable();
    msix_vector(0, 0xfee00000, 0x4041, false);
    driver_start();
    g_assert_cmpint(fds_before, ==, 0);

    /* First use connects vector 0: route with the table's message. */
    add_buffer(0);
    guest_kick_through_kvm(0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 1);
    g_assert_cmpuint(virtio_pci_irqfd_active(proxy), ==, 1);
    r = route_of(kvm_fake_irqfd_gsi(proxy->vector_fd[0].e.fd));
    g_assert_nonnull(r);
    g_assert_cmphex(r->u.msi.address_lo, ==, 0xfee00000);
    g_assert_cmphex(r->u.msi.data, ==, 0x4041);
    g_assert_cmpuint(irqfd_count(0), ==, 1);
    g_assert_cmpuint(proxy->irqfd_sent, ==, sent + 1);

    /* Masked: irqfd and route go, the PBA holds the message. */
    mmio_write(msix_table() + 12, 4, 1);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_cmpuint(kvm_irq_route_count(vm), ==, 0);
    add_buffer(0);
    guest_kick_through_kvm(0);
    g_assert_cmpuint(used_idx(0), ==, 2);
    g_assert_cmphex(mmio_read(msix_table() + 0x800, 4) & 1, ==, 1);
    g_assert_cmpuint(proxy->irqfd_sent, ==, sent + 1);

    /* Reprogrammed while masked, then unmasked: delivered once through
     * a new irqfd with the new message. */
    mmio_write(msix_table() + 8, 4, 0x4050);
    mmio_write(msix_table() + 12, 4, 0);
    g_assert_cmphex(mmio_read(msix_table() + 0x800, 4) & 1, ==, 0);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 1);
    r = route_of(kvm_fake_irqfd_gsi(proxy->vector_fd[0].e.fd));
    g_assert_nonnull(r);
    g_assert_cmphex(r->u.msi.data, ==, 0x4050);
    g_assert_cmpuint(irqfd_count(0), ==, 1);
    g_assert_cmpuint(proxy->irqfd_sent, ==, sent + 2);

    /* A live vector reprogrammed: the route follows, same irqfd. */
    mmio_write(msix_table() + 8, 4, 0x4060);
    r = route_of(kvm_fake_irqfd_gsi(proxy->vector_fd[0].e.fd));
    g_assert_cmphex(r->u.msi.data, ==, 0x4060);

    /* Function mask (MSI-X control) drops it as well. */
    config_write(proxy->pci.msix_cap,
                 config_read(proxy->pci.msix_cap) | 0x40000000u);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    config_write(proxy->pci.msix_cap,
                 config_read(proxy->pci.msix_cap) & ~0x40000000u);

    /* Reset: nothing of it stays in the kernel. */
    add_buffer(0);
    guest_kick_through_kvm(0);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 1);
    common_write(CC_STATUS, 1, 0);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_cmpuint(kvm_irq_route_count(vm), ==, 0);
    g_assert_cmpint(proxy->vector_fd[0].e.fd, ==, -1);
}

static void test_ioeventfd_off(void)
{
    proxy->ioeventfd = false;
    driver_start();
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    add_buffer(0);
    mmio_write(bar4() + VIRTIO_PCI_NOTIFY_OFFSET, 2, 0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    common_write(CC_STATUS, 1, 0);
    proxy->ioeventfd = true;
}

/* With the backend gone (qtest), the device keeps its ordinary paths. */
static void test_no_backend(void)
{
    uint64_t sent = proxy->irqfd_sent, kicks = proxy->ioeventfd_kicks;
    uint32_t msg = 0;

    kvm_irq_install_eventfd_backend(NULL);
    msix_enable();
    msix_vector(0, 0x300000, 0x77, false);
    driver_start();
    g_assert_cmpuint(virtio_pci_ioeventfd_active(proxy), ==, 0);
    add_buffer(0);
    mmio_write(bar4() + VIRTIO_PCI_NOTIFY_OFFSET, 2, 0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    /* The message is a write into the address space. */
    g_assert_true(dma_memory_read(address_space_memory(), 0x300000, &msg, 4,
                                  NULL));
    g_assert_cmphex(msg, ==, 0x77);
    g_assert_cmpuint(proxy->irqfd_sent, ==, sent);
    g_assert_cmpuint(proxy->ioeventfd_kicks, ==, kicks);
    common_write(CC_STATUS, 1, 0);
    kvm_irq_install_eventfd_backend(vm);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    setup_kvm();
    setup_machine();
    g_test_add_func("/virtio-pci/eventfd/kicks", test_kicks);
    g_test_add_func("/virtio-pci/eventfd/kicks-add-up", test_kicks_add_up);
    g_test_add_func("/virtio-pci/eventfd/bar-move", test_bar_move);
    g_test_add_func("/virtio-pci/eventfd/msix-irqfd", test_msix_irqfd);
    g_test_add_func("/virtio-pci/eventfd/ioeventfd-off", test_ioeventfd_off);
    g_test_add_func("/virtio-pci/eventfd/no-backend", test_no_backend);
    ret = g_test_run();
    kvm_irq_install_eventfd_backend(NULL);
    return ret;
}
