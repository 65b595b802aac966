/*
 * Shared by the slot-table unit tests: a VM on the recording fake, a slot
 * table, reserved host memory, and checks that the table and the fake's
 * view of the kernel agree.
 */
#ifndef TESTS_UNIT_KVM_SLOTS_FIXTURE_H
#define TESTS_UNIT_KVM_SLOTS_FIXTURE_H

#include "kite/kvm/kvm-slots.h"
#include "kite/kvm/kvm-ioctl-fake.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#define PAGE KVM_SLOT_PAGE_SIZE

typedef struct Fixture {
    int kvm;
    int vm;
    KvmSlotTable *t;
    uint8_t *host;           /* 64 MiB of reserved address space */
} Fixture;

#define HOST_SIZE (64 * MiB)

static inline void fixture_init(Fixture *f, int nr_memslots)
{
    kvm_fake_install();
    if (nr_memslots >= 0) {
        kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, nr_memslots);
    }
    f->kvm = kvm_open("/dev/kvm", O_RDWR);
    g_assert_cmpint(f->kvm, >=, 0);
    f->vm = kvm_ioctl_int(f->kvm, KVM_CREATE_VM, 0);
    g_assert_cmpint(f->vm, >=, 0);
    f->t = kvm_slots_new(f->vm, kvm_slots_query_limit(f->vm));
    f->host = mmap(NULL, HOST_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert(f->host != MAP_FAILED);
    kvm_fake_clear_calls();
}

static inline void fixture_fini(Fixture *f)
{
    kvm_slots_free(f->t);
    g_assert_cmpint(kvm_close(f->vm), ==, 0);
    g_assert_cmpint(kvm_close(f->kvm), ==, 0);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();
    munmap(f->host, HOST_SIZE);
}

/* The table and the kernel (the fake) agree slot for slot, and the table
 * is sorted and disjoint. */
static inline void assert_consistent(Fixture *f)
{
    unsigned n = kvm_slots_count(f->t);

    g_assert_cmpuint(kvm_fake_nslots(), ==, n);
    for (unsigned i = 0; i < n; i++) {
        const KvmSlot *s = kvm_slots_nth(f->t, i);
        const struct kvm_userspace_memory_region *r = kvm_fake_slot(s->id);
        g_assert_nonnull(r);
        g_assert_cmphex(r->guest_phys_addr, ==, s->gpa);
        g_assert_cmphex(r->memory_size, ==, s->size);
        g_assert_cmphex(r->userspace_addr, ==, s->hva);
        g_assert_cmphex(r->flags, ==, s->flags);
        if (i) {
            const KvmSlot *p = kvm_slots_nth(f->t, i - 1);
            g_assert_cmphex(p->gpa + p->size, <=, s->gpa);
        }
    }
    g_assert_null(kvm_slots_nth(f->t, n));
}

static inline void add_ok(Fixture *f, hwaddr gpa, uint64_t size, uint64_t host_off,
                   uint32_t flags)
{
    GError *err = NULL;

    kvm_slots_add(f->t, gpa, size, f->host + host_off, flags, &err);
    g_assert_no_error(err);
}

static inline void del_ok(Fixture *f, hwaddr gpa)
{
    GError *err = NULL;

    kvm_slots_del(f->t, gpa, &err);
    g_assert_no_error(err);
}

/* The last recorded KVM_SET_USER_MEMORY_REGION argument. */
static inline const struct kvm_userspace_memory_region *last_region(void)
{
    for (unsigned i = kvm_fake_ncalls(); i-- > 0;) {
        const KvmFakeCall *c = kvm_fake_call(i);
        if (c->op == KVM_FAKE_IOCTL && c->req == KVM_SET_USER_MEMORY_REGION) {
            g_assert_cmpuint(c->arg_len, ==,
                             sizeof(struct kvm_userspace_memory_region));
            return c->arg;
        }
    }
    g_assert_not_reached();
}

#endif
