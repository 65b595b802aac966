/*
 * Samples a process's memory for the balloon and overhead benchmarks:
 * every INTERVAL ms until the process exits (or DURATION s pass), one line
 * "seconds rss_kib guest_ram_rss_kib shmem_kib", where guest RAM is the
 * largest mapping of the process (its RSS from /proc/PID/smaps) and shmem
 * is the system's Shmem from /proc/meminfo: memfd guest RAM that was only
 * unmapped (MADV_DONTNEED) leaves RSS but stays in Shmem.  A small C
 * program so the sampling itself costs little inside the emulated host.
 *
 *     bench-rss-sampler PID [INTERVAL_MS] [DURATION_S]
 */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Total RSS and the RSS of the largest mapping, in KiB; false when gone. */
static bool sample(int pid, long *rss, long *big_rss)
{
    char path[64], line[512];
    FILE *f;
    long size = 0, best_size = -1, cur_rss;
    bool in_big = false;

    snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
    f = fopen(path, "r");
    if (!f) {
        return false;
    }
    *rss = 0;
    *big_rss = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Size: %ld kB", &size) == 1) {
            in_big = size > best_size;
            if (in_big) {
                best_size = size;
            }
        } else if (sscanf(line, "Rss: %ld kB", &cur_rss) == 1) {
            *rss += cur_rss;
            if (in_big) {
                *big_rss = cur_rss;
            }
        }
    }
    fclose(f);
    return best_size >= 0;
}

static long shmem_kib(void)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Shmem: %ld kB", &v) == 1) {
            break;
        }
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    int pid, interval_ms = 100;
    double duration = 1e9, t0, t;
    struct timespec ts;
    long rss, big;

    if (argc < 2 || (pid = atoi(argv[1])) <= 0) {
        fprintf(stderr, "usage: %s PID [INTERVAL_MS] [DURATION_S]\n", argv[0]);
        return 2;
    }
    if (argc > 2) {
        interval_ms = MAX(1, atoi(argv[2]));
    }
    if (argc > 3) {
        duration = atof(argv[3]);
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = ts.tv_sec + ts.tv_nsec / 1e9;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t = ts.tv_sec + ts.tv_nsec / 1e9 - t0;
        if (t > duration || !sample(pid, &rss, &big)) {
            break;
        }
        printf("%.3f %ld %ld %ld\n", t, rss, big, shmem_kib());
        fflush(stdout);
        usleep(interval_ms * 1000);
    }
    return 0;
}
