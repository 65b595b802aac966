/*
 * virtio-pci's eventfd shortcuts, when the accelerator offers them (KVM;
 * never under qtest, where everything below stays idle):
 *
 * - Kicks: once the driver set DRIVER_OK, each enabled queue's notify
 *   address (the 16-bit queue index written at queue * multiplier,
 *   4.1.4.4) signals an eventfd that the main loop reads, so a kick costs
 *   the guest no exit to Kite.  Other writes (another width or value)
 *   still reach notify_write, which handles them the same way.
 * - Interrupts: an MSI-X vector the device raises goes through an irqfd
 *   on an MSI route carrying the table's message.  The route follows the
 *   table; a masked vector (or MSI-X turned off) loses its irqfd and
 *   route, so masking keeps working through the PBA in msix.c.
 */
#include "kite/virtio-pci.h"
#include <glib-unix.h>

static bool vector_fire(PCIDevice *dev, unsigned v, uint64_t addr,
                        uint32_t data);
static void vectors_changed(PCIDevice *dev);

void virtio_pci_eventfd_init(VirtIOPCIProxy *p)
{
    /* msix.c asks these before sending a vector / after changes. */
    p->pci.msix_vector_fire = vector_fire;
    p->pci.msix_vectors_changed = vectors_changed;
    for (unsigned n = 0; n < G_N_ELEMENTS(p->kick); n++) {
        p->kick[n].proxy = p;
        p->kick[n].queue = n;
        p->kick[n].e.fd = -1;
    }
    for (unsigned v = 0; v < G_N_ELEMENTS(p->vector_fd); v++) {
        msi_eventfd_init(&p->vector_fd[v]);
    }
}

/* ---- kicks ---- */

static gboolean kick_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    VirtIOPCIKick *k = opaque;
    /* Kicks that arrive while the queue is being served add up in the
     * eventfd: one read (and one pass over the queue) serves them all,
     * but each was a kick. */
    uint64_t kicks = event_notifier_take(&k->e);

    if (kicks) {
        k->proxy->ioeventfd_kicks += kicks;
        virtio_queue_notify(k->proxy->vdev, k->queue);
    }
    return G_SOURCE_CONTINUE;
}

static hwaddr kick_offset(unsigned n)
{
    return (hwaddr)n * VIRTIO_PCI_NOTIFY_MULTIPLIER;
}

void virtio_pci_ioeventfd_start_queue(VirtIOPCIProxy *p, unsigned n)
{
    VirtIOPCIKick *k = &p->kick[n];

    if (!p->ioeventfd || !memory_eventfds_enabled() || k->e.fd >= 0 ||
        n >= p->vdev->num_queues || !p->vdev->vq[n].enabled) {
        return;
    }
    if (!event_notifier_init(&k->e, NULL)) {
        return;
    }
    /* Linux writes the queue index as 16 bits: match exactly that, so
     * anything else keeps the ordinary write path. */
    if (!memory_region_add_eventfd(&p->notify, kick_offset(n), 2, true, n,
                                   &k->e, NULL)) {
        event_notifier_cleanup(&k->e);
        return;
    }
    k->source = g_unix_fd_add(k->e.fd, G_IO_IN, kick_ready, k);
}

void virtio_pci_ioeventfd_start(VirtIOPCIProxy *p)
{
    for (unsigned n = 0; n < p->vdev->num_queues && n < G_N_ELEMENTS(p->kick);
         n++) {
        virtio_pci_ioeventfd_start_queue(p, n);
    }
}

void virtio_pci_ioeventfd_stop_queue(VirtIOPCIProxy *p, unsigned n)
{
    VirtIOPCIKick *k = &p->kick[n];

    if (k->e.fd < 0) {
        return;
    }
    memory_region_del_eventfd(&p->notify, kick_offset(n), 2, true, n, &k->e);
    g_source_remove(k->source);
    k->source = 0;
    event_notifier_cleanup(&k->e);
}

unsigned virtio_pci_ioeventfd_active(VirtIOPCIProxy *p)
{
    unsigned n = 0;

    for (unsigned i = 0; i < G_N_ELEMENTS(p->kick); i++) {
        n += p->kick[i].e.fd >= 0;
    }
    return n;
}

/* ---- MSI-X through irqfds ---- */

static bool vector_fire(PCIDevice *dev, unsigned v, uint64_t addr,
                        uint32_t data)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    MsiEventfd *m;

    if (v >= G_N_ELEMENTS(p->vector_fd) || !msi_eventfds_enabled()) {
        return false;
    }
    m = &p->vector_fd[v];
    /* Connected on first use, so only vectors in use cost a route. */
    if (!msi_eventfd_connect(m, addr, data, NULL) || !msi_eventfd_fire(m)) {
        return false;
    }
    p->irqfd_sent++;
    return true;
}

static uint64_t table_addr(PCIDevice *dev, unsigned v)
{
    const uint8_t *e = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE;
    uint64_t a = 0;

    for (unsigned i = 0; i < 8; i++) {
        a |= (uint64_t)e[i] << (8 * i);
    }
    return a;
}

static uint32_t table_data(PCIDevice *dev, unsigned v)
{
    const uint8_t *e = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE + 8;

    return e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24;
}

static void vectors_changed(PCIDevice *dev)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);

    for (unsigned v = 0; v < G_N_ELEMENTS(p->vector_fd); v++) {
        MsiEventfd *m = &p->vector_fd[v];

        if (!msi_eventfd_connected(m)) {
            continue;
        }
        if (v >= dev->msix_entries || !msix_enabled(dev) ||
            msix_vector_masked(dev, v)) {
            msi_eventfd_disconnect(m);
        } else {
            /* The guest reprogrammed a live vector: move the route (on
             * failure it disconnects and the next send retries). */
            msi_eventfd_connect(m, table_addr(dev, v), table_data(dev, v),
                                NULL);
        }
    }
}

unsigned virtio_pci_irqfd_active(VirtIOPCIProxy *p)
{
    unsigned n = 0;

    for (unsigned v = 0; v < G_N_ELEMENTS(p->vector_fd); v++) {
        n += msi_eventfd_connected(&p->vector_fd[v]);
    }
    return n;
}

void virtio_pci_eventfd_stop_all(VirtIOPCIProxy *p)
{
    for (unsigned n = 0; n < G_N_ELEMENTS(p->kick); n++) {
        virtio_pci_ioeventfd_stop_queue(p, n);
    }
    for (unsigned v = 0; v < G_N_ELEMENTS(p->vector_fd); v++) {
        msi_eventfd_disconnect(&p->vector_fd[v]);
    }
}
