/*
 * The thin layer between accel/kvm and the kernel: every open, ioctl, mmap,
 * munmap and close on /dev/kvm, VM and vCPU fds goes through here, so unit
 * tests can swap in a recording fake (kvm-ioctl-fake.h) and exercise slot
 * and lifecycle logic, error paths included, without /dev/kvm.
 */
#ifndef KITE_KVM_IOCTL_H
#define KITE_KVM_IOCTL_H

#include "kite/common.h"
#include <sys/types.h>

/* The real syscalls by default; a fake replaces the whole table. */
typedef struct KvmIoctlOps {
    int (*open)(const char *path, int flags);
    /* Return value and errno as ioctl(2). */
    int (*ioctl)(int fd, unsigned long req, void *arg);
    /* Return value and errno as mmap(2) (MAP_FAILED on failure). */
    void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
                  off_t offset);
    int (*munmap)(void *addr, size_t len);
    int (*close)(int fd);
} KvmIoctlOps;

/* Install @ops (NULL restores the real syscalls); returns the previous. */
const KvmIoctlOps *kvm_ioctl_set_ops(const KvmIoctlOps *ops);
const KvmIoctlOps *kvm_ioctl_real_ops(void);

/*
 * ioctl through the current ops; no retries (KVM_RUN's EINTR is the
 * caller's business).  Requests whose argument is a plain integer (KVM_CHECK_EXTENSION,
 * KVM_CREATE_VCPU, KVM_CREATE_VM) use kvm_ioctl_int().
 */
int kvm_ioctl_call(int fd, unsigned long req, void *arg);
int kvm_ioctl_int(int fd, unsigned long req, unsigned long arg);

int kvm_open(const char *path, int flags);
void *kvm_mmap(size_t len, int prot, int flags, int fd, off_t offset);
int kvm_munmap(void *addr, size_t len);
int kvm_close(int fd);

/* Name of a KVM ioctl request ("KVM_RUN"), or NULL when unknown. */
const char *kvm_ioctl_name(unsigned long req);

#endif
