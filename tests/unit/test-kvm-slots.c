/*
 * The KVM memory slot table against the recording fake of the ioctl layer:
 * ids, ordering and lookup, the slot limit, resize, dirty logging, every
 * ioctl failing, JSON/HMP output, bookkeeping size; and the fake itself.
 * The memory listener adapter has test-kvm-slots-listener.c.
 */
#include "kvm-slots-fixture.h"

static void test_add_lookup(void)
{
    Fixture f;

    fixture_init(&f, 32);
    /* Added out of address order: ids in add order, table in gpa order. */
    add_ok(&f, 0x100000, 0x200000, 0x100000, 0);
    add_ok(&f, 0, 0xa0000, 0, 0);
    add_ok(&f, 4 * GiB, 16 * MiB, 32 * MiB, KVM_MEM_READONLY);
    assert_consistent(&f);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 3);
    g_assert_cmpuint(kvm_slots_nth(f.t, 0)->id, ==, 1);
    g_assert_cmpuint(kvm_slots_nth(f.t, 1)->id, ==, 0);
    g_assert_cmpuint(kvm_slots_nth(f.t, 2)->id, ==, 2);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_USER_MEMORY_REGION), ==, 3);
    g_assert_cmphex(last_region()->flags, ==, KVM_MEM_READONLY);
    g_assert_cmphex(last_region()->userspace_addr, ==,
                    (uintptr_t)f.host + 32 * MiB);

    /* Hits at the first and last byte, misses just outside and in gaps. */
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0)->id, ==, 1);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x9ffff)->id, ==, 1);
    g_assert_null(kvm_slots_lookup(f.t, 0xa0000));
    g_assert_null(kvm_slots_lookup(f.t, 0xfffff));
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x100000)->id, ==, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x2fffff)->id, ==, 0);
    g_assert_null(kvm_slots_lookup(f.t, 0x300000));
    g_assert_null(kvm_slots_lookup(f.t, 4 * GiB - 1));
    g_assert_cmpuint(kvm_slots_lookup(f.t, 4 * GiB)->id, ==, 2);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 4 * GiB + 16 * MiB - 1)->id, ==, 2);
    g_assert_null(kvm_slots_lookup(f.t, 4 * GiB + 16 * MiB));
    g_assert_null(kvm_slots_lookup(f.t, UINT64_MAX));

    /* A slot ending just below the top of the address space (KVM, like
     * the table, refuses one that wraps): its last byte hits. */
    add_ok(&f, UINT64_MAX - 2 * PAGE + 1, PAGE, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, UINT64_MAX - PAGE)->id, ==, 3);
    g_assert_null(kvm_slots_lookup(f.t, UINT64_MAX - PAGE + 1));
    assert_consistent(&f);
    fixture_fini(&f);
}

static void test_invalid_ranges(void)
{
    static const struct {
        hwaddr gpa;
        uint64_t size;
        uint64_t host_off;
        uint32_t flags;
        const char *why;
    } bad[] = {
        { 0x1000, 0, 0, 0, "must be non-zero multiples of 4 KiB" },
        { 0x1800, 0x1000, 0, 0, "must be non-zero multiples of 4 KiB" },
        { 0x1000, 0x1800, 0, 0, "must be non-zero multiples of 4 KiB" },
        { 0x1000, 0x1000, 0x10, 0, "must be non-zero multiples of 4 KiB" },
        { UINT64_MAX - 0xfff, 0x2000, 0, 0, "wraps around" },
        { 0x1000, 0x1000, 0, 0x80, "flags 0x80 are not supported" },
        /* overlaps of the slot at [0x10000, 0x20000) */
        { 0xf000, 0x2000, 0, 0, "overlaps slot 0" },
        { 0x1f000, 0x2000, 0, 0, "overlaps slot 0" },
        { 0x12000, 0x1000, 0, 0, "overlaps slot 0" },
        { 0x0, 0x100000, 0, 0, "overlaps slot 0" },
        { 0x10000, 0x10000, 0, 0, "overlaps slot 0" },
    };
    Fixture f;

    fixture_init(&f, 32);
    add_ok(&f, 0x10000, 0x10000, 0, 0);
    kvm_fake_clear_calls();
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        g_assert_false(kvm_slots_add(f.t, bad[i].gpa, bad[i].size,
                                     f.host + bad[i].host_off, bad[i].flags,
                                     &err));
        g_assert_error(err, KITE_ERROR, KITE_ERROR_GENERIC);
        if (!strstr(err->message, bad[i].why)) {
            g_error("case %zu: '%s' lacks '%s'", i, err->message, bad[i].why);
        }
        g_error_free(err);
    }
    /* Refused before asking the kernel, and the table did not change. */
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);
    assert_consistent(&f);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 1);
    /* Adjacent on both sides is fine. */
    add_ok(&f, 0xf000, 0x1000, 0, 0);
    add_ok(&f, 0x20000, 0x1000, 0, 0);
    assert_consistent(&f);

    /* Operations on a gpa where no slot starts. */
    GError *err = NULL;
    g_assert_false(kvm_slots_del(f.t, 0x11000, &err));
    g_assert_nonnull(strstr(err->message, "no slot starts at guest address "
                                          "0x11000"));
    g_clear_error(&err);
    g_assert_false(kvm_slots_resize(f.t, 0x11000, 0x1000, &err));
    g_clear_error(&err);
    g_assert_false(kvm_slots_set_dirty_logging(f.t, 0x11000, true, &err));
    g_clear_error(&err);
    fixture_fini(&f);
}

/* The lowest id not in use, computed the slow way. */
static uint32_t lowest_free_id(Fixture *f)
{
    for (uint32_t id = 0;; id++) {
        bool used = false;
        for (unsigned i = 0; i < kvm_slots_count(f->t); i++) {
            used |= kvm_slots_nth(f->t, i)->id == id;
        }
        if (!used) {
            return id;
        }
    }
}

static void test_ids_compact(void)
{
    Fixture f;

    fixture_init(&f, 32);
    for (unsigned i = 0; i < 10; i++) {
        add_ok(&f, i * 0x10000, 0x1000, 0, 0);
    }
    del_ok(&f, 3 * 0x10000);
    del_ok(&f, 7 * 0x10000);
    add_ok(&f, 0x1000000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x1000000)->id, ==, 3);
    add_ok(&f, 0x2000000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x2000000)->id, ==, 7);
    add_ok(&f, 0x3000000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x3000000)->id, ==, 10);
    assert_consistent(&f);
    fixture_fini(&f);
}

/* Thousands of random adds and deletes: ids stay the lowest free ones,
 * the table matches the kernel, and memory goes back when slots go. */
static void test_cycles(void)
{
    enum { CYCLES = 5000, MAX_LIVE = 300, POSITIONS = 1024 };
    Fixture f;
    size_t empty_bytes;
    GRand *rand = g_rand_new_with_seed(42);

    fixture_init(&f, 32764);
    empty_bytes = kvm_slots_bookkeeping_bytes(f.t);
    for (unsigned c = 0; c < CYCLES; c++) {
        unsigned pos = g_rand_int_range(rand, 0, POSITIONS);
        hwaddr gpa = (hwaddr)pos * 0x10000;
        const KvmSlot *s = kvm_slots_lookup(f.t, gpa);

        if (s) {
            del_ok(&f, gpa);
            g_assert_null(kvm_slots_lookup(f.t, gpa));
        } else if (kvm_slots_count(f.t) < MAX_LIVE) {
            uint32_t want = lowest_free_id(&f);
            uint64_t size = (1 + g_rand_int_range(rand, 0, 16)) * PAGE;
            add_ok(&f, gpa, size, (hwaddr)pos * 0x10000 % HOST_SIZE, 0);
            g_assert_cmpuint(kvm_slots_lookup(f.t, gpa + size - 1)->id, ==,
                             want);
        }
        if (c % 97 == 0) {
            assert_consistent(&f);
        }
    }
    assert_consistent(&f);
    g_assert_cmpuint(kvm_slots_count(f.t), >, 0);
    while (kvm_slots_count(f.t)) {
        del_ok(&f, kvm_slots_nth(f.t, 0)->gpa);
    }
    assert_consistent(&f);
    g_assert_cmpuint(kvm_slots_bookkeeping_bytes(f.t), ==, empty_bytes);
    g_rand_free(rand);
    fixture_fini(&f);
}

static void test_limit(void)
{
    Fixture f;
    GError *err = NULL;
    unsigned before;

    fixture_init(&f, 8);
    g_assert_cmpuint(kvm_slots_limit(f.t), ==, 8);
    for (unsigned i = 0; i < 8; i++) {
        add_ok(&f, i * PAGE, PAGE, 0, 0);
    }
    before = kvm_fake_ncalls();
    g_assert_false(kvm_slots_add(f.t, 100 * PAGE, PAGE, f.host, 0, &err));
    g_assert_nonnull(strstr(err->message, "KVM memory slot limit reached"));
    g_assert_nonnull(strstr(err->message, "all 8 slots (KVM_CAP_NR_MEMSLOTS)"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_ncalls(), ==, before);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 8);
    /* A freed slot can be used again. */
    del_ok(&f, 5 * PAGE);
    add_ok(&f, 100 * PAGE, PAGE, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 100 * PAGE)->id, ==, 5);
    assert_consistent(&f);
    fixture_fini(&f);

    /* A kernel that does not report the capability: 32, per the API doc. */
    fixture_init(&f, 0);
    g_assert_cmpuint(kvm_slots_limit(f.t), ==, 32);
    fixture_fini(&f);

    /* The table asks for KVM_CAP_NR_MEMSLOTS itself. */
    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, 509);
    g_assert_cmpuint(kvm_slots_query_limit(0 /* not ours: fails */), ==, 32);
    int kvm = kvm_open("/dev/kvm", O_RDWR);
    g_assert_cmpuint(kvm_slots_query_limit(kvm), ==, 509);
    const KvmFakeCall *c = kvm_fake_call(kvm_fake_ncalls() - 1);
    g_assert_cmphex(c->req, ==, KVM_CHECK_EXTENSION);
    g_assert_cmpuint(c->arg_value, ==, KVM_CAP_NR_MEMSLOTS);
    kvm_close(kvm);
    kvm_fake_uninstall();
}

static void test_resize(void)
{
    Fixture f;
    GError *err = NULL;
    unsigned n;

    fixture_init(&f, 32);
    add_ok(&f, 0, 0x10000, 0, 0);
    add_ok(&f, 0x100000, 0x10000, 0x100000, KVM_MEM_LOG_DIRTY_PAGES);
    add_ok(&f, 0x200000, 0x1000, 0, 0);
    kvm_fake_clear_calls();

    /* Grow: delete (size 0) then add with the same host address/flags. */
    g_assert_true(kvm_slots_resize(f.t, 0x100000, 0x80000, &err));
    g_assert_no_error(err);
    n = kvm_fake_ncalls();
    g_assert_cmpuint(n, ==, 2);
    const struct kvm_userspace_memory_region *del = kvm_fake_call(0)->arg;
    const struct kvm_userspace_memory_region *add = kvm_fake_call(1)->arg;
    g_assert_cmpuint(del->slot, ==, 1);
    g_assert_cmphex(del->memory_size, ==, 0);
    g_assert_cmphex(add->memory_size, ==, 0x80000);
    g_assert_cmphex(add->guest_phys_addr, ==, 0x100000);
    g_assert_cmphex(add->userspace_addr, ==, (uintptr_t)f.host + 0x100000);
    g_assert_cmphex(add->flags, ==, KVM_MEM_LOG_DIRTY_PAGES);
    g_assert_cmpuint(add->slot, ==, 1);
    g_assert_nonnull(kvm_slots_lookup(f.t, 0x17ffff));
    assert_consistent(&f);

    /* Shrink. */
    g_assert_true(kvm_slots_resize(f.t, 0x100000, 0x2000, &err));
    g_assert_null(kvm_slots_lookup(f.t, 0x102000));
    g_assert_nonnull(kvm_slots_lookup(f.t, 0x101fff));
    /* Same size: nothing to do. */
    kvm_fake_clear_calls();
    g_assert_true(kvm_slots_resize(f.t, 0x100000, 0x2000, &err));
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);

    /* Growing into the next slot is refused before anything changes. */
    g_assert_false(kvm_slots_resize(f.t, 0x100000, 0x100001000, &err));
    g_assert_nonnull(strstr(err->message, "overlaps slot 2"));
    g_clear_error(&err);
    g_assert_false(kvm_slots_resize(f.t, 0x100000, 0x1234, &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);
    /* Up to the neighbour is fine. */
    g_assert_true(kvm_slots_resize(f.t, 0x100000, 0x100000, &err));
    g_assert_no_error(err);
    assert_consistent(&f);
    fixture_fini(&f);
}

static void test_resize_failures(void)
{
    Fixture f;
    GError *err = NULL;

    fixture_init(&f, 32);
    add_ok(&f, 0x100000, 0x10000, 0, 0);

    /* The delete fails: nothing changed. */
    kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, EFAULT);
    g_assert_false(kvm_slots_resize(f.t, 0x100000, 0x20000, &err));
    g_assert_nonnull(strstr(err->message, "Bad address"));
    g_clear_error(&err);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->size, ==, 0x10000);
    assert_consistent(&f);

    /* The new size is refused: the old slot is put back. */
    kvm_fake_clear_calls();
    kvm_fake_fail_nth(2, ENOMEM);
    g_assert_false(kvm_slots_resize(f.t, 0x100000, 0x20000, &err));
    g_assert_nonnull(strstr(err->message, "old size kept"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 3);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->size, ==, 0x10000);
    assert_consistent(&f);

    /* A later add finds the table intact and its ids compact. */
    kvm_fake_fail_nth(0, 0);
    add_ok(&f, 0x200000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x200000)->id, ==, 1);
    assert_consistent(&f);
    fixture_fini(&f);
}

static int fail_from_second_region(int fd, unsigned long req, void *arg,
                                   void *opaque)
{
    unsigned *seen = opaque;

    if (req == KVM_SET_USER_MEMORY_REGION && ++*seen >= 2) {
        errno = ENOSPC;
        return -1;
    }
    return KVM_FAKE_UNHANDLED;
}

static void test_resize_restore_fails(void)
{
    Fixture f;
    GError *err = NULL;
    unsigned seen = 0;

    fixture_init(&f, 32);
    add_ok(&f, 0x100000, 0x10000, 0, 0);
    add_ok(&f, 0x300000, 0x10000, 0, 0);
    kvm_fake_set_handler(fail_from_second_region, &seen);
    g_assert_false(kvm_slots_resize(f.t, 0x100000, 0x20000, &err));
    kvm_fake_set_handler(NULL, NULL);
    g_assert_nonnull(strstr(err->message, "could not be restored"));
    g_assert_nonnull(strstr(err->message, "No space left on device"));
    g_clear_error(&err);
    g_assert_cmpuint(seen, ==, 3);        /* delete, add, restore */
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 1);
    g_assert_null(kvm_slots_lookup(f.t, 0x100000));
    assert_consistent(&f);
    /* Its id is free again. */
    add_ok(&f, 0x500000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x500000)->id, ==, 0);
    fixture_fini(&f);
}

static void test_dirty_log(void)
{
    Fixture f;
    GError *err = NULL;
    unsigned long bits[2] = { 0 }, want[2] = { 0x8001, 0 };
    unsigned long big[3];

    g_assert_cmpuint(kvm_slots_dirty_bitmap_bytes(0x4000), ==, 8);
    g_assert_cmpuint(kvm_slots_dirty_bitmap_bytes(64 * PAGE), ==, 8);
    g_assert_cmpuint(kvm_slots_dirty_bitmap_bytes(65 * PAGE), ==, 16);
    g_assert_cmpuint(kvm_slots_dirty_bitmap_bytes(128 * MiB), ==, 4096);

    fixture_init(&f, 32);
    add_ok(&f, 0x100000, 0x40000, 0, 0);     /* 64 pages */

    /* Not logging: refused without asking the kernel. */
    kvm_fake_clear_calls();
    g_assert_false(kvm_slots_get_dirty_log(f.t, 0x100000, bits, &err));
    g_assert_nonnull(strstr(err->message, "does not log dirty pages"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);

    g_assert_true(kvm_slots_set_dirty_logging(f.t, 0x100000, true, &err));
    g_assert_cmphex(last_region()->flags, ==, KVM_MEM_LOG_DIRTY_PAGES);
    g_assert_cmphex(last_region()->memory_size, ==, 0x40000);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->flags, ==, KVM_MEM_LOG_DIRTY_PAGES);
    assert_consistent(&f);
    /* Already on: no ioctl. */
    kvm_fake_clear_calls();
    g_assert_true(kvm_slots_set_dirty_logging(f.t, 0x100000, true, &err));
    g_assert_cmpuint(kvm_fake_ncalls(), ==, 0);

    kvm_fake_set_dirty(0, want, 64);
    g_assert_true(kvm_slots_get_dirty_log(f.t, 0x100000, bits, &err));
    g_assert_no_error(err);
    g_assert_cmphex(bits[0], ==, 0x8001);
    const KvmFakeCall *c = kvm_fake_call(kvm_fake_ncalls() - 1);
    g_assert_cmphex(c->req, ==, KVM_GET_DIRTY_LOG);
    g_assert_cmpuint(((struct kvm_dirty_log *)c->arg)->slot, ==, 0);
    /* Read clears. */
    g_assert_true(kvm_slots_get_dirty_log(f.t, 0x100000, bits, &err));
    g_assert_cmphex(bits[0], ==, 0);

    /* A failing KVM_GET_DIRTY_LOG is an error naming the slot. */
    kvm_fake_fail_next(KVM_GET_DIRTY_LOG, EFAULT);
    g_assert_false(kvm_slots_get_dirty_log(f.t, 0x100000, bits, &err));
    g_assert_nonnull(strstr(err->message, "KVM_GET_DIRTY_LOG slot 0 failed"));
    g_clear_error(&err);

    /* Logging survives a resize; the bitmap grows with the slot. */
    g_assert_true(kvm_slots_resize(f.t, 0x100000, 0x82000, &err));
    unsigned long w[3] = { 0, 0, 1 };
    kvm_fake_set_dirty(0, w, 130);
    memset(big, 0xff, sizeof(big));
    g_assert_cmpuint(kvm_slots_dirty_bitmap_bytes(0x82000), ==, sizeof(big));
    g_assert_true(kvm_slots_get_dirty_log(f.t, 0x100000, big, &err));
    g_assert_cmphex(big[0], ==, 0);
    g_assert_cmphex(big[1], ==, 0);
    g_assert_cmphex(big[2], ==, 1);

    g_assert_true(kvm_slots_set_dirty_logging(f.t, 0x100000, false, &err));
    g_assert_cmphex(last_region()->flags, ==, 0);
    g_assert_false(kvm_slots_get_dirty_log(f.t, 0x100000, bits, &err));
    g_clear_error(&err);
    assert_consistent(&f);
    fixture_fini(&f);
}

/* Every operation with its ioctl failing: an error naming the ioctl and
 * the errno, and a table that still matches the kernel. */
static void test_ioctl_failures(void)
{
    static const int errs[] = { EFAULT, ENOMEM, EINVAL, EEXIST };
    Fixture f;

    fixture_init(&f, 32);
    add_ok(&f, 0x100000, 0x10000, 0, 0);
    add_ok(&f, 0x200000, 0x10000, 0, KVM_MEM_LOG_DIRTY_PAGES);
    for (size_t i = 0; i < G_N_ELEMENTS(errs); i++) {
        GError *err = NULL;
        unsigned long bits[1];
        size_t bytes = kvm_slots_bookkeeping_bytes(f.t);

        kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, errs[i]);
        g_assert_false(kvm_slots_add(f.t, 0x300000, 0x1000, f.host, 0, &err));
        g_assert_nonnull(strstr(err->message, g_strerror(errs[i])));
        g_assert_nonnull(strstr(err->message, "KVM_SET_USER_MEMORY_REGION"));
        g_clear_error(&err);
        g_assert_null(kvm_slots_lookup(f.t, 0x300000));
        g_assert_cmpuint(kvm_slots_bookkeeping_bytes(f.t), ==, bytes);

        kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, errs[i]);
        g_assert_false(kvm_slots_del(f.t, 0x100000, &err));
        g_assert_nonnull(strstr(err->message, "deleting slot 0"));
        g_clear_error(&err);
        g_assert_nonnull(kvm_slots_lookup(f.t, 0x100000));

        kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, errs[i]);
        g_assert_false(kvm_slots_set_dirty_logging(f.t, 0x200000, false,
                                                   &err));
        g_clear_error(&err);
        g_assert_cmphex(kvm_slots_lookup(f.t, 0x200000)->flags, ==,
                        KVM_MEM_LOG_DIRTY_PAGES);

        kvm_fake_fail_next(KVM_GET_DIRTY_LOG, errs[i]);
        g_assert_false(kvm_slots_get_dirty_log(f.t, 0x200000, bits, &err));
        g_clear_error(&err);
        assert_consistent(&f);
    }
    /* After the failures everything still works, with compact ids. */
    add_ok(&f, 0x300000, 0x1000, 0, 0);
    g_assert_cmpuint(kvm_slots_lookup(f.t, 0x300000)->id, ==, 2);
    /* The id bitmap grew a word for id 64 on a failed add: given back. */
    fixture_fini(&f);

    fixture_init(&f, 100);
    for (unsigned i = 0; i < 64; i++) {
        add_ok(&f, i * PAGE, PAGE, 0, 0);
    }
    size_t bytes = kvm_slots_bookkeeping_bytes(f.t);
    GError *err = NULL;
    kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, ENOMEM);
    g_assert_false(kvm_slots_add(f.t, 64 * PAGE, PAGE, f.host, 0, &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_slots_bookkeeping_bytes(f.t), ==, bytes);
    assert_consistent(&f);
    fixture_fini(&f);
}

static void test_json_hmp(void)
{
    Fixture f;
    json_t *j;
    char *text;

    fixture_init(&f, 16);
    j = kvm_slots_to_json(f.t);
    g_assert_true(json_is_array(j));
    g_assert_cmpuint(json_array_size(j), ==, 0);
    json_decref(j);
    text = kvm_slots_format_hmp(f.t);
    g_assert_cmpstr(text, ==, "0 of 16 KVM memory slots in use\n");
    g_free(text);

    add_ok(&f, 0x100000, 0x20000, 0x1000, KVM_MEM_LOG_DIRTY_PAGES |
                                          KVM_MEM_READONLY);
    add_ok(&f, 0, 0xa0000, 0, 0);
    j = kvm_slots_to_json(f.t);
    g_assert_cmpuint(json_array_size(j), ==, 2);
    json_t *e = json_array_get(j, 1);
    g_assert_cmpuint(json_object_size(e), ==, 5);
    g_assert_cmpint(json_integer_value(json_object_get(e, "slot")), ==, 0);
    g_assert_cmpint(json_integer_value(json_object_get(e, "guest-phys-addr")),
                    ==, 0x100000);
    g_assert_cmpint(json_integer_value(json_object_get(e, "size")), ==,
                    0x20000);
    g_assert_cmpint(json_integer_value(json_object_get(e, "userspace-addr")),
                    ==, (json_int_t)(uintptr_t)(f.host + 0x1000));
    g_assert_cmpint(json_integer_value(json_object_get(e, "flags")), ==, 3);
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(j, 0),
                                                       "slot")), ==, 1);
    json_decref(j);

    text = kvm_slots_format_hmp(f.t);
    char *want = g_strdup_printf(
        "2 of 16 KVM memory slots in use\n"
        " slot  guest-phys-addr     size                userspace-addr"
        "      flags\n"
        "    1  0x0000000000000000  0x00000000000a0000  0x%016" PRIx64
        "  -\n"
        "    0  0x0000000000100000  0x0000000000020000  0x%016" PRIx64
        "  log-dirty,readonly\n",
        (uint64_t)(uintptr_t)f.host, (uint64_t)(uintptr_t)f.host + 0x1000);
    g_assert_cmpstr(text, ==, want);
    g_free(want);
    g_free(text);
    fixture_fini(&f);
}

/* Bookkeeping follows the slots in use, not KVM_CAP_NR_MEMSLOTS. */
static void test_bookkeeping(void)
{
    Fixture f;
    size_t empty, one, many;

    fixture_init(&f, 32764);
    empty = kvm_slots_bookkeeping_bytes(f.t);
    g_assert_cmpuint(empty, <, 64);
    add_ok(&f, 0, PAGE, 0, 0);
    one = kvm_slots_bookkeeping_bytes(f.t);
    g_assert_cmpuint(one, <, 256);
    for (unsigned i = 1; i < 512; i++) {
        add_ok(&f, i * PAGE, PAGE, 0, 0);
    }
    many = kvm_slots_bookkeeping_bytes(f.t);
    /* 32 bytes per slot plus an id bit; the array at most doubles. */
    g_assert_cmpuint(sizeof(KvmSlot), ==, 32);
    g_assert_cmpuint(many, >=, 512 * sizeof(KvmSlot));
    g_assert_cmpuint(many, <=, 2 * 512 * sizeof(KvmSlot) + 64 + empty);
    for (unsigned i = 1; i < 512; i++) {
        del_ok(&f, i * PAGE);
    }
    g_assert_cmpuint(kvm_slots_bookkeeping_bytes(f.t), <, 512);
    fixture_fini(&f);
}

typedef struct RunArgs {
    int fd;
    int r;
    int err;
    bool done;
} RunArgs;

static gpointer run_thread(gpointer opaque)
{
    RunArgs *ra = opaque;

    ra->r = kvm_ioctl_int(ra->fd, KVM_RUN, 0);
    ra->err = errno;
    __atomic_store_n(&ra->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* The fake itself: fault injection by call number, recording, KVM_RUN. */
static void test_fake(void)
{
    int kvm, vm, vcpu;
    void *run;

    kvm_fake_install();
    kvm_fake_fail_nth(3, EMFILE);
    kvm = kvm_open("/dev/kvm", O_RDWR);                  /* call 1 */
    vm = kvm_ioctl_int(kvm, KVM_CREATE_VM, 0);           /* call 2 */
    vcpu = kvm_ioctl_int(vm, KVM_CREATE_VCPU, 0);        /* call 3: fails */
    g_assert_cmpint(vcpu, ==, -1);
    g_assert_cmpint(errno, ==, EMFILE);
    g_assert_cmpuint(kvm_fake_counter(), ==, 3);
    vcpu = kvm_ioctl_int(vm, KVM_CREATE_VCPU, 0);
    g_assert_cmpint(vcpu, >=, 0);
    g_assert_cmpint(kvm_ioctl_int(kvm, KVM_GET_API_VERSION, 0), ==, 12);
    run = kvm_mmap(kvm_ioctl_int(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
                   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    g_assert_true(run != MAP_FAILED);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 3);
    g_assert_cmpuint(kvm_fake_mappings(), ==, 1);
    g_assert_cmpstr(kvm_ioctl_name(kvm_fake_call(2)->req), ==,
                    "KVM_CREATE_VCPU");
    g_assert_cmpint(kvm_fake_call(2)->err, ==, EMFILE);
    g_assert_cmpint(kvm_open("/dev/other", O_RDWR), ==, -1);
    g_assert_cmpint(kvm_ioctl_int(12345, KVM_RUN, 0), ==, -1);
    g_assert_cmpint(errno, ==, EBADF);

    /* KVM_RUN of the fake is an idle guest: it returns only when kicked
     * (immediate_exit or a signal), with EINTR and KVM_EXIT_INTR. */
    struct kvm_run *kr = run;
    kr->immediate_exit = 1;
    g_assert_cmpint(kvm_ioctl_int(vcpu, KVM_RUN, 0), ==, -1);
    g_assert_cmpint(errno, ==, EINTR);
    g_assert_cmpuint(kr->exit_reason, ==, KVM_EXIT_INTR);
    kr->immediate_exit = 0;
    kr->exit_reason = 0;
    RunArgs ra = { .fd = vcpu };
    GThread *t = g_thread_new("vcpu", run_thread, &ra);
    g_usleep(20000);
    g_assert_false(__atomic_load_n(&ra.done, __ATOMIC_ACQUIRE));
    __atomic_store_n(&kr->immediate_exit, 1, __ATOMIC_RELEASE);
    g_thread_join(t);
    g_assert_cmpint(ra.r, ==, -1);
    g_assert_cmpint(ra.err, ==, EINTR);
    g_assert_cmpuint(kvm_fake_count(KVM_RUN), ==, 3);   /* + the EBADF one */

    kvm_munmap(run, 3 * 4096);
    kvm_close(vcpu);
    kvm_close(vm);
    kvm_close(kvm);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    g_assert_cmpuint(kvm_fake_mappings(), ==, 0);
    kvm_fake_uninstall();
    g_assert_true(kvm_ioctl_set_ops(NULL) == kvm_ioctl_real_ops());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-slots/fake", test_fake);
    g_test_add_func("/kvm-slots/add-lookup", test_add_lookup);
    g_test_add_func("/kvm-slots/invalid-ranges", test_invalid_ranges);
    g_test_add_func("/kvm-slots/ids-compact", test_ids_compact);
    g_test_add_func("/kvm-slots/cycles", test_cycles);
    g_test_add_func("/kvm-slots/limit", test_limit);
    g_test_add_func("/kvm-slots/resize", test_resize);
    g_test_add_func("/kvm-slots/resize-failures", test_resize_failures);
    g_test_add_func("/kvm-slots/resize-restore-fails",
                    test_resize_restore_fails);
    g_test_add_func("/kvm-slots/dirty-log", test_dirty_log);
    g_test_add_func("/kvm-slots/ioctl-failures", test_ioctl_failures);
    g_test_add_func("/kvm-slots/json-hmp", test_json_hmp);
    g_test_add_func("/kvm-slots/bookkeeping", test_bookkeeping);
    return g_test_run();
}
