/*
 * The small PC ports a direct-boot machine still needs: the POST code
 * port 0x80 (written by Linux as an I/O delay), the keyboard
 * controller's reset line (command 0xFE on port 0x64, the FADT's reset
 * register) and the ACPI sleep registers.
 *
 * Reads answer what QEMU's microvm answers (all ones: it has none of
 * these) except where a guest needs more: the 8042 status at 0x64 (Linux
 * with reboot=k polls it before pulsing reset) and the sleep status at
 * 0x601 (ACPICA polls it after power-off).  See docs/qtest.md,
 * "Differences from QEMU in the port space".
 */
#include "kite/qdev.h"
#include "kite/memory.h"
#include "kite/runstate.h"
#include "kite/i386/x86-boot.h"

#define TYPE_PC_IO "pc-io"
#define KBD_CMD_PULSE_RESET 0xfe

typedef struct PcIoState {
    DeviceState parent_obj;
    MemoryRegion port80, kbd, sleep;
} PcIoState;

#define PC_IO(o) OBJECT_CHECK(PcIoState, (o), TYPE_PC_IO)

/* Nothing to read here: all ones, as an unassigned port. */
static uint64_t read_all_ones(void *opaque, hwaddr addr, unsigned size)
{
    return UINT64_MAX;
}

static void port80_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps port80_ops = {
    .read = read_all_ones,
    .write = port80_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/* Status: output buffer empty, input buffer empty, system flag set. */
static uint64_t kbd_status_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x04;
}

static void kbd_command_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    if ((val & 0xff) == KBD_CMD_PULSE_RESET) {
        qemu_system_reset_request_reason("guest-reset");
    }
}

static const MemoryRegionOps kbd_ops = {
    .read = kbd_status_read,
    .write = kbd_command_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/*
 * The hardware-reduced ACPI sleep control and status registers (ACPI 6.4,
 * 4.8.3.7): SLP_EN with SLP_TYP of \_S5 powers off.  The control
 * register is write-only (reads all ones); the status register reads 0:
 * nothing ever wakes the machine, so the guest waits for the power-off.
 */
#define SLEEP_TYP_SHIFT 2
#define SLEEP_TYP_MASK 0x1c
#define SLEEP_EN 0x20

static uint64_t sleep_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 0 ? 0xff : 0;
}

static void sleep_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (addr == 0 && (val & SLEEP_EN) &&
        ((val & SLEEP_TYP_MASK) >> SLEEP_TYP_SHIFT) == X86_ACPI_SLP_TYP_S5) {
        qemu_system_shutdown_request("guest-shutdown");
    }
}

static const MemoryRegionOps sleep_ops = {
    .read = sleep_read,
    .write = sleep_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* wider accesses are split into bytes, as for any ISA port */
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static bool pc_io_realize(DeviceState *dev, GError **errp)
{
    PcIoState *s = PC_IO(dev);

    memory_region_init_io(&s->port80, OBJECT(dev), &port80_ops, s, "port80", 1);
    /* Only the 8042's status/command port; its data port 0x60 is
     * unassigned. */
    memory_region_init_io(&s->kbd, OBJECT(dev), &kbd_ops, s, "i8042", 1);
    memory_region_add_subregion(get_system_io(), 0x80, &s->port80);
    memory_region_add_subregion(get_system_io(), X86_KBD_CMD_PORT, &s->kbd);
    memory_region_init_io(&s->sleep, OBJECT(dev), &sleep_ops, s, "acpi-sleep", 2);
    memory_region_add_subregion(get_system_io(), X86_ACPI_SLEEP_CONTROL_PORT,
                                &s->sleep);
    return true;
}

static void pc_io_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->realize = pc_io_realize;
    DEVICE_CLASS(klass)->desc = "port 0x80, the 8042 reset line and the ACPI sleep registers";
    DEVICE_CLASS(klass)->user_creatable = false;  /* part of the machine */
}

static const TypeInfo pc_io_type = {
    .name = TYPE_PC_IO,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(PcIoState),
    .class_size = sizeof(DeviceClass),
    .class_init = pc_io_class_init,
};

static void pc_io_register(void)
{
    type_register(&pc_io_type);
}
type_init(pc_io_register)
