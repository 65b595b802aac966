/*
 * QMP commands about the board: query-machines and query-cpus-fast,
 * in QEMU 7.2's shapes.
 */
#include "kite/qmp.h"
#include "kite/machine.h"
#include "kite/cpu.h"
#include "kite/accel.h"
#include "kite/target.h"
#include <unistd.h>

static json_t *qmp_query_machines(json_t *args, GError **errp)
{
    json_t *list = json_array();
    GSList *classes = machine_class_list();

    for (GSList *l = classes; l; l = l->next) {
        MachineClass *mc = (MachineClass *)object_class_dynamic_cast(
            l->data, TYPE_MACHINE);
        if (!mc) {
            continue;
        }
        json_t *m = json_pack("{s:s,s:i,s:b,s:b,s:b}",
                              "name", machine_class_name(mc),
                              "cpu-max", (int)(mc->max_cpus ? mc->max_cpus : 1),
                              "hotpluggable-cpus", 0,
                              "numa-mem-supported", 0,
                              "deprecated", 0);
        if (mc->is_default) {
            json_object_set_new(m, "is-default", json_true());
        }
        if (mc->has_cpus) {
            char *type = cpu_model_to_type(mc->default_cpu_type ?
                                           mc->default_cpu_type :
                                           target_info.default_cpu);
            json_object_set_new(m, "default-cpu-type", json_string(type));
            g_free(type);
        }
        if (mc->default_ram_id) {
            json_object_set_new(m, "default-ram-id",
                                json_string(mc->default_ram_id));
        }
        json_array_append_new(list, m);
    }
    g_slist_free(classes);
    return list;
}

/* Topology ids as QEMU reports them: a flat core number on s390x; on x86
 * the -smp topology (QEMU 7.2 prefers cores, so "-smp 2" is two cores of
 * socket 0). */
static json_t *qmp_cpu_props(int index)
{
    if (!strcmp(target_info.name, "s390x")) {
        return json_pack("{s:i}", "core-id", index);
    }
    MachineState *ms = current_machine_get();
    unsigned threads = ms && ms->smp_threads ? ms->smp_threads : 1;
    unsigned cores = ms && ms->smp_cores ? ms->smp_cores : 1;
    unsigned dies = ms && ms->smp_dies ? ms->smp_dies : 1;
    unsigned i = index;
    return json_pack("{s:i,s:i,s:i}", "core-id", (int)((i / threads) % cores),
                     "thread-id", (int)(i % threads),
                     "socket-id", (int)(i / (threads * cores * dies)));
}

static json_t *qmp_query_cpus_fast(json_t *args, GError **errp)
{
    json_t *list = json_array();
    const AccelOps *accel = current_accel();

    for (int i = 0; i < cpu_count(); i++) {
        CPUState *cpu = qemu_get_cpu(i);
        if (!cpu) {
            continue;
        }
        int64_t tid = cpu->thread_id;
        if (accel && accel->vcpu_thread_id) {
            tid = accel->vcpu_thread_id(cpu->cpu_index);
        }
        if (tid <= 0) {
            /* No vCPU thread (qtest): the main thread runs the CPUs. */
            tid = getpid();
        }
        char *path = object_get_canonical_path(OBJECT(cpu));
        json_t *c = json_pack("{s:i,s:s,s:I,s:o,s:s}",
                              "cpu-index", cpu->cpu_index,
                              "qom-path", path ? path : "",
                              "thread-id", (json_int_t)tid,
                              "props", qmp_cpu_props(cpu->cpu_index),
                              "target", target_info.name);
        if (!strcmp(target_info.name, "s390x")) {
            json_object_set_new(c, "cpu-state", json_string("operating"));
        }
        g_free(path);
        json_array_append_new(list, c);
    }
    return list;
}

static const QmpCommandInfo qmp_machine_cmds[] = {
    { .name = "query-machines", .fn = qmp_query_machines },
    { .name = "query-cpus-fast", .fn = qmp_query_cpus_fast },
};

static void __attribute__((constructor)) qmp_cmds_machine_register(void)
{
    qmp_register_commands(qmp_machine_cmds);
}
