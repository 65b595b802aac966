/*
 * Interrupt and notification shortcuts of the KVM accelerator: the GSI
 * routing table (MSI routes next to the irqchip pins KVM sets up by
 * default), irqfds (an eventfd write raises a GSI) and ioeventfds (a guest
 * write to an address signals an eventfd instead of exiting to Kite).
 * Everything goes through the ioctl layer, so the recording fake can check
 * it; every function either succeeds or leaves kernel and table as they
 * were.
 */
#ifndef KITE_KVM_IRQ_H
#define KITE_KVM_IRQ_H

#include "kite/kvm/kvm.h"

/* GSIs 0-23 are the IOAPIC pins (0-15 also the PICs'); MSI routes take
 * the lowest free GSI from here up. */
#define KVM_IRQ_FIRST_MSI_GSI 24

/*
 * Add an MSI route for @addr/@data and hand it to the kernel (the whole
 * table, default irqchip entries included, as KVM_SET_GSI_ROUTING
 * replaces it).  Returns the GSI, or -1 with *errp set and nothing
 * changed.
 */
int kvm_irq_route_add_msi(KVMState *s, uint64_t addr, uint32_t data,
                          GError **errp);
/* Point the MSI route @gsi at a new message; no ioctl if unchanged. */
bool kvm_irq_route_update_msi(KVMState *s, int gsi, uint64_t addr,
                              uint32_t data, GError **errp);
/* Drop the MSI route @gsi (its irqfds must be deassigned first). */
void kvm_irq_route_release(KVMState *s, int gsi);
/* MSI routes in use; the kernel's table has 24 irqchip GSIs more. */
unsigned kvm_irq_route_count(KVMState *s);
/* Free the routing bookkeeping (VM destruction). */
void kvm_irq_routes_free(KVMState *s);

/* Writing 1 to eventfd @fd raises @gsi. */
bool kvm_irqfd_assign(KVMState *s, int fd, int gsi, GError **errp);
bool kvm_irqfd_deassign(KVMState *s, int fd, int gsi, GError **errp);

/*
 * A guest write of @len bytes (1, 2, 4 or 8; 0 = any) at @addr in the
 * memory (or, @pio, the I/O) space signals @fd, and only a write of
 * @data when @datamatch.  Deassign with the same arguments.
 */
bool kvm_ioeventfd_assign(KVMState *s, int fd, uint64_t addr, unsigned len,
                          bool datamatch, uint64_t data, bool pio,
                          GError **errp);
bool kvm_ioeventfd_deassign(KVMState *s, int fd, uint64_t addr, unsigned len,
                            bool datamatch, uint64_t data, bool pio,
                            GError **errp);

/* Let devices use the above through the memory API's eventfd hooks
 * (memory-eventfd.h); NULL uninstalls. */
void kvm_irq_install_eventfd_backend(KVMState *s);

#endif
