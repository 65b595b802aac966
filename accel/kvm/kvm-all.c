/*
 * The KVM VM: /dev/kvm, the VM fd, the memslot table fed by a memory
 * listener, and the accelerator operations the rest of Kite calls.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/kvm/kvm-irq.h"
#include "kite/accel.h"
#include "kite/bql.h"
#include "kite/qmp.h"
#include "kite/runstate.h"
#ifdef __x86_64__
/* MSIs into the in-kernel LAPICs: x86 only (s390x has no PCI MSI here). */
#include "kite/pci.h"
#endif
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define KVM_API_VERSION_EXPECTED 12

static KVMState *the_kvm;
static unsigned alloc_fail_n, alloc_count;

KVMState *kvm_state(void)
{
    return the_kvm;
}

void kvm_fault_inject_alloc(unsigned n)
{
    alloc_fail_n = n;
    alloc_count = 0;
}

unsigned kvm_alloc_count(void)
{
    return alloc_count;
}

void *kvm_alloc0(size_t size)
{
    if (alloc_fail_n && ++alloc_count == alloc_fail_n) {
        return NULL;
    }
    if (!alloc_fail_n) {
        alloc_count++;
    }
    return g_try_malloc0(size);
}

static int check_extension(int fd, long cap)
{
    int r = kvm_ioctl_int(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

KVMState *kvm_vm_create(unsigned max_vcpus, GError **errp)
{
    KVMState *s = kvm_alloc0(sizeof(*s));
    int r, limit;

    if (!s) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: out of memory creating the VM");
        return NULL;
    }
    s->sys_fd = s->vm_fd = -1;
    s->sys_fd = kvm_open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->sys_fd < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Could not access KVM kernel module: %s", g_strerror(errno));
        goto fail;
    }
    r = kvm_ioctl_int(s->sys_fd, KVM_GET_API_VERSION, 0);
    if (r != KVM_API_VERSION_EXPECTED) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: API version %d, expected %d", r,
                    KVM_API_VERSION_EXPECTED);
        goto fail;
    }
    do {
        s->vm_fd = kvm_ioctl_int(s->sys_fd, KVM_CREATE_VM, 0);
    } while (s->vm_fd < 0 && errno == EINTR);
    if (s->vm_fd < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: failed to create the VM: %s", g_strerror(errno));
        goto fail;
    }
    s->run_mmap_size = kvm_ioctl_int(s->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (s->run_mmap_size <= 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: KVM_GET_VCPU_MMAP_SIZE failed: %s", g_strerror(errno));
        goto fail;
    }
    limit = check_extension(s->vm_fd, KVM_CAP_MAX_VCPUS);
    if (!limit) {
        limit = check_extension(s->vm_fd, KVM_CAP_NR_VCPUS);
    }
    if (!limit) {
        limit = 4;   /* what the KVM API documentation says to assume */
    }
    if (max_vcpus > (unsigned)limit) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Number of SMP CPUs requested (%u) exceeds the maximum "
                    "supported by KVM (%d)", max_vcpus, limit);
        goto fail;
    }
    s->max_vcpus = limit;
    s->immediate_exit = check_extension(s->vm_fd, KVM_CAP_IMMEDIATE_EXIT) > 0;
    s->slots = kvm_slots_new(s->vm_fd, kvm_slots_query_limit(s->vm_fd));
    s->vcpus = g_ptr_array_new();
    if (!kvm_arch_vm_init(s, errp)) {
        goto fail;
    }
    return s;

fail:
    kvm_vm_destroy(s);
    return NULL;
}

bool kvm_vm_attach_memory(KVMState *s, AddressSpace *as, GError **errp)
{
    kvm_slots_listener_init(&s->slots_listener, s->slots);
    memory_listener_register(&s->slots_listener.listener, as);
    s->listening = true;
    return kvm_slots_listener_take_error(&s->slots_listener, errp);
}

void kvm_vm_destroy(KVMState *s)
{
    if (!s) {
        return;
    }
    if (s->vcpus) {
        while (s->vcpus->len) {
            kvm_vcpu_destroy(g_ptr_array_index(s->vcpus, s->vcpus->len - 1));
        }
        g_ptr_array_free(s->vcpus, true);
        /* arch VM state exists exactly when vcpus was created and the arch
         * init ran; it frees what it took itself on failure. */
        kvm_arch_vm_destroy(s);
    }
    if (s->listening) {
        memory_listener_unregister(&s->slots_listener.listener);
        kvm_slots_listener_finalize(&s->slots_listener);
    }
    if (s->slots) {
        kvm_slots_free(s->slots);
    }
    kvm_irq_routes_free(s);
    if (s->vm_fd >= 0) {
        kvm_close(s->vm_fd);
    }
    if (s->sys_fd >= 0) {
        kvm_close(s->sys_fd);
    }
    g_free(s);
}

void kvm_set_irq_line(KVMState *s, unsigned gsi, int level)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = level };

    if (s && s->irqchip) {
        kvm_ioctl_call(s->vm_fd, KVM_IRQ_LINE, &irq);
    }
}

#ifdef __x86_64__
/* MSIs from devices go straight to the in-kernel LAPICs. */
static void kvm_msi_send(uint64_t addr, uint32_t data)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)addr,
        .address_hi = addr >> 32,
        .data = data,
    };

    if (the_kvm) {
        kvm_ioctl_call(the_kvm->vm_fd, KVM_SIGNAL_MSI, &msi);
    }
}
#endif

/* ---- accelerator operations ---- */

static bool kvm_accel_init(MachineState *ms, GError **errp)
{
    the_kvm = kvm_vm_create(MAX(ms->smp_cpus, ms->max_cpus), errp);
    if (!the_kvm) {
        return false;
    }
#ifdef __x86_64__
    pci_set_msi_sender(kvm_msi_send);
#endif
    /* ioeventfds and irqfds for devices that ask (memory-eventfd.h). */
    kvm_irq_install_eventfd_backend(the_kvm);
    bql_install_main_loop_hook();
    return true;
}

static bool kvm_accel_start_vcpus(MachineState *ms, GError **errp)
{
    /* The machine has mapped its RAM: registering replays it as slots,
     * and later layout changes follow through the listener. */
    if (!kvm_vm_attach_memory(the_kvm, address_space_memory(), errp)) {
        return false;
    }
    for (int i = 0; i < cpu_count(); i++) {
        if (!kvm_vcpu_create(the_kvm, qemu_get_cpu(i), i, true, errp)) {
            return false;
        }
    }
    return true;
}

static void kvm_accel_pause(void)
{
    if (the_kvm) {
        kvm_vcpus_pause(the_kvm);
    }
}

static void kvm_accel_resume(void)
{
    if (the_kvm) {
        kvm_vcpus_resume(the_kvm);
    }
}

static void kvm_accel_reset(void)
{
    if (the_kvm) {
        /* Park them so the reset registers load before any guest code. */
        kvm_vcpus_pause(the_kvm);
        kvm_vcpus_reset(the_kvm);
        if (runstate_is_running()) {
            kvm_vcpus_resume(the_kvm);
        }
    }
}

static void kvm_accel_shutdown(void)
{
    KVMState *s = the_kvm;

    if (s) {
        kvm_vcpus_pause(s);
        kvm_irq_install_eventfd_backend(NULL);
        the_kvm = NULL;
        kvm_vm_destroy(s);
    }
}

static int64_t kvm_accel_thread_id(int index)
{
    if (!the_kvm || index < 0 || (unsigned)index >= the_kvm->vcpus->len) {
        return 0;
    }
    return ((KvmVcpu *)g_ptr_array_index(the_kvm->vcpus, index))->tid;
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init = kvm_accel_init,
    .start_vcpus = kvm_accel_start_vcpus,
    .pause = kvm_accel_pause,
    .resume = kvm_accel_resume,
    .reset = kvm_accel_reset,
    .shutdown = kvm_accel_shutdown,
    .vcpu_thread_id = kvm_accel_thread_id,
};

/* ---- x-query-kvm-memslots, info kvm-memslots ---- */

static json_t *qmp_query_kvm_memslots(json_t *args, GError **errp)
{
    if (!the_kvm) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC, "KVM is not enabled");
        return NULL;
    }
    return kvm_slots_to_json(the_kvm->slots);
}

static void hmp_info_kvm_memslots(GString *out)
{
    g_autofree char *text = NULL;

    if (!the_kvm) {
        g_string_append(out, "KVM is not enabled\n");
        return;
    }
    text = kvm_slots_format_hmp(the_kvm->slots);
    g_string_append(out, text);
}

static const QmpCommandInfo kvm_cmds[] = {
    { .name = "x-query-kvm-memslots", .fn = qmp_query_kvm_memslots },
};

static void __attribute__((constructor)) kvm_accel_register(void)
{
    accel_register(&kvm_accel_ops);
    qmp_register_commands(kvm_cmds);
    hmp_register_info("kvm-memslots", "show the KVM memory slots",
                      hmp_info_kvm_memslots);
}
