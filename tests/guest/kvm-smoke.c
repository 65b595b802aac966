/*
 * Smoke test on the real KVM (run through scripts/kvm-run): API version,
 * a VM whose memory is mapped by Kite's slot table, one vCPU running a few
 * bytes of real-mode code that writes two ports, stores to two pages of a
 * dirty-logged slot and halts.  Checks every exit, the dirty bitmap and
 * slot resize/delete against the kernel.  Prints TAP.
 */
#include "kite/kvm/kvm-ioctl.h"
#include "kite/kvm/kvm-slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <linux/kvm.h>

#define CODE_GPA 0x1000
#define DATA_GPA 0x2000
#define DATA_SIZE 0x4000
#define PORT 0x10

/* Real mode, CS = DS = 0, AL = 0x42 on entry. */
static const uint8_t guest_code[] = {
    0xe6, PORT,               /* out 0x10, al */
    0x04, 0x01,               /* add al, 1 */
    0xe6, PORT,               /* out 0x10, al */
    0xa2, 0x00, 0x30,         /* mov [0x3000], al   (data page 1) */
    0xa2, 0x00, 0x50,         /* mov [0x5000], al   (data page 3) */
    0xf4,                     /* hlt */
};

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

#define NTESTS 9

static void skip_rest(const char *why)
{
    while (ntest < NTESTS) {
        printf("ok %d - # SKIP %s\n", ++ntest, why);
    }
}

static bool expect_io(struct kvm_run *run, uint8_t value, int r)
{
    return r == 0 && run->exit_reason == KVM_EXIT_IO &&
           run->io.direction == KVM_EXIT_IO_OUT && run->io.port == PORT &&
           run->io.size == 1 && run->io.count == 1 &&
           ((uint8_t *)run)[run->io.data_offset] == value;
}

int main(void)
{
    GError *err = NULL;
    int kvm, vm, vcpu, api, r, mmap_size;
    unsigned limit;
    struct kvm_run *run;
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rip = CODE_GPA, .rax = 0x42, .rflags = 2 };
    KvmSlotTable *t;
    uint8_t *code, *data;
    unsigned long bitmap[4] = { 0 };
    double t0, t_hlt;

    printf("1..%d\n", NTESTS);
    t0 = now_ms();
    kvm = kvm_open("/dev/kvm", O_RDWR);
    api = kvm >= 0 ? kvm_ioctl_int(kvm, KVM_GET_API_VERSION, 0) : -1;
    tap(api == KVM_API_VERSION, "/dev/kvm opens, KVM_GET_API_VERSION %d", api);
    if (api != KVM_API_VERSION) {
        skip_rest("no usable /dev/kvm");
        return 1;
    }
    vm = kvm_ioctl_int(kvm, KVM_CREATE_VM, 0);
    limit = vm >= 0 ? kvm_slots_query_limit(vm) : 0;
    tap(vm >= 0 && limit > 0, "KVM_CREATE_VM, KVM_CAP_NR_MEMSLOTS %u", limit);
    if (vm < 0) {
        skip_rest("KVM_CREATE_VM failed");
        return 1;
    }
    printf("# KVM_CAP_NR_MEMSLOTS %u\n", limit);

    code = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data = mmap(NULL, 2 * DATA_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(code, guest_code, sizeof(guest_code));
    t = kvm_slots_new(vm, limit);
    bool ok = kvm_slots_add(t, CODE_GPA, 0x1000, code, KVM_MEM_READONLY, &err) &&
              kvm_slots_add(t, DATA_GPA, DATA_SIZE, data,
                            KVM_MEM_LOG_DIRTY_PAGES, &err);
    tap(ok && kvm_slots_count(t) == 2 && kvm_slots_nth(t, 0)->id == 0 &&
        kvm_slots_nth(t, 1)->id == 1,
        "two slots mapped through the slot table%s%s",
        err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    vcpu = kvm_ioctl_int(vm, KVM_CREATE_VCPU, 0);
    mmap_size = kvm_ioctl_int(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    run = vcpu >= 0 && mmap_size > 0
          ? kvm_mmap(mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0)
          : MAP_FAILED;
    r = run == MAP_FAILED ? -1 : kvm_ioctl_call(vcpu, KVM_GET_SREGS, &sregs);
    if (r == 0) {
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        sregs.ds.base = 0;
        sregs.ds.selector = 0;
        r = kvm_ioctl_call(vcpu, KVM_SET_SREGS, &sregs);
    }
    r = r == 0 ? kvm_ioctl_call(vcpu, KVM_SET_REGS, &regs) : r;
    tap(r == 0, "vCPU created, kvm_run mapped, real-mode registers set");
    if (r != 0) {
        skip_rest("vCPU set-up failed");
        return 1;
    }

    double t_run = now_ms();
    r = kvm_ioctl_call(vcpu, KVM_RUN, NULL);
    bool io1 = expect_io(run, 0x42, r);
    r = kvm_ioctl_call(vcpu, KVM_RUN, NULL);
    bool io2 = expect_io(run, 0x43, r);
    tap(io1 && io2, "two KVM_EXIT_IO: out 0x%x with 0x42 then 0x43 "
        "(last exit_reason %u)", PORT, run->exit_reason);
    r = kvm_ioctl_call(vcpu, KVM_RUN, NULL);
    t_hlt = now_ms();
    tap(r == 0 && run->exit_reason == KVM_EXIT_HLT,
        "KVM_EXIT_HLT after the stores (exit_reason %u)", run->exit_reason);
    printf("# open /dev/kvm to HLT exit: %.2f ms; the three KVM_RUN calls "
           "(two port exits, HLT): %.2f ms\n", t_hlt - t0, t_hlt - t_run);

    ok = kvm_slots_get_dirty_log(t, DATA_GPA, bitmap, &err);
    tap(ok && bitmap[0] == 0xa && data[0x1000] == 0x43 && data[0x3000] == 0x43,
        "dirty log shows the two written pages (bitmap 0x%lx)%s%s",
        bitmap[0], err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    ok = kvm_slots_resize(t, DATA_GPA, 2 * DATA_SIZE, &err) &&
         kvm_slots_lookup(t, DATA_GPA + 2 * DATA_SIZE - 1) &&
         !kvm_slots_lookup(t, DATA_GPA + 2 * DATA_SIZE);
    tap(ok, "resize the data slot to 0x%x%s%s", 2 * DATA_SIZE,
        err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    /* The kernel refuses an overlapping slot itself too: ask it directly
     * (the table would refuse before asking). */
    struct kvm_userspace_memory_region overlap = {
        .slot = 5, .guest_phys_addr = DATA_GPA, .memory_size = 0x1000,
        .userspace_addr = (uintptr_t)data,
    };
    r = kvm_ioctl_call(vm, KVM_SET_USER_MEMORY_REGION, &overlap);
    int overlap_errno = errno;
    ok = kvm_slots_del(t, DATA_GPA, &err) && kvm_slots_del(t, CODE_GPA, &err) &&
         kvm_slots_count(t) == 0;
    tap(r < 0 && overlap_errno == EEXIST && ok,
        "kernel refuses an overlapping slot (EEXIST), both slots deleted%s%s",
        err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);

    kvm_slots_free(t);
    kvm_munmap(run, mmap_size);
    kvm_close(vcpu);
    kvm_close(vm);
    kvm_close(kvm);
    munmap(code, 0x1000);
    munmap(data, 2 * DATA_SIZE);
    return nfail ? 1 : 0;
}
