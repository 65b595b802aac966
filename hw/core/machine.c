/*
 * The machine base type: command-line properties common to all boards,
 * the machine registry used by -M, and guest RAM creation.
 */
#include "kite/machine.h"
#include "kite/hostmem.h"

static MachineState *current_machine;

MachineState *current_machine_get(void)
{
    return current_machine;
}

void current_machine_set(MachineState *ms)
{
    current_machine = ms;
}

const char *machine_class_name(MachineClass *mc)
{
    return mc->name;
}

GSList *machine_class_list(void)
{
    /* object_class_get_list sorts by type name, and a machine's type name
     * is its -M name plus a fixed suffix, so the order is by -M name. */
    return object_class_get_list(TYPE_MACHINE, false);
}

MachineClass *machine_find_class(const char *name)
{
    GSList *list = machine_class_list();
    MachineClass *found = NULL;

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = (MachineClass *)object_class_dynamic_cast(
            l->data, TYPE_MACHINE);
        if (mc && mc->name && !strcmp(mc->name, name)) {
            found = mc;
            break;
        }
    }
    g_slist_free(list);
    return found;
}

MemoryRegion *machine_create_ram(MachineState *ms, GError **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const char *ram_id = mc->default_ram_id ? mc->default_ram_id : "ram";
    MemoryRegion *mr;

    if (ms->ram) {
        return ms->ram;
    }
    mr = g_new0(MemoryRegion, 1);
    if (ms->memory_backend) {
        Object *be = ms->memory_backend;
        RAMBlock *rb;

        if (!host_memory_backend_claim(be, errp)) {
            g_free(mr);
            return NULL;
        }
        rb = host_memory_backend_get_ram_block(be);
        if (!rb) {
            kite_error_set(errp, "Memory backend '%s' has no memory",
                           ms->memory_backend_id);
            g_free(mr);
            return NULL;
        }
        memory_region_init_ram_from_block(mr, OBJECT(ms),
                                          ms->memory_backend_id, rb);
    } else if (!memory_region_init_ram(mr, OBJECT(ms), ram_id, ms->ram_size,
                                       errp)) {
        g_free(mr);
        return NULL;
    }
    ms->ram = mr;
    return mr;
}

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->cpu_model);
    g_free(ms->accel_name);
    /* String properties (kernel, memory-backend, ...) are freed by the
     * object model. */
}

/* QEMU reads the link back as the backend's path ("/objects/ID"), or ""
 * before one is chosen; -machine memory-backend= takes the ID. */
static json_t *machine_get_memory_backend(Object *obj, const Property *prop,
                                          GError **errp)
{
    MachineState *ms = MACHINE(obj);
    char *path;
    json_t *ret;

    if (ms->memory_backend) {
        path = object_get_canonical_path(ms->memory_backend);
    } else if (ms->memory_backend_id) {
        path = g_strdup_printf("/objects/%s", ms->memory_backend_id);
    } else {
        return json_string("");
    }
    ret = json_string(path);
    g_free(path);
    return ret;
}

/* Properties as QEMU's machine base type names them.  dump-guest-core,
 * mem-merge, graphics and usb are accepted for compatibility and have no
 * effect in Kite. */
static const Property machine_props[] = {
    DEFINE_PROP_STRING("kernel", MachineState, kernel_filename),
    DEFINE_PROP_STRING("initrd", MachineState, initrd_filename),
    DEFINE_PROP_STRING("append", MachineState, kernel_cmdline),
    {
        .name = "memory-backend", .kind = PROP_KIND_STRING,
        .offset = offsetof(MachineState, memory_backend_id),
        .type_name = "link<memory-backend>",
        .get = machine_get_memory_backend,
        .description = "Set RAM backend (valid value: ID of "
                       "hostmem based backend)",
    },
    DEFINE_PROP_BOOL("dump-guest-core", MachineState, dump_guest_core, true),
    DEFINE_PROP_BOOL("mem-merge", MachineState, mem_merge, true),
    DEFINE_PROP_BOOL("graphics", MachineState, graphics, true),
    DEFINE_PROP_BOOL("usb", MachineState, usb, false),
    DEFINE_PROP_END_OF_LIST()
};

static void machine_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = (MachineClass *)oc;

    mc->max_cpus = 1;
    mc->default_ram_size = 128 * MiB;
    mc->has_cpus = true;
}

static void machine_register_types(void)
{
    static const TypeInfo machine_info = {
        .name = TYPE_MACHINE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(MachineState),
        .class_size = sizeof(MachineClass),
        .class_init = machine_class_init,
        .instance_finalize = machine_finalize,
        .props = machine_props,
    };
    type_register(&machine_info);
}

type_init(machine_register_types)
