/* Resident set size of this process, for tests and memory statistics. */
#include "kite/ramblock.h"

#include <stdio.h>
#include <unistd.h>

uint64_t kite_rss_bytes(void)
{
    unsigned long long size_pages = 0, resident_pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f) {
        return 0;
    }
    /* statm: size resident shared text lib data dt, in pages */
    if (fscanf(f, "%llu %llu", &size_pages, &resident_pages) != 2) {
        resident_pages = 0;
    }
    fclose(f);
    return resident_pages * (uint64_t)sysconf(_SC_PAGESIZE);
}
