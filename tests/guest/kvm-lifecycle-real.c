/*
 * The VM and vCPU lifecycle on the real KVM (issue 3, "Lifecycle"): 1000
 * create/destroy cycles of a VM with 8 vCPUs leave no fd and no RSS
 * behind, and failing each acquiring call of creation in turn (open,
 * ioctl, mmap: the real syscalls behind a counting wrapper) or each
 * allocation in turn releases everything creation took.  The unit test
 * test-kvm-lifecycle does the same against the fake; here the kernel's
 * answers are real (the vCPUs are created, never run: this VM has no
 * memory).  TAP; skipped when /dev/kvm cannot be opened.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/ramblock.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#define NCPUS  8
#define CYCLES 1000

#if defined(__SANITIZE_ADDRESS__)
/* As in test-kvm-lifecycle: ASan's quarantine (256 MiB by default) would
 * read as RSS growth; a small one still catches use after free within a
 * cycle. */
__attribute__((used)) const char *__asan_default_options(void)
{
    return "quarantine_size_mb=1";
}
#endif

static const KvmIoctlOps *real;
static unsigned calls, fail_at;

static bool fail_now(void)
{
    return ++calls == fail_at;
}

static int counting_open(const char *path, int flags)
{
    if (fail_now()) {
        errno = ENOMEM;
        return -1;
    }
    return real->open(path, flags);
}

static int counting_ioctl(int fd, unsigned long req, void *arg)
{
    if (fail_now()) {
        errno = ENOMEM;
        return -1;
    }
    return real->ioctl(fd, req, arg);
}

static void *counting_mmap(void *addr, size_t len, int prot, int flags,
                           int fd, off_t off)
{
    if (fail_now()) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return real->mmap(addr, len, prot, flags, fd, off);
}

/* Releasing calls never fail: cleanup must always be possible. */
static int passing_munmap(void *addr, size_t len)
{
    return real->munmap(addr, len);
}

static int passing_close(int fd)
{
    return real->close(fd);
}

static const KvmIoctlOps counting_ops = {
    .open = counting_open,
    .ioctl = counting_ioctl,
    .mmap = counting_mmap,
    .munmap = passing_munmap,
    .close = passing_close,
};

static int count_process_fds(void)
{
    int n = kite_open_fd_count();

    g_assert_cmpint(n, >=, 0);
    return n;
}

static KVMState *build(GError **errp)
{
    KVMState *s = kvm_vm_create(NCPUS, errp);

    for (int i = 0; s && i < NCPUS; i++) {
        if (!kvm_vcpu_create(s, NULL, i, true, errp)) {
            kvm_vm_destroy(s);
            s = NULL;
        }
    }
    return s;
}

static void test_cycles(void)
{
    int fds = -1;
    uint64_t rss_warm = 0;
    gint64 t0 = g_get_monotonic_time();

    for (int i = 0; i < CYCLES; i++) {
        GError *err = NULL;
        KVMState *s = build(&err);

        g_assert_no_error(err);
        g_assert_cmpuint(s->vcpus->len, ==, NCPUS);
        kvm_vm_destroy(s);
        if (i == 0) {
            /* After the first cycle: one-time set-up is not a leak. */
            fds = count_process_fds();
        }
        if (i == 50) {
            rss_warm = kite_rss_bytes();
        }
    }
    g_test_message("%d cycles of a VM with %d vCPUs in %.1f s; RSS after "
                   "50: %" PRIu64 " KiB, after %d: %" PRIu64 " KiB; fds %d -> %d",
                   CYCLES, NCPUS, (g_get_monotonic_time() - t0) / 1e6,
                   rss_warm >> 10, CYCLES, kite_rss_bytes() >> 10, fds,
                   count_process_fds());
    g_assert_cmpint(count_process_fds(), ==, fds);
    g_assert_cmpuint(kite_rss_bytes(), <, rss_warm + 8 * MiB);
}

/* Fail step n (an acquiring call, or an allocation); true if creation failed. */
static bool build_failing(unsigned n, bool allocation, int fds)
{
    GError *err = NULL;
    KVMState *s;

    calls = 0;
    fail_at = allocation ? 0 : n;
    kvm_fault_inject_alloc(allocation ? n : 0);
    s = build(&err);
    kvm_fault_inject_alloc(0);
    fail_at = 0;
    if (s) {
        g_assert_no_error(err);
        kvm_vm_destroy(s);
    } else {
        g_assert_nonnull(err);
        g_error_free(err);
    }
    g_assert_cmpint(count_process_fds(), ==, fds);
    return s == NULL;
}

static void sweep(bool allocation)
{
    int fds = count_process_fds();
    unsigned steps, failures = 0;
    GError *err = NULL;
    KVMState *s;

    /* Count the steps of a successful build first. */
    calls = 0;
    fail_at = 0;
    kvm_fault_inject_alloc(0);
    steps = kvm_alloc_count();
    s = build(&err);
    g_assert_no_error(err);
    steps = allocation ? kvm_alloc_count() - steps : calls;
    kvm_vm_destroy(s);
    for (unsigned n = 1; n <= steps; n++) {
        failures += build_failing(n, allocation, fds);
    }
    g_test_message("failed each of %u %s in turn on real KVM: %u made "
                   "creation fail, none left an fd behind", steps,
                   allocation ? "allocations" : "acquiring calls", failures);
    g_assert_cmpuint(failures, >=, allocation ? 3 + 3 * NCPUS
                                              : 4 + 4 * NCPUS);
}

static void test_ioctl_sweep(void)
{
    sweep(false);
}

static void test_alloc_sweep(void)
{
    sweep(true);
}

int main(int argc, char **argv)
{
    int fd;

    g_test_init(&argc, &argv, NULL);
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        printf("1..1\nok 1 /kvm-real/lifecycle # SKIP /dev/kvm: %s\n",
               g_strerror(errno));
        return 0;
    }
    close(fd);
    real = kvm_ioctl_real_ops();
    kvm_ioctl_set_ops(&counting_ops);
    g_test_add_func("/kvm-real/lifecycle/ioctl-fault-sweep", test_ioctl_sweep);
    g_test_add_func("/kvm-real/lifecycle/alloc-fault-sweep", test_alloc_sweep);
    g_test_add_func("/kvm-real/lifecycle/1000-cycles-8-vcpus", test_cycles);
    return g_test_run();
}
