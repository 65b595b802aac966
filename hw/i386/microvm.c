/*
 * "microvm": the default x86_64 machine.  Today it builds RAM (split at
 * 3 GiB like a PC: low RAM from 0, the rest from 4 GiB), the CPUs from
 * -smp/-cpu and the interrupt inputs at /machine/ioapic.  The serial
 * port, debug-exit, PCI and fw_cfg are added with the KVM issue.
 */
#include "kite/machine.h"
#include "kite/cpu.h"
#include "hw/i386/ioapic.h"

#define MICROVM_BELOW_4G_MAX (3 * GiB)
#define MICROVM_ABOVE_4G_BASE (4 * GiB)

typedef struct MicrovmMachineState {
    MachineState parent_obj;
    bool isa_serial;
    bool option_roms;
    bool auto_kernel_cmdline;
    MemoryRegion ram_below_4g, ram_above_4g;
} MicrovmMachineState;

#define TYPE_MICROVM_MACHINE "microvm" MACHINE_TYPE_SUFFIX
#define MICROVM_MACHINE(o) \
    OBJECT_CHECK(MicrovmMachineState, (o), TYPE_MICROVM_MACHINE)

static bool microvm_map_ram(MicrovmMachineState *mms, GError **errp)
{
    MachineState *ms = &mms->parent_obj;
    MemoryRegion *ram = machine_create_ram(ms, errp);
    uint64_t below, above;

    if (!ram) {
        return false;
    }
    below = MIN(ms->ram_size, MICROVM_BELOW_4G_MAX);
    above = ms->ram_size - below;
    memory_region_init_alias(&mms->ram_below_4g, OBJECT(ms), "ram-below-4g",
                             ram, 0, below);
    memory_region_add_subregion(get_system_memory(), 0, &mms->ram_below_4g);
    if (above) {
        memory_region_init_alias(&mms->ram_above_4g, OBJECT(ms),
                                 "ram-above-4g", ram, below, above);
        memory_region_add_subregion(get_system_memory(),
                                    MICROVM_ABOVE_4G_BASE,
                                    &mms->ram_above_4g);
    }
    return true;
}

static bool microvm_create_ioapic(MachineState *ms, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_IOAPIC);

    object_property_add_child(OBJECT(ms), "ioapic", OBJECT(dev));
    object_unref(OBJECT(dev));
    return qdev_realize(dev, errp);
}

static bool microvm_init(MachineState *ms, GError **errp)
{
    MicrovmMachineState *mms = MICROVM_MACHINE(ms);

    if (ms->ram_size && !microvm_map_ram(mms, errp)) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        if (!cpu_create(ms->cpu_model, i, errp)) {
            return false;
        }
    }
    return microvm_create_ioapic(ms, errp);
}

static const Property microvm_props[] = {
    DEFINE_PROP_BOOL("isa-serial", MicrovmMachineState, isa_serial, true),
    DEFINE_PROP_BOOL("x-option-roms", MicrovmMachineState, option_roms,
                     true),
    DEFINE_PROP_BOOL("auto-kernel-cmdline", MicrovmMachineState,
                     auto_kernel_cmdline, true),
    DEFINE_PROP_END_OF_LIST()
};

static void microvm_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = (MachineClass *)oc;

    mc->name = "microvm";
    mc->desc = "microvm (i386)";
    mc->is_default = true;
    mc->max_cpus = 288;
    mc->default_ram_size = 128 * MiB;
    mc->default_ram_id = "microvm.ram";
    mc->has_cpus = true;
    mc->init = microvm_init;
}

static void microvm_register_types(void)
{
    static const TypeInfo info = {
        .name = TYPE_MICROVM_MACHINE,
        .parent = TYPE_MACHINE,
        .instance_size = sizeof(MicrovmMachineState),
        .class_init = microvm_class_init,
        .props = microvm_props,
    };
    type_register(&info);
}

type_init(microvm_register_types)
