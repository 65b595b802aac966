/* Private to backends/hostmem*.c: the memory backend instance. */
#ifndef KITE_HOSTMEM_INTERNAL_H
#define KITE_HOSTMEM_INTERNAL_H

#include "kite/hostmem.h"

/*
 * One structure for every backend type; each type's property table
 * exposes only the fields that make sense for it.
 */
typedef struct HostMemoryBackend {
    Object parent_obj;
    uint64_t size;
    bool size_set;           /* "size" was given (it is mandatory) */
    bool share;
    bool prealloc;
    bool merge;
    bool dump;
    bool reserve;
    bool seal;               /* memfd */
    bool readonly;           /* file */
    bool discard_data;       /* file: drop the contents when destroyed */
    char *mem_path;          /* file */
    bool hugetlb;            /* memfd */
    uint64_t hugetlbsize;    /* memfd */
    RAMBlock *ram_block;     /* set by complete */
    bool claimed;            /* mapped by a machine or device */
} HostMemoryBackend;

#define HOST_MEMORY_BACKEND(obj) \
    OBJECT_CHECK(HostMemoryBackend, (obj), TYPE_MEMORY_BACKEND)

/* The complete hook subclasses share: checks common to all, then one
 * RAM block from @params (name and size filled in here). */
bool host_memory_backend_alloc(Object *obj, RAMBlockParams *params,
                               GError **errp);

#endif
