/*
 * The "none" machine (QEMU's "empty machine"): no CPUs and no devices;
 * RAM at address 0 only when -m is given.  Protocol tests use it.
 */
#include "kite/machine.h"

static bool null_machine_init(MachineState *ms, GError **errp)
{
    MemoryRegion *ram;

    if (!ms->ram_size) {
        return true;
    }
    ram = machine_create_ram(ms, errp);
    if (!ram) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), 0, ram);
    return true;
}

static void null_machine_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = (MachineClass *)oc;

    mc->name = "none";
    mc->desc = "empty machine";
    mc->init = null_machine_init;
    mc->no_ram = true;
    mc->has_cpus = false;
    mc->max_cpus = 1;
    mc->default_ram_size = 0;
    mc->default_ram_id = "ram";
}

static void null_machine_register_types(void)
{
    static const TypeInfo info = {
        .name = "none" MACHINE_TYPE_SUFFIX,
        .parent = TYPE_MACHINE,
        .class_init = null_machine_class_init,
    };
    type_register(&info);
}

type_init(null_machine_register_types)
