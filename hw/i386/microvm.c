/*
 * "microvm": the default x86_64 machine.  It builds RAM (split at 3 GiB
 * like a PC: low RAM from 0, the rest from 4 GiB), the CPUs from
 * -smp/-cpu, the interrupt inputs at /machine/ioapic and a PCI bus
 * (configuration mechanism #1 at 0xcf8, BARs assigned by the machine in
 * a 256 MiB window at 3 GiB, INTA-D to inputs 16-19).  The guest-facing
 * devices (16550 UART for -serial, port 0x80, reset lines, routing of the
 * ioapic inputs to KVM) and -kernel loading are in microvm-devices.c.
 */
#include "kite/machine.h"
#include "kite/cpu.h"
#include "kite/pci.h"
#include "hw/i386/ioapic.h"
#include "hw/i386/microvm-devices.h"

#define MICROVM_BELOW_4G_MAX (3 * GiB)
#define MICROVM_ABOVE_4G_BASE (4 * GiB)
#define MICROVM_PCI_MMIO_BASE 0xc0000000ULL
#define MICROVM_PCI_MMIO_SIZE (256 * MiB)
#define MICROVM_PCI_FIRST_GSI 16

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

static DeviceState *microvm_create_ioapic(MachineState *ms, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_IOAPIC);

    object_property_add_child(OBJECT(ms), "ioapic", OBJECT(dev));
    object_unref(OBJECT(dev));
    return qdev_realize(dev, errp) ? dev : NULL;
}

static bool microvm_create_pci(DeviceState *ioapic, GError **errp)
{
    DeviceState *host = pci_host_create(MICROVM_PCI_MMIO_BASE,
                                        MICROVM_PCI_MMIO_SIZE, errp);

    if (!host) {
        return false;
    }
    for (int pin = 0; pin < 4; pin++) {
        qdev_connect_gpio_out(host, pin,
            qdev_get_gpio_in(ioapic, MICROVM_PCI_FIRST_GSI + pin));
    }
    return true;
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
    DeviceState *ioapic = microvm_create_ioapic(ms, errp);
    return ioapic && microvm_create_pci(ioapic, errp) &&
           microvm_devices_init(ms, mms->isa_serial, errp);
}

/* After -device: place the BARs, as firmware would, and load -kernel. */
static bool microvm_done(MachineState *ms, GError **errp)
{
    uint64_t below = MIN(ms->ram_size, MICROVM_BELOW_4G_MAX);

    return pci_assign_bars(errp) &&
           microvm_load_kernel(ms, below, ms->ram_size - below, errp);
}

static void microvm_reset(MachineState *ms)
{
    qdev_reset_all();
    /* Device reset clears the BARs; put back what the machine assigned. */
    pci_host_reprogram();
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
    mc->done = microvm_done;
    mc->reset = microvm_reset;
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
