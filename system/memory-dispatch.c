/*
 * Dispatch: reads and writes through an address space's flat view.
 *
 * Conventions.  A device region of endianness E that returns the number V
 * for an access of N bytes at A means: the N bytes at A are V encoded in
 * E's byte order.  Byte-level access (address_space_read/write) therefore
 * stores V in E order; sized access returns what a CPU of the target's
 * byte order would load from those bytes, which is V itself when E is
 * the target's order and V byte-swapped otherwise.
 */
#include "memory-internal.h"
#include "kite/target.h"

static int endian_override = -1;

void memory_set_target_endian_override(int big_endian)
{
    endian_override = big_endian < 0 ? -1 : !!big_endian;
}

bool memory_target_big_endian(void)
{
    return endian_override >= 0 ? endian_override : target_big_endian();
}

/* ---- byte order helpers ---- */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static uint64_t load_bytes(const void *p, unsigned size, bool big)
{
    const uint8_t *b = p;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned idx = big ? i : size - 1 - i;
        v = (v << 8) | b[idx];
    }
    return v;
}

static void store_bytes(void *p, unsigned size, uint64_t v, bool big)
{
    uint8_t *b = p;

    for (unsigned i = 0; i < size; i++) {
        unsigned idx = big ? size - 1 - i : i;
        b[idx] = v & 0xff;
        v >>= 8;
    }
}

static uint64_t swap_bytes(uint64_t v, unsigned size)
{
    uint8_t tmp[8];

    store_bytes(tmp, size, v, false);
    return load_bytes(tmp, size, true);
}

uint64_t ldn_target(const void *p, unsigned size)
{
    return load_bytes(p, size, memory_target_big_endian());
}

void stn_target(void *p, unsigned size, uint64_t v)
{
    store_bytes(p, size, v, memory_target_big_endian());
}

static bool region_big_endian(const MemoryRegion *mr)
{
    switch (mr->ops ? mr->ops->endianness : DEVICE_NATIVE_ENDIAN) {
    case DEVICE_BIG_ENDIAN:
        return true;
    case DEVICE_LITTLE_ENDIAN:
        return false;
    case DEVICE_NATIVE_ENDIAN:
        break;
    }
    return memory_target_big_endian();
}

static bool is_access_size(uint64_t size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* ---- I/O regions ---- */

static unsigned impl_min(const MemoryRegionOps *ops)
{
    unsigned n = ops->impl.min_access_size;
    return is_access_size(n) ? n : 1;
}

static unsigned impl_max(const MemoryRegionOps *ops)
{
    unsigned n = ops->impl.max_access_size;
    return is_access_size(n) ? MAX(n, impl_min(ops)) : MAX(4, impl_min(ops));
}

static unsigned valid_min(const MemoryRegionOps *ops)
{
    unsigned n = ops->valid.min_access_size;
    return is_access_size(n) ? n : 1;
}

static unsigned valid_max(const MemoryRegionOps *ops)
{
    unsigned n = ops->valid.max_access_size;
    return is_access_size(n) ? n : 8;
}

static void io_call(MemoryRegion *mr, hwaddr off, unsigned size,
                    uint64_t *val, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;

    if (is_write) {
        if (ops && ops->write && !mr->readonly) {
            ops->write(mr->opaque, off, *val & size_mask(size), size);
        }
    } else {
        *val = ops && ops->read ? ops->read(mr->opaque, off, size) &
                                  size_mask(size) : 0;
    }
}

static void io_access(MemoryRegion *mr, hwaddr off, unsigned size,
                      uint64_t *val, bool is_write);

/* Do an access of @size as @size / @piece accesses of @piece bytes,
 * combining their values in the region's byte order. */
static void io_access_pieces(MemoryRegion *mr, hwaddr off, unsigned size,
                             unsigned piece, uint64_t *val, bool is_write)
{
    bool big = region_big_endian(mr);
    uint64_t result = 0;

    for (unsigned i = 0; i < size; i += piece) {
        unsigned shift = big ? 8 * (size - i - piece) : 8 * i;
        uint64_t v = is_write ? (*val >> shift) & size_mask(piece) : 0;
        io_access(mr, off + i, piece, &v, is_write);
        result |= (v & size_mask(piece)) << shift;
    }
    if (!is_write) {
        *val = result;
    }
}

/*
 * One access of @size bytes at region offset @off; *val is the number
 * in the region's byte order.  Fits it to the sizes the callbacks
 * implement: larger accesses are split; smaller ones are widened to an
 * aligned access of impl.min bytes (a read extracts the bytes asked for;
 * a write sends the value in place with the other bytes zero, since
 * reading back first could have side effects on a device).
 */
static void io_access(MemoryRegion *mr, hwaddr off, unsigned size,
                      uint64_t *val, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned lo = ops ? impl_min(ops) : 1;
    unsigned hi = ops ? impl_max(ops) : 8;

    if (size > hi) {
        io_access_pieces(mr, off, size, hi, val, is_write);
        return;
    }
    if (size >= lo) {
        io_call(mr, off, size, val, is_write);
        return;
    }
    hwaddr base = off & ~(hwaddr)(lo - 1);
    unsigned pos = off - base;
    if (pos + size > lo) {
        /* straddles two implemented units: go byte by byte */
        io_access_pieces(mr, off, size, 1, val, is_write);
        return;
    }
    unsigned shift = region_big_endian(mr) ? 8 * (lo - pos - size) : 8 * pos;
    uint64_t wide = is_write ? (*val & size_mask(size)) << shift : 0;
    io_call(mr, base, lo, &wide, is_write);
    if (!is_write) {
        *val = (wide >> shift) & size_mask(size);
    }
}

/* Largest access the region accepts at @off for up to @len bytes, or 0. */
static unsigned io_chunk_size(MemoryRegion *mr, hwaddr off, uint64_t len)
{
    unsigned max = mr->ops ? valid_max(mr->ops) : 8;
    unsigned min = mr->ops ? valid_min(mr->ops) : 1;
    unsigned s = 8;

    while (s > 1 && (s > max || s > len || (off & (s - 1)))) {
        s >>= 1;
    }
    return s >= min ? s : 0;
}

/* Byte-level access to [off, off+len) of I/O region @mr. */
static MemTxResult io_rw_bytes(MemoryRegion *mr, hwaddr off, uint8_t *buf,
                               uint64_t len, bool is_write)
{
    bool big = region_big_endian(mr);
    MemTxResult res = MEMTX_OK;

    while (len) {
        unsigned s = io_chunk_size(mr, off, len);
        if (!s) {
            /* smaller than the region accepts: refused, as QEMU does */
            if (!is_write) {
                buf[0] = 0;
            }
            res = MAX(res, MEMTX_ERROR);
            s = 1;
        } else if (is_write) {
            uint64_t v = load_bytes(buf, s, big);
            io_access(mr, off, s, &v, true);
        } else {
            uint64_t v = 0;
            io_access(mr, off, s, &v, false);
            store_bytes(buf, s, v, big);
        }
        buf += s;
        off += s;
        len -= s;
    }
    return res;
}

/* ---- address spaces ---- */

static MemTxResult flatview_rw(AddressSpace *as, FlatView *fv, hwaddr addr,
                               uint8_t *buf, uint64_t len, bool is_write)
{
    MemTxResult res = MEMTX_OK;
    uint8_t hole = as->unassigned_all_ones ? 0xff : 0;

    while (len) {
        const FlatRange *fr = flatview_lookup(fv, addr);
        uint64_t n;

        if (!fr) {
            const FlatRange *next = flatview_next(fv, addr);
            uint64_t gap_minus_one = (next ? next->start - 1 : UINT64_MAX) -
                                     addr;
            n = len - 1 <= gap_minus_one ? len : gap_minus_one + 1;
            if (!is_write) {
                memset(buf, hole, n);
            }
            res = MAX(res, MEMTX_DECODE_ERROR);
        } else {
            uint64_t avail_minus_one = fr->last - addr;
            n = len - 1 <= avail_minus_one ? len : avail_minus_one + 1;
            hwaddr off = fr->offset + (addr - fr->start);
            if (fr->mr->kind == MR_RAM) {
                if (!is_write) {
                    memcpy(buf, flat_range_host(fr, addr), n);
                } else if (!fr->readonly) {
                    memcpy(flat_range_host(fr, addr), buf, n);
                }
            } else if (!(is_write && fr->readonly)) {
                MemTxResult r = io_rw_bytes(fr->mr, off, buf, n, is_write);
                res = MAX(res, r);
            }
        }
        buf += n;
        len -= n;
        if (len && addr + n == 0) {
            /* ran off the end of the 64-bit space: the rest is a hole */
            if (!is_write) {
                memset(buf, hole, len);
            }
            return MEMTX_DECODE_ERROR;
        }
        addr += n;
    }
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               uint64_t len)
{
    FlatView *fv = address_space_get_flatview(as);
    MemTxResult res = flatview_rw(as, fv, addr, buf, len, false);

    flatview_unref(fv);
    return res;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                const void *buf, uint64_t len)
{
    FlatView *fv = address_space_get_flatview(as);
    MemTxResult res = flatview_rw(as, fv, addr, (uint8_t *)buf, len, true);

    flatview_unref(fv);
    return res;
}

/* The range holding all of [addr, addr+size), or NULL. */
static const FlatRange *lookup_whole(FlatView *fv, hwaddr addr, unsigned size)
{
    const FlatRange *fr = flatview_lookup(fv, addr);

    return fr && fr->last - addr >= size - 1 ? fr : NULL;
}

static bool io_size_valid(const MemoryRegion *mr, unsigned size)
{
    return !mr->ops || (size >= valid_min(mr->ops) &&
                        size <= valid_max(mr->ops));
}

MemTxResult address_space_read_sized(AddressSpace *as, hwaddr addr,
                                     uint64_t *value, unsigned size)
{
    if (!is_access_size(size)) {
        *value = 0;
        return MEMTX_ERROR;
    }
    FlatView *fv = address_space_get_flatview(as);
    const FlatRange *fr = lookup_whole(fv, addr, size);
    MemTxResult res = MEMTX_OK;

    if (fr && fr->mr->kind == MR_RAM) {
        *value = ldn_target(flat_range_host(fr, addr), size);
    } else if (fr && !io_size_valid(fr->mr, size)) {
        *value = 0;
        res = MEMTX_ERROR;
    } else if (fr) {
        uint64_t v = 0;
        io_access(fr->mr, fr->offset + (addr - fr->start), size, &v, false);
        if (region_big_endian(fr->mr) != memory_target_big_endian()) {
            v = swap_bytes(v, size);
        }
        *value = v;
    } else {
        /* a hole, or the access spans ranges: do it byte by byte */
        uint8_t tmp[8];
        res = flatview_rw(as, fv, addr, tmp, size, false);
        *value = ldn_target(tmp, size);
    }
    flatview_unref(fv);
    return res;
}

MemTxResult address_space_write_sized(AddressSpace *as, hwaddr addr,
                                      uint64_t value, unsigned size)
{
    if (!is_access_size(size)) {
        return MEMTX_ERROR;
    }
    FlatView *fv = address_space_get_flatview(as);
    const FlatRange *fr = lookup_whole(fv, addr, size);
    MemTxResult res = MEMTX_OK;

    value &= size_mask(size);
    if (fr && fr->mr->kind == MR_RAM) {
        if (!fr->readonly) {
            stn_target(flat_range_host(fr, addr), size, value);
        }
    } else if (fr && !io_size_valid(fr->mr, size)) {
        res = MEMTX_ERROR;
    } else if (fr) {
        if (region_big_endian(fr->mr) != memory_target_big_endian()) {
            value = swap_bytes(value, size);
        }
        if (!fr->readonly) {
            io_access(fr->mr, fr->offset + (addr - fr->start), size, &value,
                      true);
        }
    } else {
        uint8_t tmp[8];
        stn_target(tmp, size, value);
        res = flatview_rw(as, fv, addr, tmp, size, true);
    }
    flatview_unref(fv);
    return res;
}
