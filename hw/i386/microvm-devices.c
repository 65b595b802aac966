/*
 * What microvm adds for guests: the 16550 UART at 0x3f8 on IRQ 4 for
 * -serial, port 0x80 and the reset lines, interrupt routing to KVM's
 * in-kernel IOAPIC, and loading -kernel (multiboot or Linux bzImage).
 */
#include "hw/i386/microvm-devices.h"
#include "hw/i386/ioapic.h"
#include "kite/i386/x86-boot.h"
#include "kite/kvm/kvm.h"
#include "kite/vl.h"
#include "kite/chardev.h"
#include "kite/runstate.h"

#define COM1_IRQ 4

static void route_to_kvm(void *opaque, int n, int level)
{
    kvm_set_irq_line(kvm_state(), n, level);
}

static DeviceState *add_device(Object *parent, const char *name,
                               const char *type, GError **errp)
{
    DeviceState *dev = qdev_new(type);

    object_property_add_child(parent, name, OBJECT(dev));
    object_unref(OBJECT(dev));
    return dev;
}

bool microvm_devices_init(MachineState *ms, bool isa_serial, GError **errp)
{
    Object *ioapic = object_resolve_path("/machine/ioapic", NULL);
    DeviceState *dev;

    if (!ioapic) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "microvm: no interrupt controller");
        return false;
    }
    if (kvm_state()) {
        ioapic_set_route_handler(IOAPIC(ioapic), route_to_kvm, NULL);
    }
    dev = add_device(OBJECT(ms), "pc-io", "pc-io", errp);
    if (!qdev_realize(dev, errp)) {
        return false;
    }
    if (isa_serial && serial_hd(0)) {
        dev = add_device(OBJECT(ms), "serial0", "isa-serial", errp);
        if (!object_property_set_str(OBJECT(dev), "chardev",
                                     chardev_get_id(serial_hd(0)), errp) ||
            !qdev_realize(dev, errp)) {
            return false;
        }
        qdev_connect_gpio_out(dev, 0, qdev_get_gpio_in(DEVICE(ioapic), COM1_IRQ));
    }
    return true;
}

typedef struct KernelReload {
    MachineState *ms;
    uint64_t below, above;
} KernelReload;

static bool load_kernel(MachineState *ms, uint64_t ram_below_4g,
                        uint64_t ram_above_4g, GError **errp)
{
    bool multiboot = false;

    if (!x86_acpi_build(ms->smp_cpus, &x86_boot_state.rsdp, errp) ||
        !x86_smbios_build(errp)) {
        return false;
    }
    if (!x86_load_multiboot(ms->kernel_filename, ms->kernel_cmdline,
                            ms->initrd_filename, ram_below_4g, ram_above_4g,
                            &multiboot, errp)) {
        return false;
    }
    if (!multiboot && !x86_load_linux(ms->kernel_filename, ms->kernel_cmdline,
                                      ms->initrd_filename, ram_below_4g,
                                      ram_above_4g, errp)) {
        return false;
    }
    return true;
}

/* A reset starts the kernel again from a fresh copy: the running one
 * has overwritten its image and the boot tables. */
static void reload_kernel(void *opaque)
{
    KernelReload *r = opaque;
    GError *err = NULL;

    if (!load_kernel(r->ms, r->below, r->above, &err)) {
        fprintf(stderr, "kite: reloading -kernel on reset: %s\n", err->message);
        g_error_free(err);
    }
}

bool microvm_load_kernel(MachineState *ms, uint64_t ram_below_4g,
                         uint64_t ram_above_4g, GError **errp)
{
    static KernelReload reload;

    if (!ms->kernel_filename) {
        return true;
    }
    if (!load_kernel(ms, ram_below_4g, ram_above_4g, errp)) {
        return false;
    }
    reload = (KernelReload){ ms, ram_below_4g, ram_above_4g };
    qemu_register_reset(reload_kernel, &reload);
    return true;
}
