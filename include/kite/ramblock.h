/*
 * RAM blocks: host memory that backs guest RAM, with the knowledge needed
 * to give pages back to the host (discard).
 */
#ifndef KITE_RAMBLOCK_H
#define KITE_RAMBLOCK_H

#include "kite/common.h"

typedef enum {
    RAM_KIND_ANON,     /* private anonymous mapping */
    RAM_KIND_SHMEM,    /* shared anonymous (share=on without a file) */
    RAM_KIND_MEMFD,    /* memfd_create */
    RAM_KIND_FILE,     /* mem-path file or hugetlbfs */
} RAMKind;

typedef struct RAMBlock {
    char *name;
    void *host;
    uint64_t size;
    int fd;            /* -1 for anonymous memory */
    uint64_t fd_offset;
    uint64_t page_size; /* host page size backing it (huge page size) */
    RAMKind kind;
    bool shared;       /* MAP_SHARED */
    int ref;
    uint64_t mapped_size; /* length of the mapping (size rounded up to
                           * page_size) */
    bool readonly;     /* mapped PROT_READ: regions over it are ROM */
} RAMBlock;

typedef struct RAMBlockParams {
    const char *name;
    uint64_t size;
    bool share;
    const char *mem_path;   /* file or directory (hugetlbfs); NULL = none */
    bool memfd;
    bool hugetlb;           /* memfd with MFD_HUGETLB */
    uint64_t hugetlbsize;   /* 0 = default huge page size */
    bool prealloc;
    bool merge;             /* MADV_MERGEABLE (KSM) */
    bool dontdump;          /* MADV_DONTDUMP */
    bool noreserve;         /* MAP_NORESERVE: no swap/huge page reservation */
    bool seal;              /* memfd: seal against growing and shrinking */
    bool readonly;          /* file opened and mapped read-only */
} RAMBlockParams;

RAMBlock *ram_block_new(const RAMBlockParams *params, GError **errp);
RAMBlock *ram_block_ref(RAMBlock *rb);
void ram_block_unref(RAMBlock *rb);

/*
 * Give [offset, offset+len) back to the host: MADV_DONTNEED for private
 * anonymous memory, fallocate(PUNCH_HOLE|KEEP_SIZE) for shared, memfd and
 * file memory.  Both must be aligned to rb->page_size; otherwise, or when
 * the range is outside the block, fail with an error saying why.  Reads
 * of discarded pages return zeroes afterwards.
 */
bool ram_block_discard_range(RAMBlock *rb, uint64_t offset, uint64_t len,
                             GError **errp);

/* Resident set size of this process in bytes (from /proc/self/statm). */
uint64_t kite_rss_bytes(void);
/* Open file descriptors of this process (from /proc/self/fd), -1 when
 * /proc cannot be read. */
int kite_open_fd_count(void);

#endif
