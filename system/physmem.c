/*
 * RAM regions and guest-memory access for DMA: device models read and
 * write guest RAM through these helpers, which check the whole range
 * first and never reach a device's callbacks.
 */
#include "memory-internal.h"
#include "kite/ramblock.h"

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp)
{
    RAMBlockParams params = { .name = name, .size = size };
    RAMBlock *rb = ram_block_new(&params, errp);

    if (!rb) {
        return false;
    }
    memory_region_init_ram_internal(mr, owner, name, rb);
    return true;
}

void memory_region_init_ram_from_block(MemoryRegion *mr, Object *owner,
                                       const char *name, RAMBlock *block)
{
    memory_region_init_ram_internal(mr, owner, name,
                                    block ? ram_block_ref(block) : NULL);
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    /* Follow aliases (bounded: a loop of aliases is a programming error). */
    for (int depth = 0; mr && depth < 32; depth++) {
        if (mr->kind == MR_RAM) {
            return mr->ram_block ? (uint8_t *)mr->ram_block->host + offset
                                 : NULL;
        }
        if (mr->kind != MR_ALIAS) {
            return NULL;
        }
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    return NULL;
}

/* Bytes from @addr to the end of @fr, capped at @len. */
static uint64_t chunk_in_range(const FlatRange *fr, hwaddr addr, uint64_t len)
{
    uint64_t avail_minus_one = fr->last - addr;

    return len - 1 <= avail_minus_one ? len : avail_minus_one + 1;
}

/*
 * Check that [addr, addr+len) is RAM (writable when @is_write).  When
 * @contiguous, the host memory must also be one range.  Returns the host
 * pointer of @addr, or NULL with *errp set.
 */
static void *dma_check(const FlatView *fv, hwaddr addr, uint64_t len,
                       bool is_write, bool contiguous, GError **errp)
{
    const char *what = is_write ? "write" : "read";
    uint8_t *first = NULL, *expect = NULL;
    hwaddr cur = addr;
    uint64_t left = len;

    if (len == 0) {
        kite_error_set(errp, "DMA %s of 0 bytes at guest address 0x%"
                       HWADDR_PRIx, what, addr);
        return NULL;
    }
    if (addr + (len - 1) < addr) {
        kite_error_set(errp, "DMA %s at guest address 0x%" HWADDR_PRIx
                       " of 0x%" PRIx64 " bytes wraps past the end of the "
                       "address space", what, addr, len);
        return NULL;
    }
    while (left) {
        const FlatRange *fr = flatview_lookup(fv, cur);
        if (!fr) {
            kite_error_set(errp, "DMA %s: nothing is mapped at guest address "
                           "0x%" HWADDR_PRIx, what, cur);
            return NULL;
        }
        if (fr->mr->kind != MR_RAM || !fr->mr->ram_block) {
            kite_error_set(errp, "DMA %s: guest address 0x%" HWADDR_PRIx
                           " is in I/O region '%s', not RAM", what, cur,
                           fr->mr->name);
            return NULL;
        }
        if (is_write && fr->readonly) {
            kite_error_set(errp, "DMA write: guest address 0x%" HWADDR_PRIx
                           " is read-only memory ('%s')", cur, fr->mr->name);
            return NULL;
        }
        uint64_t chunk = chunk_in_range(fr, cur, left);
        uint8_t *host = flat_range_host(fr, cur);
        if (!first) {
            first = host;
        } else if (contiguous && host != expect) {
            kite_error_set(errp, "DMA map: guest range 0x%" HWADDR_PRIx
                           "+0x%" PRIx64 " is not contiguous in host memory "
                           "(breaks at 0x%" HWADDR_PRIx ")", addr, len, cur);
            return NULL;
        }
        expect = host + chunk;
        left -= chunk;
        cur += chunk;
    }
    return first;
}

static bool dma_rw(AddressSpace *as, hwaddr addr, uint8_t *buf, uint64_t len,
                   bool is_write, GError **errp)
{
    if (len == 0) {
        return true;
    }
    FlatView *fv = address_space_get_flatview(as);
    bool ok = dma_check(fv, addr, len, is_write, false, errp) != NULL;

    /* Copy only after the whole range passed, so a failed write leaves
     * guest memory untouched. */
    for (hwaddr cur = addr; ok && len; ) {
        const FlatRange *fr = flatview_lookup(fv, cur);
        uint64_t chunk = chunk_in_range(fr, cur, len);
        if (is_write) {
            memcpy(flat_range_host(fr, cur), buf, chunk);
        } else {
            memcpy(buf, flat_range_host(fr, cur), chunk);
        }
        buf += chunk;
        cur += chunk;
        len -= chunk;
    }
    flatview_unref(fv);
    return ok;
}

bool dma_memory_read(AddressSpace *as, hwaddr addr, void *buf, uint64_t len,
                     GError **errp)
{
    return dma_rw(as, addr, buf, len, false, errp);
}

bool dma_memory_write(AddressSpace *as, hwaddr addr, const void *buf,
                      uint64_t len, GError **errp)
{
    return dma_rw(as, addr, (uint8_t *)buf, len, true, errp);
}

void *dma_memory_map(AddressSpace *as, hwaddr addr, uint64_t len,
                     bool is_write, GError **errp)
{
    FlatView *fv = address_space_get_flatview(as);
    void *host = dma_check(fv, addr, len, is_write, true, errp);

    flatview_unref(fv);
    return host;
}

RAMBlock *address_space_ram_block(AddressSpace *as, hwaddr addr,
                                  uint64_t *offset, uint64_t *avail)
{
    FlatView *fv = address_space_get_flatview(as);
    const FlatRange *fr = flatview_lookup(fv, addr);
    RAMBlock *rb = NULL;

    if (fr && fr->mr->kind == MR_RAM && fr->mr->ram_block) {
        rb = fr->mr->ram_block;
        if (offset) {
            *offset = fr->offset + (addr - fr->start);
        }
        if (avail) {
            uint64_t n = fr->last - addr + 1;
            *avail = n ? n : UINT64_MAX;
        }
    }
    flatview_unref(fv);
    return rb;
}
