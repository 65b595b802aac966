/*
 * The KVM memory slot table (see kvm-slots.h).  Slots live in one array
 * sorted by guest address, sized to the slots in use; slot ids come from a
 * bitmap that only covers ids handed out so far.  The kernel is always
 * asked first: the table changes only after KVM accepted the change.
 */
#include "kite/kvm/kvm-slots.h"
#include "kite/kvm/kvm-ioctl.h"

#include <errno.h>
#include <linux/kvm.h>

struct KvmSlotTable {
    int vm_fd;
    unsigned max_slots;      /* KVM_CAP_NR_MEMSLOTS */
    unsigned n;              /* slots in use */
    unsigned cap;            /* capacity of @slots */
    KvmSlot *slots;          /* sorted by gpa, no overlaps */
    unsigned id_words;       /* length of @id_used */
    uint64_t *id_used;       /* bit per slot id */
};

#define PAGE_MASK_ (KVM_SLOT_PAGE_SIZE - 1)
#define VALID_FLAGS (KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

unsigned kvm_slots_query_limit(int fd)
{
    int r = kvm_ioctl_int(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

    return r > 0 ? (unsigned)r : 32;
}

KvmSlotTable *kvm_slots_new(int vm_fd, unsigned max_slots)
{
    KvmSlotTable *t = g_new0(KvmSlotTable, 1);

    t->vm_fd = vm_fd;
    t->max_slots = max_slots;
    return t;
}

void kvm_slots_free(KvmSlotTable *t)
{
    if (!t) {
        return;
    }
    g_free(t->slots);
    g_free(t->id_used);
    g_free(t);
}

/* ---- slot ids: lowest free first ---- */

static uint32_t id_alloc(KvmSlotTable *t)
{
    unsigned w;

    for (w = 0; w < t->id_words && t->id_used[w] == UINT64_MAX; w++) {
    }
    if (w == t->id_words) {
        t->id_words++;
        t->id_used = g_renew(uint64_t, t->id_used, t->id_words);
        t->id_used[w] = 0;
    }
    return w * 64 + __builtin_ctzll(~t->id_used[w]);
}

static void id_set(KvmSlotTable *t, uint32_t id, bool used)
{
    if (used) {
        t->id_used[id / 64] |= 1ULL << (id % 64);
        return;
    }
    t->id_used[id / 64] &= ~(1ULL << (id % 64));
    /* Give back trailing empty words so the bitmap follows use. */
    if (t->id_words && t->id_used[t->id_words - 1] == 0) {
        while (t->id_words && t->id_used[t->id_words - 1] == 0) {
            t->id_words--;
        }
        if (t->id_words == 0) {
            g_clear_pointer(&t->id_used, g_free);
        } else {
            t->id_used = g_renew(uint64_t, t->id_used, t->id_words);
        }
    }
}

/* ---- the sorted array ---- */

/* Index of the first slot whose gpa is >= @gpa (n if none). */
static unsigned lower_bound(const KvmSlotTable *t, hwaddr gpa)
{
    unsigned lo = 0, hi = t->n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (t->slots[mid].gpa < gpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void array_insert(KvmSlotTable *t, unsigned pos, const KvmSlot *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->slots = g_renew(KvmSlot, t->slots, t->cap);
    }
    memmove(&t->slots[pos + 1], &t->slots[pos],
            (t->n - pos) * sizeof(KvmSlot));
    t->slots[pos] = *s;
    t->n++;
    id_set(t, s->id, true);
}

static void array_remove(KvmSlotTable *t, unsigned pos)
{
    uint32_t id = t->slots[pos].id;

    memmove(&t->slots[pos], &t->slots[pos + 1],
            (t->n - pos - 1) * sizeof(KvmSlot));
    t->n--;
    id_set(t, id, false);
    if (t->n == 0) {
        g_clear_pointer(&t->slots, g_free);
        t->cap = 0;
    } else if (t->cap >= 16 && t->n <= t->cap / 4) {
        t->cap /= 2;
        t->slots = g_renew(KvmSlot, t->slots, t->cap);
    }
}

/* Index of the slot starting exactly at @gpa, or -1 with *errp set. */
static int find_start(const KvmSlotTable *t, hwaddr gpa, GError **errp)
{
    unsigned pos = lower_bound(t, gpa);

    if (pos < t->n && t->slots[pos].gpa == gpa) {
        return pos;
    }
    kite_error_set(errp, "KVM memory slot: no slot starts at guest address "
                   "0x%" HWADDR_PRIx, gpa);
    return -1;
}

static int set_region(KvmSlotTable *t, uint32_t id, hwaddr gpa,
                      uint64_t size, uint64_t hva, uint32_t flags)
{
    struct kvm_userspace_memory_region r = {
        .slot = id,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = hva,
    };

    return kvm_ioctl_call(t->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0
           ? -errno : 0;
}

/* ---- operations ---- */

static bool check_range(const KvmSlotTable *t, hwaddr gpa, uint64_t size,
                        uint64_t hva, uint32_t flags, int ignore,
                        unsigned *posp, GError **errp)
{
    unsigned pos;

    if (size == 0 || ((gpa | size | hva) & PAGE_MASK_)) {
        kite_error_set(errp, "KVM memory slot 0x%" HWADDR_PRIx "+0x%" PRIx64
                       " at host 0x%" PRIx64 ": address, size and host "
                       "address must be non-zero multiples of 4 KiB",
                       gpa, size, hva);
        return false;
    }
    if (gpa + size < gpa) {
        kite_error_set(errp, "KVM memory slot 0x%" HWADDR_PRIx "+0x%" PRIx64
                       " wraps around the address space", gpa, size);
        return false;
    }
    if (flags & ~(uint32_t)VALID_FLAGS) {
        kite_error_set(errp, "KVM memory slot flags 0x%x are not supported",
                       flags);
        return false;
    }
    pos = lower_bound(t, gpa);
    /* Sorted and disjoint: only the neighbours of pos can overlap.
     * @ignore is the slot being resized (it stays at pos). */
    for (int i = (int)pos - 1; i <= (int)pos + 1; i++) {
        const KvmSlot *s;
        if (i < 0 || i >= (int)t->n || i == ignore) {
            continue;
        }
        s = &t->slots[i];
        if (gpa < s->gpa + s->size && s->gpa < gpa + size) {
            kite_error_set(errp, "KVM memory slot 0x%" HWADDR_PRIx "+0x%"
                           PRIx64 " overlaps slot %u (0x%" HWADDR_PRIx
                           "+0x%" PRIx64 ")", gpa, size, s->id, s->gpa,
                           s->size);
            return false;
        }
    }
    *posp = pos;
    return true;
}

bool kvm_slots_add(KvmSlotTable *t, hwaddr gpa, uint64_t size, void *host,
                   uint32_t flags, GError **errp)
{
    KvmSlot s = { .gpa = gpa, .size = size, .hva = (uintptr_t)host,
                  .flags = flags };
    unsigned pos;
    int r;

    if (!check_range(t, gpa, size, s.hva, flags, -1, &pos, errp)) {
        return false;
    }
    if (t->n >= t->max_slots) {
        kite_error_set(errp, "KVM memory slot limit reached: cannot map "
                       "0x%" HWADDR_PRIx "+0x%" PRIx64 ", all %u slots "
                       "(KVM_CAP_NR_MEMSLOTS) are in use", gpa, size,
                       t->max_slots);
        return false;
    }
    s.id = id_alloc(t);
    r = set_region(t, s.id, gpa, size, s.hva, flags);
    if (r < 0) {
        /* id_alloc may have grown the bitmap by an empty word: trim it. */
        id_set(t, s.id, false);
        kite_error_set(errp, "KVM_SET_USER_MEMORY_REGION slot %u 0x%"
                       HWADDR_PRIx "+0x%" PRIx64 " failed: %s", s.id, gpa,
                       size, g_strerror(-r));
        return false;
    }
    array_insert(t, pos, &s);
    return true;
}

bool kvm_slots_del(KvmSlotTable *t, hwaddr gpa, GError **errp)
{
    int pos = find_start(t, gpa, errp);
    int r;

    if (pos < 0) {
        return false;
    }
    r = set_region(t, t->slots[pos].id, gpa, 0, t->slots[pos].hva, 0);
    if (r < 0) {
        kite_error_set(errp, "KVM_SET_USER_MEMORY_REGION deleting slot %u "
                       "failed: %s", t->slots[pos].id, g_strerror(-r));
        return false;
    }
    array_remove(t, pos);
    return true;
}

bool kvm_slots_resize(KvmSlotTable *t, hwaddr gpa, uint64_t new_size,
                      GError **errp)
{
    int pos = find_start(t, gpa, errp);
    KvmSlot old;
    unsigned ins;

    if (pos < 0) {
        return false;
    }
    old = t->slots[pos];
    if (new_size == old.size) {
        return true;
    }
    if (!check_range(t, gpa, new_size, old.hva, old.flags, pos, &ins, errp) ||
        !kvm_slots_del(t, gpa, errp)) {
        return false;
    }
    if (kvm_slots_add(t, gpa, new_size, (void *)(uintptr_t)old.hva,
                      old.flags, errp)) {
        return true;
    }
    /* Put the old slot back so the guest keeps its memory. */
    if (kvm_slots_add(t, gpa, old.size, (void *)(uintptr_t)old.hva,
                      old.flags, NULL)) {
        g_prefix_error(errp, "resizing KVM memory slot at 0x%" HWADDR_PRIx
                       " (old size kept): ", gpa);
    } else {
        g_prefix_error(errp, "resizing KVM memory slot at 0x%" HWADDR_PRIx
                       " failed and the old slot could not be restored; "
                       "the range is no longer mapped: ", gpa);
    }
    return false;
}

bool kvm_slots_set_dirty_logging(KvmSlotTable *t, hwaddr gpa, bool on,
                                 GError **errp)
{
    int pos = find_start(t, gpa, errp);
    KvmSlot *s;
    uint32_t flags;
    int r;

    if (pos < 0) {
        return false;
    }
    s = &t->slots[pos];
    flags = on ? s->flags | KVM_MEM_LOG_DIRTY_PAGES
               : s->flags & ~(uint32_t)KVM_MEM_LOG_DIRTY_PAGES;
    if (flags == s->flags) {
        return true;
    }
    r = set_region(t, s->id, s->gpa, s->size, s->hva, flags);
    if (r < 0) {
        kite_error_set(errp, "KVM_SET_USER_MEMORY_REGION %s dirty logging "
                       "on slot %u failed: %s", on ? "enabling" : "disabling",
                       s->id, g_strerror(-r));
        return false;
    }
    s->flags = flags;
    return true;
}

size_t kvm_slots_dirty_bitmap_bytes(uint64_t size)
{
    uint64_t pages = (size + PAGE_MASK_) / KVM_SLOT_PAGE_SIZE;

    return (pages + 63) / 64 * 8;
}

bool kvm_slots_get_dirty_log(KvmSlotTable *t, hwaddr gpa,
                             unsigned long *bitmap, GError **errp)
{
    int pos = find_start(t, gpa, errp);
    struct kvm_dirty_log log = { 0 };

    if (pos < 0) {
        return false;
    }
    if (!(t->slots[pos].flags & KVM_MEM_LOG_DIRTY_PAGES)) {
        kite_error_set(errp, "KVM memory slot %u at 0x%" HWADDR_PRIx
                       " does not log dirty pages", t->slots[pos].id, gpa);
        return false;
    }
    log.slot = t->slots[pos].id;
    log.dirty_bitmap = bitmap;
    if (kvm_ioctl_call(t->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
        kite_error_set(errp, "KVM_GET_DIRTY_LOG slot %u failed: %s",
                       t->slots[pos].id, g_strerror(errno));
        return false;
    }
    return true;
}

/* ---- queries ---- */

const KvmSlot *kvm_slots_lookup(const KvmSlotTable *t, hwaddr addr)
{
    /* The last slot starting at or below addr is the only candidate. */
    unsigned pos = lower_bound(t, addr);

    if (pos < t->n && t->slots[pos].gpa == addr) {
        return &t->slots[pos];
    }
    if (pos == 0) {
        return NULL;
    }
    const KvmSlot *s = &t->slots[pos - 1];
    return addr - s->gpa < s->size ? s : NULL;
}

unsigned kvm_slots_count(const KvmSlotTable *t)
{
    return t->n;
}

const KvmSlot *kvm_slots_nth(const KvmSlotTable *t, unsigned i)
{
    return i < t->n ? &t->slots[i] : NULL;
}

unsigned kvm_slots_limit(const KvmSlotTable *t)
{
    return t->max_slots;
}

size_t kvm_slots_bookkeeping_bytes(const KvmSlotTable *t)
{
    return sizeof(*t) + t->cap * sizeof(KvmSlot) +
           t->id_words * sizeof(uint64_t);
}

json_t *kvm_slots_to_json(const KvmSlotTable *t)
{
    json_t *list = json_array();

    for (unsigned i = 0; i < t->n; i++) {
        const KvmSlot *s = &t->slots[i];
        json_array_append_new(list, json_pack(
            "{s:I, s:I, s:I, s:I, s:I}",
            "slot", (json_int_t)s->id,
            "guest-phys-addr", (json_int_t)s->gpa,
            "size", (json_int_t)s->size,
            "userspace-addr", (json_int_t)s->hva,
            "flags", (json_int_t)s->flags));
    }
    return list;
}

char *kvm_slots_format_hmp(const KvmSlotTable *t)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "%u of %u KVM memory slots in use\n",
                           t->n, t->max_slots);
    if (t->n) {
        g_string_append(out, " slot  guest-phys-addr     size"
                             "                userspace-addr      flags\n");
    }
    for (unsigned i = 0; i < t->n; i++) {
        const KvmSlot *s = &t->slots[i];
        g_string_append_printf(out, "%5u  0x%016" PRIx64 "  0x%016" PRIx64
                               "  0x%016" PRIx64 "  %s%s%s\n", s->id, s->gpa,
                               s->size, s->hva,
                               s->flags & KVM_MEM_LOG_DIRTY_PAGES
                               ? "log-dirty" : "",
                               (s->flags & VALID_FLAGS) == VALID_FLAGS
                               ? "," : "",
                               s->flags & KVM_MEM_READONLY ? "readonly"
                               : (s->flags ? "" : "-"));
    }
    return g_string_free(out, FALSE);
}

