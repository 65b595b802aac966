/*
 * "s390-ccw-virtio": RAM from absolute address 0, the CPUs from -smp/-cpu
 * and the SCLP with its event facility at /machine/sclp.  Guest memory is
 * big-endian (target_info).  Under qtest the s390x qtest commands drive
 * the service call.
 */
#include "kite/machine.h"
#include "kite/s390x/event-facility.h"

#define TYPE_S390_CCW_MACHINE "s390-ccw-virtio" MACHINE_TYPE_SUFFIX

/* Architecture limit of the configuration's CPU addresses QEMU uses. */
#define S390_MAX_CPUS 248

typedef struct S390CcwMachineState {
    MachineState parent_obj;
    MemoryRegion ram;             /* alias of the machine RAM at 0 */
} S390CcwMachineState;

#define S390_CCW_MACHINE(o) \
    OBJECT_CHECK(S390CcwMachineState, (o), TYPE_S390_CCW_MACHINE)

static bool s390_ccw_map_ram(S390CcwMachineState *s, GError **errp)
{
    MachineState *ms = &s->parent_obj;

    /* The SCLP describes memory as a whole number of increments: round
     * anonymous RAM down to one, as QEMU does. */
    if (!ms->memory_backend) {
        unsigned shift = sclp_increment_shift(ms->ram_size);
        uint64_t rounded = ms->ram_size >> shift << shift;
        if (!rounded) {
            kite_error_set(errp, "RAM size 0x%" PRIx64 " is below the 1 MiB "
                           "memory increment", ms->ram_size);
            return false;
        }
        ms->ram_size = rounded;
        if (ms->maxram_size < rounded) {
            ms->maxram_size = rounded;
        }
    }
    MemoryRegion *ram = machine_create_ram(ms, errp);
    if (!ram) {
        return false;
    }
    memory_region_init_alias(&s->ram, OBJECT(ms), "s390.ram", ram, 0,
                             memory_region_size(ram));
    memory_region_add_subregion(get_system_memory(), 0, &s->ram);
    return true;
}

static bool s390_ccw_create_sclp(MachineState *ms, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_SCLP);
    SCLPDevice *sclp = SCLP(dev);
    unsigned shift = sclp_increment_shift(ms->ram_size);

    sclp->ram_size = ms->ram_size >> shift << shift;
    object_property_add_child(OBJECT(ms), "sclp", OBJECT(dev));
    object_unref(OBJECT(dev));
    return qdev_realize(dev, errp);
}

static bool s390_ccw_init(MachineState *ms, GError **errp)
{
    S390CcwMachineState *s = S390_CCW_MACHINE(ms);

    if (!ms->ram_size) {
        kite_error_set(errp, "machine 's390-ccw-virtio' needs RAM");
        return false;
    }
    if (!s390_ccw_map_ram(s, errp)) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        if (!cpu_create(ms->cpu_model, i, errp)) {
            return false;
        }
    }
    if (!s390_ccw_create_sclp(ms, errp)) {
        return false;
    }
    sclp_qtest_register();
    return true;
}

static void s390_ccw_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = (MachineClass *)oc;

    mc->name = "s390-ccw-virtio";
    mc->desc = "VirtIO-ccw based S390 machine";
    mc->is_default = true;
    mc->max_cpus = S390_MAX_CPUS;
    mc->default_ram_size = 128 * MiB;
    mc->default_ram_id = "s390.ram";
    mc->has_cpus = true;
    mc->init = s390_ccw_init;
}

static void s390_ccw_register_types(void)
{
    static const TypeInfo info = {
        .name = TYPE_S390_CCW_MACHINE,
        .parent = TYPE_MACHINE,
        .instance_size = sizeof(S390CcwMachineState),
        .class_init = s390_ccw_class_init,
    };
    type_register(&info);
}

type_init(s390_ccw_register_types)
