/*
 * s390x target: target_info and the CPU models (qemu, host, max).  Under
 * qtest a CPU is only state: the prefix register, the PSW problem-state
 * bit and the queue of pending external interrupts.
 */
#include "kite/target.h"
#include "kite/s390x/cpu.h"

#include <stdio.h>

typedef struct S390CPUModel {
    const char *name;
    const char *desc;
    bool els;                 /* extended-length SCCB facility by default */
} S390CPUModel;

static const S390CPUModel s390_cpu_models[] = {
    { "qemu", "QEMU Virtual CPU version 2.5+", false },
    { "host", "KVM only: All recognized features", true },
    { "max", "Enables all features supported by the accelerator in the current host", true },
};

static void s390_cpu_list(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(s390_cpu_models); i++) {
        printf("s390 %-15s %s\n", s390_cpu_models[i].name,
               s390_cpu_models[i].desc);
    }
    printf("\nRecognized feature flags:\n");
    printf("s390 %-15s %s\n", "els", "Extended-length SCCB facility");
}

const TargetInfo target_info = {
    .name = "s390x",
    .big_endian = true,
    .default_machine = "s390-ccw-virtio",
    .default_cpu = "qemu",
    .has_io_space = false,
    .cpu_list = s390_cpu_list,
};

S390CPU *s390_cpu_get(int index)
{
    CPUState *cs = qemu_get_cpu(index);
    if (!cs || !object_dynamic_cast(OBJECT(cs), TYPE_S390_CPU)) {
        return NULL;
    }
    return S390_CPU(cs);
}

bool s390_cpu_set_prefix(S390CPU *cpu, uint64_t prefix, GError **errp)
{
    if (prefix & ~S390_PREFIX_MASK) {
        kite_error_set(errp, "prefix 0x%" PRIx64 " is not 8 KiB aligned "
                       "below 2 GiB", prefix);
        return false;
    }
    cpu->prefix = prefix;
    return true;
}

void s390_cpu_inject_ext(S390CPU *cpu, uint16_t code, uint32_t param)
{
    g_mutex_lock(&cpu->lock);
    if (code == S390_EXT_SERVICE) {
        for (GList *l = cpu->ext_queue.head; l; l = l->next) {
            S390ExtInt *e = l->data;
            if (e->code == S390_EXT_SERVICE) {
                e->param |= param;
                g_mutex_unlock(&cpu->lock);
                return;
            }
        }
    }
    S390ExtInt *e = g_new(S390ExtInt, 1);
    e->code = code;
    e->param = param;
    g_queue_push_tail(&cpu->ext_queue, e);
    g_mutex_unlock(&cpu->lock);
}

bool s390_cpu_pop_ext(S390CPU *cpu, S390ExtInt *out)
{
    g_mutex_lock(&cpu->lock);
    S390ExtInt *e = g_queue_pop_head(&cpu->ext_queue);
    g_mutex_unlock(&cpu->lock);
    if (!e) {
        return false;
    }
    *out = *e;
    g_free(e);
    return true;
}

void s390_cpu_clear_ext(S390CPU *cpu)
{
    g_mutex_lock(&cpu->lock);
    g_queue_clear_full(&cpu->ext_queue, g_free);
    g_mutex_unlock(&cpu->lock);
}

/* "-cpu MODEL,els=on", "+els" and "-els" toggle the extended-length
 * SCCB facility; nothing else is recognised. */
static bool s390_cpu_parse_features(CPUState *cs, const char *features,
                                    GError **errp)
{
    S390CPU *cpu = S390_CPU(cs);
    g_auto(GStrv) list = g_strsplit(features, ",", -1);

    for (int i = 0; list[i]; i++) {
        const char *f = list[i];
        if (!*f) {
            continue;
        }
        if (!strcmp(f, "+els")) {
            cpu->extended_length_sccb = true;
        } else if (!strcmp(f, "-els")) {
            cpu->extended_length_sccb = false;
        } else if (!strcmp(f, "els=on") || !strcmp(f, "els=true")) {
            cpu->extended_length_sccb = true;
        } else if (!strcmp(f, "els=off") || !strcmp(f, "els=false")) {
            cpu->extended_length_sccb = false;
        } else {
            kite_error_set(errp, "Property '%s' not found in CPU model "
                           "features", f);
            return false;
        }
    }
    return true;
}

static void s390_cpu_reset(DeviceState *dev)
{
    S390CPU *cpu = S390_CPU(dev);
    cpu->prefix = 0;
    cpu->problem_state = false;
    s390_cpu_clear_ext(cpu);
}

static void s390_cpu_instance_init(Object *obj)
{
    S390CPU *cpu = S390_CPU(obj);
    g_mutex_init(&cpu->lock);
    g_queue_init(&cpu->ext_queue);
}

static void s390_cpu_instance_finalize(Object *obj)
{
    S390CPU *cpu = S390_CPU(obj);
    g_queue_clear_full(&cpu->ext_queue, g_free);
    g_mutex_clear(&cpu->lock);
}

static void s390_cpu_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    CPUClass *cc = (CPUClass *)klass;
    dc->desc = "s390x CPU";
    dc->reset = s390_cpu_reset;
    cc->parse_features = s390_cpu_parse_features;
}

static void s390_cpu_model_instance_init(Object *obj)
{
    S390CPU *cpu = S390_CPU(obj);
    const char *type = object_get_typename(obj);
    for (size_t i = 0; i < ARRAY_SIZE(s390_cpu_models); i++) {
        size_t n = strlen(s390_cpu_models[i].name);
        if (!strncmp(type, s390_cpu_models[i].name, n) &&
            !strcmp(type + n, S390_CPU_TYPE_SUFFIX)) {
            cpu->extended_length_sccb = s390_cpu_models[i].els;
        }
    }
}

static void s390_cpu_register_types(void)
{
    static const TypeInfo base = {
        .name = TYPE_S390_CPU,
        .parent = TYPE_CPU,
        .abstract = true,
        .instance_size = sizeof(S390CPU),
        .class_size = sizeof(CPUClass),
        .class_init = s390_cpu_class_init,
        .instance_init = s390_cpu_instance_init,
        .instance_finalize = s390_cpu_instance_finalize,
    };
    type_register(&base);
    for (size_t i = 0; i < ARRAY_SIZE(s390_cpu_models); i++) {
        TypeInfo *ti = g_new0(TypeInfo, 1);   /* lives for the process */
        ti->name = g_strconcat(s390_cpu_models[i].name, S390_CPU_TYPE_SUFFIX,
                               NULL);
        ti->parent = TYPE_S390_CPU;
        ti->instance_size = sizeof(S390CPU);
        ti->class_size = sizeof(CPUClass);
        ti->description = s390_cpu_models[i].desc;
        ti->instance_init = s390_cpu_model_instance_init;
        type_register(ti);
    }
}

type_init(s390_cpu_register_types)
