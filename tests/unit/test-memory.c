/*
 * Memory API: region trees, flattening, dispatch with access sizes and
 * byte orders, listeners and the DMA helpers.
 */
#include "kite/memory.h"
#include "kite/ramblock.h"
#include "kite/target.h"

/* ---- a test device: bytes behind MMIO, in a chosen byte order ---- */

typedef struct Access {
    hwaddr addr;
    unsigned size;
    bool write;
} Access;

typedef struct TestDev {
    uint8_t mem[64];
    bool big;                 /* byte order the callbacks use */
    uint64_t fixed;           /* if nonzero, reads return this */
    Access log[64];
    unsigned nlog;
    MemoryRegionOps ops;
    MemoryRegion mr;
} TestDev;

static bool dev_is_big(TestDev *d)
{
    switch (d->ops.endianness) {
    case DEVICE_BIG_ENDIAN:
        return true;
    case DEVICE_LITTLE_ENDIAN:
        return false;
    default:
        return memory_target_big_endian();
    }
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;

    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    if (d->nlog < G_N_ELEMENTS(d->log)) {
        d->log[d->nlog++] = (Access){ addr, size, false };
    }
    if (d->fixed) {
        return d->fixed;
    }
    g_assert_cmpuint(addr + size, <=, sizeof(d->mem));
    for (unsigned i = 0; i < size; i++) {
        unsigned idx = dev_is_big(d) ? i : size - 1 - i;
        v = (v << 8) | d->mem[addr + idx];
    }
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    TestDev *d = opaque;

    if (d->nlog < G_N_ELEMENTS(d->log)) {
        d->log[d->nlog++] = (Access){ addr, size, true };
    }
    g_assert_cmpuint(addr + size, <=, sizeof(d->mem));
    for (unsigned i = 0; i < size; i++) {
        unsigned idx = dev_is_big(d) ? size - 1 - i : i;
        d->mem[addr + idx] = v & 0xff;
        v >>= 8;
    }
}

static TestDev *dev_new(const char *name, DeviceEndian e, uint64_t size)
{
    TestDev *d = g_new0(TestDev, 1);

    d->ops.read = dev_read;
    d->ops.write = dev_write;
    d->ops.endianness = e;
    d->ops.impl.max_access_size = 8;
    for (unsigned i = 0; i < sizeof(d->mem); i++) {
        d->mem[i] = 0x10 + i;
    }
    memory_region_init_io(&d->mr, NULL, &d->ops, d, name, size);
    return d;
}

static void dev_free(TestDev *d)
{
    memory_region_finalize(&d->mr);
    g_free(d);
}

/* A fresh address space over a 64 KiB container. */
typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
} Fixture;

static void fixture_init(Fixture *f, uint64_t size)
{
    memset(f, 0, sizeof(*f));
    memory_region_init(&f->root, NULL, "root", size);
    address_space_init(&f->as, &f->root, "test");
}

static void fixture_fini(Fixture *f)
{
    address_space_destroy(&f->as);
    memory_region_finalize(&f->root);
}

static uint64_t rd(AddressSpace *as, hwaddr addr, unsigned size)
{
    uint64_t v = 0xdeadbeef;
    address_space_read_sized(as, addr, &v, size);
    return v;
}

/* ---- layout ---- */

static void test_priority(void)
{
    Fixture f;
    fixture_init(&f, 64 * KiB);
    TestDev *a = dev_new("a", DEVICE_LITTLE_ENDIAN, 0x1000);
    TestDev *b = dev_new("b", DEVICE_LITTLE_ENDIAN, 0x1000);
    TestDev *c = dev_new("c", DEVICE_LITTLE_ENDIAN, 0x100);
    a->fixed = 0xa;
    b->fixed = 0xb;
    c->fixed = 0xc;

    memory_region_add_subregion(&f.root, 0, &a->mr);
    memory_region_add_subregion_overlap(&f.root, 0x800, &b->mr, 1);
    g_assert_cmphex(rd(&f.as, 0x7ff, 1), ==, 0xa);
    g_assert_cmphex(rd(&f.as, 0x800, 1), ==, 0xb);
    g_assert_cmphex(rd(&f.as, 0x17ff, 1), ==, 0xb);
    g_assert_cmphex(rd(&f.as, 0x1800, 1), ==, 0);  /* hole */

    /* Equal priority: the region added later wins. */
    memory_region_add_subregion(&f.root, 0x700, &c->mr);
    g_assert_cmphex(rd(&f.as, 0x6ff, 1), ==, 0xa);
    g_assert_cmphex(rd(&f.as, 0x700, 1), ==, 0xc);
    g_assert_cmphex(rd(&f.as, 0x7ff, 1), ==, 0xc);
    g_assert_cmphex(rd(&f.as, 0x800, 1), ==, 0xb);  /* higher priority */

    /* Offsets seen by the device are relative to the region. */
    b->nlog = 0;
    rd(&f.as, 0x900, 4);
    g_assert_cmpuint(b->nlog, ==, 1);
    g_assert_cmphex(b->log[0].addr, ==, 0x100);

    /* Removing the winner uncovers the one below. */
    memory_region_del_subregion(&f.root, &b->mr);
    g_assert_cmphex(rd(&f.as, 0x900, 1), ==, 0xa);
    g_assert_cmphex(rd(&f.as, 0x1000, 1), ==, 0);

    memory_region_del_subregion(&f.root, &c->mr);
    g_assert_cmphex(rd(&f.as, 0x700, 1), ==, 0xa);
    fixture_fini(&f);
    /* A destroyed space is all hole, never a crash. */
    g_assert_cmphex(rd(&f.as, 0x700, 1), ==, 0);
    dev_free(a);
    dev_free(b);
    dev_free(c);
}

static void test_containers(void)
{
    Fixture f;
    MemoryRegion box = { 0 };
    fixture_init(&f, 64 * KiB);
    TestDev *d = dev_new("d", DEVICE_LITTLE_ENDIAN, 0x100);
    d->fixed = 0x55;

    memory_region_init(&box, NULL, "box", 0x1000);
    memory_region_add_subregion(&box, 0x800, &d->mr);
    memory_region_add_subregion(&f.root, 0x4000, &box);
    g_assert_cmphex(rd(&f.as, 0x4800, 1), ==, 0x55);
    g_assert_cmphex(rd(&f.as, 0x48ff, 1), ==, 0x55);
    g_assert_cmphex(rd(&f.as, 0x4900, 1), ==, 0);

    /* Moving the container moves what is inside. */
    memory_region_set_address(&box, 0x8000);
    g_assert_cmphex(rd(&f.as, 0x4800, 1), ==, 0);
    g_assert_cmphex(rd(&f.as, 0x8800, 1), ==, 0x55);

    /* Shrinking the container clips its subregions. */
    memory_region_set_size(&box, 0x880);
    g_assert_cmphex(rd(&f.as, 0x887f, 1), ==, 0x55);
    g_assert_cmphex(rd(&f.as, 0x8880, 1), ==, 0);

    /* Disabled regions vanish; enabling brings them back. */
    memory_region_set_enabled(&d->mr, false);
    g_assert_cmphex(rd(&f.as, 0x8800, 1), ==, 0);
    memory_region_set_enabled(&d->mr, true);
    g_assert_cmphex(rd(&f.as, 0x8800, 1), ==, 0x55);
    memory_region_set_enabled(&box, false);
    g_assert_cmphex(rd(&f.as, 0x8800, 1), ==, 0);

    /* A region can only be in one container: adding moves it. */
    memory_region_set_enabled(&box, true);
    memory_region_add_subregion(&f.root, 0x100, &d->mr);
    g_assert_cmphex(rd(&f.as, 0x100, 1), ==, 0x55);
    g_assert_cmphex(rd(&f.as, 0x8800, 1), ==, 0);
    g_assert_true(d->mr.container == &f.root);

    fixture_fini(&f);
    memory_region_finalize(&box);
    dev_free(d);
}

static void test_ram_alias_readonly(void)
{
    Fixture f;
    MemoryRegion ram = { 0 }, alias = { 0 };
    GError *err = NULL;
    fixture_init(&f, 2 * MiB);

    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 64 * KiB, &err));
    g_assert_no_error(err);
    memory_region_add_subregion(&f.root, 0, &ram);
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x2000, 0x1000);
    memory_region_add_subregion(&f.root, 1 * MiB, &alias);

    uint8_t *host = memory_region_get_ram_ptr(&ram);
    g_assert_nonnull(host);
    g_assert_true((uint8_t *)memory_region_get_ram_ptr(&alias) ==
                  host + 0x2000);

    /* Through the alias lands in the RAM at the alias offset. */
    g_assert_cmpint(address_space_write_sized(&f.as, 1 * MiB + 0x10,
                                              0x11223344, 4), ==, MEMTX_OK);
    g_assert_cmphex(rd(&f.as, 0x2010, 4), ==, 0x11223344);
    g_assert_cmphex(ldn_target(host + 0x2010, 4), ==, 0x11223344);
    /* The alias is only as large as it says. */
    g_assert_cmphex(rd(&f.as, 1 * MiB + 0x1000, 4), ==, 0);
    g_assert_cmpint(address_space_read_sized(&f.as, 1 * MiB + 0x1000,
                                             &(uint64_t){0}, 4), ==,
                    MEMTX_DECODE_ERROR);

    /* Read-only memory ignores writes (like ROM). */
    memory_region_set_readonly(&alias, true);
    address_space_write_sized(&f.as, 1 * MiB + 0x10, 0x55667788, 4);
    g_assert_cmphex(rd(&f.as, 0x2010, 4), ==, 0x11223344);
    uint8_t bytes[4] = { 1, 2, 3, 4 };
    address_space_write(&f.as, 1 * MiB + 0x10, bytes, 4);
    g_assert_cmphex(rd(&f.as, 0x2010, 4), ==, 0x11223344);
    /* ... while the RAM itself stays writable. */
    address_space_write(&f.as, 0x2010, bytes, 4);
    g_assert_cmpmem(host + 0x2010, 4, bytes, 4);

    fixture_fini(&f);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
}

static void test_region_object(void)
{
    MemoryRegion embedded = { 0 };
    memory_region_init(&embedded, NULL, "embedded", 0x1000);
    g_assert_cmpstr(object_get_typename(OBJECT(&embedded)), ==,
                    TYPE_MEMORY_REGION);
    g_assert_nonnull(object_dynamic_cast(OBJECT(&embedded),
                                         TYPE_MEMORY_REGION));
    memory_region_finalize(&embedded);

    Object *obj = object_new(TYPE_MEMORY_REGION);
    MemoryRegion *mr = (MemoryRegion *)obj;
    memory_region_init(mr, NULL, "from-object-new", 0x2000);
    g_assert_cmpuint(memory_region_size(mr), ==, 0x2000);
    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_MEMORY_REGION);
    object_unref(obj);
}

/* ---- byte order ---- */

static void check_endian(int target_big, DeviceEndian e)
{
    Fixture f;
    fixture_init(&f, 64 * KiB);
    memory_set_target_endian_override(target_big);
    TestDev *d = dev_new("d", e, 64);
    bool dev_big = e == DEVICE_BIG_ENDIAN ||
                   (e == DEVICE_NATIVE_ENDIAN && target_big);
    memory_region_add_subregion(&f.root, 0x1000, &d->mr);

    /* The bytes behind the device are the bytes the bus sees. */
    uint8_t buf[16];
    g_assert_cmpint(address_space_read(&f.as, 0x1000, buf, 16), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 16, d->mem, 16);

    /* Sized loads see those bytes in the target's order, like RAM. */
    for (unsigned size = 1; size <= 8; size *= 2) {
        uint64_t v;
        g_assert_cmpint(address_space_read_sized(&f.as, 0x1000 + 8, &v, size),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, ldn_target(d->mem + 8, size));
        g_assert_cmpint(address_space_write_sized(&f.as, 0x1000 + 16,
                                                  0x0102030405060708ULL >>
                                                  (64 - 8 * size), size),
                        ==, MEMTX_OK);
        g_assert_cmphex(ldn_target(d->mem + 16, size), ==,
                        0x0102030405060708ULL >> (64 - 8 * size));
    }

    /* A register of value V reads as V when the device's order is the
     * target's, byte-swapped otherwise. */
    d->fixed = 0x12345678;
    uint64_t v = rd(&f.as, 0x1000, 4);
    g_assert_cmphex(v, ==, dev_big == (bool)target_big ? 0x12345678
                                                       : 0x78563412);
    address_space_read(&f.as, 0x1000, buf, 4);
    static const uint8_t le[4] = { 0x78, 0x56, 0x34, 0x12 };
    static const uint8_t be[4] = { 0x12, 0x34, 0x56, 0x78 };
    g_assert_cmpmem(buf, 4, dev_big ? be : le, 4);

    memory_set_target_endian_override(-1);
    fixture_fini(&f);
    dev_free(d);
}

static void test_endianness(void)
{
    for (int big = 0; big <= 1; big++) {
        check_endian(big, DEVICE_LITTLE_ENDIAN);
        check_endian(big, DEVICE_BIG_ENDIAN);
        check_endian(big, DEVICE_NATIVE_ENDIAN);
    }
}

static void test_ldn_stn(void)
{
    uint8_t b[8];

    memory_set_target_endian_override(0);
    stn_target(b, 4, 0xaabbccdd);
    g_assert_cmphex(b[0], ==, 0xdd);
    g_assert_cmphex(ldn_target(b, 2), ==, 0xccdd);
    memory_set_target_endian_override(1);
    stn_target(b, 8, 0x0102030405060708ULL);
    g_assert_cmphex(b[0], ==, 0x01);
    g_assert_cmphex(ldn_target(b, 4), ==, 0x01020304);
    memory_set_target_endian_override(-1);
    g_assert_true(memory_target_big_endian() == target_big_endian());
}

/* ---- access sizes ---- */

static void test_split_combine(void)
{
    Fixture f;
    fixture_init(&f, 64 * KiB);
    memory_set_target_endian_override(0);

    /* Byte-wide implementation: an 8-byte access becomes 8 byte accesses. */
    TestDev *bytes = dev_new("bytes", DEVICE_LITTLE_ENDIAN, 64);
    bytes->ops.impl.max_access_size = 1;
    memory_region_add_subregion(&f.root, 0x1000, &bytes->mr);
    g_assert_cmphex(rd(&f.as, 0x1000, 8), ==, ldn_target(bytes->mem, 8));
    g_assert_cmpuint(bytes->nlog, ==, 8);
    for (unsigned i = 0; i < 8; i++) {
        g_assert_cmphex(bytes->log[i].addr, ==, i);
        g_assert_cmpuint(bytes->log[i].size, ==, 1);
    }
    /* Same for a big-endian byte device under a little-endian target. */
    bytes->ops.endianness = DEVICE_BIG_ENDIAN;
    g_assert_cmphex(rd(&f.as, 0x1000, 4), ==, ldn_target(bytes->mem, 4));
    bytes->ops.endianness = DEVICE_LITTLE_ENDIAN;

    /* Word-only implementation: a byte access is widened and extracted. */
    TestDev *words = dev_new("words", DEVICE_LITTLE_ENDIAN, 64);
    words->ops.impl.min_access_size = 4;
    words->ops.impl.max_access_size = 4;
    memory_region_add_subregion(&f.root, 0x2000, &words->mr);
    g_assert_cmphex(rd(&f.as, 0x2006, 1), ==, words->mem[6]);
    g_assert_cmpuint(words->nlog, ==, 1);
    g_assert_cmphex(words->log[0].addr, ==, 4);
    g_assert_cmpuint(words->log[0].size, ==, 4);
    words->ops.endianness = DEVICE_BIG_ENDIAN;
    g_assert_cmphex(rd(&f.as, 0x2006, 2), ==, ldn_target(words->mem + 6, 2));
    words->ops.endianness = DEVICE_LITTLE_ENDIAN;
    /* ... and a quad access is two word accesses. */
    words->nlog = 0;
    g_assert_cmphex(rd(&f.as, 0x2008, 8), ==, ldn_target(words->mem + 8, 8));
    g_assert_cmpuint(words->nlog, ==, 2);
    g_assert_cmphex(words->log[1].addr, ==, 12);

    /* Valid sizes: at most 4 bytes per access, so a byte-level 8-byte
     * read is two accesses; an unaligned 3-byte read is 1 + 2. */
    TestDev *v4 = dev_new("v4", DEVICE_LITTLE_ENDIAN, 64);
    v4->ops.valid.max_access_size = 4;
    memory_region_add_subregion(&f.root, 0x3000, &v4->mr);
    uint8_t buf[8];
    g_assert_cmpint(address_space_read(&f.as, 0x3000, buf, 8), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 8, v4->mem, 8);
    g_assert_cmpuint(v4->nlog, ==, 2);
    g_assert_cmpuint(v4->log[0].size, ==, 4);
    v4->nlog = 0;
    g_assert_cmpint(address_space_read(&f.as, 0x3001, buf, 3), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 3, v4->mem + 1, 3);
    g_assert_cmpuint(v4->nlog, ==, 2);
    g_assert_cmpuint(v4->log[0].size, ==, 1);
    g_assert_cmphex(v4->log[1].addr, ==, 2);
    g_assert_cmpuint(v4->log[1].size, ==, 2);
    /* A sized access larger than valid is refused, the device untouched. */
    v4->nlog = 0;
    uint64_t val;
    g_assert_cmpint(address_space_read_sized(&f.as, 0x3000, &val, 8), ==,
                    MEMTX_ERROR);
    g_assert_cmpint(address_space_write_sized(&f.as, 0x3000, 1, 8), ==,
                    MEMTX_ERROR);
    g_assert_cmpuint(v4->nlog, ==, 0);

    /* Writes are split the same way and land in the right bytes. */
    static const uint8_t pattern[8] = { 0xa0, 0xa1, 0xa2, 0xa3,
                                        0xa4, 0xa5, 0xa6, 0xa7 };
    g_assert_cmpint(address_space_write(&f.as, 0x1010, pattern, 8), ==,
                    MEMTX_OK);
    g_assert_cmpmem(bytes->mem + 0x10, 8, pattern, 8);
    g_assert_cmpint(address_space_write(&f.as, 0x3011, pattern, 7), ==,
                    MEMTX_OK);
    g_assert_cmpmem(v4->mem + 0x11, 7, pattern, 7);

    memory_set_target_endian_override(-1);
    fixture_fini(&f);
    dev_free(bytes);
    dev_free(words);
    dev_free(v4);
}

/* ---- holes ---- */

static void test_holes(void)
{
    Fixture f;
    MemoryRegion ram = { 0 };
    fixture_init(&f, UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x1000, NULL));
    memory_region_add_subregion(&f.root, 0x1000, &ram);
    memset(memory_region_get_ram_ptr(&ram), 0x5a, 0x1000);

    uint8_t buf[32];
    uint64_t v = 1;
    g_assert_cmpint(address_space_read_sized(&f.as, 0x10, &v, 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0);
    /* A read straddling RAM and a hole: RAM bytes, then zeroes. */
    memset(buf, 0xee, sizeof(buf));
    g_assert_cmpint(address_space_read(&f.as, 0x1ff0, buf, 32), ==,
                    MEMTX_DECODE_ERROR);
    for (int i = 0; i < 32; i++) {
        g_assert_cmphex(buf[i], ==, i < 16 ? 0x5a : 0);
    }
    /* Straddling sized access: partial RAM. */
    g_assert_cmpint(address_space_read_sized(&f.as, 0x1ffe, &v, 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, ldn_target((uint8_t[]){ 0x5a, 0x5a, 0, 0 }, 4));
    /* Writes to holes are dropped, and RAM keeps its part. */
    g_assert_cmpint(address_space_write_sized(&f.as, 0x10, 0xffff, 2), ==,
                    MEMTX_DECODE_ERROR);
    memset(buf, 0x77, sizeof(buf));
    address_space_write(&f.as, 0x1ff0, buf, 32);
    g_assert_cmphex(((uint8_t *)memory_region_get_ram_ptr(&ram))[0xfff], ==,
                    0x77);
    /* The very end of the 64-bit space, and wrapping past it. */
    g_assert_cmpint(address_space_read_sized(&f.as, UINT64_MAX - 1, &v, 4),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0);
    g_assert_cmpint(address_space_read(&f.as, UINT64_MAX - 3, buf, 32), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_write(&f.as, UINT64_MAX - 3, buf, 32), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_read_sized(&f.as, 0, &v, 3), ==,
                    MEMTX_ERROR);

    /* An I/O space reads all ones where nothing is. */
    MemoryRegion io_root = { 0 };
    AddressSpace io;
    memory_region_init(&io_root, NULL, "io", 64 * KiB);
    address_space_init(&io, &io_root, "io");
    io.unassigned_all_ones = true;
    g_assert_cmphex(rd(&io, 0x1234, 1), ==, 0xff);
    g_assert_cmphex(rd(&io, 0x1234, 2), ==, 0xffff);
    g_assert_cmphex(rd(&io, 0x1234, 4), ==, 0xffffffff);
    address_space_read(&io, 0x10, buf, 3);
    g_assert_cmphex(buf[0] & buf[1] & buf[2], ==, 0xff);
    /* Beyond the 64 KiB container is a hole too. */
    g_assert_cmphex(rd(&io, 0x10000, 1), ==, 0xff);
    address_space_destroy(&io);
    memory_region_finalize(&io_root);

    fixture_fini(&f);
    memory_region_finalize(&ram);
}

static void test_system_spaces(void)
{
    memory_system_init();
    memory_system_init();   /* idempotent */
    g_assert_nonnull(get_system_memory());
    g_assert_true(address_space_memory()->root == get_system_memory());
    g_assert_cmpuint(memory_region_size(get_system_memory()), ==, UINT64_MAX);
    g_assert_cmphex(rd(address_space_memory(), 0xd0000000, 4), ==, 0);
    if (!target_info.has_io_space) {
        g_assert_null(address_space_io());
        return;
    }
    g_assert_true(address_space_io()->root == get_system_io());
    g_assert_cmpuint(memory_region_size(get_system_io()), ==, 64 * KiB);
    g_assert_cmphex(rd(address_space_io(), 0x1234, 1), ==, 0xff);
    g_assert_cmphex(rd(address_space_io(), 0x1234, 4), ==, 0xffffffff);
}

/* ---- listeners ---- */

typedef struct Event {
    char kind;                 /* 'b' begin, '+' add, '-' del, 'c' commit */
    hwaddr start;
    uint64_t size;
    hwaddr offset;
    MemoryRegion *mr;
    void *host;
} Event;

typedef struct TestListener {
    MemoryListener l;
    GArray *events;
} TestListener;

static void tl_push(MemoryListener *l, char kind, MemoryRegionSection *s)
{
    TestListener *tl = container_of_kite(l, TestListener, l);
    Event e = { .kind = kind };

    if (s) {
        e.start = s->offset_within_address_space;
        e.size = s->size;
        e.offset = s->offset_within_region;
        e.mr = s->mr;
        e.host = s->host;
    }
    g_array_append_val(tl->events, e);
}

static void tl_begin(MemoryListener *l) { tl_push(l, 'b', NULL); }
static void tl_commit(MemoryListener *l) { tl_push(l, 'c', NULL); }
static void tl_add(MemoryListener *l, MemoryRegionSection *s)
{
    tl_push(l, '+', s);
}
static void tl_del(MemoryListener *l, MemoryRegionSection *s)
{
    tl_push(l, '-', s);
}

/* The events so far as a string like "b+1000:2000c", then forget them. */
static char *tl_take(TestListener *tl)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < tl->events->len; i++) {
        Event *e = &g_array_index(tl->events, Event, i);
        if (e->kind == '+' || e->kind == '-') {
            g_string_append_printf(s, "%c%" PRIx64 ":%" PRIx64, e->kind,
                                   e->start, e->size);
        } else {
            g_string_append_c(s, e->kind);
        }
    }
    g_array_set_size(tl->events, 0);
    return g_string_free(s, FALSE);
}

#define assert_events(tl, expected) do { \
        g_autofree char *got_ = tl_take(tl); \
        g_assert_cmpstr(got_, ==, (expected)); \
    } while (0)

static void test_listener(void)
{
    Fixture f;
    MemoryRegion ram1 = { 0 }, ram2 = { 0 }, alias = { 0 };
    TestListener tl = {
        .l = { .begin = tl_begin, .commit = tl_commit,
               .region_add = tl_add, .region_del = tl_del },
        .events = g_array_new(FALSE, FALSE, sizeof(Event)),
    };
    fixture_init(&f, 16 * MiB);
    g_assert_true(memory_region_init_ram(&ram1, NULL, "ram1", 0x10000, NULL));
    g_assert_true(memory_region_init_ram(&ram2, NULL, "ram2", 0x4000, NULL));
    TestDev *d = dev_new("mmio", DEVICE_LITTLE_ENDIAN, 0x1000);
    memory_region_add_subregion(&f.root, 0, &ram1);

    /* Registering replays what is there. */
    memory_listener_register(&tl.l, &f.as);
    g_assert_true(tl.l.as == &f.as);
    assert_events(&tl, "b+0:10000c");
    Event e0;

    /* Adding RAM reports only the new section. */
    memory_region_add_subregion(&f.root, 0x100000, &ram2);
    assert_events(&tl, "b+100000:4000c");

    /* MMIO over RAM splits it: old section out, two pieces in. */
    memory_region_add_subregion_overlap(&f.root, 0x4000, &d->mr, 1);
    assert_events(&tl, "b-0:10000+0:4000+5000:b000c");
    /* Taking it away restores one section. */
    memory_region_del_subregion(&f.root, &d->mr);
    assert_events(&tl, "b-0:4000-5000:b000+0:10000c");

    /* MMIO-only changes are not reported. */
    memory_region_add_subregion(&f.root, 0x200000, &d->mr);
    assert_events(&tl, "");

    /* A transaction batches changes into one begin/commit. */
    memory_region_transaction_begin();
    memory_region_set_address(&ram2, 0x300000);
    memory_region_set_enabled(&ram1, false);
    assert_events(&tl, "");
    memory_region_transaction_commit();
    assert_events(&tl, "b-0:10000-100000:4000+300000:4000c");

    /* Changes that undo each other inside a transaction report nothing. */
    memory_region_transaction_begin();
    memory_region_set_address(&ram2, 0x400000);
    memory_region_set_address(&ram2, 0x300000);
    memory_region_transaction_commit();
    assert_events(&tl, "");

    /* An alias of RAM reports the RAM region with its offset and host. */
    memory_region_init_alias(&alias, NULL, "alias", &ram2, 0x1000, 0x2000);
    memory_region_add_subregion(&f.root, 0x800000, &alias);
    g_assert_cmpuint(tl.events->len, ==, 3);
    e0 = g_array_index(tl.events, Event, 1);
    g_assert_true(e0.mr == &ram2);
    g_assert_cmphex(e0.offset, ==, 0x1000);
    g_assert_true(e0.host == (uint8_t *)memory_region_get_ram_ptr(&ram2) +
                  0x1000);
    assert_events(&tl, "b+800000:2000c");

    /* A second listener gets the whole current layout. */
    TestListener tl2 = tl;
    tl2.l.as = NULL;
    tl2.events = g_array_new(FALSE, FALSE, sizeof(Event));
    memory_listener_register(&tl2.l, &f.as);
    assert_events(&tl2, "b+300000:4000+800000:2000c");
    assert_events(&tl, "");
    memory_listener_unregister(&tl2.l);
    assert_events(&tl2, "b-300000:4000-800000:2000c");
    g_assert_null(tl2.l.as);

    /* Unregistered listeners hear nothing more. */
    memory_region_set_enabled(&ram1, true);
    assert_events(&tl2, "");
    assert_events(&tl, "b+0:10000c");

    memory_listener_unregister(&tl.l);
    g_free(tl_take(&tl));
    fixture_fini(&f);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram1);
    memory_region_finalize(&ram2);
    dev_free(d);
    g_array_free(tl.events, TRUE);
    g_array_free(tl2.events, TRUE);
}

/* ---- DMA ---- */

static void test_dma(void)
{
    Fixture f;
    MemoryRegion lo = { 0 }, hi = { 0 }, far = { 0 }, rom = { 0 };
    GError *err = NULL;
    uint8_t buf[0x3000], back[0x3000];
    fixture_init(&f, UINT64_MAX);
    g_assert_true(memory_region_init_ram(&lo, NULL, "lo", 0x2000, NULL));
    g_assert_true(memory_region_init_ram(&hi, NULL, "hi", 0x2000, NULL));
    g_assert_true(memory_region_init_ram(&far, NULL, "far", 0x1000, NULL));
    g_assert_true(memory_region_init_ram(&rom, NULL, "rom", 0x1000, NULL));
    memory_region_set_readonly(&rom, true);
    TestDev *d = dev_new("mmio", DEVICE_LITTLE_ENDIAN, 0x1000);
    /* lo and hi adjacent: [0x10000, 0x14000) is RAM in two pieces */
    memory_region_add_subregion(&f.root, 0x10000, &lo);
    memory_region_add_subregion(&f.root, 0x12000, &hi);
    memory_region_add_subregion(&f.root, 0x14000, &d->mr);
    memory_region_add_subregion(&f.root, UINT64_MAX - 0xfff, &far);
    memory_region_add_subregion(&f.root, 0x20000, &rom);

    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 7;
    }
    /* Spanning two adjacent RAM regions works for read and write. */
    g_assert_true(dma_memory_write(&f.as, 0x11000, buf, 0x3000, &err));
    g_assert_no_error(err);
    g_assert_true(dma_memory_read(&f.as, 0x11000, back, 0x3000, &err));
    g_assert_no_error(err);
    g_assert_cmpmem(buf, 0x3000, back, 0x3000);
    g_assert_cmpmem((uint8_t *)memory_region_get_ram_ptr(&hi), 0x2000,
                    buf + 0x1000, 0x2000);

    /* ... but not for map, which needs one host range. */
    g_assert_null(dma_memory_map(&f.as, 0x11000, 0x2000, false, &err));
    g_assert_nonnull(strstr(err->message, "0x11000"));
    g_clear_error(&err);
    void *p = dma_memory_map(&f.as, 0x12100, 0x100, true, &err);
    g_assert_no_error(err);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(&hi) + 0x100);

    /* Running into MMIO fails, names the address, touches nothing. */
    memset(back, 0, sizeof(back));
    g_assert_false(dma_memory_write(&f.as, 0x13ff0, back, 0x20, &err));
    g_assert_nonnull(strstr(err->message, "0x14000"));
    g_assert_nonnull(strstr(err->message, "mmio"));
    g_clear_error(&err);
    g_assert_cmpuint(d->nlog, ==, 0);
    g_assert_cmphex(((uint8_t *)memory_region_get_ram_ptr(&hi))[0x1ff0], ==,
                    buf[0x2ff0]);
    g_assert_false(dma_memory_read(&f.as, 0x14000, back, 4, &err));
    g_clear_error(&err);
    g_assert_cmpuint(d->nlog, ==, 0);

    /* Holes. */
    g_assert_false(dma_memory_read(&f.as, 0x30000, back, 1, &err));
    g_assert_nonnull(strstr(err->message, "0x30000"));
    g_clear_error(&err);
    g_assert_null(dma_memory_map(&f.as, 0xfff0, 0x20, false, &err));
    g_assert_nonnull(strstr(err->message, "0xfff0"));
    g_clear_error(&err);

    /* Read-only memory: readable, not writable. */
    g_assert_true(dma_memory_read(&f.as, 0x20000, back, 16, &err));
    g_assert_false(dma_memory_write(&f.as, 0x20000, back, 16, &err));
    g_assert_nonnull(strstr(err->message, "read-only"));
    g_clear_error(&err);
    g_assert_null(dma_memory_map(&f.as, 0x20000, 16, true, &err));
    g_clear_error(&err);
    g_assert_nonnull(dma_memory_map(&f.as, 0x20000, 16, false, &err));

    /* Wrap-around: fails cleanly, also right at the top of RAM. */
    g_assert_true(dma_memory_read(&f.as, UINT64_MAX - 0xf, back, 16, &err));
    g_assert_no_error(err);
    g_assert_false(dma_memory_read(&f.as, UINT64_MAX - 0xf, back, 17, &err));
    g_assert_nonnull(strstr(err->message, "wraps"));
    g_clear_error(&err);
    g_assert_false(dma_memory_write(&f.as, 0x10000, buf, UINT64_MAX, &err));
    g_clear_error(&err);
    g_assert_null(dma_memory_map(&f.as, UINT64_MAX, 2, false, &err));
    g_clear_error(&err);
    g_assert_true(dma_memory_read(&f.as, 0x30000, back, 0, &err));

    /* The RAM block behind a guest address. */
    uint64_t off = 0, avail = 0;
    RAMBlock *rb = address_space_ram_block(&f.as, 0x12800, &off, &avail);
    g_assert_true(rb == hi.ram_block);
    g_assert_cmphex(off, ==, 0x800);
    g_assert_cmphex(avail, ==, 0x1800);
    g_assert_null(address_space_ram_block(&f.as, 0x14000, &off, &avail));
    g_assert_null(address_space_ram_block(&f.as, 0x30000, &off, &avail));

    fixture_fini(&f);
    memory_region_finalize(&lo);
    memory_region_finalize(&hi);
    memory_region_finalize(&far);
    memory_region_finalize(&rom);
    dev_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/priority", test_priority);
    g_test_add_func("/memory/containers", test_containers);
    g_test_add_func("/memory/ram-alias-readonly", test_ram_alias_readonly);
    g_test_add_func("/memory/region-object", test_region_object);
    g_test_add_func("/memory/endianness", test_endianness);
    g_test_add_func("/memory/ldn-stn", test_ldn_stn);
    g_test_add_func("/memory/split-combine", test_split_combine);
    g_test_add_func("/memory/holes", test_holes);
    g_test_add_func("/memory/system-spaces", test_system_spaces);
    g_test_add_func("/memory/listener", test_listener);
    g_test_add_func("/memory/dma", test_dma);
    return g_test_run();
}
