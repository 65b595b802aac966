/*
 * GSI routing, irqfd and ioeventfd (kvm-irq.h).  KVM_SET_GSI_ROUTING
 * replaces the kernel's whole table, so every update sends the irqchip
 * entries KVM_CREATE_IRQCHIP installed by default (GSIs 0-15 on the PICs
 * and the IOAPIC, 16-23 on the IOAPIC) followed by our MSI routes.  The
 * table changes only after the kernel took the new one.
 */
#include "kite/kvm/kvm-irq.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/memory-eventfd.h"
#include <errno.h>

#define IOAPIC_PINS 24
#define PIC_PINS 16

typedef struct KvmIrqRoutes {
    GArray *msi;             /* struct kvm_irq_routing_entry, MSI only */
    unsigned max_gsi;        /* KVM_CAP_IRQ_ROUTING: GSIs below this */
} KvmIrqRoutes;

static KvmIrqRoutes *routes_get(KVMState *s, GError **errp)
{
    int max;

    if (s->irq_routes) {
        return s->irq_routes;
    }
    if (!s->irqchip) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: MSI routes need the in-kernel irqchip");
        return NULL;
    }
    max = kvm_ioctl_int(s->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING);
    if (max <= IOAPIC_PINS + PIC_PINS) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: the kernel has no GSI routing for MSIs "
                    "(KVM_CAP_IRQ_ROUTING %d)", max);
        return NULL;
    }
    s->irq_routes = g_new0(KvmIrqRoutes, 1);
    s->irq_routes->msi = g_array_new(false, true,
                                     sizeof(struct kvm_irq_routing_entry));
    s->irq_routes->max_gsi = max;
    return s->irq_routes;
}

void kvm_irq_routes_free(KVMState *s)
{
    if (s->irq_routes) {
        g_array_free(s->irq_routes->msi, true);
        g_clear_pointer(&s->irq_routes, g_free);
    }
}

unsigned kvm_irq_route_count(KVMState *s)
{
    return s->irq_routes ? s->irq_routes->msi->len : 0;
}

#ifdef KVM_IRQCHIP_IOAPIC
static void irqchip_entry(struct kvm_irq_routing_entry *e, unsigned gsi,
                          unsigned chip, unsigned pin)
{
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}
#endif

/* Send the default irqchip entries plus @msi (which may differ from the
 * table while a change is being tried). */
static bool commit(KVMState *s, GArray *msi, GError **errp)
{
    unsigned n = IOAPIC_PINS + PIC_PINS + msi->len, i = 0;
    g_autofree struct kvm_irq_routing *r =
        g_malloc0(sizeof(*r) + n * sizeof(r->entries[0]));

#ifdef KVM_IRQCHIP_IOAPIC
    /* x86: what kvm_setup_default_irq_routing installs. */
    for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
        if (gsi < PIC_PINS) {
            irqchip_entry(&r->entries[i++], gsi,
                          gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
                                  : KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
        }
        irqchip_entry(&r->entries[i++], gsi, KVM_IRQCHIP_IOAPIC, gsi);
    }
#else
    n = msi->len;   /* no x86 irqchip here: MSI routes only */
#endif
    memcpy(&r->entries[i], msi->data, msi->len * sizeof(r->entries[0]));
    r->nr = n;
    if (kvm_ioctl_call(s->vm_fd, KVM_SET_GSI_ROUTING, r) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: KVM_SET_GSI_ROUTING with %u entries failed: %s", n,
                    g_strerror(errno));
        return false;
    }
    return true;
}

static void msi_entry(struct kvm_irq_routing_entry *e, unsigned gsi,
                      uint64_t addr, uint32_t data)
{
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_MSI;
    e->u.msi.address_lo = (uint32_t)addr;
    e->u.msi.address_hi = addr >> 32;
    e->u.msi.data = data;
}

/* Index of the route of @gsi in rt->msi, or -1. */
static int find(KvmIrqRoutes *rt, int gsi)
{
    for (guint i = 0; rt && i < rt->msi->len; i++) {
        if ((int)g_array_index(rt->msi, struct kvm_irq_routing_entry, i).gsi
            == gsi) {
            return i;
        }
    }
    return -1;
}

int kvm_irq_route_add_msi(KVMState *s, uint64_t addr, uint32_t data,
                          GError **errp)
{
    KvmIrqRoutes *rt = routes_get(s, errp);
    struct kvm_irq_routing_entry e;
    unsigned gsi = KVM_IRQ_FIRST_MSI_GSI;
    guint pos;

    if (!rt) {
        return -1;
    }
    /* The lowest free GSI; the array is kept sorted by GSI. */
    for (pos = 0; pos < rt->msi->len; pos++, gsi++) {
        if (g_array_index(rt->msi, struct kvm_irq_routing_entry, pos).gsi
            != gsi) {
            break;
        }
    }
    /* KVM_CAP_IRQ_ROUTING bounds both the GSIs and the table's entries. */
    if (gsi >= rt->max_gsi ||
        IOAPIC_PINS + PIC_PINS + rt->msi->len + 1 > rt->max_gsi) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: no free GSI for an MSI route (the kernel allows "
                    "%u routing entries)", rt->max_gsi);
        return -1;
    }
    msi_entry(&e, gsi, addr, data);
    g_array_insert_val(rt->msi, pos, e);
    if (!commit(s, rt->msi, errp)) {
        g_array_remove_index(rt->msi, pos);
        return -1;
    }
    return gsi;
}

bool kvm_irq_route_update_msi(KVMState *s, int gsi, uint64_t addr,
                              uint32_t data, GError **errp)
{
    KvmIrqRoutes *rt = s->irq_routes;
    int i = find(rt, gsi);
    struct kvm_irq_routing_entry *e, old;

    if (i < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: no MSI route on GSI %d", gsi);
        return false;
    }
    e = &g_array_index(rt->msi, struct kvm_irq_routing_entry, i);
    old = *e;
    msi_entry(e, gsi, addr, data);
    if (!memcmp(&old, e, sizeof(old))) {
        return true;
    }
    if (!commit(s, rt->msi, errp)) {
        *e = old;
        return false;
    }
    return true;
}

void kvm_irq_route_release(KVMState *s, int gsi)
{
    KvmIrqRoutes *rt = s->irq_routes;
    int i = find(rt, gsi);

    if (i < 0) {
        return;
    }
    g_array_remove_index(rt->msi, i);
    /* Should the kernel refuse, it keeps a route nobody raises; the next
     * successful update drops it. */
    commit(s, rt->msi, NULL);
}

/* ---- irqfd ---- */

static bool irqfd(KVMState *s, int fd, int gsi, bool assign, GError **errp)
{
    struct kvm_irqfd req = {
        .fd = fd,
        .gsi = gsi,
        .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
    };

    if (fd < 0 || gsi < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: irqfd with fd %d on GSI %d", fd, gsi);
        return false;
    }
    if (kvm_ioctl_call(s->vm_fd, KVM_IRQFD, &req) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: %s irqfd %d on GSI %d failed: %s",
                    assign ? "assigning" : "deassigning", fd, gsi,
                    g_strerror(errno));
        return false;
    }
    return true;
}

bool kvm_irqfd_assign(KVMState *s, int fd, int gsi, GError **errp)
{
    return irqfd(s, fd, gsi, true, errp);
}

bool kvm_irqfd_deassign(KVMState *s, int fd, int gsi, GError **errp)
{
    return irqfd(s, fd, gsi, false, errp);
}

/* ---- ioeventfd ---- */

static bool ioeventfd(KVMState *s, int fd, uint64_t addr, unsigned len,
                      bool datamatch, uint64_t data, bool pio, bool assign,
                      GError **errp)
{
    struct kvm_ioeventfd req = {
        .datamatch = datamatch ? data : 0,
        .addr = addr,
        .len = len,
        .fd = fd,
        .flags = (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };

    if (fd < 0 || (len != 0 && len != 1 && len != 2 && len != 4 && len != 8) ||
        (datamatch && len == 0)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: bad ioeventfd (fd %d, length %u%s)", fd, len,
                    datamatch ? ", datamatch" : "");
        return false;
    }
    if (kvm_ioctl_call(s->vm_fd, KVM_IOEVENTFD, &req) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: %s ioeventfd at %s 0x%" PRIx64 " (%u bytes) "
                    "failed: %s", assign ? "assigning" : "deassigning",
                    pio ? "port" : "address", addr, len, g_strerror(errno));
        return false;
    }
    return true;
}

bool kvm_ioeventfd_assign(KVMState *s, int fd, uint64_t addr, unsigned len,
                          bool datamatch, uint64_t data, bool pio,
                          GError **errp)
{
    return ioeventfd(s, fd, addr, len, datamatch, data, pio, true, errp);
}

bool kvm_ioeventfd_deassign(KVMState *s, int fd, uint64_t addr, unsigned len,
                            bool datamatch, uint64_t data, bool pio,
                            GError **errp)
{
    return ioeventfd(s, fd, addr, len, datamatch, data, pio, false, errp);
}

/* ---- the memory API's eventfd backend ---- */

static KVMState *backend_vm;

static bool be_ioeventfd(bool assign, int fd, hwaddr addr, unsigned size,
                         bool match_data, uint64_t data, bool pio,
                         GError **errp)
{
    return ioeventfd(backend_vm, fd, addr, size, match_data, data, pio,
                     assign, errp);
}

static int be_route_add(uint64_t addr, uint32_t data, GError **errp)
{
    return kvm_irq_route_add_msi(backend_vm, addr, data, errp);
}

static bool be_route_update(int route, uint64_t addr, uint32_t data,
                            GError **errp)
{
    return kvm_irq_route_update_msi(backend_vm, route, addr, data, errp);
}

static void be_route_release(int route)
{
    kvm_irq_route_release(backend_vm, route);
}

static bool be_irqfd(bool assign, int fd, int route, GError **errp)
{
    return irqfd(backend_vm, fd, route, assign, errp);
}

static const MemoryEventfdOps be_full = {
    .ioeventfd = be_ioeventfd,
    .msi_route_add = be_route_add,
    .msi_route_update = be_route_update,
    .msi_route_release = be_route_release,
    .irqfd = be_irqfd,
};

static const MemoryEventfdOps be_ioeventfd_only = {
    .ioeventfd = be_ioeventfd,
};

static const MemoryEventfdOps be_msi_only = {
    .msi_route_add = be_route_add,
    .msi_route_update = be_route_update,
    .msi_route_release = be_route_release,
    .irqfd = be_irqfd,
};

static bool has_cap(KVMState *s, long cap)
{
    return kvm_ioctl_int(s->vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

void kvm_irq_install_eventfd_backend(KVMState *s)
{
    bool ioev, msi;

    if (!s) {
        memory_eventfd_set_backend(NULL);
        backend_vm = NULL;
        return;
    }
    ioev = has_cap(s, KVM_CAP_IOEVENTFD);
    msi = s->irqchip && has_cap(s, KVM_CAP_IRQFD) &&
          kvm_ioctl_int(s->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING)
          > IOAPIC_PINS + PIC_PINS;
    backend_vm = s;
    memory_eventfd_set_backend(ioev && msi ? &be_full :
                               ioev ? &be_ioeventfd_only :
                               msi ? &be_msi_only : NULL);
}
