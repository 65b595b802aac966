/*
 * Kite's memory slot table on the real KVM (run through scripts/kvm-run):
 * the kernel's slot limit at its edges, a table filled to its limit and
 * one slot more, thousands of add/delete cycles with compact ids, lookup
 * hits and misses.  Prints TAP and the timings.
 *
 * The table is given a limit of 512 slots: filling all 32764 that Linux
 * 6.1 allows takes about 16 s on a hardware-less KVM and 5.7 minutes in
 * the emulated host (the kernel's slot updates slow down as slots grow);
 * `kvm-memslots --full` does that, for benchmarks.
 */
#include "kite/kvm/kvm-ioctl.h"
#include "kite/kvm/kvm-slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <linux/kvm.h>

#define PAGE KVM_SLOT_PAGE_SIZE
#define NTESTS 7
#define CYCLES 1000
#define TABLE_LIMIT 512

static int ntest;
static int nfail;

static void tap(bool ok, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void tap(bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", ok ? "ok" : "not ok", ++ntest);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    nfail += !ok;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Slot i maps guest page 2*i (gaps between slots, so misses exist) to
 * host page i. */
static hwaddr gpa_of(unsigned i)
{
    return (hwaddr)i * 2 * PAGE;
}

int main(int argc, char **argv)
{
    bool full = argc > 1 && strcmp(argv[1], "--full") == 0;
    GError *err = NULL;
    int kvm, vm;
    unsigned kernel_limit, limit, n = 0;
    KvmSlotTable *t;
    uint8_t *host;
    double t0;
    bool ok;

    printf("1..%d\n", NTESTS);
    kvm = kvm_open("/dev/kvm", O_RDWR);
    vm = kvm >= 0 ? kvm_ioctl_int(kvm, KVM_CREATE_VM, 0) : -1;
    kernel_limit = vm >= 0 ? kvm_slots_query_limit(vm) : 0;
    tap(vm >= 0 && kernel_limit >= 32, "VM created, KVM_CAP_NR_MEMSLOTS %u",
        kernel_limit);
    if (vm < 0) {
        while (ntest < NTESTS) {
            printf("ok %d - # SKIP no VM\n", ++ntest);
        }
        return 1;
    }
    limit = full ? kernel_limit : MIN(kernel_limit, TABLE_LIMIT);
    host = mmap(NULL, (size_t)limit * PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    t = kvm_slots_new(vm, limit);

    /* The kernel's own limit: the last slot id is accepted (and deleted
     * again), the next one refused. */
    struct kvm_userspace_memory_region edge = {
        .slot = kernel_limit - 1, .guest_phys_addr = 1ULL << 30,
        .memory_size = PAGE, .userspace_addr = (uintptr_t)host,
    };
    int r_last = kvm_ioctl_call(vm, KVM_SET_USER_MEMORY_REGION, &edge);
    edge.memory_size = 0;
    int r_del = kvm_ioctl_call(vm, KVM_SET_USER_MEMORY_REGION, &edge);
    edge.slot = kernel_limit;
    edge.memory_size = PAGE;
    int r_beyond = kvm_ioctl_call(vm, KVM_SET_USER_MEMORY_REGION, &edge);
    tap(r_last == 0 && r_del == 0 && r_beyond < 0 && errno == EINVAL,
        "KVM accepts slot id %u and refuses %u (EINVAL)", kernel_limit - 1,
        kernel_limit);

    /* Every slot the kernel allows, one page each. */
    t0 = now_ms();
    for (n = 0; n < limit; n++) {
        if (!kvm_slots_add(t, gpa_of(n), PAGE, host + n * PAGE, 0, &err)) {
            break;
        }
    }
    printf("# %u slots added in %.1f ms; bookkeeping %zu bytes\n", n,
           now_ms() - t0, kvm_slots_bookkeeping_bytes(t));
    tap(n == limit && kvm_slots_count(t) == limit &&
        kvm_slots_nth(t, limit - 1)->id == limit - 1,
        "all %u slots mapped, ids 0..%u%s%s", limit, limit - 1,
        err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    /* One more: the table refuses with a clear error, asking nothing. */
    ok = !kvm_slots_add(t, gpa_of(limit), PAGE, host, 0, &err) && err &&
         strstr(err->message, "KVM memory slot limit reached");
    tap(ok, "slot %u refused by the table (%s)", limit + 1,
        err ? err->message : "no error");
    g_clear_error(&err);

    /* Lookups: first and last byte of slots, the gaps, beyond the end. */
    t0 = now_ms();
    unsigned bad = 0;
    for (unsigned i = 0; i < limit; i++) {
        const KvmSlot *s = kvm_slots_lookup(t, gpa_of(i) + PAGE - 1);
        bad += !s || s->id != i || kvm_slots_lookup(t, gpa_of(i))->id != i;
        bad += kvm_slots_lookup(t, gpa_of(i) + PAGE) != NULL;
    }
    bad += kvm_slots_lookup(t, gpa_of(limit)) != NULL;
    printf("# %u lookups in %.2f ms\n", 3 * limit + 1, now_ms() - t0);
    tap(bad == 0, "lookup hits and misses over %u slots (%u wrong)", limit,
        bad);

    /* Thousands of delete/add cycles: the freed id comes back. */
    GRand *rand = g_rand_new_with_seed(7);
    t0 = now_ms();
    bad = 0;
    for (unsigned c = 0; c < CYCLES && !err; c++) {
        unsigned i = g_rand_int_range(rand, 0, limit);
        uint32_t id = kvm_slots_lookup(t, gpa_of(i))->id;
        if (!kvm_slots_del(t, gpa_of(i), &err) ||
            !kvm_slots_add(t, gpa_of(i), PAGE, host + i * PAGE, 0, &err)) {
            break;
        }
        bad += kvm_slots_lookup(t, gpa_of(i))->id != id;
    }
    g_rand_free(rand);
    printf("# %u delete+add cycles in %.1f ms\n", CYCLES, now_ms() - t0);
    tap(!err && bad == 0, "%u delete/add cycles on a full table keep ids "
        "compact%s%s", CYCLES, err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    /* Empty it; the kernel agrees: the slot at gpa 0 can be re-created
     * with id 0 and a different size only after the delete. */
    t0 = now_ms();
    while (kvm_slots_count(t) && !err) {
        kvm_slots_del(t, kvm_slots_nth(t, kvm_slots_count(t) - 1)->gpa, &err);
    }
    printf("# emptied in %.1f ms; bookkeeping %zu bytes\n", now_ms() - t0,
           kvm_slots_bookkeeping_bytes(t));
    ok = !err && kvm_slots_add(t, 0, 2 * PAGE, host, 0, &err) &&
         kvm_slots_nth(t, 0)->id == 0 &&
         kvm_slots_bookkeeping_bytes(t) < 1024;
    tap(ok, "all slots deleted, the first id is reused%s%s",
        err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    kvm_slots_free(t);
    kvm_close(vm);
    kvm_close(kvm);
    munmap(host, (size_t)limit * PAGE);
    return nfail ? 1 : 0;
}
