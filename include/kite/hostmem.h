/* Memory backends (-object memory-backend-*), the source of guest RAM. */
#ifndef KITE_HOSTMEM_H
#define KITE_HOSTMEM_H

#include "kite/qom.h"
#include "kite/ramblock.h"

#define TYPE_MEMORY_BACKEND "memory-backend"
#define TYPE_MEMORY_BACKEND_RAM "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_MEMFD "memory-backend-memfd"
#define TYPE_MEMORY_BACKEND_FILE "memory-backend-file"

/* The backend's RAM block (allocated when the object is completed). */
RAMBlock *host_memory_backend_get_ram_block(Object *backend);
uint64_t host_memory_backend_get_size(Object *backend);
/* A backend backs one region only; fails with QEMU's text
 * "memory backend '<id>' can't be used multiple times." */
bool host_memory_backend_claim(Object *backend, GError **errp);

#endif
