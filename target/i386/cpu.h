/*
 * x86 CPU objects: a model (vendor, family/model/stepping, name string)
 * plus the feature settings given with -cpu MODEL,+feat,feat=off,key=val.
 * The settings are stored as given; CPUID is built from them by the KVM
 * target code (target/i386/kvm.c, hyperv.c).
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include "kite/cpu.h"

#define TYPE_X86_CPU "x86_64-cpu"

typedef struct X86CPUModel {
    const char *name;          /* "qemu64" */
    const char *desc;          /* shown by -cpu help */
    const char *vendor;        /* 12-character CPUID vendor string */
    int family, model, stepping;
    const char *model_id;      /* CPUID brand string */
    bool host;                 /* "host"/"max": pass the host's features */
    /* Named models: the highest basic and extended leaf, and the flags
     * the model turns on under KVM (those KVM cannot give are left off). */
    uint32_t level, xlevel;
    const char *const *features;
    /* Under KVM, QEMU 7.2 shows the host's vendor for kvm64 and qemu64
     * (query-cpu-model-expansion with -accel kvm); vendor= overrides. */
    bool host_vendor;
} X86CPUModel;

typedef struct X86CPU {
    CPUState parent_obj;
    const X86CPUModel *model;
    /* Feature name -> "on" / "off" (flags) or the given value (keys such
     * as hv-spinlocks); in command-line order, last setting wins. */
    GHashTable *features;
} X86CPU;

typedef struct X86CPUClass {
    CPUClass parent_class;
    const X86CPUModel *model;
} X86CPUClass;

#define X86_CPU(o) OBJECT_CHECK(X86CPU, (o), TYPE_X86_CPU)
#define X86_CPU_GET_CLASS(o) OBJECT_GET_CLASS(X86CPUClass, (o), TYPE_X86_CPU)

extern const X86CPUModel x86_cpu_models[];
extern const size_t x86_cpu_models_count;
/* NULL-terminated lists of the names -cpu accepts. */
extern const char *const x86_cpu_flag_names[];
extern const char *const x86_cpu_hv_flag_names[];
extern const char *const x86_cpu_value_names[];
extern const char *const x86_cpu_bool_prop_names[];

/* The setting of @name ("on", "off", a value) or NULL if not given. */
const char *x86_cpu_feature_get(X86CPU *cpu, const char *name);
/* A flag's state: @def when not given on the command line. */
bool x86_cpu_feature_enabled(X86CPU *cpu, const char *name, bool def);
/* Parse a -cpu feature list ("+a,-b,c=on,hv-spinlocks=0x1fff"). */
bool x86_cpu_parse_features(CPUState *cs, const char *features,
                            GError **errp);

#endif
