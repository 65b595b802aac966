/*
 * The KVM memory slot table of one VM.  It holds only the slots in use
 * (nothing is sized by KVM_CAP_NR_MEMSLOTS up front), hands out the lowest
 * free slot id, and keeps slots sorted by guest address so a lookup is a
 * binary search.  Every change goes to the kernel first, through the
 * ioctl layer, and the table changes only when the kernel accepted it, so
 * the two never disagree.
 */
#ifndef KITE_KVM_SLOTS_H
#define KITE_KVM_SLOTS_H

#include "kite/common.h"
#include "kite/memory.h"
#include <jansson.h>

#define KVM_SLOT_PAGE_SIZE 4096ULL

/* One slot as the kernel knows it (KVM_SET_USER_MEMORY_REGION fields). */
typedef struct KvmSlot {
    hwaddr gpa;
    uint64_t size;
    uint64_t hva;            /* userspace address of the first byte */
    uint32_t id;
    uint32_t flags;          /* KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY */
} KvmSlot;

typedef struct KvmSlotTable KvmSlotTable;

/* KVM_CAP_NR_MEMSLOTS of @fd (/dev/kvm or a VM fd); 32 when the kernel
 * does not say, as the KVM API documentation prescribes. */
unsigned kvm_slots_query_limit(int fd);

/* An empty table for the VM @vm_fd allowing @max_slots slots. */
KvmSlotTable *kvm_slots_new(int vm_fd, unsigned max_slots);
/* Frees the table only; the kernel drops its slots with the VM fd. */
void kvm_slots_free(KvmSlotTable *t);

/*
 * Map [gpa, gpa+size) to @host.  gpa, size and host must be 4 KiB
 * aligned, size non-zero, the range must not overlap another slot, and
 * the table must have room below the limit.  On failure nothing changed.
 */
bool kvm_slots_add(KvmSlotTable *t, hwaddr gpa, uint64_t size, void *host,
                   uint32_t flags, GError **errp);
/* Remove the slot that starts at @gpa. */
bool kvm_slots_del(KvmSlotTable *t, hwaddr gpa, GError **errp);
/*
 * Give the slot at @gpa a new size (KVM forbids resizing a live slot, so
 * this deletes and re-adds it).  If the re-add fails the old slot is put
 * back; should even that fail, the slot is gone from kernel and table
 * alike and the error says so.
 */
bool kvm_slots_resize(KvmSlotTable *t, hwaddr gpa, uint64_t new_size,
                      GError **errp);
/* Turn KVM_MEM_LOG_DIRTY_PAGES on or off for the slot at @gpa. */
bool kvm_slots_set_dirty_logging(KvmSlotTable *t, hwaddr gpa, bool on,
                                 GError **errp);
/* Bytes a dirty bitmap for a slot of @size needs (one bit per 4 KiB page,
 * whole 64-bit words, as KVM_GET_DIRTY_LOG writes). */
size_t kvm_slots_dirty_bitmap_bytes(uint64_t size);
/* KVM_GET_DIRTY_LOG for the slot at @gpa into @bitmap (of
 * kvm_slots_dirty_bitmap_bytes() bytes); the kernel clears its copy. */
bool kvm_slots_get_dirty_log(KvmSlotTable *t, hwaddr gpa,
                             unsigned long *bitmap, GError **errp);

/* The slot containing @addr, or NULL. O(log n). */
const KvmSlot *kvm_slots_lookup(const KvmSlotTable *t, hwaddr addr);
/* Slots in guest-address order: 0 <= i < kvm_slots_count(). */
unsigned kvm_slots_count(const KvmSlotTable *t);
const KvmSlot *kvm_slots_nth(const KvmSlotTable *t, unsigned i);
unsigned kvm_slots_limit(const KvmSlotTable *t);
/* Memory the table itself uses (structure, slot array, id bitmap). */
size_t kvm_slots_bookkeeping_bytes(const KvmSlotTable *t);

/* [{"slot", "guest-phys-addr", "size", "userspace-addr", "flags"}, ...]
 * in guest-address order (for QMP x-query-kvm-memslots). */
json_t *kvm_slots_to_json(const KvmSlotTable *t);
/* The same as text for HMP `info kvm-memslots`. */
char *kvm_slots_format_hmp(const KvmSlotTable *t);

/*
 * Memory listener adapter (accel/kvm/kvm-slots-listener.c): slots from the
 * RAM sections of an address space, trimmed to whole pages, read-only
 * sections with KVM_MEM_READONLY.  Sections contiguous in guest and host
 * address with equal flags share one slot (each slot costs the host kernel
 * memory).  Changes between begin and commit are applied at commit as a
 * difference, removals first; outside a transaction at once.  The adapter
 * only touches slots it made.  A callback cannot fail, so the first error
 * is kept for the owner.
 */
typedef struct KvmSlotsListener {
    MemoryListener listener;
    KvmSlotTable *table;
    GError *error;           /* first failure, until taken */
    bool in_transaction;
    GArray *sections;        /* live RAM sections, sorted by address */
    GArray *applied;         /* the slots this listener made */
} KvmSlotsListener;

/* Then memory_listener_register(&kl->listener, as) replays the existing
 * RAM sections as slots; unregister before finalize. */
void kvm_slots_listener_init(KvmSlotsListener *kl, KvmSlotTable *t);
void kvm_slots_listener_finalize(KvmSlotsListener *kl);
/* false and *errp set if a change failed since the last call. */
bool kvm_slots_listener_take_error(KvmSlotsListener *kl, GError **errp);

#endif
