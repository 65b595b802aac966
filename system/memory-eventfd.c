/*
 * Eventfd shortcuts for memory writes (memory-eventfd.h): a registry of
 * "signal this eventfd on a guest write there" kept in step with the
 * memory layout, and MSIs raised through eventfds, both carried out by
 * the accelerator's backend.
 */
#include "kite/memory-eventfd.h"

typedef struct MemoryEventfd {
    MemoryRegion *mr;
    hwaddr offset;           /* within mr */
    unsigned size;
    bool match_data;
    uint64_t data;
    int fd;
    /* Where the backend has it, when assigned. */
    bool assigned;
    bool pio;
    hwaddr addr;
} MemoryEventfd;

static const MemoryEventfdOps *backend;
static GPtrArray *registry;   /* MemoryEventfd * */

bool memory_eventfds_enabled(void)
{
    return backend && backend->ioeventfd;
}

bool msi_eventfds_enabled(void)
{
    return backend && backend->msi_route_add && backend->irqfd;
}

/*
 * The absolute address of @mr + @offset: up the container chain to the
 * root of the memory or the I/O space, every level enabled.  Regions
 * reached through an alias are not followed (false: not mapped).
 */
static bool resolve(MemoryRegion *mr, hwaddr offset, hwaddr *addr, bool *pio)
{
    hwaddr a = offset;

    for (; mr->container; mr = mr->container) {
        if (!mr->enabled) {
            return false;
        }
        a += mr->addr;
    }
    if (mr == get_system_memory()) {
        *pio = false;
    } else if (address_space_io() && mr == get_system_io()) {
        *pio = true;
    } else {
        return false;
    }
    *addr = a;
    return true;
}

static bool assign(MemoryEventfd *r, hwaddr addr, bool pio, GError **errp)
{
    if (!backend->ioeventfd(true, r->fd, addr, r->size, r->match_data,
                            r->data, pio, errp)) {
        return false;
    }
    r->assigned = true;
    r->addr = addr;
    r->pio = pio;
    return true;
}

static void deassign(MemoryEventfd *r)
{
    if (r->assigned && backend) {
        /* Cannot fail for an assignment the backend accepted. */
        backend->ioeventfd(false, r->fd, r->addr, r->size, r->match_data,
                           r->data, r->pio, NULL);
    }
    r->assigned = false;
}

/* Bring one registration in line with the layout; failures leave it
 * unassigned, so writes take the region's write path. */
static void sync_one(MemoryEventfd *r)
{
    hwaddr addr = 0;
    bool pio = false;
    bool mapped = backend && resolve(r->mr, r->offset, &addr, &pio);

    if (r->assigned && mapped && r->addr == addr && r->pio == pio) {
        return;
    }
    deassign(r);
    if (mapped) {
        assign(r, addr, pio, NULL);
    }
}

void memory_eventfd_layout_changed(void)
{
    for (guint i = 0; registry && i < registry->len; i++) {
        sync_one(g_ptr_array_index(registry, i));
    }
}

void memory_eventfd_set_backend(const MemoryEventfdOps *ops)
{
    for (guint i = 0; registry && i < registry->len; i++) {
        deassign(g_ptr_array_index(registry, i));
    }
    backend = ops;
    memory_eventfd_layout_changed();
}

unsigned memory_eventfds_assigned(void)
{
    unsigned n = 0;

    for (guint i = 0; registry && i < registry->len; i++) {
        n += ((MemoryEventfd *)g_ptr_array_index(registry, i))->assigned;
    }
    return n;
}

static bool valid_size(unsigned size)
{
    return size == 0 || size == 1 || size == 2 || size == 4 || size == 8;
}

bool memory_region_add_eventfd(MemoryRegion *mr, hwaddr addr, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *e, GError **errp)
{
    MemoryEventfd *r;
    hwaddr abs = 0;
    bool pio = false;

    if (!memory_eventfds_enabled()) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: no accelerator to signal eventfds on guest writes",
                    mr->name);
        return false;
    }
    if (!valid_size(size) || (match_data && size == 0) || e->fd < 0 ||
        addr + (size ? size : 1) > mr->size) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: bad eventfd registration at 0x%" PRIx64 " size %u",
                    mr->name, (uint64_t)addr, size);
        return false;
    }
    r = g_new0(MemoryEventfd, 1);
    r->mr = mr;
    r->offset = addr;
    r->size = size;
    r->match_data = match_data;
    r->data = data;
    r->fd = e->fd;
    if (resolve(mr, addr, &abs, &pio) && !assign(r, abs, pio, errp)) {
        g_free(r);
        return false;
    }
    if (!registry) {
        registry = g_ptr_array_new();
    }
    g_ptr_array_add(registry, r);
    return true;
}

void memory_region_del_eventfd(MemoryRegion *mr, hwaddr addr, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *e)
{
    for (guint i = 0; registry && i < registry->len; i++) {
        MemoryEventfd *r = g_ptr_array_index(registry, i);

        if (r->mr == mr && r->offset == addr && r->size == size &&
            r->match_data == match_data && r->data == data && r->fd == e->fd) {
            deassign(r);
            g_ptr_array_remove_index(registry, i);
            g_free(r);
            break;
        }
    }
    if (registry && !registry->len) {
        g_ptr_array_free(registry, true);
        registry = NULL;
    }
}

/* ---- MSIs through eventfds ---- */

void msi_eventfd_init(MsiEventfd *m)
{
    m->e.fd = -1;
    m->route = -1;
    m->addr = 0;
    m->data = 0;
}

bool msi_eventfd_connect(MsiEventfd *m, uint64_t addr, uint32_t data,
                         GError **errp)
{
    int route;

    if (msi_eventfd_connected(m) && !msi_eventfds_enabled()) {
        msi_eventfd_disconnect(m);     /* the backend went away */
    }
    if (msi_eventfd_connected(m)) {
        if (m->addr == addr && m->data == data) {
            return true;
        }
        if (!backend->msi_route_update(m->route, addr, data, errp)) {
            msi_eventfd_disconnect(m);
            return false;
        }
        m->addr = addr;
        m->data = data;
        return true;
    }
    if (!msi_eventfds_enabled()) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "no accelerator to raise MSIs through eventfds");
        return false;
    }
    if (!event_notifier_init(&m->e, errp)) {
        return false;
    }
    route = backend->msi_route_add(addr, data, errp);
    if (route < 0) {
        event_notifier_cleanup(&m->e);
        return false;
    }
    if (!backend->irqfd(true, m->e.fd, route, errp)) {
        backend->msi_route_release(route);
        event_notifier_cleanup(&m->e);
        return false;
    }
    m->route = route;
    m->addr = addr;
    m->data = data;
    return true;
}

void msi_eventfd_disconnect(MsiEventfd *m)
{
    if (msi_eventfd_connected(m) && msi_eventfds_enabled()) {
        backend->irqfd(false, m->e.fd, m->route, NULL);
        backend->msi_route_release(m->route);
    }
    event_notifier_cleanup(&m->e);
    m->route = -1;
}

bool msi_eventfd_fire(MsiEventfd *m)
{
    return msi_eventfd_connected(m) && event_notifier_set(&m->e);
}
