/* A guest-memory allocator for qtests: hands out ranges of guest RAM. */
#ifndef LIBQOS_MALLOC_H
#define LIBQOS_MALLOC_H

#include <stdint.h>

typedef struct QGuestAllocator {
    uint64_t start, end, next;
} QGuestAllocator;

void guest_alloc_init(QGuestAllocator *a, uint64_t start, uint64_t end);
/* @align must be a power of two; aborts the test when RAM runs out. */
uint64_t guest_alloc(QGuestAllocator *a, uint64_t size, uint64_t align);

#endif
