/*
 * What microvm adds for guests: the 16550 UART at 0x3f8 on IRQ 4 for
 * -serial, port 0x80 and the reset lines, fw_cfg at 0x510, interrupt
 * routing to KVM's in-kernel IOAPIC, and loading -kernel (multiboot or
 * Linux bzImage) with the boot tables (ACPI, SMBIOS, MP table).
 */
#include "hw/i386/microvm-devices.h"
#include "hw/i386/ioapic.h"
#include "hw/i386/fw_cfg.h"
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

/* The legacy keys, as QEMU's microvm fills them. */
static bool create_fw_cfg(MachineState *ms, GError **errp)
{
    DeviceState *fw_cfg = fw_cfg_io_create(OBJECT(ms), errp);

    if (!fw_cfg) {
        return false;
    }
    fw_cfg_set_i64(fw_cfg, FW_CFG_RAM_SIZE, ms->ram_size);
    fw_cfg_set_i16(fw_cfg, FW_CFG_NB_CPUS, ms->smp_cpus);
    fw_cfg_set_i16(fw_cfg, FW_CFG_MAX_CPUS, ms->max_cpus);
    /* ISA IRQ 0 is on I/O APIC pin 2 (the MADT's override). */
    fw_cfg_set_i32(fw_cfg, FW_CFG_IRQ0_OVERRIDE, 1);
    return true;
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
    if (!qdev_realize(dev, errp) || !create_fw_cfg(ms, errp)) {
        return false;
    }
    dev = add_device(OBJECT(ms), "acpi-pm-timer", "acpi-pm-timer", errp);
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
    bool fresh;     /* loaded, no reset since: the start-up reset keeps it */
} KernelReload;

/*
 * fw_cfg's command line keys say where the Linux loader put the command
 * line and hold a copy of it, NUL included; QEMU leaves them empty for
 * multiboot kernels, and so does Kite.
 */
static bool publish_cmdline(GError **errp)
{
    DeviceState *fw_cfg = fw_cfg_find();
    uint32_t size = x86_boot_state.cmdline_size;
    g_autofree char *text = NULL;

    if (!fw_cfg) {
        return true;
    }
    if (size) {
        text = g_malloc(size);
        if (!dma_memory_read(address_space_memory(),
                             x86_boot_state.cmdline_addr, text, size, errp)) {
            return false;
        }
    }
    fw_cfg_set_i32(fw_cfg, FW_CFG_CMDLINE_ADDR,
                   size ? x86_boot_state.cmdline_addr : 0);
    fw_cfg_set_i32(fw_cfg, FW_CFG_CMDLINE_SIZE, size);
    fw_cfg_set_bytes(fw_cfg, FW_CFG_CMDLINE_DATA, text, size);
    return true;
}

static bool load_kernel(MachineState *ms, uint64_t ram_below_4g,
                        uint64_t ram_above_4g, GError **errp)
{
    bool multiboot = false;

    if (!x86_acpi_build(ms->smp_cpus, &x86_boot_state.rsdp, errp) ||
        !x86_smbios_build(errp) || !x86_mptable_build(ms->smp_cpus, errp)) {
        return false;
    }
    x86_boot_state.cmdline_addr = 0;
    x86_boot_state.cmdline_size = 0;
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
    return publish_cmdline(errp);
}

/* A reset starts the kernel again from a fresh copy: the running one
 * has overwritten its image and the boot tables. */
static void reload_kernel(void *opaque)
{
    KernelReload *r = opaque;
    GError *err = NULL;

    /* main() resets the machine once before the first start; the image
     * loaded at machine init is still intact then (nothing has run), and
     * loading it again cost 0.2 s of start-up in the emulated host. */
    if (r->fresh) {
        r->fresh = false;
        return;
    }
    if (!load_kernel(r->ms, r->below, r->above, &err)) {
        fprintf(stderr, "kite: reloading -kernel on reset: %s\n", err->message);
        g_error_free(err);
    }
}

bool microvm_load_kernel(MachineState *ms, uint64_t ram_below_4g,
                         uint64_t ram_above_4g, GError **errp)
{
    static KernelReload reload;

    if (!ms->kernel_filename || !*ms->kernel_filename) {
        /* QEMU's microvm would start its firmware; Kite has none, and a
         * vCPU started at the reset vector fails at once in KVM. */
        if (kvm_state()) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "microvm: no -kernel given and Kite has no "
                        "firmware; use -kernel (or -accel qtest)");
            return false;
        }
        return true;
    }
    if (!load_kernel(ms, ram_below_4g, ram_above_4g, errp)) {
        return false;
    }
    reload = (KernelReload){ ms, ram_below_4g, ram_above_4g, true };
    qemu_register_reset(reload_kernel, &reload);
    return true;
}
