/*
 * Memory API: regions (RAM, MMIO/PIO, alias, container) arranged in a tree
 * under an address space's root, flattened into a sorted view for dispatch
 * and for listeners (the KVM memslot table is built by one).
 */
#ifndef KITE_MEMORY_H
#define KITE_MEMORY_H

#include "kite/qom.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct RAMBlock RAMBlock;
typedef struct FlatView FlatView;

typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,       /* device returned an error */
    MEMTX_DECODE_ERROR = 2 /* nothing at that address */
} MemTxResult;

typedef enum {
    DEVICE_NATIVE_ENDIAN,  /* the target's byte order */
    DEVICE_LITTLE_ENDIAN,
    DEVICE_BIG_ENDIAN,
} DeviceEndian;

typedef struct MemoryRegionOps {
    /* @addr is relative to the region; @size is 1, 2, 4 or 8.  Values are
     * in host order; the memory API converts for @endianness. */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t value, unsigned size);
    DeviceEndian endianness;
    struct {
        /* Accesses outside [min,max] are rejected (MEMTX_ERROR);
         * 0 means 1 and 8 respectively. */
        unsigned min_access_size;
        unsigned max_access_size;
    } valid;
    struct {
        /* Sizes the callbacks implement; the core splits or combines
         * accesses to fit.  0 means 1 and 4 respectively. */
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
} MemoryRegionOps;

typedef enum {
    MR_CONTAINER,
    MR_RAM,
    MR_IO,     /* MMIO or PIO with ops */
    MR_ALIAS,
} MemoryRegionKind;

struct MemoryRegion {
    Object parent_obj;       /* regions are objects (owner's children) */
    MemoryRegionKind kind;
    char *name;
    uint64_t size;           /* UINT64_MAX for the full 64-bit space */
    hwaddr addr;             /* offset within container */
    int priority;
    bool enabled;
    bool readonly;           /* ROM: writes are ignored */
    const MemoryRegionOps *ops;
    void *opaque;
    RAMBlock *ram_block;     /* MR_RAM */
    MemoryRegion *alias;     /* MR_ALIAS target */
    hwaddr alias_offset;
    MemoryRegion *container;
    GPtrArray *subregions;   /* MemoryRegion *, sorted by priority desc;
                              * among equal priorities the region added
                              * last comes first and wins overlaps */
    Object *owner;           /* not referenced; may be NULL */
};

#define TYPE_MEMORY_REGION "memory-region"

/* Initialise a region embedded in a caller's structure or allocated by
 * g_new0.  @owner may be NULL. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
/* Anonymous private RAM of @size bytes. */
bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp);
/* RAM from an existing block (a memory backend's). */
void memory_region_init_ram_from_block(MemoryRegion *mr, Object *owner,
                                       const char *name, RAMBlock *block);
void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);
void memory_region_add_subregion(MemoryRegion *container, hwaddr offset,
                                 MemoryRegion *sub);
void memory_region_add_subregion_overlap(MemoryRegion *container,
                                         hwaddr offset, MemoryRegion *sub,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_size(MemoryRegion *mr, uint64_t size);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
/* Release resources of a region that is not mapped anywhere. */
void memory_region_finalize(MemoryRegion *mr);
void *memory_region_get_ram_ptr(MemoryRegion *mr);
uint64_t memory_region_size(MemoryRegion *mr);

/* Batch layout changes: listeners are told once at the outermost commit. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* A RAM section as listeners see it. */
typedef struct MemoryRegionSection {
    MemoryRegion *mr;        /* the RAM region (after resolving aliases) */
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;
    void *host;              /* host address of the first byte */
    bool readonly;
} MemoryRegionSection;

typedef struct MemoryListener {
    /* Called between begin and commit for each RAM section that appeared
     * or disappeared; sections that did not change are not reported. */
    void (*begin)(struct MemoryListener *l);
    void (*region_add)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*region_del)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*commit)(struct MemoryListener *l);
    AddressSpace *as;
} MemoryListener;

/* Registering replays current RAM sections through region_add;
 * unregistering reports them all through region_del (as QEMU does). */
void memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *view;          /* current flattened view */
    GPtrArray *listeners;
    bool unassigned_all_ones; /* reads of holes return all ones (I/O) */
};

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);

/* The machine's memory and I/O spaces (I/O only on targets with ports). */
AddressSpace *address_space_memory(void);
AddressSpace *address_space_io(void);
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
/* Create the system spaces (called once by the machine set-up). */
void memory_system_init(void);

/*
 * Byte-level access through dispatch: RAM is copied, I/O regions get
 * accesses of the sizes they accept.  Holes: reads give 0 (or all ones
 * for the I/O space), writes are dropped; the result says so.
 */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               uint64_t len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                const void *buf, uint64_t len);
/* One access of @size bytes (1, 2, 4, 8); *value in host order, the
 * region's endianness is applied (target order for RAM). */
MemTxResult address_space_read_sized(AddressSpace *as, hwaddr addr,
                                     uint64_t *value, unsigned size);
MemTxResult address_space_write_sized(AddressSpace *as, hwaddr addr,
                                      uint64_t value, unsigned size);

/*
 * Guest-memory helpers for DMA: succeed only when the whole range is RAM
 * (never touch devices), otherwise fail with an error naming the address.
 */
bool dma_memory_read(AddressSpace *as, hwaddr addr, void *buf, uint64_t len,
                     GError **errp);
bool dma_memory_write(AddressSpace *as, hwaddr addr, const void *buf,
                      uint64_t len, GError **errp);
/* Host pointer to [addr, addr+len) if it is one contiguous RAM range
 * (writable if @is_write), else NULL with *errp set. */
void *dma_memory_map(AddressSpace *as, hwaddr addr, uint64_t len,
                     bool is_write, GError **errp);
/* Find the RAM block and offset behind a guest address (NULL if none). */
RAMBlock *address_space_ram_block(AddressSpace *as, hwaddr addr,
                                  uint64_t *offset, uint64_t *avail);

/* Helpers in the target's byte order, used by qtest and devices. */
uint64_t ldn_target(const void *p, unsigned size);
void stn_target(void *p, unsigned size, uint64_t v);

/* Tests only: pretend the target is big (1) or little (0) endian, or
 * follow target_info again (-1).  Lets one test binary cover both. */
void memory_set_target_endian_override(int big_endian);
/* The byte order dispatch uses (target_big_endian() unless overridden). */
bool memory_target_big_endian(void);

#endif
