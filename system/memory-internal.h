/*
 * Private to the memory API (system/memory*.c, flatview.c, physmem.c):
 * the flattened view of an address space and how to look things up in it.
 */
#ifndef KITE_MEMORY_INTERNAL_H
#define KITE_MEMORY_INTERNAL_H

#include "kite/memory.h"

/*
 * One piece of an address space: [start, last] (inclusive, so that a
 * range can end at 2^64 - 1) maps to a terminal region (RAM or I/O) at
 * @offset within that region.
 */
typedef struct FlatRange {
    hwaddr start;
    hwaddr last;
    MemoryRegion *mr;
    hwaddr offset;
    bool readonly;
} FlatRange;

/* Immutable once built; shared by readers through a reference count so a
 * layout change never frees a view another thread is dispatching through. */
struct FlatView {
    int ref;
    FlatRange *ranges;     /* sorted by start, non-overlapping */
    size_t nr;
};

FlatView *flatview_build(MemoryRegion *root);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);
/* Range containing @addr, or NULL for a hole. */
const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr);
/* First range starting above @addr, or NULL (to size a hole). */
const FlatRange *flatview_next(const FlatView *fv, hwaddr addr);
/* True when both describe the same mapping. */
bool flat_range_equal(const FlatRange *a, const FlatRange *b);

/* The current view of @as with a reference the caller must drop. */
FlatView *address_space_get_flatview(AddressSpace *as);

/* A RAM region over @rb (whose reference it takes over). */
void memory_region_init_ram_internal(MemoryRegion *mr, Object *owner,
                                     const char *name, RAMBlock *rb);

/* Host pointer of a RAM flat range at @addr (inside it). */
static inline void *flat_range_host(const FlatRange *fr, hwaddr addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(fr->mr) + fr->offset +
           (addr - fr->start);
}

#endif
