/*
 * The memory listener that builds a VM's KVM slots from the RAM sections
 * of an address space.  It keeps the live sections (trimmed to whole
 * pages) sorted by guest address, merges neighbours that are contiguous in
 * both guest and host address and have the same flags (each slot costs the
 * host kernel memory, so as few as the memory map allows), and applies the
 * difference from what it applied before: removals first, then additions.
 * Outside a begin/commit pair each change is applied at once.
 */
#include "kite/kvm/kvm-slots.h"

#include <linux/kvm.h>

#define PAGE_MASK_ (KVM_SLOT_PAGE_SIZE - 1)

typedef struct SlotRange {
    hwaddr gpa;
    uint64_t size;
    uint8_t *host;
    uint32_t flags;
} SlotRange;

static void listener_keep_error(KvmSlotsListener *kl, GError *err)
{
    if (kl->error) {
        g_error_free(err);
    } else {
        kl->error = err;
    }
}

/* The whole pages of a section: KVM maps pages, the rest is left to MMIO
 * exits.  false when no whole page remains. */
static bool section_pages(const MemoryRegionSection *s, SlotRange *r)
{
    hwaddr start = s->offset_within_address_space;
    hwaddr end = start + s->size;
    hwaddr astart = (start + PAGE_MASK_) & ~PAGE_MASK_;
    hwaddr aend = end & ~PAGE_MASK_;

    if (s->size == 0 || astart < start || aend <= astart) {
        return false;
    }
    r->gpa = astart;
    r->size = aend - astart;
    r->host = (uint8_t *)s->host + (astart - start);
    r->flags = s->readonly ? KVM_MEM_READONLY : 0;
    return true;
}

/* First index in @a (sorted by gpa) whose gpa is greater than @gpa. */
static unsigned upper_bound(GArray *a, hwaddr gpa)
{
    unsigned lo = 0, hi = a->len;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (g_array_index(a, SlotRange, mid).gpa <= gpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Index of a range equal to @r in @a, or -1. */
static int range_find(GArray *a, const SlotRange *r)
{
    for (unsigned i = upper_bound(a, r->gpa); i-- > 0;) {
        const SlotRange *x = &g_array_index(a, SlotRange, i);
        if (x->gpa != r->gpa) {
            break;
        }
        if (x->size == r->size && x->host == r->host && x->flags == r->flags) {
            return i;
        }
    }
    return -1;
}

static void range_insert(GArray *a, const SlotRange *r)
{
    g_array_insert_val(a, upper_bound(a, r->gpa), *r);
}

/* The live sections with contiguous neighbours merged. */
static GArray *merged_ranges(GArray *sections)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(SlotRange));

    for (unsigned i = 0; i < sections->len; i++) {
        const SlotRange *r = &g_array_index(sections, SlotRange, i);
        SlotRange *last = out->len
                          ? &g_array_index(out, SlotRange, out->len - 1)
                          : NULL;
        if (last && last->gpa + last->size == r->gpa &&
            last->host + last->size == r->host && last->flags == r->flags) {
            last->size += r->size;
        } else {
            g_array_append_val(out, *r);
        }
    }
    return out;
}

/* Bring the slot table from what was applied to what the sections ask. */
static void listener_sync(KvmSlotsListener *kl)
{
    GArray *want = merged_ranges(kl->sections);
    GArray *now = g_array_new(FALSE, FALSE, sizeof(SlotRange));
    GError *err = NULL;

    for (unsigned i = 0; i < kl->applied->len; i++) {
        const SlotRange *r = &g_array_index(kl->applied, SlotRange, i);
        if (range_find(want, r) >= 0) {
            range_insert(now, r);
        } else if (!kvm_slots_del(kl->table, r->gpa, &err)) {
            listener_keep_error(kl, err);
            err = NULL;
            range_insert(now, r);       /* still mapped */
        }
    }
    for (unsigned i = 0; i < want->len; i++) {
        const SlotRange *r = &g_array_index(want, SlotRange, i);
        if (range_find(kl->applied, r) >= 0) {
            continue;
        }
        if (kvm_slots_add(kl->table, r->gpa, r->size, r->host, r->flags,
                          &err)) {
            range_insert(now, r);
        } else {
            listener_keep_error(kl, err);
            err = NULL;
        }
    }
    g_array_free(kl->applied, TRUE);
    kl->applied = now;
    g_array_free(want, TRUE);
}

static void listener_change(KvmSlotsListener *kl, MemoryRegionSection *s,
                            bool add)
{
    SlotRange r;
    int i;

    if (!section_pages(s, &r)) {
        return;
    }
    if (add) {
        range_insert(kl->sections, &r);
    } else if ((i = range_find(kl->sections, &r)) >= 0) {
        g_array_remove_index(kl->sections, i);
    } else {
        return;                 /* never reported as added */
    }
    if (!kl->in_transaction) {
        listener_sync(kl);
    }
}

static void listener_begin(MemoryListener *l)
{
    container_of_kite(l, KvmSlotsListener, listener)->in_transaction = true;
}

static void listener_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    listener_change(container_of_kite(l, KvmSlotsListener, listener), s,
                    true);
}

static void listener_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    listener_change(container_of_kite(l, KvmSlotsListener, listener), s,
                    false);
}

static void listener_commit(MemoryListener *l)
{
    KvmSlotsListener *kl = container_of_kite(l, KvmSlotsListener, listener);

    kl->in_transaction = false;
    listener_sync(kl);
}

void kvm_slots_listener_init(KvmSlotsListener *kl, KvmSlotTable *t)
{
    memset(kl, 0, sizeof(*kl));
    kl->table = t;
    kl->sections = g_array_new(FALSE, FALSE, sizeof(SlotRange));
    kl->applied = g_array_new(FALSE, FALSE, sizeof(SlotRange));
    kl->listener.begin = listener_begin;
    kl->listener.region_add = listener_region_add;
    kl->listener.region_del = listener_region_del;
    kl->listener.commit = listener_commit;
}

void kvm_slots_listener_finalize(KvmSlotsListener *kl)
{
    if (kl->sections) {
        g_array_free(kl->sections, TRUE);
        kl->sections = NULL;
    }
    if (kl->applied) {
        g_array_free(kl->applied, TRUE);
        kl->applied = NULL;
    }
    g_clear_error(&kl->error);
}

bool kvm_slots_listener_take_error(KvmSlotsListener *kl, GError **errp)
{
    if (!kl->error) {
        return true;
    }
    g_propagate_error(errp, kl->error);
    kl->error = NULL;
    return false;
}
