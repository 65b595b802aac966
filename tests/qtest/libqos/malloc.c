/* A bump allocator over a range of guest RAM: tests are short-lived, so
 * nothing is ever freed. */
#include "libqos/malloc.h"
#include <glib.h>

void guest_alloc_init(QGuestAllocator *a, uint64_t start, uint64_t end)
{
    a->start = a->next = start;
    a->end = end;
}

uint64_t guest_alloc(QGuestAllocator *a, uint64_t size, uint64_t align)
{
    uint64_t addr = (a->next + align - 1) & ~(align - 1);

    g_assert_cmpuint(addr + size, <=, a->end);
    a->next = addr + size;
    return addr;
}
