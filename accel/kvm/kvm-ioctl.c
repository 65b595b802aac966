/*
 * The KVM syscall layer: a table of function pointers that is the real
 * syscalls unless a test installs a fake.  Kept free of policy so the fake
 * sees exactly what the kernel would.
 */
#include "kite/kvm/kvm-ioctl.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

static int real_open(const char *path, int flags)
{
    return open(path, flags | O_CLOEXEC);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
    return ioctl(fd, req, arg);
}

static void *real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                       off_t offset)
{
    return mmap(addr, len, prot, flags, fd, offset);
}

static const KvmIoctlOps real_ops = {
    .open = real_open,
    .ioctl = real_ioctl,
    .mmap = real_mmap,
    .munmap = munmap,
    .close = close,
};

static const KvmIoctlOps *ops = &real_ops;

const KvmIoctlOps *kvm_ioctl_real_ops(void)
{
    return &real_ops;
}

const KvmIoctlOps *kvm_ioctl_set_ops(const KvmIoctlOps *new_ops)
{
    const KvmIoctlOps *old = ops;

    ops = new_ops ? new_ops : &real_ops;
    return old;
}

int kvm_ioctl_call(int fd, unsigned long req, void *arg)
{
    return ops->ioctl(fd, req, arg);
}

int kvm_ioctl_int(int fd, unsigned long req, unsigned long arg)
{
    return ops->ioctl(fd, req, (void *)(uintptr_t)arg);
}

int kvm_open(const char *path, int flags)
{
    return ops->open(path, flags);
}

void *kvm_mmap(size_t len, int prot, int flags, int fd, off_t offset)
{
    return ops->mmap(NULL, len, prot, flags, fd, offset);
}

int kvm_munmap(void *addr, size_t len)
{
    return ops->munmap(addr, len);
}

int kvm_close(int fd)
{
    return ops->close(fd);
}

#define NAME(r) { r, #r }
static const struct {
    unsigned long req;
    const char *name;
} ioctl_names[] = {
    NAME(KVM_GET_API_VERSION), NAME(KVM_CREATE_VM),
    NAME(KVM_CHECK_EXTENSION), NAME(KVM_GET_VCPU_MMAP_SIZE),
    NAME(KVM_CREATE_VCPU), NAME(KVM_SET_USER_MEMORY_REGION),
    NAME(KVM_GET_DIRTY_LOG), NAME(KVM_CREATE_IRQCHIP),
    NAME(KVM_IRQ_LINE), NAME(KVM_IRQ_LINE_STATUS),
    NAME(KVM_SET_GSI_ROUTING), NAME(KVM_IRQFD), NAME(KVM_IOEVENTFD),
    NAME(KVM_SIGNAL_MSI), NAME(KVM_ENABLE_CAP), NAME(KVM_RUN),
    NAME(KVM_GET_REGS), NAME(KVM_SET_REGS), NAME(KVM_GET_SREGS),
    NAME(KVM_SET_SREGS), NAME(KVM_GET_FPU), NAME(KVM_SET_FPU),
    NAME(KVM_SET_SIGNAL_MASK),
    NAME(KVM_GET_MP_STATE), NAME(KVM_SET_MP_STATE),
    NAME(KVM_GET_CLOCK), NAME(KVM_SET_CLOCK),
    /* Requests whose argument types only the host's <asm/kvm.h> has. */
#ifdef __x86_64__
    NAME(KVM_GET_SUPPORTED_CPUID), NAME(KVM_GET_MSR_INDEX_LIST),
    NAME(KVM_SET_TSS_ADDR), NAME(KVM_SET_IDENTITY_MAP_ADDR),
    NAME(KVM_CREATE_PIT2), NAME(KVM_GET_MSRS), NAME(KVM_SET_MSRS),
    NAME(KVM_SET_CPUID2), NAME(KVM_GET_LAPIC), NAME(KVM_SET_LAPIC),
    NAME(KVM_GET_SUPPORTED_HV_CPUID),
#endif
#ifdef __s390x__
    NAME(KVM_S390_INTERRUPT), NAME(KVM_S390_INITIAL_RESET),
    NAME(KVM_S390_SET_INITIAL_PSW),
#endif
};
#undef NAME

const char *kvm_ioctl_name(unsigned long req)
{
    for (size_t i = 0; i < ARRAY_SIZE(ioctl_names); i++) {
        if (ioctl_names[i].req == req) {
            return ioctl_names[i].name;
        }
    }
    return NULL;
}
