/* Resident set size and open fds of this process, for tests and memory
 * statistics. */
#include "kite/ramblock.h"

#include <dirent.h>
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

int kite_open_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (!d) {
        return -1;
    }
    while ((e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}
