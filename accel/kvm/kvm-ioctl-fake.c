/*
 * Recording fake of the KVM syscall layer (see kvm-ioctl-fake.h).  It
 * models just enough of KVM for slot-table and lifecycle tests: fds,
 * capabilities, the vCPU mmap, and memory slots checked by the rules of
 * the KVM API documentation (4.35 KVM_SET_USER_MEMORY_REGION).  vCPU
 * threads call it concurrently, so one lock guards its state; it is not
 * held while KVM_RUN waits or a test's handler runs.
 */
#include "kite/kvm/kvm-ioctl-fake.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FAKE_PAGE 4096ULL
#define FAKE_VCPU_MMAP_SIZE (3 * 4096)

typedef enum { FD_DEV, FD_VM, FD_VCPU } FakeFdKind;

typedef struct FakeSlot {
    struct kvm_userspace_memory_region r;
    unsigned long *dirty;    /* pages dirtied since the last read */
} FakeSlot;

typedef struct FakeVm {
    int fd;
    GHashTable *slots;       /* slot id -> FakeSlot */
    GArray *routes;          /* struct kvm_irq_routing_entry, the table */
    GArray *irqfds;          /* struct kvm_irqfd, assigned */
    GArray *ioeventfds;      /* struct kvm_ioeventfd, assigned */
} FakeVm;

static struct {
    bool installed;
    const KvmIoctlOps *prev;
    GArray *calls;           /* KvmFakeCall */
    unsigned counter;
    unsigned fail_n;
    int fail_err;
    unsigned long fail_req;
    int fail_req_err;
    GHashTable *caps;        /* cap -> value (GINT_TO_POINTER) */
    GHashTable *fds;         /* fd -> FakeFdKind */
    GHashTable *maps;        /* addr -> len */
    GHashTable *vms;         /* fd -> FakeVm */
    GHashTable *runs;        /* vCPU fd -> its kvm_run mapping */
    FakeVm *last_vm;
    KvmFakeHandler handler;
    void *handler_opaque;
} fake;

static GMutex fake_lock;

static void lock(void)
{
    g_mutex_lock(&fake_lock);
}

/* Unlock keeping errno, which callers return through. */
static void unlock(void)
{
    int saved = errno;

    g_mutex_unlock(&fake_lock);
    errno = saved;
}

static void fake_slot_free(gpointer p)
{
    FakeSlot *s = p;

    g_free(s->dirty);
    g_free(s);
}

static void fake_vm_free(gpointer p)
{
    FakeVm *vm = p;

    g_hash_table_destroy(vm->slots);
    g_array_free(vm->routes, true);
    g_array_free(vm->irqfds, true);
    g_array_free(vm->ioeventfds, true);
    g_free(vm);
}

static void call_clear(gpointer p)
{
    g_free(((KvmFakeCall *)p)->arg);
}

static KvmFakeCall *record(KvmFakeOp op, int fd, unsigned long req,
                           uintptr_t value, const void *arg, size_t len)
{
    KvmFakeCall c = { .op = op, .fd = fd, .req = req, .arg_value = value };

    if (arg && len) {
        c.arg = g_memdup2(arg, len);
        c.arg_len = len;
    }
    g_array_append_val(fake.calls, c);
    return &g_array_index(fake.calls, KvmFakeCall, fake.calls->len - 1);
}

/* Fault injection for acquiring calls: true when this call must fail. */
static bool injected_failure(KvmFakeCall *c, unsigned long req)
{
    fake.counter++;
    if (fake.fail_n && fake.counter == fake.fail_n) {
        c->err = fake.fail_err;
    } else if (c->op == KVM_FAKE_IOCTL && fake.fail_req && req == fake.fail_req) {
        c->err = fake.fail_req_err;
        fake.fail_req = 0;
    } else {
        return false;
    }
    c->result = -1;
    errno = c->err;
    return true;
}

static int finish(KvmFakeCall *c, int result, int err)
{
    c->result = result;
    c->err = result < 0 ? err : 0;
    if (result < 0) {
        errno = err;
    }
    return result;
}

static int new_fd(FakeFdKind kind)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (fd >= 0) {
        g_hash_table_insert(fake.fds, GINT_TO_POINTER(fd),
                            GINT_TO_POINTER(kind));
    }
    return fd;
}

static int fd_kind(int fd)
{
    gpointer v;

    if (!g_hash_table_lookup_extended(fake.fds, GINT_TO_POINTER(fd), NULL,
                                      &v)) {
        return -1;
    }
    return GPOINTER_TO_INT(v);
}

static int fake_open_locked(const char *path)
{
    KvmFakeCall *c = record(KVM_FAKE_OPEN, -1, 0, 0, path, strlen(path) + 1);
    int fd;

    if (injected_failure(c, 0)) {
        return -1;
    }
    if (strcmp(path, "/dev/kvm") != 0) {
        return finish(c, -1, ENOENT);
    }
    fd = new_fd(FD_DEV);
    return finish(c, fd, errno);
}

static int fake_open(const char *path, int flags)
{
    int r;

    lock();
    r = fake_open_locked(path);
    unlock();
    return r;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
                           uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* KVM_SET_USER_MEMORY_REGION as the kernel checks it. */
static int fake_set_region(FakeVm *vm, const struct kvm_userspace_memory_region *r)
{
    unsigned id = r->slot & 0xffff;
    int limit = GPOINTER_TO_INT(g_hash_table_lookup(fake.caps,
                                   GINT_TO_POINTER(KVM_CAP_NR_MEMSLOTS)));
    FakeSlot *old = g_hash_table_lookup(vm->slots, GUINT_TO_POINTER(id));
    GHashTableIter it;
    gpointer k, v;

    if (r->flags & ~(uint32_t)(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)) {
        return -EINVAL;
    }
    if ((r->slot >> 16) != 0 || (int)id >= limit) {
        return -EINVAL;
    }
    if ((r->memory_size | r->guest_phys_addr | r->userspace_addr) &
        (FAKE_PAGE - 1)) {
        return -EINVAL;
    }
    if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr) {
        return -EINVAL;
    }
    if (r->memory_size == 0) {
        if (!old) {
            return -EINVAL;
        }
        g_hash_table_remove(vm->slots, GUINT_TO_POINTER(id));
        return 0;
    }
    if (old) {
        /* A live slot may move or change its dirty-log flag, never its
         * size or read-only flag. */
        if (old->r.memory_size != r->memory_size ||
            ((old->r.flags ^ r->flags) & KVM_MEM_READONLY)) {
            return -EINVAL;
        }
    }
    g_hash_table_iter_init(&it, vm->slots);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        FakeSlot *s = v;
        if (GPOINTER_TO_UINT(k) != id &&
            ranges_overlap(s->r.guest_phys_addr, s->r.memory_size,
                           r->guest_phys_addr, r->memory_size)) {
            return -EEXIST;
        }
    }
    if (!old) {
        old = g_new0(FakeSlot, 1);
        g_hash_table_insert(vm->slots, GUINT_TO_POINTER(id), old);
    }
    old->r = *r;
    g_free(old->dirty);
    old->dirty = NULL;
    if (r->flags & KVM_MEM_LOG_DIRTY_PAGES) {
        old->dirty = g_new0(unsigned long,
                            (r->memory_size / FAKE_PAGE + 63) / 64 + 1);
    }
    return 0;
}

static int fake_get_dirty_log(FakeVm *vm, struct kvm_dirty_log *log)
{
    FakeSlot *s = g_hash_table_lookup(vm->slots,
                                      GUINT_TO_POINTER(log->slot & 0xffff));
    size_t npages, nbytes;

    if (!s) {
        return -EINVAL;
    }
    if (!s->dirty) {
        return -ENOENT;
    }
    npages = s->r.memory_size / FAKE_PAGE;
    /* The kernel writes whole 64-bit words. */
    nbytes = (npages + 63) / 64 * 8;
    memcpy(log->dirty_bitmap, s->dirty, nbytes);
    memset(s->dirty, 0, nbytes);
    return 0;
}

/* KVM_SET_GSI_ROUTING (API 4.52): the whole table at once, GSIs and the
 * number of entries below KVM_CAP_IRQ_ROUTING's value. */
static int fake_set_routing(FakeVm *vm, const struct kvm_irq_routing *r)
{
    int max = GPOINTER_TO_INT(g_hash_table_lookup(fake.caps,
                                  GINT_TO_POINTER(KVM_CAP_IRQ_ROUTING)));

    if (r->flags || r->nr > (unsigned)max) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < r->nr; i++) {
        const struct kvm_irq_routing_entry *e = &r->entries[i];
        if (e->gsi >= (unsigned)max || e->flags ||
            (e->type != KVM_IRQ_ROUTING_IRQCHIP &&
             e->type != KVM_IRQ_ROUTING_MSI)) {
            return -EINVAL;
        }
    }
    g_array_set_size(vm->routes, 0);
    g_array_append_vals(vm->routes, r->entries, r->nr);
    return 0;
}

static bool fd_valid(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* KVM_IRQFD (4.75): an eventfd is bound to one GSI at a time; deassigning
 * what is not assigned succeeds, as in the kernel. */
static int fake_irqfd(FakeVm *vm, const struct kvm_irqfd *q)
{
    if (q->flags & ~(uint32_t)KVM_IRQFD_FLAG_DEASSIGN) {
        return -EINVAL;
    }
    if (!fd_valid(q->fd)) {
        return -EBADF;
    }
    for (guint i = 0; i < vm->irqfds->len; i++) {
        struct kvm_irqfd *a = &g_array_index(vm->irqfds, struct kvm_irqfd, i);
        if (a->fd != q->fd) {
            continue;
        }
        if (!(q->flags & KVM_IRQFD_FLAG_DEASSIGN)) {
            return -EBUSY;
        }
        if (a->gsi == q->gsi) {
            g_array_remove_index(vm->irqfds, i);
        }
        return 0;
    }
    if (!(q->flags & KVM_IRQFD_FLAG_DEASSIGN)) {
        g_array_append_vals(vm->irqfds, q, 1);
    }
    return 0;
}

/* KVM_IOEVENTFD (4.59): collisions and deassign matching as the kernel's
 * ioeventfd_check_collision and kvm_deassign_ioeventfd. */
static int fake_ioeventfd(FakeVm *vm, const struct kvm_ioeventfd *q)
{
    uint32_t bus = KVM_IOEVENTFD_FLAG_PIO;
    bool wild = !(q->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);

    if (q->flags & ~(uint32_t)(KVM_IOEVENTFD_FLAG_DATAMATCH |
                               KVM_IOEVENTFD_FLAG_PIO |
                               KVM_IOEVENTFD_FLAG_DEASSIGN)) {
        return -EINVAL;
    }
    if ((q->len != 0 && q->len != 1 && q->len != 2 && q->len != 4 &&
         q->len != 8) || (q->len == 0 && !wild) ||
        q->addr + q->len < q->addr) {
        return -EINVAL;
    }
    if (!fd_valid(q->fd)) {
        return -EBADF;
    }
    for (guint i = 0; i < vm->ioeventfds->len; i++) {
        struct kvm_ioeventfd *a =
            &g_array_index(vm->ioeventfds, struct kvm_ioeventfd, i);
        bool awild = !(a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);

        if ((a->flags & bus) != (q->flags & bus) || a->addr != q->addr) {
            continue;
        }
        if (q->flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
            if (a->fd == q->fd && a->len == q->len && awild == wild &&
                (wild || a->datamatch == q->datamatch)) {
                g_array_remove_index(vm->ioeventfds, i);
                return 0;
            }
            continue;
        }
        if (!a->len || !q->len ||
            (a->len == q->len &&
             (awild || wild || a->datamatch == q->datamatch))) {
            return -EEXIST;
        }
    }
    if (q->flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
        return -ENOENT;
    }
    g_array_append_vals(vm->ioeventfds, q, 1);
    return 0;
}

static int fake_model_ioctl(int fd, int kind, unsigned long req, void *arg)
{
    FakeVm *vm;
    int nfd;

    switch (req) {
    case KVM_GET_API_VERSION:
        return kind == FD_DEV ? KVM_API_VERSION : -EINVAL;
    case KVM_CHECK_EXTENSION:
        if (kind == FD_VCPU) {
            return -EINVAL;
        }
        return GPOINTER_TO_INT(g_hash_table_lookup(fake.caps, arg));
    case KVM_GET_VCPU_MMAP_SIZE:
        return kind == FD_DEV ? FAKE_VCPU_MMAP_SIZE : -EINVAL;
    case KVM_CREATE_VM:
        if (kind != FD_DEV) {
            return -EINVAL;
        }
        nfd = new_fd(FD_VM);
        if (nfd < 0) {
            return -errno;
        }
        vm = g_new0(FakeVm, 1);
        vm->fd = nfd;
        vm->slots = g_hash_table_new_full(NULL, NULL, NULL, fake_slot_free);
        vm->routes = g_array_new(false, true,
                                 sizeof(struct kvm_irq_routing_entry));
        vm->irqfds = g_array_new(false, true, sizeof(struct kvm_irqfd));
        vm->ioeventfds = g_array_new(false, true,
                                     sizeof(struct kvm_ioeventfd));
        g_hash_table_insert(fake.vms, GINT_TO_POINTER(nfd), vm);
        fake.last_vm = vm;
        return nfd;
    case KVM_CREATE_VCPU:
        if (kind != FD_VM) {
            return -EINVAL;
        }
        nfd = new_fd(FD_VCPU);
        return nfd < 0 ? -errno : nfd;
    case KVM_SET_USER_MEMORY_REGION:
    case KVM_GET_DIRTY_LOG:
        vm = g_hash_table_lookup(fake.vms, GINT_TO_POINTER(fd));
        if (!vm) {
            return -ENOTTY;
        }
        if (!arg) {
            return -EFAULT;
        }
        return req == KVM_SET_USER_MEMORY_REGION ? fake_set_region(vm, arg)
                                                 : fake_get_dirty_log(vm, arg);
    case KVM_SET_GSI_ROUTING:
    case KVM_IRQFD:
    case KVM_IOEVENTFD:
        vm = g_hash_table_lookup(fake.vms, GINT_TO_POINTER(fd));
        if (!vm) {
            return -ENOTTY;
        }
        if (!arg) {
            return -EFAULT;
        }
        return req == KVM_SET_GSI_ROUTING ? fake_set_routing(vm, arg)
             : req == KVM_IRQFD ? fake_irqfd(vm, arg)
             : fake_ioeventfd(vm, arg);
    default:
        return 0;
    }
}

/*
 * KVM_RUN of an idle guest: it never exits by itself, only when the VMM
 * sets immediate_exit or a signal arrives (both give EINTR and
 * KVM_EXIT_INTR, as the kernel does).
 */
static int fake_run(struct kvm_run *run)
{
    for (;;) {
        struct timespec ts = { 0, 1000000 };

        if (run && __atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE)) {
            break;
        }
        if (nanosleep(&ts, NULL) < 0 && errno == EINTR) {
            break;
        }
    }
    if (run) {
        run->exit_reason = KVM_EXIT_INTR;
    }
    return -EINTR;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
    size_t len = _IOC_DIR(req) != _IOC_NONE ? _IOC_SIZE(req) : 0;
    KvmFakeHandler handler;
    void *handler_opaque, *run;
    unsigned idx;
    int kind, r, err = 0;

    lock();
    record(KVM_FAKE_IOCTL, fd, req, (uintptr_t)arg, len ? arg : NULL, len);
    idx = fake.calls->len - 1;
    if (injected_failure(&g_array_index(fake.calls, KvmFakeCall, idx), req)) {
        unlock();
        return -1;
    }
    kind = fd_kind(fd);
    if (kind < 0) {
        r = finish(&g_array_index(fake.calls, KvmFakeCall, idx), -1, EBADF);
        unlock();
        return r;
    }
    handler = fake.handler;
    handler_opaque = fake.handler_opaque;
    run = g_hash_table_lookup(fake.runs, GINT_TO_POINTER(fd));
    r = KVM_FAKE_UNHANDLED;
    if (handler || (req == KVM_RUN && kind == FD_VCPU)) {
        /* Both may block: let other threads use the fake meanwhile. */
        unlock();
        if (handler) {
            errno = 0;
            r = handler(fd, req, arg, handler_opaque);
            err = errno;
        }
        if (r == KVM_FAKE_UNHANDLED && req == KVM_RUN && kind == FD_VCPU) {
            r = fake_run(run);
            err = -r;
            r = -1;
        }
        lock();
        if (!fake.calls || idx >= fake.calls->len) {
            /* uninstalled or cleared meanwhile: nothing to record into */
            unlock();
            errno = err;
            return r == KVM_FAKE_UNHANDLED ? 0 : r;
        }
    }
    if (r == KVM_FAKE_UNHANDLED) {
        r = fake_model_ioctl(fd, kind, req, arg);
        err = r < 0 ? -r : 0;
        r = r < 0 ? -1 : r;
    }
    r = finish(&g_array_index(fake.calls, KvmFakeCall, idx), r, err);
    unlock();
    return r;
}

static void *fake_mmap_locked(void *addr, size_t len, int prot, int fd,
                              off_t offset)
{
    KvmFakeCall *c = record(KVM_FAKE_MMAP, fd, 0, len, NULL, 0);
    void *p;

    if (injected_failure(c, 0)) {
        return MAP_FAILED;
    }
    if (fd_kind(fd) != FD_VCPU || offset != 0 || len == 0 ||
        len > FAKE_VCPU_MMAP_SIZE) {
        finish(c, -1, fd_kind(fd) < 0 ? EBADF : EINVAL);
        return MAP_FAILED;
    }
    p = mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        finish(c, -1, errno);
        return MAP_FAILED;
    }
    g_hash_table_insert(fake.maps, p, GSIZE_TO_POINTER(len));
    g_hash_table_insert(fake.runs, GINT_TO_POINTER(fd), p);
    finish(c, 0, 0);
    return p;
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd,
                       off_t offset)
{
    void *p;

    lock();
    p = fake_mmap_locked(addr, len, prot, fd, offset);
    unlock();
    return p;
}

static gboolean maps_to(gpointer key, gpointer value, gpointer addr)
{
    return value == addr;
}

static int fake_munmap_locked(void *addr, size_t len)
{
    KvmFakeCall *c = record(KVM_FAKE_MUNMAP, -1, 0, len, NULL, 0);
    gpointer v;

    if (!g_hash_table_lookup_extended(fake.maps, addr, NULL, &v) ||
        GPOINTER_TO_SIZE(v) != len) {
        return finish(c, -1, EINVAL);
    }
    g_hash_table_remove(fake.maps, addr);
    g_hash_table_foreach_remove(fake.runs, maps_to, addr);
    return finish(c, munmap(addr, len), errno);
}

static int fake_munmap(void *addr, size_t len)
{
    int r;

    lock();
    r = fake_munmap_locked(addr, len);
    unlock();
    return r;
}

static int fake_close_locked(int fd)
{
    KvmFakeCall *c = record(KVM_FAKE_CLOSE, fd, 0, 0, NULL, 0);

    if (fd_kind(fd) < 0) {
        return finish(c, -1, EBADF);
    }
    g_hash_table_remove(fake.fds, GINT_TO_POINTER(fd));
    g_hash_table_remove(fake.runs, GINT_TO_POINTER(fd));
    if (fake.last_vm && fake.last_vm->fd == fd) {
        fake.last_vm = NULL;
    }
    g_hash_table_remove(fake.vms, GINT_TO_POINTER(fd));
    return finish(c, close(fd), errno);
}

static int fake_close(int fd)
{
    int r;

    lock();
    r = fake_close_locked(fd);
    unlock();
    return r;
}

static const KvmIoctlOps fake_ops = {
    .open = fake_open,
    .ioctl = fake_ioctl,
    .mmap = fake_mmap,
    .munmap = fake_munmap,
    .close = fake_close,
};

void kvm_fake_install(void)
{
    if (fake.installed) {
        kvm_fake_uninstall();
    }
    lock();
    memset(&fake, 0, sizeof(fake));
    fake.installed = true;
    fake.calls = g_array_new(FALSE, TRUE, sizeof(KvmFakeCall));
    g_array_set_clear_func(fake.calls, call_clear);
    fake.caps = g_hash_table_new(NULL, NULL);
    fake.fds = g_hash_table_new(NULL, NULL);
    fake.maps = g_hash_table_new(NULL, NULL);
    fake.vms = g_hash_table_new_full(NULL, NULL, NULL, fake_vm_free);
    fake.runs = g_hash_table_new(NULL, NULL);
    g_hash_table_insert(fake.caps, GINT_TO_POINTER(KVM_CAP_NR_MEMSLOTS),
                        GINT_TO_POINTER(32));
    fake.prev = kvm_ioctl_set_ops(&fake_ops);
    unlock();
}

void kvm_fake_uninstall(void)
{
    GHashTableIter it;
    gpointer k, v;

    lock();
    if (!fake.installed) {
        unlock();
        return;
    }
    kvm_ioctl_set_ops(fake.prev);
    g_hash_table_iter_init(&it, fake.fds);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        close(GPOINTER_TO_INT(k));
    }
    g_hash_table_iter_init(&it, fake.maps);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        munmap(k, GPOINTER_TO_SIZE(v));
    }
    g_array_free(fake.calls, TRUE);
    g_hash_table_destroy(fake.caps);
    g_hash_table_destroy(fake.fds);
    g_hash_table_destroy(fake.maps);
    g_hash_table_destroy(fake.vms);
    g_hash_table_destroy(fake.runs);
    memset(&fake, 0, sizeof(fake));
    unlock();
}

void kvm_fake_clear_calls(void)
{
    lock();
    g_array_set_size(fake.calls, 0);
    fake.counter = 0;
    unlock();
}

void kvm_fake_fail_nth(unsigned n, int err)
{
    lock();
    fake.fail_n = n;
    fake.fail_err = err;
    unlock();
}

void kvm_fake_fail_next(unsigned long req, int err)
{
    lock();
    fake.fail_req = req;
    fake.fail_req_err = err;
    unlock();
}

void kvm_fake_set_cap(long cap, int value)
{
    lock();
    g_hash_table_insert(fake.caps, GINT_TO_POINTER(cap),
                        GINT_TO_POINTER(value));
    unlock();
}

void kvm_fake_set_dirty(unsigned slot, const unsigned long *bits,
                        size_t nbits)
{
    FakeSlot *s = NULL;
    size_t npages;

    lock();
    if (fake.last_vm) {
        s = g_hash_table_lookup(fake.last_vm->slots, GUINT_TO_POINTER(slot));
    }
    if (s && s->dirty) {
        npages = s->r.memory_size / FAKE_PAGE;
        for (size_t i = 0; i < nbits && i < npages; i++) {
            if (bits[i / 64] & (1UL << (i % 64))) {
                s->dirty[i / 64] |= 1UL << (i % 64);
            }
        }
    }
    unlock();
}

unsigned kvm_fake_counter(void)
{
    unsigned n;

    lock();
    n = fake.counter;
    unlock();
    return n;
}

void kvm_fake_set_handler(KvmFakeHandler fn, void *opaque)
{
    lock();
    fake.handler = fn;
    fake.handler_opaque = opaque;
    unlock();
}

unsigned kvm_fake_ncalls(void)
{
    unsigned n;

    lock();
    n = fake.calls ? fake.calls->len : 0;
    unlock();
    return n;
}

const KvmFakeCall *kvm_fake_call(unsigned i)
{
    const KvmFakeCall *c = NULL;

    lock();
    if (fake.calls && i < fake.calls->len) {
        c = &g_array_index(fake.calls, KvmFakeCall, i);
    }
    unlock();
    return c;
}

unsigned kvm_fake_count(unsigned long req)
{
    unsigned n = 0;

    lock();
    for (unsigned i = 0; fake.calls && i < fake.calls->len; i++) {
        const KvmFakeCall *c = &g_array_index(fake.calls, KvmFakeCall, i);
        n += c->op == KVM_FAKE_IOCTL && c->req == req;
    }
    unlock();
    return n;
}

const struct kvm_userspace_memory_region *kvm_fake_slot(unsigned slot)
{
    FakeSlot *s = NULL;

    lock();
    if (fake.last_vm) {
        s = g_hash_table_lookup(fake.last_vm->slots, GUINT_TO_POINTER(slot));
    }
    unlock();
    return s ? &s->r : NULL;
}

unsigned kvm_fake_nslots(void)
{
    unsigned n;

    lock();
    n = fake.last_vm ? g_hash_table_size(fake.last_vm->slots) : 0;
    unlock();
    return n;
}

unsigned kvm_fake_open_fds(void)
{
    unsigned n;

    lock();
    n = fake.fds ? g_hash_table_size(fake.fds) : 0;
    unlock();
    return n;
}

unsigned kvm_fake_mappings(void)
{
    unsigned n;

    lock();
    n = fake.maps ? g_hash_table_size(fake.maps) : 0;
    unlock();
    return n;
}

unsigned kvm_fake_gsi_routes(struct kvm_irq_routing_entry *out, unsigned max)
{
    unsigned n = 0;

    lock();
    if (fake.last_vm) {
        n = fake.last_vm->routes->len;
        if (MIN(n, max)) {
            memcpy(out, fake.last_vm->routes->data,
                   MIN(n, max) * sizeof(*out));
        }
    }
    unlock();
    return n;
}

unsigned kvm_fake_irqfds(void)
{
    unsigned n;

    lock();
    n = fake.last_vm ? fake.last_vm->irqfds->len : 0;
    unlock();
    return n;
}

int kvm_fake_irqfd_gsi(int fd)
{
    int gsi = -1;

    lock();
    for (guint i = 0; fake.last_vm && i < fake.last_vm->irqfds->len; i++) {
        struct kvm_irqfd *a =
            &g_array_index(fake.last_vm->irqfds, struct kvm_irqfd, i);
        if ((int)a->fd == fd) {
            gsi = a->gsi;
        }
    }
    unlock();
    return gsi;
}

unsigned kvm_fake_ioeventfds(void)
{
    unsigned n;

    lock();
    n = fake.last_vm ? fake.last_vm->ioeventfds->len : 0;
    unlock();
    return n;
}

bool kvm_fake_ioeventfd(unsigned i, struct kvm_ioeventfd *out)
{
    bool ok = false;

    lock();
    if (fake.last_vm && i < fake.last_vm->ioeventfds->len) {
        *out = g_array_index(fake.last_vm->ioeventfds, struct kvm_ioeventfd, i);
        ok = true;
    }
    unlock();
    return ok;
}
