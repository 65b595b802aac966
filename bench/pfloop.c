/*
 * Guest program of the balloon device-cost benchmark (bench/balloon-cost):
 * a fill/free loop in the style of the will-it-scale tests page_fault1
 * (anonymous memory) and page_fault2 (a tmpfs file).  Every iteration maps
 * SIZE MiB, writes one byte per page (each write faults a page in) and
 * frees it all again, so the guest keeps handing freed pages to its page
 * allocator, which with free page reporting on reports them to the host;
 * pages the host discarded must then be faulted in again by the host too.
 *
 *   pfloop anon|file SIZE_MIB SECONDS [DIR]
 *
 * Prints one line per second and a summary line:
 *   KITE-BENCH-PFLOOP-START mode=anon size_mib=128
 *   KITE-BENCH-PFLOOP-END mode=anon iters=N secs=S iters_per_s=R mib_per_s=M
 *
 * Built statically by bench/build-initramfs (gcc -static -O2), not by meson:
 * it runs inside the Linux guest, not on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void touch(volatile char *p, size_t len, long page)
{
    for (size_t off = 0; off < len; off += page) {
        p[off] = 1;
    }
}

/* page_fault1: anonymous private memory, freed by munmap. */
static int iter_anon(size_t len, long page)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        return -errno;
    }
    touch(p, len, page);
    munmap(p, len);
    return 0;
}

/*
 * page_fault2-like: a shared mapping of a tmpfs file; the pages belong to
 * the file, so unmapping frees nothing: truncating the file does.
 */
static int iter_file(int fd, size_t len, long page)
{
    char *p;

    if (ftruncate(fd, len) < 0) {
        return -errno;
    }
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        return -errno;
    }
    touch(p, len, page);
    munmap(p, len);
    if (ftruncate(fd, 0) < 0) {
        return -errno;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode, *dir;
    size_t len;
    double secs, t0, t, last;
    long page = sysconf(_SC_PAGESIZE), iters = 0, last_iters = 0;
    int fd = -1;

    if (argc < 4 || (strcmp(argv[1], "anon") && strcmp(argv[1], "file"))) {
        fprintf(stderr, "usage: pfloop anon|file SIZE_MIB SECONDS [DIR]\n");
        return 2;
    }
    mode = argv[1];
    len = strtoul(argv[2], NULL, 0) << 20;
    secs = strtod(argv[3], NULL);
    dir = argc > 4 ? argv[4] : "/tmp";
    if (!len || secs <= 0) {
        fprintf(stderr, "pfloop: size and seconds must be positive\n");
        return 2;
    }
    if (!strcmp(mode, "file")) {
        char path[256];

        snprintf(path, sizeof(path), "%s/pfloop.XXXXXX", dir);
        fd = mkstemp(path);
        if (fd < 0) {
            fprintf(stderr, "pfloop: %s: %s\n", path, strerror(errno));
            return 1;
        }
        unlink(path);
    }
    printf("KITE-BENCH-PFLOOP-START mode=%s size_mib=%zu\n", mode, len >> 20);
    fflush(stdout);
    t0 = last = now();
    do {
        int r = fd < 0 ? iter_anon(len, page) : iter_file(fd, len, page);

        if (r < 0) {
            fprintf(stderr, "pfloop: iteration %ld: %s\n", iters,
                    strerror(-r));
            return 1;
        }
        iters++;
        t = now();
        if (t - last >= 1.0) {
            printf("KITE-BENCH-PFLOOP-TICK t=%.2f iters_per_s=%.2f\n",
                   t - t0, (iters - last_iters) / (t - last));
            fflush(stdout);
            last = t;
            last_iters = iters;
        }
    } while (t - t0 < secs);
    printf("KITE-BENCH-PFLOOP-END mode=%s iters=%ld secs=%.3f "
           "iters_per_s=%.3f mib_per_s=%.1f\n", mode, iters, t - t0,
           iters / (t - t0), iters * (double)(len >> 20) / (t - t0));
    fflush(stdout);
    return 0;
}
