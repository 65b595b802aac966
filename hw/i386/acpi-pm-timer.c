/*
 * The ACPI power management timer (ACPI 6.4, 4.8.3.3): a free-running
 * 24-bit counter at 3.579545 MHz on an I/O port that the FADT names.
 * The machine has no HPET, so Linux needs it as the reference when it
 * calibrates the TSC against the PIT, which it must do when no
 * paravirtual clock gives the TSC rate (-cpu ...,kvm=off without
 * hv-frequencies).  It counts the virtual clock, so it stops while the
 * VM is paused and moves with clock_step under qtest.
 */
#include "kite/qdev.h"
#include "kite/memory.h"
#include "kite/timer.h"
#include "kite/i386/x86-boot.h"

#define TYPE_ACPI_PM_TIMER "acpi-pm-timer"
#define PM_TIMER_HZ        3579545ULL
#define PM_TIMER_MASK      0xffffffu

typedef struct AcpiPmTimerState {
    DeviceState parent_obj;
    MemoryRegion io;
} AcpiPmTimerState;

#define ACPI_PM_TIMER(o) OBJECT_CHECK(AcpiPmTimerState, (o), TYPE_ACPI_PM_TIMER)

uint32_t acpi_pm_timer_ticks(int64_t ns)
{
    /* ns * Hz / 1e9 without overflow for centuries of uptime. */
    unsigned __int128 t = (unsigned __int128)ns * PM_TIMER_HZ;

    return (uint32_t)(t / 1000000000u) & PM_TIMER_MASK;
}

static uint64_t pm_timer_read(void *opaque, hwaddr addr, unsigned size)
{
    uint32_t v = acpi_pm_timer_ticks(clock_get_ns(KITE_CLOCK_VIRTUAL));

    return v >> (8 * addr);
}

static void pm_timer_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    /* read-only register: writes are ignored */
}

static const MemoryRegionOps pm_timer_ops = {
    .read = pm_timer_read,
    .write = pm_timer_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static bool pm_timer_realize(DeviceState *dev, GError **errp)
{
    AcpiPmTimerState *s = ACPI_PM_TIMER(dev);

    memory_region_init_io(&s->io, OBJECT(dev), &pm_timer_ops, s,
                          "acpi-pm-timer", 4);
    memory_region_add_subregion(get_system_io(), X86_ACPI_PM_TIMER_PORT,
                                &s->io);
    return true;
}

static void pm_timer_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->realize = pm_timer_realize;
    DEVICE_CLASS(klass)->desc = "ACPI power management timer (3.579545 MHz)";
    DEVICE_CLASS(klass)->user_creatable = false;  /* part of the machine */
}

static const TypeInfo pm_timer_type = {
    .name = TYPE_ACPI_PM_TIMER,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(AcpiPmTimerState),
    .class_size = sizeof(DeviceClass),
    .class_init = pm_timer_class_init,
};

static void pm_timer_register(void)
{
    type_register(&pm_timer_type);
}

type_init(pm_timer_register)
