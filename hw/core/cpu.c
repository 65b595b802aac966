/*
 * The CPU base type.  The machine creates one CPU object per vCPU from
 * the -cpu string; the accelerator runs them.  CPUs are kept in index
 * order for qemu_get_cpu() and query-cpus-fast.
 */
#include "kite/cpu.h"
#include "kite/target.h"

static GPtrArray *cpus;    /* CPUState *, borrowed; the QOM tree owns them */

CPUState *qemu_get_cpu(int index)
{
    if (!cpus || index < 0 || (guint)index >= cpus->len) {
        return NULL;
    }
    return g_ptr_array_index(cpus, index);
}

int cpu_count(void)
{
    return cpus ? (int)cpus->len : 0;
}

char *cpu_model_to_type(const char *model)
{
    return g_strdup_printf("%s-%s-cpu", model, target_info.name);
}

CPUState *cpu_create(const char *cpu_model, int index, GError **errp)
{
    const char *model_str = cpu_model ? cpu_model : target_info.default_cpu;
    const char *comma = strchr(model_str, ',');
    g_autofree char *model = comma ? g_strndup(model_str, comma - model_str)
                                   : g_strdup(model_str);
    g_autofree char *type = cpu_model_to_type(model);
    ObjectClass *oc = object_class_by_name(type);
    CPUState *cpu;
    CPUClass *cc;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_CPU) ||
        object_class_is_abstract(oc)) {
        kite_error_set(errp, "unable to find CPU model '%s'", model);
        return NULL;
    }
    cpu = CPU(qdev_new(type));
    cpu->cpu_index = index;
    cc = CPU_GET_CLASS(cpu);
    if (comma && comma[1]) {
        if (!cc->parse_features) {
            kite_error_set(errp, "CPU model '%s' takes no features", model);
            object_unref(OBJECT(cpu));
            return NULL;
        }
        if (!cc->parse_features(cpu, comma + 1, errp)) {
            object_unref(OBJECT(cpu));
            return NULL;
        }
    }
    if (!qdev_realize_and_unref(DEVICE(cpu), errp)) {
        /* The tree holds the only reference once the device is placed. */
        if (OBJECT(cpu)->parent) {
            object_unparent(OBJECT(cpu));
        } else {
            object_unref(OBJECT(cpu));
        }
        return NULL;
    }
    if (!cpus) {
        cpus = g_ptr_array_new();
    }
    if ((guint)index >= cpus->len) {
        g_ptr_array_set_size(cpus, index + 1);
    }
    g_ptr_array_index(cpus, index) = cpu;
    return cpu;
}

static void cpu_instance_finalize(Object *obj)
{
    if (cpus) {
        g_ptr_array_remove(cpus, obj);
    }
}

static void cpu_register_types(void)
{
    static const TypeInfo cpu_info = {
        .name = TYPE_CPU,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(CPUState),
        .class_size = sizeof(CPUClass),
        .instance_finalize = cpu_instance_finalize,
    };
    type_register(&cpu_info);
}

type_init(cpu_register_types)
