/*
 * The memory listener adapter of the KVM slot table: slots from RAM
 * sections (trimmed to pages, read-only flag, merged neighbours), changes
 * applied at commit, errors kept for the owner, and the adapter on a real
 * address space of the memory API.  Against the recording fake.
 */
#include "kvm-slots-fixture.h"

static MemoryRegionSection section(hwaddr gpa, uint64_t size, void *host,
                                   bool readonly)
{
    return (MemoryRegionSection){ .offset_within_address_space = gpa,
                                  .size = size, .host = host,
                                  .readonly = readonly };
}

static void test_listener_synthetic(void)
{
    Fixture f;
    KvmSlotsListener kl;
    MemoryListener *l = &kl.listener;
    MemoryRegionSection a = section(0, 0xa0000, NULL, false);
    MemoryRegionSection b = section(0x100000, 0x300000, NULL, false);
    MemoryRegionSection rom = section(0xfffc0000, 0x40000, NULL, true);
    MemoryRegionSection odd = section(0xa0800, 0x2000, NULL, false);
    MemoryRegionSection tiny = section(0xc0100, 0x200, NULL, false);
    MemoryRegionSection b2 = section(0x100000, 0x400000, NULL, false);
    MemoryRegionSection fail_sec = section(0x10000000, 0x1000, NULL, false);
    MemoryRegionSection ro_sec = section(0x20000000, 0x1000, NULL, true);
    GError *err = NULL;

    fixture_init(&f, 32);
    a.host = f.host;
    b.host = f.host + 0x100000;
    rom.host = f.host + 0x800000;
    odd.host = f.host + 0xa0800;
    tiny.host = f.host + 0xc0100;
    b2.host = b.host;
    fail_sec.host = f.host;
    ro_sec.host = f.host;
    kvm_slots_listener_init(&kl, f.t);

    /* Replay outside a transaction applies at once. */
    l->region_add(l, &a);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 1);
    l->begin(l);
    l->region_add(l, &b);
    l->region_add(l, &rom);
    l->region_add(l, &odd);
    l->region_add(l, &tiny);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 1);   /* not before commit */
    l->commit(l);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    /* odd is trimmed to its one whole page; tiny has none and is skipped. */
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 4);
    const KvmSlot *s = kvm_slots_lookup(f.t, 0xa1000);
    g_assert_cmphex(s->gpa, ==, 0xa1000);
    g_assert_cmphex(s->size, ==, 0x1000);
    g_assert_cmphex(s->hva, ==, (uintptr_t)f.host + 0xa1000);
    g_assert_null(kvm_slots_lookup(f.t, 0xa0fff));
    g_assert_null(kvm_slots_lookup(f.t, 0xc0100));
    g_assert_cmphex(kvm_slots_lookup(f.t, 0xfffc0000)->flags, ==,
                    KVM_MEM_READONLY);
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x3fffff)->hva, ==,
                    (uintptr_t)f.host + 0x100000);
    assert_consistent(&f);

    /* A section grows: whatever order the changes come in, the removal is
     * applied first and the new slot does not collide with the old. */
    l->begin(l);
    l->region_add(l, &b2);
    l->region_del(l, &b);
    l->region_del(l, &tiny);     /* never a slot: nothing to remove */
    l->commit(l);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x100000)->size, ==, 0x400000);
    assert_consistent(&f);

    /* A failure is kept for the owner, and taken once; the section is
     * retried with the next change. */
    kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, ENOMEM);
    l->region_add(l, &tiny);     /* skipped: no ioctl */
    l->region_add(l, &fail_sec);
    g_assert_null(kvm_slots_lookup(f.t, 0x10000000));
    g_assert_false(kvm_slots_listener_take_error(&kl, &err));
    g_assert_nonnull(strstr(err->message, "Cannot allocate memory"));
    g_clear_error(&err);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    l->region_add(l, &ro_sec);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_nonnull(kvm_slots_lookup(f.t, 0x10000000));
    g_assert_nonnull(kvm_slots_lookup(f.t, 0x20000000));
    assert_consistent(&f);

    /* Removing what was never added changes nothing. */
    MemoryRegionSection inner = section(0x200000, 0x1000, b.host, false);
    l->region_del(l, &inner);
    l->region_del(l, &tiny);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x200000)->size, ==, 0x400000);

    /* Slots the listener did not make are left alone. */
    add_ok(&f, 0x30000000, PAGE, 0, 0);
    l->region_del(l, &fail_sec);
    g_assert_nonnull(kvm_slots_lookup(f.t, 0x30000000));
    del_ok(&f, 0x30000000);

    l->region_del(l, &a);
    l->region_del(l, &b2);
    l->region_del(l, &rom);
    l->region_del(l, &odd);
    l->region_del(l, &ro_sec);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 0);
    assert_consistent(&f);
    /* An error left untaken is freed with the listener. */
    kvm_fake_fail_next(KVM_SET_USER_MEMORY_REGION, ENOMEM);
    l->region_add(l, &a);
    kvm_slots_listener_finalize(&kl);
    fixture_fini(&f);
}

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/* Neighbours contiguous in guest and host address with equal flags share
 * a slot; removing part of a merged range leaves the rest mapped. */
static void test_listener_merge(void)
{
    Fixture f;
    KvmSlotsListener kl;
    MemoryListener *l = &kl.listener;
    GError *err = NULL;

    fixture_init(&f, 32);
    MemoryRegionSection lo = section(0, 0x100000, f.host, false);
    MemoryRegionSection mid = section(0x100000, 0x100000, f.host + 0x100000,
                                      false);
    MemoryRegionSection hi = section(0x200000, 0x100000, f.host + 0x200000,
                                     false);
    /* adjacent in the guest, elsewhere in the host */
    MemoryRegionSection apart = section(0x300000, 0x100000, f.host + 0x800000,
                                        false);
    /* adjacent in both, but read-only */
    MemoryRegionSection ro = section(0x900000, 0x100000, f.host + 0x900000,
                                     true);
    MemoryRegionSection rw = section(0x800000, 0x100000, f.host + 0x800000,
                                     false);
    kvm_slots_listener_init(&kl, f.t);

    l->begin(l);
    l->region_add(l, &hi);
    l->region_add(l, &lo);
    l->region_add(l, &mid);
    l->region_add(l, &apart);
    l->region_add(l, &rw);
    l->region_add(l, &ro);
    l->commit(l);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 4);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->gpa, ==, 0);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->size, ==, 0x300000);
    g_assert_cmphex(kvm_slots_nth(f.t, 1)->gpa, ==, 0x300000);
    g_assert_cmphex(kvm_slots_nth(f.t, 2)->gpa, ==, 0x800000);
    g_assert_cmphex(kvm_slots_nth(f.t, 2)->size, ==, 0x100000);
    g_assert_cmphex(kvm_slots_nth(f.t, 3)->flags, ==, KVM_MEM_READONLY);
    assert_consistent(&f);

    /* The middle goes: the merged slot becomes two. */
    l->region_del(l, &mid);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 5);
    g_assert_cmphex(kvm_slots_lookup(f.t, 0)->size, ==, 0x100000);
    g_assert_null(kvm_slots_lookup(f.t, 0x100000));
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x200000)->hva, ==,
                    (uintptr_t)f.host + 0x200000);
    assert_consistent(&f);
    /* ... and comes back: one slot again, unchanged slots untouched. */
    kvm_fake_clear_calls();
    l->region_add(l, &mid);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 4);
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x2fffff)->size, ==, 0x300000);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_USER_MEMORY_REGION), ==, 3);
    assert_consistent(&f);

    l->begin(l);
    l->region_del(l, &lo);
    l->region_del(l, &mid);
    l->region_del(l, &hi);
    l->region_del(l, &apart);
    l->region_del(l, &rw);
    l->region_del(l, &ro);
    l->commit(l);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 0);
    assert_consistent(&f);
    kvm_slots_listener_finalize(&kl);
    fixture_fini(&f);
}

/* The adapter on a real address space of the memory API. */
static void test_listener_memory(void)
{
    Fixture f;
    KvmSlotsListener kl;
    MemoryRegion root, ram, high, mmio, rom;
    AddressSpace as;
    GError *err = NULL;
    uint8_t *ram_ptr;

    fixture_init(&f, 32);
    memset(&root, 0, sizeof(root));
    memset(&ram, 0, sizeof(ram));
    memset(&high, 0, sizeof(high));
    memset(&mmio, 0, sizeof(mmio));
    memset(&rom, 0, sizeof(rom));
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "kvm-slots-test");
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 16 * MiB, &err));
    g_assert_no_error(err);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    memory_region_add_subregion(&root, 0, &ram);

    kvm_slots_listener_init(&kl, f.t);
    memory_listener_register(&kl.listener, &as);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 1);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->size, ==, 16 * MiB);
    g_assert_cmphex(kvm_slots_nth(f.t, 0)->hva, ==, (uintptr_t)ram_ptr);

    /* An MMIO window over RAM splits it into two slots. */
    memory_region_init_io(&mmio, NULL, &mmio_ops, NULL, "mmio", 0x1000);
    memory_region_add_subregion_overlap(&root, 0x100000, &mmio, 1);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 2);
    g_assert_null(kvm_slots_lookup(f.t, 0x100000));
    const KvmSlot *upper = kvm_slots_lookup(f.t, 0x101000);
    g_assert_cmphex(upper->gpa, ==, 0x101000);
    g_assert_cmphex(upper->hva, ==, (uintptr_t)ram_ptr + 0x101000);
    assert_consistent(&f);

    /* An alias of RAM above 4 GiB: one more slot onto the same memory. */
    memory_region_init_alias(&high, NULL, "ram-above-4g", &ram, 8 * MiB,
                             8 * MiB);
    memory_region_add_subregion(&root, 4 * GiB, &high);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 3);
    g_assert_cmphex(kvm_slots_lookup(f.t, 4 * GiB)->hva, ==,
                    (uintptr_t)ram_ptr + 8 * MiB);

    /* Read-only RAM (a ROM) gets KVM_MEM_READONLY. */
    g_assert_true(memory_region_init_ram(&rom, NULL, "rom", 64 * KiB, &err));
    memory_region_set_readonly(&rom, true);
    memory_region_add_subregion(&root, 0xffff0000, &rom);
    g_assert_cmphex(kvm_slots_lookup(f.t, 0xffff0000)->flags, ==,
                    KVM_MEM_READONLY);

    /* The window goes: the two RAM slots become one again. */
    memory_region_del_subregion(&root, &mmio);
    g_assert_true(kvm_slots_listener_take_error(&kl, &err));
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 3);
    g_assert_cmphex(kvm_slots_lookup(f.t, 0x100000)->size, ==, 16 * MiB);
    assert_consistent(&f);

    memory_listener_unregister(&kl.listener);
    g_assert_cmpuint(kvm_slots_count(f.t), ==, 0);
    assert_consistent(&f);
    kvm_slots_listener_finalize(&kl);
    address_space_destroy(&as);
    memory_region_finalize(&mmio);
    memory_region_finalize(&high);
    memory_region_finalize(&rom);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-slots/listener-synthetic", test_listener_synthetic);
    g_test_add_func("/kvm-slots/listener-merge", test_listener_merge);
    g_test_add_func("/kvm-slots/listener-memory", test_listener_memory);
    return g_test_run();
}
