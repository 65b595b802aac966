/*
 * The CPUID a vCPU sees, built from what KVM supports
 * (KVM_GET_SUPPORTED_CPUID), the -cpu model and its feature settings, and
 * the vCPU's place in the -smp topology.  Pure: no ioctls, so the unit
 * tests feed it fake tables.
 */
#ifndef TARGET_I386_CPUID_BUILD_H
#define TARGET_I386_CPUID_BUILD_H

#include "cpu.h"   /* this directory's, also for tests/unit */
#include <linux/kvm.h>

/* Counts within one package (socket). */
typedef struct X86CpuTopology {
    unsigned threads, cores, dies;
} X86CpuTopology;

/*
 * @features: the X86CPU's settings (name -> "on"/"off"/value; may be
 * NULL).  Returns a new table from @alloc0 (g_free it; the accelerator
 * passes kvm_alloc0 so that its fault injection reaches this allocation),
 * or NULL with @errp set when a flag asked for with +flag or flag=on (or a
 * model flag with enforce=on) is something KVM cannot give, or when
 * @alloc0 fails.  Hyper-V leaves and kvm=off are applied afterwards by
 * hyperv_merge_cpuid.
 */
struct kvm_cpuid2 *x86_cpuid_build(const X86CPUModel *model,
                                   GHashTable *features,
                                   const struct kvm_cpuid2 *supported,
                                   const X86CpuTopology *topo,
                                   uint32_t apic_id,
                                   void *(*alloc0)(size_t size),
                                   GError **errp);

/* Bits needed for @n values (0 for n <= 1): an APIC id field width. */
unsigned x86_topo_width(unsigned n);

#endif
