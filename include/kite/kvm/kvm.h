/*
 * The KVM accelerator: one VM, its memslot table (built by a memory
 * listener), and vCPUs whose generic lifecycle calls exactly one arch
 * hook to create and one to destroy.
 */
#ifndef KITE_KVM_H
#define KITE_KVM_H

#include "kite/kvm/kvm-slots.h"
#include "kite/cpu.h"
#include <linux/kvm.h>
#include <stdio.h>

typedef struct KvmVcpu KvmVcpu;

typedef struct KVMState {
    int sys_fd;              /* /dev/kvm */
    int vm_fd;
    int run_mmap_size;       /* KVM_GET_VCPU_MMAP_SIZE */
    unsigned max_vcpus;
    KvmSlotTable *slots;
    KvmSlotsListener slots_listener;
    bool listening;
    bool irqchip;            /* in-kernel IOAPIC/PIC/LAPIC */
    bool immediate_exit;     /* KVM_CAP_IMMEDIATE_EXIT */
    GPtrArray *vcpus;        /* KvmVcpu * by index */
    void *arch;              /* arch VM state */
    struct KvmIrqRoutes *irq_routes; /* MSI routes (kvm-irq.c), lazily */
} KVMState;

struct KvmVcpu {
    KVMState *s;
    CPUState *cpu;
    int index;
    int fd;
    struct kvm_run *run;
    GThread *thread;
    int64_t tid;
    /* Lifecycle: protected by lock; the thread parks in "stopped". */
    GMutex lock;
    GCond cond;
    bool stop, stopped, quit, started, reset_pending;
    /* Registers loaded at reset, filled by the arch create hook. */
    struct kvm_regs reset_regs;
    struct kvm_sregs reset_sregs;
    void *arch;              /* arch vCPU state (CPUID, MSR lists...) */
};

/* The accelerator's VM, NULL when KVM is not in use. */
KVMState *kvm_state(void);

/*
 * VM set-up and tear-down (create the VM, memslots, irqchip).  Exposed so
 * unit tests can run them against the fake ioctl layer; @fault_hook is
 * unused by production code.
 */
KVMState *kvm_vm_create(unsigned max_vcpus, GError **errp);
void kvm_vm_destroy(KVMState *s);
/* Start listening to guest RAM (memslots) of @as. */
bool kvm_vm_attach_memory(KVMState *s, AddressSpace *as, GError **errp);

/*
 * The generic vCPU lifecycle: fd, kvm_run mapping, arch create hook,
 * registers, thread.  On any failure everything taken is released.
 * With @start_thread false the vCPU is created without its thread (unit
 * tests of the error paths).
 */
KvmVcpu *kvm_vcpu_create(KVMState *s, CPUState *cpu, int index,
                         bool start_thread, GError **errp);
void kvm_vcpu_destroy(KvmVcpu *v);
/* Pause every vCPU and wait until all are parked / let them run. */
void kvm_vcpus_pause(KVMState *s);
void kvm_vcpus_resume(KVMState *s);
/* Load reset registers on every vCPU (system reset). */
void kvm_vcpus_reset(KVMState *s);

/* Arch hooks (target/<arch>/kvm.c). */
bool kvm_arch_vm_init(KVMState *s, GError **errp);
void kvm_arch_vm_destroy(KVMState *s);
/* Everything arch-specific about a new vCPU: CPUID, MSRs, capabilities,
 * and the reset register state in v->reset_regs / reset_sregs. */
bool kvm_arch_vcpu_create(KvmVcpu *v, GError **errp);
void kvm_arch_vcpu_destroy(KvmVcpu *v);
/* Put the arch state that registers do not cover back to reset (x86:
 * local APIC, run state, pending events); run by the vCPU's own thread
 * with the reset registers, at creation and on every system reset. */
bool kvm_arch_vcpu_reset(KvmVcpu *v, GError **errp);
/* An exit the generic loop does not know; false = fatal. */
bool kvm_arch_handle_exit(KvmVcpu *v);
/* Print registers after a fatal exit. */
void kvm_arch_dump_state(KvmVcpu *v, FILE *out);
/* Set an interrupt line of the in-kernel interrupt controller. */
void kvm_set_irq_line(KVMState *s, unsigned gsi, int level);

/*
 * Allocation for VM and vCPU creation.  Test-only fault injection can make
 * the Nth one fail (0 = off); ioctls are failed through the fake layer.
 */
void *kvm_alloc0(size_t size);
void kvm_fault_inject_alloc(unsigned n);
unsigned kvm_alloc_count(void);

#endif
