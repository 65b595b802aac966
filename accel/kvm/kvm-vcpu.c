/*
 * The generic vCPU lifecycle: create (fd, kvm_run mapping, the one arch
 * create hook, registers, thread), run loop with exits dispatched through
 * the memory API under the big lock, pause/resume, reset, and destroy
 * (the one arch destroy hook).  Every failure releases what was taken.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/bql.h"
#include "kite/memory.h"
#include "kite/runstate.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
    /* Only here to interrupt KVM_RUN with EINTR. */
}

static void install_kick_handler(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        struct sigaction sa = { .sa_handler = kick_handler };
        sigemptyset(&sa.sa_mask);
        sigaction(SIG_KICK, &sa, NULL);
        g_once_init_leave(&done, 1);
    }
}

static bool load_reset_regs(KvmVcpu *v, GError **errp)
{
    if (!kvm_arch_vcpu_reset(v, errp)) {
        return false;
    }
    if (kvm_ioctl_call(v->fd, KVM_SET_SREGS, &v->reset_sregs) < 0 ||
        kvm_ioctl_call(v->fd, KVM_SET_REGS, &v->reset_regs) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: vCPU %d: setting registers failed: %s", v->index,
                    g_strerror(errno));
        return false;
    }
    return true;
}

/* ---- exits ---- */

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

static void handle_io(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    AddressSpace *io = address_space_io();

    for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            address_space_write_sized(io, run->io.port,
                                      load_le(data, run->io.size), run->io.size);
        } else {
            uint64_t val = 0;
            address_space_read_sized(io, run->io.port, &val, run->io.size);
            store_le(data, run->io.size, val);
        }
    }
}

static void handle_mmio(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    unsigned len = run->mmio.len;

    if (len != 1 && len != 2 && len != 4 && len != 8) {
        /* Odd sizes go through the byte path. */
        if (run->mmio.is_write) {
            address_space_write(address_space_memory(), run->mmio.phys_addr,
                                run->mmio.data, MIN(len, 8u));
        } else {
            address_space_read(address_space_memory(), run->mmio.phys_addr,
                               run->mmio.data, MIN(len, 8u));
        }
        return;
    }
    if (run->mmio.is_write) {
        address_space_write_sized(address_space_memory(), run->mmio.phys_addr,
                                  load_le(run->mmio.data, len), len);
    } else {
        uint64_t val = 0;
        address_space_read_sized(address_space_memory(), run->mmio.phys_addr,
                                 &val, len);
        store_le(run->mmio.data, len, val);
    }
}

/* Park this vCPU until resumed: used after it asked the VM to stop. */
static void self_stop(KvmVcpu *v)
{
    g_mutex_lock(&v->lock);
    v->stop = true;
    g_mutex_unlock(&v->lock);
}

static void fatal_exit(KvmVcpu *v, const char *what)
{
    fprintf(stderr, "kite: vCPU %d: %s\n", v->index, what);
    kvm_arch_dump_state(v, stderr);
    qemu_system_exit_request(1);
    self_stop(v);
}

/* Handle one exit with the big lock held. */
static void handle_exit(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    g_autofree char *msg = NULL;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(v);
        break;
    case KVM_EXIT_MMIO:
        handle_mmio(v);
        break;
    case KVM_EXIT_INTR:
        break;
    case KVM_EXIT_HLT:
        /* Only without an in-kernel LAPIC: nothing can wake it. */
        fatal_exit(v, "halted with no interrupt controller to wake it");
        break;
    case KVM_EXIT_SHUTDOWN:
        /* Triple fault: reset, or shut down with -no-reboot. */
        qemu_system_reset_request_reason("guest-reset");
        self_stop(v);
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            qemu_system_shutdown_request("guest-shutdown");
            break;
        case KVM_SYSTEM_EVENT_RESET:
            qemu_system_reset_request_reason("guest-reset");
            break;
        default:
            msg = g_strdup_printf("system event %u", run->system_event.type);
            fatal_exit(v, msg);
            return;
        }
        self_stop(v);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        msg = g_strdup_printf("KVM internal error, suberror %u",
                              run->internal.suberror);
        fatal_exit(v, msg);
        break;
    case KVM_EXIT_FAIL_ENTRY:
        msg = g_strdup_printf("KVM entry failed, hardware error 0x%llx",
                              (unsigned long long)
                              run->fail_entry.hardware_entry_failure_reason);
        fatal_exit(v, msg);
        break;
    default:
        if (!kvm_arch_handle_exit(v)) {
            msg = g_strdup_printf("unhandled KVM exit reason %u", run->exit_reason);
            fatal_exit(v, msg);
        }
        break;
    }
}

/* Wait here while asked to stop; returns false when the thread must end. */
static bool wait_until_runnable(KvmVcpu *v)
{
    g_mutex_lock(&v->lock);
    if (v->run) {
        v->run->immediate_exit = 0;
    }
    while (v->stop && !v->quit) {
        v->stopped = true;
        g_cond_broadcast(&v->cond);
        g_cond_wait(&v->cond, &v->lock);
    }
    v->stopped = false;
    if (v->reset_pending) {
        GError *err = NULL;
        v->reset_pending = false;
        if (!load_reset_regs(v, &err)) {
            fprintf(stderr, "kite: %s\n", err->message);
            g_error_free(err);
        }
    }
    g_mutex_unlock(&v->lock);
    return !v->quit;
}

static gpointer vcpu_thread(gpointer opaque)
{
    KvmVcpu *v = opaque;
    sigset_t set;

    v->tid = syscall(SYS_gettid);
    if (v->cpu) {
        v->cpu->thread_id = v->tid;
    }
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    g_mutex_lock(&v->lock);
    v->started = true;
    g_cond_broadcast(&v->cond);
    g_mutex_unlock(&v->lock);

    while (wait_until_runnable(v)) {
        int r = kvm_ioctl_int(v->fd, KVM_RUN, 0);

        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            bql_lock();
            fprintf(stderr, "kite: vCPU %d: KVM_RUN failed: %s\n", v->index,
                    g_strerror(errno));
            kvm_arch_dump_state(v, stderr);
            qemu_system_exit_request(1);
            self_stop(v);
            bql_unlock();
            continue;
        }
        bql_lock();
        handle_exit(v);
        bql_unlock();
    }
    return NULL;
}

static void kick(KvmVcpu *v)
{
    if (v->run) {
        v->run->immediate_exit = 1;
    }
    if (v->thread && v->tid) {
        syscall(SYS_tgkill, getpid(), (pid_t)v->tid, SIG_KICK);
    }
}

KvmVcpu *kvm_vcpu_create(KVMState *s, CPUState *cpu, int index,
                         bool start_thread, GError **errp)
{
    KvmVcpu *v = kvm_alloc0(sizeof(*v));
    GError *thread_err = NULL;
    bool arch_created = false;
    void *run;

    if (!v) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: out of memory creating vCPU %d", index);
        return NULL;
    }
    v->s = s;
    v->cpu = cpu;
    v->index = index;
    v->fd = -1;
    v->stop = true;          /* threads start parked; resume lets them run */
    g_mutex_init(&v->lock);
    g_cond_init(&v->cond);

    v->fd = kvm_ioctl_int(s->vm_fd, KVM_CREATE_VCPU, index);
    if (v->fd < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: creating vCPU %d failed: %s", index, g_strerror(errno));
        goto fail;
    }
    run = kvm_mmap(s->run_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (run == MAP_FAILED) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: mapping kvm_run of vCPU %d failed: %s", index,
                    g_strerror(errno));
        goto fail;
    }
    v->run = run;
    if (!kvm_arch_vcpu_create(v, errp)) {
        goto fail;
    }
    arch_created = true;
    if (!load_reset_regs(v, errp)) {
        goto fail;
    }
    if (start_thread) {
        g_autofree char *name = g_strdup_printf("vcpu%d", index);

        install_kick_handler();
        v->thread = g_thread_try_new(name, vcpu_thread, v, &thread_err);
        if (!v->thread) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "kvm: starting the thread of vCPU %d failed: %s", index,
                        thread_err->message);
            g_error_free(thread_err);
            goto fail;
        }
        g_mutex_lock(&v->lock);
        while (!v->started) {
            g_cond_wait(&v->cond, &v->lock);
        }
        g_mutex_unlock(&v->lock);
    }
    g_ptr_array_add(s->vcpus, v);
    return v;

fail:
    if (arch_created) {
        kvm_arch_vcpu_destroy(v);
    }
    if (v->run) {
        kvm_munmap(v->run, s->run_mmap_size);
    }
    if (v->fd >= 0) {
        kvm_close(v->fd);
    }
    g_mutex_clear(&v->lock);
    g_cond_clear(&v->cond);
    g_free(v);
    return NULL;
}

void kvm_vcpu_destroy(KvmVcpu *v)
{
    KVMState *s = v->s;

    if (v->thread) {
        g_mutex_lock(&v->lock);
        v->quit = true;
        g_cond_broadcast(&v->cond);
        g_mutex_unlock(&v->lock);
        kick(v);
        /* The thread may be waiting for the big lock to handle an exit. */
        if (bql_locked()) {
            bql_unlock();
            g_thread_join(v->thread);
            bql_lock();
        } else {
            g_thread_join(v->thread);
        }
    }
    g_ptr_array_remove(s->vcpus, v);
    kvm_arch_vcpu_destroy(v);
    kvm_munmap(v->run, s->run_mmap_size);
    kvm_close(v->fd);
    g_mutex_clear(&v->lock);
    g_cond_clear(&v->cond);
    g_free(v);
}

void kvm_vcpus_pause(KVMState *s)
{
    for (guint i = 0; i < s->vcpus->len; i++) {
        KvmVcpu *v = g_ptr_array_index(s->vcpus, i);

        g_mutex_lock(&v->lock);
        v->stop = true;
        g_mutex_unlock(&v->lock);
        kick(v);
    }
    for (guint i = 0; i < s->vcpus->len; i++) {
        KvmVcpu *v = g_ptr_array_index(s->vcpus, i);
        bool relock = bql_locked();

        if (!v->thread) {
            continue;
        }
        /* A vCPU finishing an exit needs the big lock to get to its stop. */
        if (relock) {
            bql_unlock();
        }
        g_mutex_lock(&v->lock);
        while (!v->stopped && !v->quit) {
            g_cond_wait(&v->cond, &v->lock);
        }
        g_mutex_unlock(&v->lock);
        if (relock) {
            bql_lock();
        }
    }
}

void kvm_vcpus_resume(KVMState *s)
{
    for (guint i = 0; i < s->vcpus->len; i++) {
        KvmVcpu *v = g_ptr_array_index(s->vcpus, i);

        g_mutex_lock(&v->lock);
        v->stop = false;
        g_cond_broadcast(&v->cond);
        g_mutex_unlock(&v->lock);
    }
}

void kvm_vcpus_reset(KVMState *s)
{
    for (guint i = 0; i < s->vcpus->len; i++) {
        KvmVcpu *v = g_ptr_array_index(s->vcpus, i);

        g_mutex_lock(&v->lock);
        /* Loaded by the vCPU thread itself before it runs again. */
        v->reset_pending = true;
        g_mutex_unlock(&v->lock);
    }
}
