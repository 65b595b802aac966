/*
 * RAM blocks of each kind, discard really giving memory back to the host,
 * and the memory backend objects built on them.
 */
#include "kite/hostmem.h"
#include "kite/memory.h"
#include "kite/ramblock.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG (64 * MiB)

static void touch(RAMBlock *rb, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += 4096) {
        ((volatile uint8_t *)rb->host)[off] = 0xa5;
    }
}

static bool all_zero(const uint8_t *p, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static uint64_t fd_allocated(int fd)
{
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return (uint64_t)st.st_blocks * 512;
}

/*
 * Touch all of a 64 MiB block, check RSS rises by most of it, discard the
 * middle 48 MiB, check RSS falls by most of that and the pages read back
 * as zeroes while the rest keeps its data.
 */
static void check_discard_drops_rss(RAMBlock *rb)
{
    uint64_t before = kite_rss_bytes();
    GError *err = NULL;

    touch(rb, BIG);
    uint64_t touched = kite_rss_bytes();
    g_assert_cmpuint(touched, >, before + BIG * 3 / 4);
    if (rb->fd >= 0) {
        g_assert_cmpuint(fd_allocated(rb->fd), >=, BIG * 3 / 4);
    }

    g_assert_true(ram_block_discard_range(rb, 8 * MiB, 48 * MiB, &err));
    g_assert_no_error(err);
    uint64_t after = kite_rss_bytes();
    g_assert_cmpuint(after + 48 * MiB * 3 / 4, <, touched);
    if (rb->fd >= 0) {
        /* the hole is really punched in the file */
        g_assert_cmpuint(fd_allocated(rb->fd), <=, BIG - 48 * MiB * 3 / 4);
    }
    g_assert_true(all_zero((uint8_t *)rb->host + 8 * MiB, 48 * MiB));
    g_assert_cmphex(((uint8_t *)rb->host)[8 * MiB - 4096], ==, 0xa5);
    g_assert_cmphex(((uint8_t *)rb->host)[56 * MiB], ==, 0xa5);
}

static void test_anon(void)
{
    RAMBlockParams p = { .name = "anon", .size = BIG };
    GError *err = NULL;
    RAMBlock *rb = ram_block_new(&p, &err);

    g_assert_no_error(err);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_ANON);
    g_assert_cmpint(rb->fd, ==, -1);
    g_assert_false(rb->shared);
    g_assert_cmpuint(rb->page_size, ==, (uint64_t)sysconf(_SC_PAGESIZE));
    check_discard_drops_rss(rb);
    ram_block_unref(rb);
}

static void test_shmem(void)
{
    RAMBlockParams p = { .name = "shmem", .size = BIG, .share = true };
    GError *err = NULL;
    RAMBlock *rb = ram_block_new(&p, &err);

    g_assert_no_error(err);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_SHMEM);
    g_assert_true(rb->shared);
    check_discard_drops_rss(rb);
    ram_block_unref(rb);
}

static void test_memfd(void)
{
    for (int share = 0; share <= 1; share++) {
        RAMBlockParams p = { .name = "memfd", .size = BIG, .memfd = true,
                             .share = share };
        GError *err = NULL;
        RAMBlock *rb = ram_block_new(&p, &err);

        g_assert_no_error(err);
        g_assert_cmpint(rb->kind, ==, RAM_KIND_MEMFD);
        g_assert_cmpint(rb->fd, >=, 0);
        g_assert_true(rb->shared == (bool)share);
        if (share) {
            check_discard_drops_rss(rb);
        } else {
            /* Private: the file gets nothing, the COW copies are dropped. */
            touch(rb, BIG);
            uint64_t touched = kite_rss_bytes();
            g_assert_true(ram_block_discard_range(rb, 0, BIG, &err));
            g_assert_cmpuint(kite_rss_bytes() + BIG * 3 / 4, <, touched);
            g_assert_true(all_zero(rb->host, BIG));
        }
        ram_block_unref(rb);
    }
}

static void test_file_dir(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-ramblock-XXXXXX", NULL);
    RAMBlockParams p = { .name = "/objects/f", .size = BIG, .mem_path = dir,
                         .share = true };
    GError *err = NULL;
    RAMBlock *rb = ram_block_new(&p, &err);

    g_assert_no_error(err);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_FILE);
    /* The file in the directory is unlinked at once. */
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_null(g_dir_read_name(d));
    g_dir_close(d);
    check_discard_drops_rss(rb);
    ram_block_unref(rb);
    g_rmdir(dir);
}

static void test_file_path(void)
{
    g_autofree char *dir = g_dir_make_tmp("kite-ramblock-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "guest.ram", NULL);
    RAMBlockParams p = { .name = "file", .size = 1 * MiB, .mem_path = path,
                         .share = true };
    GError *err = NULL;
    RAMBlock *rb = ram_block_new(&p, &err);

    g_assert_no_error(err);
    memcpy((uint8_t *)rb->host + 4096, "kite", 4);
    /* Shared: the bytes are in the file, which has the block's size. */
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, 1 * MiB);
    g_assert_cmpmem(contents + 4096, 4, "kite", 4);
    g_assert_true(ram_block_discard_range(rb, 0, 8192, &err));
    g_assert_true(all_zero(rb->host, 8192));
    ram_block_unref(rb);

    /* A directory that does not exist is a clear error. */
    g_autofree char *bad = g_build_filename(dir, "no", "such", NULL);
    p.mem_path = bad;
    g_assert_null(ram_block_new(&p, &err));
    g_assert_nonnull(strstr(err->message, bad));
    g_clear_error(&err);

    g_unlink(path);
    g_rmdir(dir);
}

static uint64_t meminfo_value(const char *key)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL)) {
        return 0;
    }
    const char *line = strstr(text, key);
    return line ? g_ascii_strtoull(line + strlen(key), NULL, 10) : 0;
}

static uint64_t sysctl_value(const char *path)
{
    g_autofree char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ?
           g_ascii_strtoull(text, NULL, 10) : 0;
}

/* A hugetlbfs mount point from /proc/mounts, or NULL. */
static char *hugetlbfs_mount(void)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/mounts", &text, NULL, NULL)) {
        return NULL;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, " ", 4);
        if (g_strv_length(f) >= 3 && !strcmp(f[2], "hugetlbfs")) {
            return g_strdup(f[1]);
        }
    }
    return NULL;
}

static void test_hugetlb(void)
{
    RAMBlockParams p = { .name = "huge", .size = 2 * MiB, .memfd = true,
                         .hugetlb = true, .share = true };
    GError *err = NULL;

    if (meminfo_value("HugePages_Free:") == 0) {
        if (sysctl_value("/proc/sys/vm/nr_overcommit_hugepages") == 0) {
            /* None to be had: a clear error (QEMU's words), no crash. */
            g_assert_null(ram_block_new(&p, &err));
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, "guest RAM"));
            g_clear_error(&err);
        }
        g_test_skip("no free huge pages in /proc/meminfo "
                    "(HugePages_Free is 0)");
        return;
    }
    uint64_t huge = meminfo_value("Hugepagesize:") * KiB;
    RAMBlock *rb = ram_block_new(&p, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(rb->page_size, ==, huge);
    touch(rb, rb->size);
    /* Discard must be huge-page aligned. */
    g_assert_false(ram_block_discard_range(rb, 4096, 4096, &err));
    g_assert_nonnull(strstr(err->message, "aligned"));
    g_clear_error(&err);
    g_assert_true(ram_block_discard_range(rb, 0, rb->page_size, &err));
    g_assert_true(all_zero(rb->host, rb->page_size));
    ram_block_unref(rb);

    /* hugetlbfs: page size from statfs of the mount */
    g_autofree char *mnt = hugetlbfs_mount();
    if (!mnt) {
        g_test_message("no hugetlbfs mount in /proc/mounts: not tested");
        return;
    }
    RAMBlockParams f = { .name = "hugefile", .size = huge, .mem_path = mnt,
                         .share = true };
    rb = ram_block_new(&f, &err);
    if (!rb) {
        g_test_message("hugetlbfs %s not usable: %s", mnt, err->message);
        g_clear_error(&err);
        return;
    }
    g_assert_cmpuint(rb->page_size, >=, huge);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_FILE);
    touch(rb, rb->size);
    g_assert_true(ram_block_discard_range(rb, 0, rb->size, &err));
    g_assert_true(all_zero(rb->host, rb->size));
    ram_block_unref(rb);
}

static void test_prealloc(void)
{
    RAMBlockParams p = { .name = "pre", .size = 32 * MiB, .prealloc = true };
    GError *err = NULL;
    uint64_t before = kite_rss_bytes();
    RAMBlock *rb = ram_block_new(&p, &err);

    g_assert_no_error(err);
    /* resident without a single touch */
    g_assert_cmpuint(kite_rss_bytes(), >, before + 24 * MiB);
    ram_block_unref(rb);
}

static void test_discard_errors(void)
{
    RAMBlockParams p = { .name = "small", .size = 1 * MiB };
    GError *err = NULL;
    RAMBlock *rb = ram_block_new(&p, &err);
    uint64_t ps = rb->page_size;

    g_assert_false(ram_block_discard_range(rb, 1, ps, &err));
    g_assert_nonnull(strstr(err->message, "aligned"));
    g_assert_nonnull(strstr(err->message, "small"));
    g_clear_error(&err);
    g_assert_false(ram_block_discard_range(rb, 0, ps + 1, &err));
    g_assert_nonnull(strstr(err->message, "aligned"));
    g_clear_error(&err);
    g_assert_false(ram_block_discard_range(rb, 1 * MiB, ps, &err));
    g_assert_nonnull(strstr(err->message, "outside"));
    g_clear_error(&err);
    g_assert_false(ram_block_discard_range(rb, ps, UINT64_MAX - ps + 1,
                                           &err));
    g_assert_nonnull(strstr(err->message, "outside"));
    g_clear_error(&err);
    g_assert_false(ram_block_discard_range(rb, UINT64_MAX - ps + 1, 2 * ps,
                                           &err));
    g_clear_error(&err);
    /* Nothing, and everything, are fine. */
    g_assert_true(ram_block_discard_range(rb, 0, 0, &err));
    g_assert_true(ram_block_discard_range(rb, 0, 1 * MiB, &err));
    g_assert_no_error(err);

    /* References keep the block alive. */
    g_assert_true(ram_block_ref(rb) == rb);
    ram_block_unref(rb);
    ((uint8_t *)rb->host)[0] = 1;
    ram_block_unref(rb);

    p.size = 0;
    g_assert_null(ram_block_new(&p, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    p.size = 1 * MiB;
    p.memfd = true;
    p.hugetlbsize = 3 * MiB;
    p.hugetlb = true;
    g_assert_null(ram_block_new(&p, &err));
    g_assert_cmpstr(err->message, ==, "Hugepage size must be a power of 2");
    g_clear_error(&err);
}

static void test_rss(void)
{
    uint64_t rss = kite_rss_bytes();
    g_assert_cmpuint(rss, >, 0);
    g_assert_cmpuint(rss % (uint64_t)sysconf(_SC_PAGESIZE), ==, 0);
}

/* ---- backends ---- */

static Object *add_backend(const char *type, const char *id, GError **errp,
                           ...)
{
    g_autoptr(GHashTable) props = g_hash_table_new(g_str_hash, g_str_equal);
    va_list ap;

    va_start(ap, errp);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) {
            break;
        }
        g_hash_table_insert(props, (char *)k, va_arg(ap, char *));
    }
    va_end(ap);
    return user_creatable_add(type, id, props, errp);
}

/* The VmFlags line of /proc/self/smaps for the mapping at @addr. */
static char *vm_flags(const void *addr)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents("/proc/self/smaps", &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool in = false;

    for (char **l = lines; *l; l++) {
        unsigned long lo, hi;
        if (sscanf(*l, "%lx-%lx ", &lo, &hi) == 2) {
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        } else if (in && g_str_has_prefix(*l, "VmFlags:")) {
            return g_strconcat(*l + 8, " ", NULL);
        }
    }
    return NULL;
}

static void test_backend_flags(void)
{
    GError *err = NULL;
    Object *obj = add_backend(TYPE_MEMORY_BACKEND_RAM, "flags0", &err,
                              "size", "4M", NULL);
    g_assert_no_error(err);
    g_autofree char *def = vm_flags(host_memory_backend_get_ram_block(obj)->host);
    g_assert_nonnull(def);
    g_assert_null(strstr(def, " nr "));   /* reserve=on */
    g_assert_null(strstr(def, " dd "));   /* dump=on */
    if (g_file_test("/sys/kernel/mm/ksm", G_FILE_TEST_IS_DIR)) {
        g_assert_nonnull(strstr(def, " mg ")); /* merge=on */
    }
    if (g_file_test("/sys/kernel/mm/transparent_hugepage", G_FILE_TEST_IS_DIR)) {
        g_assert_nonnull(strstr(def, " hg ")); /* MADV_HUGEPAGE, as QEMU */
    }
    object_unparent(obj);

    obj = add_backend(TYPE_MEMORY_BACKEND_RAM, "flags1", &err, "size", "4M",
                      "reserve", "off", "dump", "off", "merge", "off", NULL);
    g_assert_no_error(err);
    g_autofree char *set = vm_flags(host_memory_backend_get_ram_block(obj)->host);
    g_assert_nonnull(set);
    g_assert_nonnull(strstr(set, " nr "));
    g_assert_nonnull(strstr(set, " dd "));
    g_assert_null(strstr(set, " mg "));
    object_unparent(obj);
}

static void test_backend_ram(void)
{
    GError *err = NULL;
    Object *obj = add_backend(TYPE_MEMORY_BACKEND_RAM, "ram0", &err,
                              "size", "4M", NULL);

    g_assert_no_error(err);
    RAMBlock *rb = host_memory_backend_get_ram_block(obj);
    g_assert_nonnull(rb);
    g_assert_cmpuint(rb->size, ==, 4 * MiB);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_ANON);
    g_assert_cmpuint(host_memory_backend_get_size(obj), ==, 4 * MiB);
    g_assert_cmpstr(rb->name, ==, "ram0");

    /* one user only, with QEMU's words */
    g_assert_true(host_memory_backend_claim(obj, &err));
    g_assert_false(host_memory_backend_claim(obj, &err));
    g_assert_cmpstr(err->message, ==,
                    "memory backend 'ram0' can't be used multiple times.");
    g_clear_error(&err);

    /* configuration is fixed once the memory exists */
    g_assert_false(object_property_parse(obj, "size", "8M", &err));
    g_assert_nonnull(strstr(err->message, "size"));
    g_clear_error(&err);
    object_unparent(obj);

    obj = add_backend(TYPE_MEMORY_BACKEND_RAM, "ram1", &err,
                      "size", "2M", "share", "on", NULL);
    g_assert_no_error(err);
    g_assert_cmpint(host_memory_backend_get_ram_block(obj)->kind, ==,
                    RAM_KIND_SHMEM);
    object_unparent(obj);

    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_RAM, "ram2", &err, NULL));
    g_assert_cmpstr(err->message, ==, "Parameter 'size' is missing");
    g_clear_error(&err);
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_RAM, "ram2", &err,
                              "size", "0", NULL));
    g_assert_cmpstr(err->message, ==, "property 'size' of memory-backend-ram "
                    "doesn't take value '0'");
    g_clear_error(&err);
    /* object_new without a size: the complete hook still refuses */
    Object *bare = object_new(TYPE_MEMORY_BACKEND_RAM);
    g_assert_false(object_class_by_name(TYPE_MEMORY_BACKEND_RAM)->complete(
                       bare, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    object_unref(bare);
    g_assert_null(object_resolve_path("/objects/ram2", NULL));

    /* Not a backend at all. */
    Object *root = object_get_objects_root();
    g_assert_false(host_memory_backend_claim(root, &err));
    g_clear_error(&err);
    g_assert_null(host_memory_backend_get_ram_block(root));
}

static void test_backend_memfd(void)
{
    GError *err = NULL;
    Object *obj = add_backend(TYPE_MEMORY_BACKEND_MEMFD, "mfd", &err,
                              "size", "2M", NULL);

    g_assert_no_error(err);
    RAMBlock *rb = host_memory_backend_get_ram_block(obj);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_MEMFD);
    g_assert_true(rb->shared);            /* share=on by default */
    json_t *share = object_property_get_json(obj, "share", &err);
    g_assert_true(json_is_true(share));
    json_decref(share);
    /* sealed against growing and shrinking, as QEMU's seal=on default */
    int seals = fcntl(rb->fd, F_GET_SEALS);
    g_assert_cmpint(seals & (F_SEAL_GROW | F_SEAL_SHRINK), ==,
                    F_SEAL_GROW | F_SEAL_SHRINK);
    g_assert_cmpint(ftruncate(rb->fd, 4 * MiB), ==, -1);
    /* sealing does not stop discard */
    g_assert_true(ram_block_discard_range(rb, 0, 1 * MiB, &err));
    g_assert_no_error(err);
    object_unparent(obj);

    obj = add_backend(TYPE_MEMORY_BACKEND_MEMFD, "mfd-unsealed", &err,
                      "size", "2M", "seal", "off", NULL);
    g_assert_no_error(err);
    g_assert_cmpint(fcntl(host_memory_backend_get_ram_block(obj)->fd,
                          F_GET_SEALS), ==, F_SEAL_SEAL);
    object_unparent(obj);

    obj = add_backend(TYPE_MEMORY_BACKEND_MEMFD, "mfd2", &err,
                      "size", "2M", "share", "off", NULL);
    g_assert_no_error(err);
    g_assert_false(host_memory_backend_get_ram_block(obj)->shared);
    object_unparent(obj);

    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_MEMFD, "mfd3", &err,
                              "size", "2M", "mem-path", "/tmp", NULL));
    g_assert_nonnull(strstr(err->message, "mem-path"));
    g_clear_error(&err);
}

static void test_backend_file(void)
{
    GError *err = NULL;
    g_autofree char *dir = g_dir_make_tmp("kite-backend-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ram", NULL);

    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_FILE, "f0", &err,
                              "size", "2M", NULL));
    g_assert_cmpstr(err->message, ==, "Parameter 'mem-path' is missing");
    g_clear_error(&err);
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_FILE, "f0", &err, NULL));
    g_assert_cmpstr(err->message, ==, "Parameter 'size' is missing");
    g_clear_error(&err);
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_FILE, "f0", &err,
                              "mem-path", path, NULL));
    g_assert_cmpstr(err->message, ==, "Parameter 'size' is missing");
    g_clear_error(&err);

    Object *obj = add_backend(TYPE_MEMORY_BACKEND_FILE, "f1", &err,
                              "size", "2M", "mem-path", path, "share", "on",
                              NULL);
    g_assert_no_error(err);
    RAMBlock *rb = host_memory_backend_get_ram_block(obj);
    g_assert_cmpint(rb->kind, ==, RAM_KIND_FILE);
    memcpy(rb->host, "hello", 5);
    g_autofree char *contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpmem(contents, 5, "hello", 5);
    object_unparent(obj);

    /* read-only: the file is mapped read-only and guest RAM over it is
     * ROM, so guest writes are dropped instead of faulting */
    obj = add_backend(TYPE_MEMORY_BACKEND_FILE, "f2", &err, "size", "2M",
                      "mem-path", path, "readonly", "on", NULL);
    g_assert_no_error(err);
    rb = host_memory_backend_get_ram_block(obj);
    g_assert_true(rb->readonly);
    g_assert_cmpmem(rb->host, 5, "hello", 5);
    MemoryRegion root = { 0 }, ram = { 0 };
    AddressSpace as;
    memory_region_init(&root, NULL, "root", 16 * MiB);
    address_space_init(&as, &root, "ro");
    memory_region_init_ram_from_block(&ram, NULL, "ro-ram", rb);
    g_assert_true(ram.readonly);
    memory_region_set_readonly(&ram, false);
    g_assert_true(ram.readonly);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_write_sized(&as, 0, 0x41414141, 4);
    g_assert_cmpmem(rb->host, 5, "hello", 5);
    g_assert_false(dma_memory_write(&as, 0, "x", 1, &err));
    g_clear_error(&err);
    g_assert_false(ram_block_discard_range(rb, 0, 4096, &err));
    g_assert_nonnull(strstr(err->message, "read-only"));
    g_clear_error(&err);
    address_space_destroy(&as);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
    object_unparent(obj);

    /* discard-data=on: the contents go with the backend */
    obj = add_backend(TYPE_MEMORY_BACKEND_FILE, "f3", &err, "size", "2M",
                      "mem-path", path, "share", "on", "discard-data", "on",
                      NULL);
    g_assert_no_error(err);
    g_assert_cmpmem(host_memory_backend_get_ram_block(obj)->host, 5,
                    "hello", 5);
    object_unparent(obj);
    g_free(contents);
    contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_true(all_zero((uint8_t *)contents, 5));
    g_unlink(path);

    /* A backend cannot be made with the abstract type. */
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND, "abs", &err,
                              "size", "2M", NULL));
    g_clear_error(&err);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ramblock/anon", test_anon);
    g_test_add_func("/ramblock/shmem", test_shmem);
    g_test_add_func("/ramblock/memfd", test_memfd);
    g_test_add_func("/ramblock/file-dir", test_file_dir);
    g_test_add_func("/ramblock/file-path", test_file_path);
    g_test_add_func("/ramblock/hugetlb", test_hugetlb);
    g_test_add_func("/ramblock/prealloc", test_prealloc);
    g_test_add_func("/ramblock/discard-errors", test_discard_errors);
    g_test_add_func("/ramblock/rss", test_rss);
    g_test_add_func("/backend/ram", test_backend_ram);
    g_test_add_func("/backend/memfd", test_backend_memfd);
    g_test_add_func("/backend/file", test_backend_file);
    g_test_add_func("/backend/flags", test_backend_flags);
    return g_test_run();
}
