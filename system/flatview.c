/*
 * Flattening a region tree into a sorted list of non-overlapping ranges.
 *
 * Regions are rendered from the highest priority down; each one only
 * fills the parts of its extent that nothing rendered before it covers.
 * Within a container, subregions are kept sorted by priority (descending;
 * among equal priorities the one added last first), so "first rendered
 * wins" gives "higher priority wins, then later-added wins".
 *
 * Positions are computed in 128-bit signed arithmetic: an alias shifts its
 * target by -alias_offset, which may put the target's start below zero or
 * its end beyond 2^64, and only the clipped part is ever used.
 */
#include "memory-internal.h"

typedef __int128 Pos;

#define POS_2_64 ((Pos)1 << 64)
/* Aliases to aliases to ... : a loop is a programming error; stop there. */
#define MAX_RENDER_DEPTH 32

static Pos region_extent(const MemoryRegion *mr)
{
    /* UINT64_MAX means the whole 64-bit space, as in QEMU's int128 max. */
    return mr->size == UINT64_MAX ? POS_2_64 : (Pos)mr->size;
}

/* Index of the first range whose last byte is >= @addr. */
static size_t first_not_below(GArray *out, hwaddr addr)
{
    size_t lo = 0, hi = out->len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g_array_index(out, FlatRange, mid).last < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Add the parts of [lo, hi] not covered yet, mapped to @mr at @base. */
static void fill_gaps(GArray *out, hwaddr lo, hwaddr hi, MemoryRegion *mr,
                      Pos base, bool readonly)
{
    size_t i = first_not_below(out, lo);
    hwaddr cursor = lo;

    for (;;) {
        const FlatRange *next = i < out->len ?
                                &g_array_index(out, FlatRange, i) : NULL;
        hwaddr gap_end = hi;
        if (next && next->start <= hi) {
            if (next->start > cursor) {
                gap_end = next->start - 1;
            } else {
                /* cursor is inside @next: skip past it */
                if (next->last >= hi) {
                    return;
                }
                cursor = next->last + 1;
                i++;
                continue;
            }
        }
        FlatRange fr = {
            .start = cursor, .last = gap_end, .mr = mr,
            .offset = (hwaddr)((Pos)cursor - base), .readonly = readonly,
        };
        g_array_insert_val(out, i, fr);
        i++;
        if (gap_end >= hi) {
            return;
        }
        cursor = gap_end + 1;
    }
}

static void render(GArray *out, MemoryRegion *mr, Pos base, Pos clip_lo,
                   Pos clip_hi, bool readonly, int depth)
{
    if (!mr || !mr->enabled || mr->size == 0 || depth > MAX_RENDER_DEPTH) {
        return;
    }
    Pos lo = MAX(base, clip_lo);
    Pos hi = MIN(base + region_extent(mr) - 1, clip_hi);
    if (lo > hi) {
        return;
    }
    readonly = readonly || mr->readonly;

    switch (mr->kind) {
    case MR_CONTAINER:
        for (guint i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
            render(out, sub, base + sub->addr, lo, hi, readonly, depth + 1);
        }
        break;
    case MR_ALIAS:
        render(out, mr->alias, base - (Pos)mr->alias_offset, lo, hi,
               readonly, depth + 1);
        break;
    case MR_RAM:
    case MR_IO:
        fill_gaps(out, (hwaddr)lo, (hwaddr)hi, mr, base, readonly);
        break;
    }
}

bool flat_range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->last == b->last && a->mr == b->mr &&
           a->offset == b->offset && a->readonly == b->readonly;
}

/* Join neighbours that continue the same region, so that a layout which
 * ends up as before also looks the same to listeners. */
static void merge_neighbours(GArray *out)
{
    size_t w = 0;

    for (size_t r = 0; r < out->len; r++) {
        FlatRange *cur = &g_array_index(out, FlatRange, r);
        if (w > 0) {
            FlatRange *prev = &g_array_index(out, FlatRange, w - 1);
            if (prev->last + 1 == cur->start && prev->mr == cur->mr &&
                prev->readonly == cur->readonly &&
                prev->offset + (prev->last - prev->start) + 1 == cur->offset) {
                prev->last = cur->last;
                continue;
            }
        }
        g_array_index(out, FlatRange, w++) = *cur;
    }
    g_array_set_size(out, w);
}

FlatView *flatview_build(MemoryRegion *root)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    FlatView *fv = g_new0(FlatView, 1);

    if (root) {
        /* The root is placed at 0 whatever its addr says. */
        render(out, root, 0, 0, POS_2_64 - 1, false, 0);
    }
    merge_neighbours(out);
    fv->ref = 1;
    fv->nr = out->len;
    fv->ranges = (FlatRange *)g_array_free(out, FALSE);
    return fv;
}

void flatview_ref(FlatView *fv)
{
    g_atomic_int_inc(&fv->ref);
}

void flatview_unref(FlatView *fv)
{
    if (fv && g_atomic_int_dec_and_test(&fv->ref)) {
        g_free(fv->ranges);
        g_free(fv);
    }
}

/* Index of the last range starting at or below @addr, or -1. */
static gssize last_starting_at_or_below(const FlatView *fv, hwaddr addr)
{
    size_t lo = 0, hi = fv->nr;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fv->ranges[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (gssize)lo - 1;
}

const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr)
{
    gssize i = last_starting_at_or_below(fv, addr);

    if (i < 0 || fv->ranges[i].last < addr) {
        return NULL;
    }
    return &fv->ranges[i];
}

const FlatRange *flatview_next(const FlatView *fv, hwaddr addr)
{
    size_t i = (size_t)(last_starting_at_or_below(fv, addr) + 1);

    return i < fv->nr ? &fv->ranges[i] : NULL;
}
