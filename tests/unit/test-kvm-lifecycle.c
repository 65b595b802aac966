/*
 * VM and vCPU lifecycle against the recording fake of the KVM ioctl
 * layer: every error path of creation releases what it took (fds,
 * mappings, memory, threads).  The sweep fails the Nth ioctl/mmap/open,
 * then the Nth allocation, for every N until creation succeeds; fds are
 * counted in the fake and in /proc/self/fd, memory by LeakSanitizer.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl-fake.h"
#include "kite/memory.h"
#include "kite/ramblock.h"
#include <errno.h>

#define NCPUS 8

#if defined(__SANITIZE_ADDRESS__)
/* ASan keeps freed memory in a quarantine (256 MiB by default), which the
 * RSS check of the 1000-cycle test would read as growth.  A small one
 * still catches use after free within a cycle. */
__attribute__((used)) const char *__asan_default_options(void)
{
    return "quarantine_size_mb=1";
}
#endif

static int count_process_fds(void)
{
    int n = kite_open_fd_count();

    g_assert_cmpint(n, >=, 0);
    return n;
}

static void fake_setup(void)
{
    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 288);
    kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, 32);
    kvm_fake_set_cap(KVM_CAP_IMMEDIATE_EXIT, 1);
}

/* Build a VM with NCPUS vCPUs (threads started, parked); NULL on error. */
static KVMState *build(GError **errp)
{
    KVMState *s = kvm_vm_create(NCPUS, errp);

    if (!s) {
        return NULL;
    }
    for (int i = 0; i < NCPUS; i++) {
        if (!kvm_vcpu_create(s, NULL, i, true, errp)) {
            kvm_vm_destroy(s);
            return NULL;
        }
    }
    return s;
}

static void assert_nothing_held(int fds_before)
{
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    g_assert_cmpuint(kvm_fake_mappings(), ==, 0);
    g_assert_cmpint(count_process_fds(), ==, fds_before);
}

static void test_create_destroy(void)
{
    int fds = count_process_fds();
    GError *err = NULL;
    KVMState *s;

    fake_setup();
    s = build(&err);
    g_assert_no_error(err);
    g_assert_nonnull(s);
    g_assert_cmpuint(s->vcpus->len, ==, NCPUS);
    g_assert_true(s->irqchip);
    /* One vCPU fd and one kvm_run mapping each, plus /dev/kvm and the VM. */
    g_assert_cmpuint(kvm_fake_open_fds(), ==, NCPUS + 2);
    g_assert_cmpuint(kvm_fake_mappings(), ==, NCPUS);
    g_assert_cmpuint(kvm_fake_count(KVM_CREATE_VCPU), ==, NCPUS);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_CPUID2), ==, NCPUS);
    g_assert_cmpuint(kvm_fake_count(KVM_SET_REGS), ==, NCPUS);
    kvm_vcpus_resume(s);
    kvm_vcpus_pause(s);
    kvm_vm_destroy(s);
    assert_nothing_held(fds);
    kvm_fake_uninstall();
}

/* Acquiring calls (or allocations) a successful build makes. */
static unsigned count_build_steps(bool allocations)
{
    GError *err = NULL;
    KVMState *s;
    unsigned n;

    fake_setup();
    kvm_fault_inject_alloc(0);
    n = kvm_alloc_count();
    s = build(&err);
    g_assert_no_error(err);
    n = allocations ? kvm_alloc_count() - n : kvm_fake_counter();
    kvm_vm_destroy(s);
    kvm_fake_uninstall();
    return n;
}

/*
 * Fail step @n of a build; each failure must leave nothing held.  Some
 * steps are allowed to fail without failing creation (an optional
 * capability probe): then the VM must work and be destroyed cleanly.
 * Returns true when creation failed.
 */
static bool build_with_fault(unsigned n, bool allocation, int fds)
{
    GError *err = NULL;
    KVMState *s;

    fake_setup();
    if (allocation) {
        kvm_fault_inject_alloc(n);
    } else {
        kvm_fake_fail_nth(n, ENOMEM);
    }
    s = build(&err);
    kvm_fault_inject_alloc(0);
    if (s) {
        g_assert_no_error(err);
        kvm_vm_destroy(s);
    } else {
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, !=, "");
        g_error_free(err);
    }
    assert_nothing_held(fds);
    kvm_fake_uninstall();
    return s == NULL;
}

static void test_ioctl_fault_sweep(void)
{
    int fds = count_process_fds();
    unsigned steps = count_build_steps(false), failures = 0;

    for (unsigned n = 1; n <= steps; n++) {
        failures += build_with_fault(n, false, fds);
    }
    g_test_message("failed each of %u acquiring calls in turn: %u made "
                   "creation fail", steps, failures);
    /* open, version, VM, mmap size, arch VM set-up, per vCPU fd + mmap +
     * CPUID + registers: far more than a handful of points. */
    g_assert_cmpuint(failures, >=, 4 + 4 * NCPUS);
}

static void test_alloc_fault_sweep(void)
{
    int fds = count_process_fds();
    unsigned steps = count_build_steps(true), failures = 0;

    for (unsigned n = 1; n <= steps; n++) {
        failures += build_with_fault(n, true, fds);
    }
    g_test_message("failed each of %u allocations in turn: %u made "
                   "creation fail", steps, failures);
    /* VM state, arch VM state, CPUID, and per vCPU state + arch + CPUID. */
    g_assert_cmpuint(failures, >=, 3 + 3 * NCPUS);
}

static void test_many_cycles(void)
{
    int fds = count_process_fds();
    uint64_t rss_after_warmup = 0;

    fake_setup();
    for (int i = 0; i < 1000; i++) {
        GError *err = NULL;
        KVMState *s = build(&err);

        g_assert_no_error(err);
        kvm_vm_destroy(s);
        if (i == 50) {
            rss_after_warmup = kite_rss_bytes();
        }
        if (i % 100 == 0) {
            kvm_fake_clear_calls();
        }
    }
    assert_nothing_held(fds);
    g_test_message("RSS after 50 cycles %" PRIu64 " KiB, after 1000 %" PRIu64 " KiB",
                   rss_after_warmup >> 10, kite_rss_bytes() >> 10);
    /* No growth beyond allocator noise. */
    g_assert_cmpuint(kite_rss_bytes(), <, rss_after_warmup + 8 * MiB);
    kvm_fake_uninstall();
}

static void test_too_many_vcpus(void)
{
    GError *err = NULL;

    fake_setup();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 4);
    g_assert_null(kvm_vm_create(5, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "exceeds the maximum supported by KVM (4)"));
    g_error_free(err);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/lifecycle/create-destroy", test_create_destroy);
    g_test_add_func("/kvm/lifecycle/ioctl-fault-sweep", test_ioctl_fault_sweep);
    g_test_add_func("/kvm/lifecycle/alloc-fault-sweep", test_alloc_fault_sweep);
    g_test_add_func("/kvm/lifecycle/1000-cycles", test_many_cycles);
    g_test_add_func("/kvm/lifecycle/too-many-vcpus", test_too_many_vcpus);
    return g_test_run();
}
