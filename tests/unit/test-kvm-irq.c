/*
 * GSI routing, irqfd and ioeventfd (accel/kvm/kvm-irq.c) and the memory
 * API's eventfd shortcuts on top of them (system/memory-eventfd.c),
 * against the recording fake of the KVM ioctl layer: the tables the
 * kernel would hold, assign/deassign pairs, error paths that leave
 * kernel and Kite as they were, and no fd left open.
 */
#include "kite/kvm/kvm-irq.h"
#include "kite/kvm/kvm-ioctl-fake.h"
#include "kite/memory-eventfd.h"
#include "kite/ramblock.h"
#include <errno.h>
#include <unistd.h>

#define NIRQCHIP 40   /* 16 PIC + 24 IOAPIC entries */

static int count_process_fds(void)
{
    int n = kite_open_fd_count();

    g_assert_cmpint(n, >=, 0);
    return n;
}

static KVMState *vm_new(int max_routes)
{
    GError *err = NULL;
    KVMState *s;

    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 8);
    kvm_fake_set_cap(KVM_CAP_IRQ_ROUTING, max_routes);
    kvm_fake_set_cap(KVM_CAP_IRQFD, 1);
    kvm_fake_set_cap(KVM_CAP_IOEVENTFD, 1);
    s = kvm_vm_create(1, &err);
    g_assert_no_error(err);
    g_assert_true(s->irqchip);
    kvm_fake_clear_calls();
    return s;
}

static void vm_free(KVMState *s)
{
    kvm_vm_destroy(s);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();
}

static unsigned routes(struct kvm_irq_routing_entry *e, unsigned max)
{
    return kvm_fake_gsi_routes(e, max);
}

/* The kernel's table: the default irqchip entries, then @n MSI routes. */
static void assert_irqchip_defaults(const struct kvm_irq_routing_entry *e,
                                    unsigned n)
{
    unsigned pic = 0, ioapic = 0;

    for (unsigned i = 0; i < n; i++) {
        if (e[i].type != KVM_IRQ_ROUTING_IRQCHIP) {
            continue;
        }
        if (e[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
            g_assert_cmpuint(e[i].u.irqchip.pin, ==, e[i].gsi);
            g_assert_cmpuint(e[i].gsi, <, 24);
            ioapic++;
        } else {
            g_assert_cmpuint(e[i].gsi, <, 16);
            g_assert_cmpuint(e[i].u.irqchip.irqchip, ==,
                             e[i].gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
                                          : KVM_IRQCHIP_PIC_SLAVE);
            g_assert_cmpuint(e[i].u.irqchip.pin, ==, e[i].gsi % 8);
            pic++;
        }
    }
    g_assert_cmpuint(pic, ==, 16);
    g_assert_cmpuint(ioapic, ==, 24);
}

static const struct kvm_irq_routing_entry *
find_msi(const struct kvm_irq_routing_entry *e, unsigned n, unsigned gsi)
{
    for (unsigned i = 0; i < n; i++) {
        if (e[i].type == KVM_IRQ_ROUTING_MSI && e[i].gsi == gsi) {
            return &e[i];
        }
    }
    return NULL;
}

static void test_routes(void)
{
    KVMState *s = vm_new(1024);
    struct kvm_irq_routing_entry e[64];
    const struct kvm_irq_routing_entry *m;
    GError *err = NULL;
    unsigned n;
    int a, b, c;

    a = kvm_irq_route_add_msi(s, 0xfee00000, 0x4041, &err);
    g_assert_no_error(err);
    g_assert_cmpint(a, ==, KVM_IRQ_FIRST_MSI_GSI);
    b = kvm_irq_route_add_msi(s, 0x1fee01000ULL, 0x22, &err);
    g_assert_no_error(err);
    g_assert_cmpint(b, ==, a + 1);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_GSI_ROUTING), ==, 2);

    n = routes(e, G_N_ELEMENTS(e));
    g_assert_cmpuint(n, ==, NIRQCHIP + 2);
    assert_irqchip_defaults(e, n);
    m = find_msi(e, n, b);
    g_assert_nonnull(m);
    g_assert_cmphex(m->u.msi.address_lo, ==, 0xfee01000);
    g_assert_cmphex(m->u.msi.address_hi, ==, 1);
    g_assert_cmphex(m->u.msi.data, ==, 0x22);

    /* The lowest free GSI is reused. */
    kvm_irq_route_release(s, a);
    n = routes(e, G_N_ELEMENTS(e));
    g_assert_cmpuint(n, ==, NIRQCHIP + 1);
    g_assert_null(find_msi(e, n, a));
    c = kvm_irq_route_add_msi(s, 0xfee00000, 0x30, &err);
    g_assert_no_error(err);
    g_assert_cmpint(c, ==, a);

    /* An update reaches the kernel once; the same message again is free. */
    kvm_fake_clear_calls();
    g_assert_true(kvm_irq_route_update_msi(s, c, 0xfee02000, 0x31, &err));
    g_assert_true(kvm_irq_route_update_msi(s, c, 0xfee02000, 0x31, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_GSI_ROUTING), ==, 1);
    n = routes(e, G_N_ELEMENTS(e));
    m = find_msi(e, n, c);
    g_assert_nonnull(m);
    g_assert_cmphex(m->u.msi.address_lo, ==, 0xfee02000);
    g_assert_cmphex(m->u.msi.data, ==, 0x31);
    g_assert_cmpuint(kvm_irq_route_count(s), ==, 2);

    /* Unknown GSIs. */
    g_assert_false(kvm_irq_route_update_msi(s, 99, 0, 0, &err));
    g_assert_error(err, KITE_ERROR, KITE_ERROR_GENERIC);
    g_clear_error(&err);
    kvm_fake_clear_calls();
    kvm_irq_route_release(s, 99);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_GSI_ROUTING), ==, 0);
    vm_free(s);
}

static void test_route_errors(void)
{
    KVMState *s = vm_new(NIRQCHIP + 2);
    struct kvm_irq_routing_entry e[64];
    const struct kvm_irq_routing_entry *m;
    GError *err = NULL;
    int a, b;

    /* The kernel refuses the table: nothing is added. */
    kvm_fake_fail_next(KVM_SET_GSI_ROUTING, ENOMEM);
    g_assert_cmpint(kvm_irq_route_add_msi(s, 0xfee00000, 1, &err), ==, -1);
    g_assert_error(err, KITE_ERROR, KITE_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "KVM_SET_GSI_ROUTING"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_irq_route_count(s), ==, 0);
    g_assert_cmpuint(routes(e, 0), ==, 0);

    a = kvm_irq_route_add_msi(s, 0xfee00000, 1, &err);
    b = kvm_irq_route_add_msi(s, 0xfee00000, 2, &err);
    g_assert_no_error(err);
    g_assert_cmpint(b, ==, a + 1);
    /* Out of routing entries (40 irqchip + 2 allowed). */
    g_assert_cmpint(kvm_irq_route_add_msi(s, 0xfee00000, 3, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "no free GSI"));
    g_clear_error(&err);

    /* A refused update keeps the old message, here and in the kernel. */
    kvm_fake_fail_next(KVM_SET_GSI_ROUTING, EINVAL);
    g_assert_false(kvm_irq_route_update_msi(s, a, 0xfee0f000, 9, &err));
    g_clear_error(&err);
    kvm_irq_route_release(s, b);     /* commits the table again */
    m = find_msi(e, routes(e, G_N_ELEMENTS(e)), a);
    g_assert_nonnull(m);
    g_assert_cmphex(m->u.msi.address_lo, ==, 0xfee00000);
    g_assert_cmphex(m->u.msi.data, ==, 1);
    vm_free(s);

    /* No GSI routing at all. */
    s = vm_new(0);
    g_assert_cmpint(kvm_irq_route_add_msi(s, 0xfee00000, 1, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "KVM_CAP_IRQ_ROUTING"));
    g_clear_error(&err);
    vm_free(s);
}

static void test_irqfd(void)
{
    int fds = count_process_fds();
    KVMState *s = vm_new(1024);
    EventNotifier e;
    GError *err = NULL;

    g_assert_true(event_notifier_init(&e, &err));
    g_assert_true(kvm_irqfd_assign(s, e.fd, 30, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 1);
    g_assert_cmpint(kvm_fake_irqfd_gsi(e.fd), ==, 30);
    /* One GSI per eventfd: the kernel's EBUSY comes back as an error. */
    g_assert_false(kvm_irqfd_assign(s, e.fd, 31, &err));
    g_assert_nonnull(strstr(err->message, "irqfd"));
    g_clear_error(&err);
    g_assert_true(kvm_irqfd_deassign(s, e.fd, 30, &err));
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);

    kvm_fake_fail_next(KVM_IRQFD, ENOMEM);
    g_assert_false(kvm_irqfd_assign(s, e.fd, 30, &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_false(kvm_irqfd_assign(s, -1, 30, &err));
    g_clear_error(&err);
    event_notifier_cleanup(&e);
    vm_free(s);
    g_assert_cmpint(count_process_fds(), ==, fds);
}

static void test_ioeventfd(void)
{
    KVMState *s = vm_new(1024);
    EventNotifier e, f;
    struct kvm_ioeventfd got;
    GError *err = NULL;

    g_assert_true(event_notifier_init(&e, &err));
    g_assert_true(event_notifier_init(&f, &err));
    g_assert_true(kvm_ioeventfd_assign(s, e.fd, 0xd0003000, 2, true, 0,
                                       false, &err));
    /* Another value at the same address is a different ioeventfd. */
    g_assert_true(kvm_ioeventfd_assign(s, f.fd, 0xd0003000, 2, true, 1,
                                       false, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 2);
    g_assert_true(kvm_fake_ioeventfd(0, &got));
    g_assert_cmphex(got.addr, ==, 0xd0003000);
    g_assert_cmpuint(got.len, ==, 2);
    g_assert_cmpuint(got.flags, ==, KVM_IOEVENTFD_FLAG_DATAMATCH);
    g_assert_cmpuint(got.datamatch, ==, 0);
    g_assert_cmpint(got.fd, ==, e.fd);

    /* The same value twice collides. */
    g_assert_false(kvm_ioeventfd_assign(s, f.fd, 0xd0003000, 2, true, 0,
                                        false, &err));
    g_assert_nonnull(strstr(err->message, "0xd0003000"));
    g_clear_error(&err);
    /* A port ioeventfd lives on the other bus. */
    g_assert_true(kvm_ioeventfd_assign(s, f.fd, 0xd0003000, 2, true, 0,
                                       true, &err));
    g_assert_true(kvm_fake_ioeventfd(2, &got));
    g_assert_cmpuint(got.flags, ==, KVM_IOEVENTFD_FLAG_DATAMATCH |
                                    KVM_IOEVENTFD_FLAG_PIO);
    /* Deassigning needs the same arguments. */
    g_assert_false(kvm_ioeventfd_deassign(s, e.fd, 0xd0003000, 4, true, 0,
                                          false, &err));
    g_clear_error(&err);
    g_assert_true(kvm_ioeventfd_deassign(s, e.fd, 0xd0003000, 2, true, 0,
                                         false, &err));
    g_assert_true(kvm_ioeventfd_deassign(s, f.fd, 0xd0003000, 2, true, 1,
                                         false, &err));
    g_assert_true(kvm_ioeventfd_deassign(s, f.fd, 0xd0003000, 2, true, 0,
                                         true, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    /* Checked before the kernel: datamatch needs a length. */
    kvm_fake_clear_calls();
    g_assert_false(kvm_ioeventfd_assign(s, e.fd, 0x1000, 0, true, 0, false,
                                        &err));
    g_clear_error(&err);
    g_assert_false(kvm_ioeventfd_assign(s, e.fd, 0x1000, 3, false, 0, false,
                                        &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_count(KVM_IOEVENTFD), ==, 0);
    event_notifier_cleanup(&e);
    event_notifier_cleanup(&f);
    vm_free(s);
}

/* ---- memory-eventfd.c through the KVM backend ---- */

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (*(unsigned *)opaque)++;
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void test_memory_eventfd(void)
{
    int fds = count_process_fds();
    MemoryRegion bar = { 0 }, notify = { 0 };
    EventNotifier e;
    struct kvm_ioeventfd got;
    GError *err = NULL;
    unsigned writes = 0;
    uint64_t v;
    KVMState *s;

    memory_system_init();
    memory_region_init(&bar, NULL, "test-bar", 0x4000);
    memory_region_init_io(&notify, NULL, &dev_ops, &writes, "test-notify",
                          0x1000);
    memory_region_add_subregion(&bar, 0x3000, &notify);
    g_assert_true(event_notifier_init(&e, &err));

    /* Without an accelerator there is nothing to register... */
    g_assert_false(memory_eventfds_enabled());
    g_assert_false(memory_region_add_eventfd(&notify, 8, 2, true, 2, &e,
                                             &err));
    g_assert_error(err, KITE_ERROR, KITE_ERROR_GENERIC);
    g_clear_error(&err);

    s = vm_new(1024);
    kvm_irq_install_eventfd_backend(s);
    g_assert_true(memory_eventfds_enabled());
    g_assert_true(msi_eventfds_enabled());
    /* ...and unmapped, a registration waits for its region to appear. */
    g_assert_true(memory_region_add_eventfd(&notify, 8, 2, true, 2, &e,
                                            &err));
    g_assert_no_error(err);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    memory_region_add_subregion(get_system_memory(), 0xd0000000, &bar);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 1);
    g_assert_true(kvm_fake_ioeventfd(0, &got));
    g_assert_cmphex(got.addr, ==, 0xd0003008);
    g_assert_cmpuint(got.len, ==, 2);
    g_assert_cmpuint(got.datamatch, ==, 2);
    g_assert_cmpint(got.fd, ==, e.fd);

    /* The BAR moves: the ioeventfd follows; disabled: it goes. */
    memory_region_set_address(&bar, 0xe0000000);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 1);
    g_assert_true(kvm_fake_ioeventfd(0, &got));
    g_assert_cmphex(got.addr, ==, 0xe0003008);
    memory_region_set_enabled(&bar, false);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    g_assert_cmpuint(memory_eventfds_assigned(), ==, 0);
    memory_region_set_enabled(&bar, true);
    g_assert_cmpuint(memory_eventfds_assigned(), ==, 1);

    /* The fake kernel does not run guests: writes through the memory
     * API still reach the region (the fallback path stays intact). */
    address_space_write_sized(address_space_memory(), 0xe0003008, 2, 2);
    g_assert_cmpuint(writes, ==, 1);
    address_space_read_sized(address_space_memory(), 0xe0003008, &v, 2);

    /* A registration the kernel refuses is not kept. */
    kvm_fake_fail_next(KVM_IOEVENTFD, ENOSPC);
    g_assert_false(memory_region_add_eventfd(&notify, 12, 2, true, 3, &e,
                                             &err));
    g_assert_nonnull(strstr(err->message, "ioeventfd"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 1);
    /* Nor a bad one. */
    g_assert_false(memory_region_add_eventfd(&notify, 0xfff, 2, true, 3, &e,
                                             &err));
    g_clear_error(&err);

    memory_region_del_eventfd(&notify, 8, 2, true, 2, &e);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    g_assert_cmpuint(memory_eventfds_assigned(), ==, 0);

    /* Uninstalling the backend deassigns what it had. */
    g_assert_true(memory_region_add_eventfd(&notify, 8, 2, true, 2, &e,
                                            &err));
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 1);
    kvm_irq_install_eventfd_backend(NULL);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    memory_region_del_eventfd(&notify, 8, 2, true, 2, &e);

    memory_region_del_subregion(get_system_memory(), &bar);
    memory_region_del_subregion(&bar, &notify);
    memory_region_finalize(&notify);
    memory_region_finalize(&bar);
    event_notifier_cleanup(&e);
    vm_free(s);
    g_assert_cmpint(count_process_fds(), ==, fds);
}

static void test_msi_eventfd(void)
{
    int fds = count_process_fds();
    KVMState *s = vm_new(1024);
    struct kvm_irq_routing_entry e[64];
    const struct kvm_irq_routing_entry *m;
    MsiEventfd msi;
    GError *err = NULL;
    uint64_t count = 0;

    kvm_irq_install_eventfd_backend(s);
    msi_eventfd_init(&msi);
    g_assert_false(msi_eventfd_fire(&msi));
    g_assert_true(msi_eventfd_connect(&msi, 0xfee00000, 0x4021, &err));
    g_assert_no_error(err);
    g_assert_true(msi_eventfd_connected(&msi));
    g_assert_cmpint(kvm_fake_irqfd_gsi(msi.e.fd), ==, msi.route);
    m = find_msi(e, routes(e, G_N_ELEMENTS(e)), msi.route);
    g_assert_nonnull(m);
    g_assert_cmphex(m->u.msi.data, ==, 0x4021);

    /* Raising it is a write to the eventfd (KVM reads it). */
    g_assert_true(msi_eventfd_fire(&msi));
    g_assert_true(msi_eventfd_fire(&msi));
    g_assert_cmpint(read(msi.e.fd, &count, sizeof(count)), ==, sizeof(count));
    g_assert_cmpuint(count, ==, 2);

    /* Same message: no ioctl; a new one: the route moves, same irqfd. */
    kvm_fake_clear_calls();
    g_assert_true(msi_eventfd_connect(&msi, 0xfee00000, 0x4021, &err));
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);
    g_assert_true(msi_eventfd_connect(&msi, 0xfee01000, 0x4022, &err));
    g_assert_cmpuint(kvm_fake_count(KVM_SET_GSI_ROUTING), ==, 1);
    g_assert_cmpuint(kvm_fake_count(KVM_IRQFD), ==, 0);
    m = find_msi(e, routes(e, G_N_ELEMENTS(e)), msi.route);
    g_assert_cmphex(m->u.msi.address_lo, ==, 0xfee01000);

    msi_eventfd_disconnect(&msi);
    g_assert_false(msi_eventfd_connected(&msi));
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_cmpuint(kvm_irq_route_count(s), ==, 0);
    g_assert_cmpuint(routes(e, 0), ==, NIRQCHIP);

    /* Each step of connecting failing undoes the steps before it. */
    kvm_fake_fail_next(KVM_IRQFD, ENOMEM);
    g_assert_false(msi_eventfd_connect(&msi, 0xfee00000, 1, &err));
    g_clear_error(&err);
    g_assert_false(msi_eventfd_connected(&msi));
    g_assert_cmpuint(kvm_irq_route_count(s), ==, 0);
    g_assert_cmpuint(routes(e, 0), ==, NIRQCHIP);
    kvm_fake_fail_next(KVM_SET_GSI_ROUTING, ENOMEM);
    g_assert_false(msi_eventfd_connect(&msi, 0xfee00000, 1, &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    /* A failed route update disconnects, irqfd and all. */
    g_assert_true(msi_eventfd_connect(&msi, 0xfee00000, 1, &err));
    kvm_fake_fail_next(KVM_SET_GSI_ROUTING, ENOMEM);
    g_assert_false(msi_eventfd_connect(&msi, 0xfee00000, 2, &err));
    g_clear_error(&err);
    g_assert_false(msi_eventfd_connected(&msi));
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_cmpuint(kvm_irq_route_count(s), ==, 0);

    /* The backend goes while connected: the next connect fails cleanly
     * and the eventfd is closed. */
    g_assert_true(msi_eventfd_connect(&msi, 0xfee00000, 1, &err));
    kvm_irq_install_eventfd_backend(NULL);
    g_assert_false(msi_eventfds_enabled());
    g_assert_false(msi_eventfd_connect(&msi, 0xfee00000, 2, &err));
    g_clear_error(&err);
    g_assert_false(msi_eventfd_connected(&msi));
    g_assert_cmpint(msi.e.fd, ==, -1);
    vm_free(s);
    g_assert_cmpint(count_process_fds(), ==, fds);
}

/*
 * Every successful assign recorded by the fake has its deassign, none
 * comes before its assign, over a device-like life: three MSI vectors
 * connected, one moved, all dropped; an ioeventfd added, moved with its
 * region, hidden, shown, removed.
 */
static void test_pairs(void)
{
    int fds = count_process_fds();
    KVMState *s = vm_new(1024);
    MemoryRegion bar = { 0 };
    MsiEventfd m[3];
    EventNotifier e;
    GHashTable *live = g_hash_table_new_full(g_str_hash, g_str_equal,
                                             g_free, NULL);
    GError *err = NULL;
    unsigned assigns = 0;

    kvm_irq_install_eventfd_backend(s);
    for (int i = 0; i < 3; i++) {
        msi_eventfd_init(&m[i]);
        g_assert_true(msi_eventfd_connect(&m[i], 0xfee00000, 0x40 + i, &err));
    }
    g_assert_true(msi_eventfd_connect(&m[1], 0xfee01000, 0x50, &err));
    memory_region_init_io(&bar, NULL, &dev_ops, NULL, "pairs-bar", 0x1000);
    memory_region_add_subregion(get_system_memory(), 0xd0000000, &bar);
    g_assert_true(event_notifier_init(&e, &err));
    g_assert_true(memory_region_add_eventfd(&bar, 0, 2, true, 0, &e, &err));
    memory_region_set_address(&bar, 0xd1000000);
    memory_region_set_enabled(&bar, false);
    memory_region_set_enabled(&bar, true);
    memory_region_del_eventfd(&bar, 0, 2, true, 0, &e);
    for (int i = 0; i < 3; i++) {
        msi_eventfd_disconnect(&m[i]);
    }
    g_assert_no_error(err);

    for (unsigned i = 0; i < kvm_fake_ncalls(); i++) {
        const KvmFakeCall *c = kvm_fake_call(i);
        g_autofree char *key = NULL;
        bool deassign;

        if (c->op != KVM_FAKE_IOCTL || c->result < 0 ||
            (c->req != KVM_IRQFD && c->req != KVM_IOEVENTFD)) {
            continue;
        }
        if (c->req == KVM_IRQFD) {
            const struct kvm_irqfd *q = c->arg;
            key = g_strdup_printf("irqfd %u gsi %u", q->fd, q->gsi);
            deassign = q->flags & KVM_IRQFD_FLAG_DEASSIGN;
        } else {
            const struct kvm_ioeventfd *q = c->arg;
            key = g_strdup_printf("ioeventfd %d at %" PRIx64 "/%u = %" PRIx64
                                  " flags %x", q->fd, (uint64_t)q->addr,
                                  q->len, (uint64_t)q->datamatch,
                                  q->flags & ~KVM_IOEVENTFD_FLAG_DEASSIGN);
            deassign = q->flags & KVM_IOEVENTFD_FLAG_DEASSIGN;
        }
        if (deassign) {
            g_assert_true(g_hash_table_remove(live, key));
        } else {
            g_assert_false(g_hash_table_contains(live, key));
            g_hash_table_add(live, g_steal_pointer(&key));
            assigns++;
        }
    }
    /* 3 irqfds, ioeventfd at 0xd0000000 and twice at 0xd1000000. */
    g_assert_cmpuint(assigns, ==, 6);
    g_assert_cmpuint(g_hash_table_size(live), ==, 0);
    g_assert_cmpuint(kvm_fake_irqfds(), ==, 0);
    g_assert_cmpuint(kvm_fake_ioeventfds(), ==, 0);
    g_hash_table_destroy(live);

    kvm_irq_install_eventfd_backend(NULL);
    memory_region_del_subregion(get_system_memory(), &bar);
    memory_region_finalize(&bar);
    event_notifier_cleanup(&e);
    vm_free(s);
    g_assert_cmpint(count_process_fds(), ==, fds);
}

/* Without the in-kernel irqchip or the capabilities, nothing is offered. */
static void test_backend_caps(void)
{
    KVMState *s = vm_new(1024);

    kvm_fake_set_cap(KVM_CAP_IRQFD, 0);
    kvm_irq_install_eventfd_backend(s);
    g_assert_true(memory_eventfds_enabled());
    g_assert_false(msi_eventfds_enabled());
    kvm_fake_set_cap(KVM_CAP_IOEVENTFD, 0);
    kvm_irq_install_eventfd_backend(s);
    g_assert_false(memory_eventfds_enabled());
    kvm_fake_set_cap(KVM_CAP_IRQFD, 1);
    s->irqchip = false;
    kvm_irq_install_eventfd_backend(s);
    g_assert_false(msi_eventfds_enabled());
    kvm_irq_install_eventfd_backend(NULL);
    vm_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/irq/routes", test_routes);
    g_test_add_func("/kvm/irq/route-errors", test_route_errors);
    g_test_add_func("/kvm/irq/irqfd", test_irqfd);
    g_test_add_func("/kvm/irq/ioeventfd", test_ioeventfd);
    g_test_add_func("/kvm/irq/memory-eventfd", test_memory_eventfd);
    g_test_add_func("/kvm/irq/msi-eventfd", test_msi_eventfd);
    g_test_add_func("/kvm/irq/assign-deassign-pairs", test_pairs);
    g_test_add_func("/kvm/irq/backend-caps", test_backend_caps);
    return g_test_run();
}
