/*
 * A recording fake of the KVM ioctl layer for unit tests.  It behaves like
 * a small KVM: hands out real fds (of /dev/null, so fd leaks are visible
 * with an fd count), real anonymous mappings for kvm_run, checks
 * KVM_SET_USER_MEMORY_REGION as the kernel does (alignment, overlap, slot
 * limit, size changes of a live slot) and keeps the kernel's view of the
 * slots so tests can compare it with Kite's table.  Every call is recorded
 * (request and a copy of the argument) and the Nth call can be made to fail.
 * It also keeps the GSI routing table, irqfds and ioeventfds of a VM,
 * checked as the kernel checks them.
 * KVM_RUN is an idle guest: it returns only when kicked (kvm_run's
 * immediate_exit set, or a signal), with EINTR and KVM_EXIT_INTR.  Other
 * requests it does not model succeed with 0 (a handler can answer them).
 * vCPU threads may call it concurrently; the query functions below are
 * meant for the test's thread once the others are quiet.
 */
#ifndef KITE_KVM_IOCTL_FAKE_H
#define KITE_KVM_IOCTL_FAKE_H

#include "kite/kvm/kvm-ioctl.h"
#include <linux/kvm.h>

typedef enum {
    KVM_FAKE_OPEN,
    KVM_FAKE_IOCTL,
    KVM_FAKE_MMAP,
    KVM_FAKE_MUNMAP,
    KVM_FAKE_CLOSE,
} KvmFakeOp;

typedef struct KvmFakeCall {
    KvmFakeOp op;
    int fd;                  /* fd argument (-1 for open) */
    unsigned long req;       /* ioctl request */
    uintptr_t arg_value;     /* the argument as a value (int ioctls, length) */
    void *arg;               /* copy of _IOC_SIZE(req) bytes, or NULL */
    size_t arg_len;
    int result;              /* return value (mmap: 0 or -1) */
    int err;                 /* errno when result is -1 */
} KvmFakeCall;

/* Install the fake with a fresh state; uninstall restores the previous ops
 * and frees the recorded calls (fds and mappings still held are closed and
 * counted as leaks by kvm_fake_open_fds()/kvm_fake_mappings() before it). */
void kvm_fake_install(void);
void kvm_fake_uninstall(void);
/* Forget recorded calls and reset the call counter (not the fake's state). */
void kvm_fake_clear_calls(void);

/* The @n-th acquiring call (open, ioctl or mmap; 1-based, counted from
 * install or clear) fails with @err; 0 disables.  munmap and close are
 * recorded but never fail, as cleanup must always be possible. */
void kvm_fake_fail_nth(unsigned n, int err);
/* The next ioctl with request @req fails with @err (once). */
void kvm_fake_fail_next(unsigned long req, int err);

/* Capability values for KVM_CHECK_EXTENSION (default 0; NR_MEMSLOTS 32). */
void kvm_fake_set_cap(long cap, int value);
/* Bits KVM_GET_DIRTY_LOG reports for @slot (copied, @nbits bits); they are
 * cleared after a read, as the kernel does. */
void kvm_fake_set_dirty(unsigned slot, const unsigned long *bits,
                        size_t nbits);

/* Number of acquiring calls so far (what kvm_fake_fail_nth counts). */
unsigned kvm_fake_counter(void);

/* Tests may answer requests the fake does not model (KVM_RUN, ...):
 * return KVM_FAKE_UNHANDLED to let the fake answer, else the ioctl's
 * result (set errno when returning -1). */
#define KVM_FAKE_UNHANDLED (-1000)
typedef int (*KvmFakeHandler)(int fd, unsigned long req, void *arg,
                              void *opaque);
void kvm_fake_set_handler(KvmFakeHandler fn, void *opaque);

unsigned kvm_fake_ncalls(void);
const KvmFakeCall *kvm_fake_call(unsigned i);
/* Number of recorded ioctls with request @req. */
unsigned kvm_fake_count(unsigned long req);

/* The kernel's view: the region in @slot, or NULL when empty. */
const struct kvm_userspace_memory_region *kvm_fake_slot(unsigned slot);
unsigned kvm_fake_nslots(void);
/* The kernel's GSI routing table of the last VM: copies up to @max
 * entries to @out and returns how many there are. */
unsigned kvm_fake_gsi_routes(struct kvm_irq_routing_entry *out, unsigned max);
/* irqfds assigned; the GSI eventfd @fd is bound to, or -1. */
unsigned kvm_fake_irqfds(void);
int kvm_fake_irqfd_gsi(int fd);
/* ioeventfds assigned, and the @i-th (false past the end). */
unsigned kvm_fake_ioeventfds(void);
bool kvm_fake_ioeventfd(unsigned i, struct kvm_ioeventfd *out);

/* fds handed out and not closed; mappings not unmapped. */
unsigned kvm_fake_open_fds(void);
unsigned kvm_fake_mappings(void);

#endif
