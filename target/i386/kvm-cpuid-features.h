/* -cpu feature flags applied to KVM's CPUID (see kvm-cpuid-features.c). */
#ifndef TARGET_I386_KVM_CPUID_FEATURES_H
#define TARGET_I386_KVM_CPUID_FEATURES_H

#include "kite/common.h"
#include <linux/kvm.h>

/* @features: the X86CPU's name -> "on"/"off" table (may be NULL).  False
 * with @errp set when a flag asked for is not in @c (unsupported). */
bool x86_kvm_apply_cpu_features(GHashTable *features, struct kvm_cpuid2 *c,
                                GError **errp);

#endif
