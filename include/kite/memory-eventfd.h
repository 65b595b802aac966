/*
 * Eventfd shortcuts for memory writes, in both directions, for devices
 * that must not know the accelerator:
 *
 * - "Tell me through an eventfd when the guest writes here"
 *   (memory_region_add_eventfd): under KVM an ioeventfd, so the write
 *   never leaves the kernel; the device reads the eventfd on the main
 *   loop.  Without an accelerator backend (qtest) there is nothing to
 *   add and writes keep reaching the region's write callback, so a
 *   device must handle a write there exactly as it handles the eventfd.
 *   The same holds while a registration could not be assigned (the
 *   region is unmapped, reached through an alias, or the kernel refused):
 *   the write path is always the fallback.
 *
 * - "Raise this MSI through an eventfd" (MsiEventfd): under KVM an irqfd
 *   on an MSI route, so raising it is one write(2).  Without a backend
 *   msi_eventfd_connect fails and the device sends the message its usual
 *   way (pci_msi_send: a write into the address space under qtest).
 *
 * Registrations follow the memory layout: when a region moves, its
 * eventfds are reassigned at the new address at the transaction commit.
 * All of this runs under the big lock.
 */
#ifndef KITE_MEMORY_EVENTFD_H
#define KITE_MEMORY_EVENTFD_H

#include "kite/memory.h"
#include "kite/event-notifier.h"

/* What an accelerator provides; addresses are absolute. */
typedef struct MemoryEventfdOps {
    bool (*ioeventfd)(bool assign, int fd, hwaddr addr, unsigned size,
                      bool match_data, uint64_t data, bool pio,
                      GError **errp);
    /* MSI routes: a handle >= 0, or -1 with *errp set. */
    int (*msi_route_add)(uint64_t addr, uint32_t data, GError **errp);
    bool (*msi_route_update)(int route, uint64_t addr, uint32_t data,
                             GError **errp);
    void (*msi_route_release)(int route);
    bool (*irqfd)(bool assign, int fd, int route, GError **errp);
} MemoryEventfdOps;

/* Install the accelerator's backend (NULL: none).  Registrations made
 * before are reassigned through the new backend. */
void memory_eventfd_set_backend(const MemoryEventfdOps *ops);
/* True when guest writes can signal eventfds (an accelerator is there). */
bool memory_eventfds_enabled(void);
/* True when MSIs can be raised through eventfds. */
bool msi_eventfds_enabled(void);

/*
 * Signal @e when the guest writes @size bytes (1, 2, 4, 8; 0 = any size)
 * at @addr within @mr, and only @data when @match_data.  Fails when no
 * backend is installed or the backend refuses the address now; nothing
 * is left registered then.  @mr must be in the memory or I/O space.
 */
bool memory_region_add_eventfd(MemoryRegion *mr, hwaddr addr, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *e, GError **errp);
/* Undo memory_region_add_eventfd with the same arguments. */
void memory_region_del_eventfd(MemoryRegion *mr, hwaddr addr, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *e);
/* Registrations currently assigned to the accelerator (for tests). */
unsigned memory_eventfds_assigned(void);
/* The memory API calls this after every layout change. */
void memory_eventfd_layout_changed(void);

typedef struct MsiEventfd {
    EventNotifier e;
    int route;               /* backend route, -1 = not connected */
    uint64_t addr;           /* the message the route carries */
    uint32_t data;
} MsiEventfd;

/* A disconnected MsiEventfd. */
void msi_eventfd_init(MsiEventfd *m);
/*
 * Make @m raise the message @addr/@data: the first time an eventfd, a
 * route and an irqfd; later only the route, when the message changed.
 * On failure @m is disconnected and nothing is left allocated.
 */
bool msi_eventfd_connect(MsiEventfd *m, uint64_t addr, uint32_t data,
                         GError **errp);
void msi_eventfd_disconnect(MsiEventfd *m);
static inline bool msi_eventfd_connected(const MsiEventfd *m)
{
    return m->route >= 0;
}
/* Raise it; false when not connected (send the message another way). */
bool msi_eventfd_fire(MsiEventfd *m);

#endif
