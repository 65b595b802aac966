/*
 * CPUs as devices: one object per vCPU, created by the machine from the
 * -cpu model, addressable by index.  Target CPU types derive from it.
 */
#ifndef KITE_CPU_H
#define KITE_CPU_H

#include "kite/qdev.h"

#define TYPE_CPU "cpu"

typedef struct CPUState {
    DeviceState parent_obj;
    int cpu_index;
    int64_t thread_id;       /* host thread id of the vCPU (0 = none) */
    void *accel_data;        /* accelerator's per-vCPU state */
} CPUState;

typedef struct CPUClass {
    DeviceClass parent_class;
    /* Apply "-cpu MODEL,feat=..." feature settings; NULL = none allowed. */
    bool (*parse_features)(CPUState *cpu, const char *features, GError **errp);
} CPUClass;

#define CPU(o) OBJECT_CHECK(CPUState, (o), TYPE_CPU)
#define CPU_GET_CLASS(o) OBJECT_GET_CLASS(CPUClass, (o), TYPE_CPU)

/* Create, configure from the -cpu string ("MODEL[,feat...]") and realize
 * CPU @index; added below /machine/unattached. */
CPUState *cpu_create(const char *cpu_model, int index, GError **errp);
CPUState *qemu_get_cpu(int index);
int cpu_count(void);
/* The QOM type for a model name of this target ("max" -> "max-x86_64-cpu"). */
char *cpu_model_to_type(const char *model);

#endif
