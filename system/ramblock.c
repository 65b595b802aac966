/*
 * RAM blocks: the host memory behind guest RAM.  Four kinds (private
 * anonymous, shared anonymous, memfd, file), each knowing how to give
 * pages back to the host: see ram_block_discard_range().
 */
#include "kite/ramblock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14 */
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

static uint64_t host_page_size(void)
{
    return (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) / align * align;
}

/*
 * Guest RAM starts on a 2 MiB boundary, as QEMU's does: KVM maps a guest
 * page with a 2 MiB page-table entry only when guest and host addresses
 * are congruent modulo 2 MiB, and transparent huge pages need aligned
 * host ranges. Unaligned, a Linux guest ran on 4 KiB nested pages and
 * took one nested page fault per 4 KiB it touched while booting.
 */
#define RAM_MAP_ALIGN (2 * MiB)

/* mmap() at an address aligned to @align (a power of two): reserve
 * @align more than asked, map over the aligned part, drop the rest. */
static void *map_aligned(uint64_t size, uint64_t align, int prot, int flags,
                         int fd)
{
    uint8_t *resv, *start;
    uint64_t head, tail;

    resv = mmap(NULL, size + align, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (resv == MAP_FAILED) {
        return MAP_FAILED;
    }
    start = (uint8_t *)(((uintptr_t)resv + align - 1) & ~(uintptr_t)(align - 1));
    if (mmap(start, size, prot, flags | MAP_FIXED, fd, 0) == MAP_FAILED) {
        int err = errno;

        munmap(resv, size + align);
        errno = err;
        return MAP_FAILED;
    }
    head = start - resv;
    tail = align - head;
    if (head) {
        munmap(resv, head);
    }
    if (tail) {
        munmap(start + size, tail);
    }
    return start;
}

static bool is_power_of_2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* Open (or create) the file behind a mem-path; a directory gets a fresh
 * unlinked file, as hugetlbfs mount points are usually given. */
static int open_mem_path(const char *path, const char *name, bool readonly,
                         GError **errp)
{
    struct stat st;
    int fd;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *tmpl = g_strdup_printf("%s/kite_back_mem.%s.XXXXXX",
                                                path, name);
        /* the block name may hold '/' (QOM paths); keep it one component */
        for (char *p = tmpl + strlen(path) + 1; *p; p++) {
            if (*p == '/') {
                *p = '_';
            }
        }
        fd = mkstemp(tmpl);
        if (fd < 0) {
            kite_error_set(errp, "can't create backing store %s for guest "
                           "RAM: %s", tmpl, g_strerror(errno));
            return -1;
        }
        unlink(tmpl);
        return fd;
    }
    fd = readonly ? open(path, O_RDONLY | O_CLOEXEC)
                  : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        kite_error_set(errp, "can't open backing store %s for guest RAM: %s",
                       path, g_strerror(errno));
    }
    return fd;
}

static bool page_size_of_fd(int fd, uint64_t *page_size, bool *hugetlbfs)
{
    struct statfs fs;

    *hugetlbfs = false;
    *page_size = host_page_size();
    if (fstatfs(fd, &fs) != 0) {
        return false;
    }
    if ((uint32_t)fs.f_type == (uint32_t)HUGETLBFS_MAGIC) {
        *hugetlbfs = true;
        *page_size = fs.f_bsize;
    }
    return true;
}

static int create_memfd(const RAMBlockParams *p, GError **errp)
{
    unsigned flags = MFD_CLOEXEC | (p->seal ? MFD_ALLOW_SEALING : 0);
    int fd;

    if (p->hugetlb) {
        flags |= MFD_HUGETLB;
        if (p->hugetlbsize) {
            if (!is_power_of_2(p->hugetlbsize)) {
                kite_error_set(errp, "Hugepage size must be a power of 2");
                return -1;
            }
            flags |= (unsigned)__builtin_ctzll(p->hugetlbsize) << MFD_HUGE_SHIFT;
        }
    }
    /* QEMU ignores hugetlbsize without hugetlb=on; so do we. */
    fd = memfd_create(p->name ? p->name : "kite-ram", flags);
    if (fd < 0) {
        kite_error_set(errp, "failed to create memfd%s: %s",
                       p->hugetlb ? " with huge pages" : "",
                       g_strerror(errno));
    }
    return fd;
}

/* Once sized, the memfd may not grow or shrink under the guest. */
static bool seal_memfd(int fd, GError **errp)
{
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) {
        kite_error_set(errp, "failed to seal memfd: %s", g_strerror(errno));
        return false;
    }
    return true;
}

/* Fault every page in now.  MADV_POPULATE_WRITE reports failure (e.g. no
 * huge pages left) as an error instead of a SIGBUS on first touch. */
static bool prealloc(RAMBlock *rb, GError **errp)
{
    if (madvise(rb->host, rb->mapped_size, MADV_POPULATE_WRITE) == 0) {
        return true;
    }
    int err = errno;
    if (err == EINVAL && rb->page_size == host_page_size()) {
        /* older kernel: touch each page (safe: ordinary pages only) */
        volatile uint8_t *p = rb->host;
        for (uint64_t off = 0; off < rb->mapped_size; off += rb->page_size) {
            p[off] = p[off];
        }
        return true;
    }
    kite_error_set(errp, "preallocating %" PRIu64 " bytes of memory for '%s' "
                   "failed: %s", rb->mapped_size, rb->name, g_strerror(err));
    return false;
}

RAMBlock *ram_block_new(const RAMBlockParams *p, GError **errp)
{
    const char *name = p->name ? p->name : "ram";
    bool hugetlbfs = false;
    int fd = -1, flags;
    RAMKind kind;
    uint64_t page_size = host_page_size();

    if (p->size == 0) {
        kite_error_set(errp, "RAM block '%s' must not have size 0", name);
        return NULL;
    }
    if (p->mem_path && p->memfd) {
        kite_error_set(errp, "RAM block '%s': a file and a memfd were both "
                       "requested", name);
        return NULL;
    }
    if (p->mem_path) {
        kind = RAM_KIND_FILE;
        fd = open_mem_path(p->mem_path, name, p->readonly, errp);
    } else if (p->memfd) {
        kind = RAM_KIND_MEMFD;
        fd = create_memfd(p, errp);
    } else {
        kind = p->share ? RAM_KIND_SHMEM : RAM_KIND_ANON;
    }
    if ((kind == RAM_KIND_FILE || kind == RAM_KIND_MEMFD) && fd < 0) {
        return NULL;
    }
    if (fd >= 0) {
        page_size_of_fd(fd, &page_size, &hugetlbfs);
    }

    uint64_t mapped = round_up(p->size, page_size);
    if (mapped < p->size) {
        kite_error_set(errp, "RAM block '%s': size 0x%" PRIx64 " is too "
                       "large", name, p->size);
        goto fail_fd;
    }
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0) {
            kite_error_set(errp, "can't stat backing store of '%s': %s",
                           name, g_strerror(errno));
            goto fail_fd;
        }
        if (p->readonly && (uint64_t)st.st_size < p->size) {
            kite_error_set(errp, "backing store %s is smaller than the "
                           "requested size 0x%" PRIx64 " and is read-only",
                           p->mem_path, p->size);
            goto fail_fd;
        }
        if ((uint64_t)st.st_size < mapped && !p->readonly &&
            ftruncate(fd, mapped) != 0) {
            kite_error_set(errp, "can't resize backing store of '%s' to "
                           "%" PRIu64 " bytes: %s", name, mapped,
                           g_strerror(errno));
            goto fail_fd;
        }
    }

    if (kind == RAM_KIND_MEMFD && p->seal && !seal_memfd(fd, errp)) {
        goto fail_fd;
    }
    flags = (p->share ? MAP_SHARED : MAP_PRIVATE) |
            (fd < 0 ? MAP_ANONYMOUS : 0) | (p->noreserve ? MAP_NORESERVE : 0);
    void *host = map_aligned(mapped, MAX(page_size, RAM_MAP_ALIGN),
                             PROT_READ | (p->readonly ? 0 : PROT_WRITE),
                             flags, fd);
    if (host == MAP_FAILED) {
        /* QEMU's words; the size is what usually went wrong */
        kite_error_set(errp, "unable to map backing store for guest RAM: %s",
                       g_strerror(errno));
        goto fail_fd;
    }

    RAMBlock *rb = g_new0(RAMBlock, 1);
    rb->name = g_strdup(name);
    rb->host = host;
    rb->size = p->size;
    rb->mapped_size = mapped;
    rb->fd = fd;
    rb->page_size = page_size;
    rb->kind = kind;
    rb->shared = p->share;
    rb->readonly = p->readonly;
    rb->ref = 1;

    /* Advice is best effort: failing to merge or to stay out of core
     * dumps does not make the memory unusable. */
    if (p->merge) {
        madvise(host, mapped, MADV_MERGEABLE);
    }
    if (p->dontdump) {
        madvise(host, mapped, MADV_DONTDUMP);
    }
    /* Transparent huge pages where the kernel leaves them to madvise (as
     * Debian's does), as QEMU asks for all guest RAM: fewer guest faults,
     * huge mappings in the second-level page tables, and a reported 2 MiB
     * range is discarded by dropping one huge page instead of 512. */
    if (!hugetlbfs) {
        madvise(host, mapped, MADV_HUGEPAGE);
    }
    if (p->prealloc && !p->readonly && !prealloc(rb, errp)) {
        ram_block_unref(rb);
        return NULL;
    }
    return rb;

fail_fd:
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

RAMBlock *ram_block_ref(RAMBlock *rb)
{
    if (rb) {
        g_atomic_int_inc(&rb->ref);
    }
    return rb;
}

void ram_block_unref(RAMBlock *rb)
{
    if (!rb || !g_atomic_int_dec_and_test(&rb->ref)) {
        return;
    }
    munmap(rb->host, rb->mapped_size);
    if (rb->fd >= 0) {
        close(rb->fd);
    }
    g_free(rb->name);
    g_free(rb);
}

static const char *kind_name(RAMKind kind)
{
    switch (kind) {
    case RAM_KIND_ANON:
        return "anonymous";
    case RAM_KIND_SHMEM:
        return "shared anonymous";
    case RAM_KIND_MEMFD:
        return "memfd";
    case RAM_KIND_FILE:
        return "file";
    }
    return "?";
}

bool ram_block_discard_range(RAMBlock *rb, uint64_t offset, uint64_t len,
                             GError **errp)
{
    if (len == 0) {
        return true;
    }
    if (rb->readonly) {
        kite_error_set(errp, "can't discard in read-only RAM block '%s'",
                       rb->name);
        return false;
    }
    if (offset > rb->size || len > rb->size - offset) {
        kite_error_set(errp, "discard of 0x%" PRIx64 "+0x%" PRIx64 " is "
                       "outside RAM block '%s' (size 0x%" PRIx64 ")",
                       offset, len, rb->name, rb->size);
        return false;
    }
    /* The end may be the block's own end even if that is unaligned. */
    if (offset % rb->page_size ||
        (len % rb->page_size && offset + len != rb->size)) {
        kite_error_set(errp, "discard of 0x%" PRIx64 "+0x%" PRIx64 " in RAM "
                       "block '%s' is not aligned to its page size 0x%"
                       PRIx64, offset, len, rb->name, rb->page_size);
        return false;
    }
    uint64_t span = round_up(len, rb->page_size);
    void *start = (uint8_t *)rb->host + offset;
    int ret = 0;
    const char *how = "";

    switch (rb->kind) {
    case RAM_KIND_ANON:
        how = "madvise(MADV_DONTNEED)";
        ret = madvise(start, span, MADV_DONTNEED);
        break;
    case RAM_KIND_SHMEM:
        /* shared anonymous memory is shmem without an fd to punch */
        how = "madvise(MADV_REMOVE)";
        ret = madvise(start, span, MADV_REMOVE);
        break;
    case RAM_KIND_MEMFD:
    case RAM_KIND_FILE:
        how = "fallocate(PUNCH_HOLE)";
        ret = fallocate(rb->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        (off_t)(rb->fd_offset + offset), (off_t)span);
        if (ret == 0 && !rb->shared) {
            /* private copies made by writes are not in the file */
            how = "madvise(MADV_DONTNEED)";
            ret = madvise(start, span, MADV_DONTNEED);
        }
        break;
    }
    if (ret != 0) {
        kite_error_set(errp, "discard of 0x%" PRIx64 "+0x%" PRIx64 " in %s "
                       "RAM block '%s' failed: %s: %s", offset, len,
                       kind_name(rb->kind), rb->name, how, g_strerror(errno));
        return false;
    }
    return true;
}
