/*
 * The region tree: initialisation, subregions, attributes, transactions,
 * address spaces and their listeners.  Flattening lives in flatview.c,
 * dispatch in memory-dispatch.c, RAM and DMA helpers in physmem.c.
 *
 * Layout changes are made by the main thread (or with the big lock held);
 * readers on other threads take a reference to the current FlatView, so a
 * view is freed only when nobody dispatches through it any more.
 */
#include "memory-internal.h"
#include "kite/ramblock.h"
#include "kite/target.h"
#include "kite/memory-eventfd.h"

static GPtrArray *address_spaces;    /* AddressSpace *, for commits */
static unsigned transaction_depth;
static bool update_pending;
static GMutex view_lock;             /* guards AddressSpace.view swaps */

/* ---- regions as objects ---- */

static void region_release(MemoryRegion *mr);

static void memory_region_instance_init(Object *obj)
{
    MemoryRegion *mr = (MemoryRegion *)obj;

    mr->kind = MR_CONTAINER;
    mr->enabled = true;
    mr->name = g_strdup("anonymous");
    mr->subregions = g_ptr_array_new();
}

static void memory_region_instance_finalize(Object *obj)
{
    region_release((MemoryRegion *)obj);
}

static const TypeInfo memory_region_type = {
    .name = TYPE_MEMORY_REGION,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(MemoryRegion),
    .description = "a region of an address space",
    .instance_init = memory_region_instance_init,
    .instance_finalize = memory_region_instance_finalize,
};

static void memory_region_register_types(void)
{
    type_register(&memory_region_type);
}
type_init(memory_region_register_types)

/*
 * Initialise in place.  A region made by object_new() already has its
 * object header; one embedded in a device (zeroed) gets a minimal header
 * here: its class and one reference, no children, no parent.  Embedded
 * regions are never put into the QOM tree, because the tree would free
 * them with g_free when their reference dropped.
 */
static void region_init_common(MemoryRegion *mr, Object *owner,
                               const char *name, uint64_t size,
                               MemoryRegionKind kind)
{
    Object header = mr->parent_obj;

    if (header.klass && mr->subregions && !mr->subregions->len &&
        !mr->container && !mr->ram_block) {
        /* fresh from object_new(): drop what instance_init made */
        g_ptr_array_free(mr->subregions, TRUE);
        g_free(mr->name);
    }
    memset(mr, 0, sizeof(*mr));
    mr->parent_obj = header;
    if (!mr->parent_obj.klass) {
        mr->parent_obj.klass = object_class_by_name(TYPE_MEMORY_REGION);
        mr->parent_obj.ref = 1;
    }
    mr->kind = kind;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = size;
    mr->enabled = true;
    mr->owner = owner;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

/* RAM regions are set up in physmem.c; this is their common part. */
void memory_region_init_ram_internal(MemoryRegion *mr, Object *owner,
                                     const char *name, RAMBlock *rb)
{
    region_init_common(mr, owner, name, rb ? rb->size : 0, MR_RAM);
    mr->ram_block = rb;
    /* read-only host memory: guest writes must never reach it */
    mr->readonly = rb && rb->readonly;
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

static void region_release(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    if (mr->subregions) {
        memory_region_transaction_begin();
        while (mr->subregions->len) {
            memory_region_del_subregion(mr,
                g_ptr_array_index(mr->subregions, mr->subregions->len - 1));
        }
        memory_region_transaction_commit();
        g_ptr_array_free(mr->subregions, TRUE);
        mr->subregions = NULL;
    }
    if (mr->ram_block) {
        ram_block_unref(mr->ram_block);
        mr->ram_block = NULL;
    }
    g_free(mr->name);
    mr->name = NULL;
}

void memory_region_finalize(MemoryRegion *mr)
{
    if (mr) {
        region_release(mr);
    }
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

/* ---- transactions ---- */

static void mark_changed(MemoryRegion *mr)
{
    (void)mr;
    update_pending = true;
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

static void address_space_update(AddressSpace *as);

void memory_region_transaction_commit(void)
{
    if (transaction_depth == 0) {
        return;     /* unbalanced commit: nothing to finish */
    }
    if (--transaction_depth > 0 || !update_pending) {
        return;
    }
    update_pending = false;
    if (address_spaces) {
        for (guint i = 0; i < address_spaces->len; i++) {
            address_space_update(g_ptr_array_index(address_spaces, i));
        }
    }
    /* Eventfds registered on regions follow them to their new address. */
    memory_eventfd_layout_changed();
}

/* ---- the tree ---- */

static void subregion_insert(MemoryRegion *container, MemoryRegion *sub)
{
    guint i;

    /* Before the first one of lower or equal priority: among equals the
     * newest comes first, and rendering lets the first one win. */
    for (i = 0; i < container->subregions->len; i++) {
        MemoryRegion *other = g_ptr_array_index(container->subregions, i);
        if (other->priority <= sub->priority) {
            break;
        }
    }
    g_ptr_array_insert(container->subregions, i, sub);
}

void memory_region_add_subregion_overlap(MemoryRegion *container,
                                         hwaddr offset, MemoryRegion *sub,
                                         int priority)
{
    if (!container || !sub || sub == container) {
        return;
    }
    memory_region_transaction_begin();
    if (sub->container) {
        memory_region_del_subregion(sub->container, sub);
    }
    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    subregion_insert(container, sub);
    mark_changed(container);
    memory_region_transaction_commit();
}

void memory_region_add_subregion(MemoryRegion *container, hwaddr offset,
                                 MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(container, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    if (!container || !sub || sub->container != container) {
        return;
    }
    memory_region_transaction_begin();
    g_ptr_array_remove(container->subregions, sub);
    sub->container = NULL;
    mark_changed(container);
    memory_region_transaction_commit();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    memory_region_transaction_begin();
    mr->enabled = enabled;
    mark_changed(mr);
    memory_region_transaction_commit();
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr == addr) {
        return;
    }
    memory_region_transaction_begin();
    mr->addr = addr;
    mark_changed(mr);
    memory_region_transaction_commit();
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    /* A RAM region cannot outgrow the host memory behind it. */
    if (mr->kind == MR_RAM) {
        size = MIN(size, mr->ram_block ? mr->ram_block->size : 0);
    }
    if (mr->size == size) {
        return;
    }
    memory_region_transaction_begin();
    mr->size = size;
    mark_changed(mr);
    memory_region_transaction_commit();
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->kind == MR_RAM && mr->ram_block && mr->ram_block->readonly) {
        readonly = true;
    }
    if (mr->readonly == readonly) {
        return;
    }
    memory_region_transaction_begin();
    mr->readonly = readonly;
    mark_changed(mr);
    memory_region_transaction_commit();
}

/* ---- listeners ---- */

static void section_from_range(MemoryRegionSection *s, const FlatRange *fr)
{
    s->mr = fr->mr;
    s->offset_within_region = fr->offset;
    s->offset_within_address_space = fr->start;
    s->size = fr->last - fr->start + 1;
    s->host = flat_range_host(fr, fr->start);
    s->readonly = fr->readonly;
}

static bool range_is_ram(const FlatRange *fr)
{
    return fr->mr->kind == MR_RAM && fr->mr->ram_block;
}

/* True if @fr (of one view) appears unchanged in @other. */
static bool range_in_view(const FlatRange *fr, const FlatView *other)
{
    const FlatRange *o = other ? flatview_lookup(other, fr->start) : NULL;

    return o && flat_range_equal(o, fr);
}

static void listener_report(MemoryListener *l, const FlatView *from,
                            const FlatView *to, bool add)
{
    for (size_t i = 0; from && i < from->nr; i++) {
        const FlatRange *fr = &from->ranges[i];
        if (!range_is_ram(fr) || range_in_view(fr, to)) {
            continue;
        }
        MemoryRegionSection s;
        section_from_range(&s, fr);
        if (add && l->region_add) {
            l->region_add(l, &s);
        } else if (!add && l->region_del) {
            l->region_del(l, &s);
        }
    }
}

static bool views_differ_in_ram(const FlatView *a, const FlatView *b)
{
    for (size_t i = 0; a && i < a->nr; i++) {
        if (range_is_ram(&a->ranges[i]) && !range_in_view(&a->ranges[i], b)) {
            return true;
        }
    }
    for (size_t i = 0; b && i < b->nr; i++) {
        if (range_is_ram(&b->ranges[i]) && !range_in_view(&b->ranges[i], a)) {
            return true;
        }
    }
    return false;
}

/* Tell @l what changed from @old to @new: removals first, then additions,
 * so that a listener never sees two overlapping live sections. */
static void listener_tell(MemoryListener *l, const FlatView *old,
                          const FlatView *new)
{
    if (l->begin) {
        l->begin(l);
    }
    listener_report(l, old, new, false);
    listener_report(l, new, old, true);
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    if (!l || !as || l->as) {
        return;
    }
    l->as = as;
    g_ptr_array_add(as->listeners, l);
    listener_tell(l, NULL, as->view);
}

void memory_listener_unregister(MemoryListener *l)
{
    if (!l || !l->as) {
        return;
    }
    AddressSpace *as = l->as;
    listener_tell(l, as->view, NULL);
    g_ptr_array_remove(as->listeners, l);
    l->as = NULL;
}

/* ---- address spaces ---- */

static void address_space_update(AddressSpace *as)
{
    FlatView *new = flatview_build(as->root);
    FlatView *old;

    g_mutex_lock(&view_lock);
    old = as->view;
    as->view = new;
    g_mutex_unlock(&view_lock);

    if (as->listeners->len && views_differ_in_ram(old, new)) {
        for (guint i = 0; i < as->listeners->len; i++) {
            listener_tell(g_ptr_array_index(as->listeners, i), old, new);
        }
    }
    flatview_unref(old);
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *fv;

    g_mutex_lock(&view_lock);
    /* a destroyed space dispatches through a permanent empty view */
    static FlatView empty_view = { .ref = 1 };

    fv = as->view ? as->view : &empty_view;
    flatview_ref(fv);
    g_mutex_unlock(&view_lock);
    return fv;
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->view = flatview_build(root);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    if (!as->listeners) {
        return;
    }
    while (as->listeners->len) {
        memory_listener_unregister(g_ptr_array_index(as->listeners, 0));
    }
    g_ptr_array_free(as->listeners, TRUE);
    as->listeners = NULL;
    if (address_spaces) {
        g_ptr_array_remove(address_spaces, as);
    }
    g_mutex_lock(&view_lock);
    FlatView *old = as->view;
    as->view = NULL;
    g_mutex_unlock(&view_lock);
    flatview_unref(old);
    g_free(as->name);
    as->name = NULL;
}

/* ---- the machine's spaces ---- */

static MemoryRegion system_memory;
static MemoryRegion system_io;
static AddressSpace as_memory;
static AddressSpace as_io;
static bool system_initialised;

void memory_system_init(void)
{
    if (system_initialised) {
        return;
    }
    system_initialised = true;
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    address_space_init(&as_memory, &system_memory, "memory");
    if (target_info.has_io_space) {
        /* x86 ports: 64 KiB, and unassigned ports read as all ones. */
        memory_region_init(&system_io, NULL, "io", 64 * KiB);
        address_space_init(&as_io, &system_io, "I/O");
        as_io.unassigned_all_ones = true;
    }
}

AddressSpace *address_space_memory(void)
{
    memory_system_init();
    return &as_memory;
}

AddressSpace *address_space_io(void)
{
    memory_system_init();
    return target_info.has_io_space ? &as_io : NULL;
}

MemoryRegion *get_system_memory(void)
{
    memory_system_init();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    memory_system_init();
    return target_info.has_io_space ? &system_io : NULL;
}
