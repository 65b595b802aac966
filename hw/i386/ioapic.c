/*
 * "ioapic": the machine's 24 interrupt inputs, as a device at
 * /machine/ioapic.  For now it is a stand-in that only records each
 * line's level: devices connect their interrupt outputs to its GPIO
 * inputs, and qtest's irq_intercept_in on /machine/ioapic reports them.
 * Routing the lines to the guest (KVM's in-kernel IOAPIC via irqfd or
 * KVM_IRQ_LINE) comes with the KVM machine work; it will hook in through
 * ioapic_set_route_handler() without changing the devices.
 */
#include "hw/i386/ioapic.h"

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IOAPICState *s = opaque;

    if (n < 0 || n >= IOAPIC_NUM_PINS) {
        return;
    }
    /* Only changes go on: under KVM each one is an ioctl, and a 16550
     * re-states its (low) line on every byte the guest sends. */
    if (s->level[n] == (level != 0)) {
        return;
    }
    s->level[n] = level != 0;
    if (s->route) {
        s->route(s->route_opaque, n, level);
    }
}

void ioapic_set_route_handler(IOAPICState *s, qemu_irq_handler route,
                              void *opaque)
{
    s->route = route;
    s->route_opaque = opaque;
}

static void ioapic_instance_init(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), ioapic_set_irq, IOAPIC_NUM_PINS);
}

static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);

    /* Lower what is high where the levels go, or the device resets that
     * follow (their lines low already, as far as we know) would leave a
     * line asserted there. */
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        if (s->level[n] && s->route) {
            s->route(s->route_opaque, n, 0);
        }
        s->level[n] = false;
    }
}

static void ioapic_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = (DeviceClass *)oc;

    dc->desc = "I/O APIC interrupt inputs";
    dc->category = "misc";
    dc->user_creatable = false;
    dc->reset = ioapic_reset;
}

static void ioapic_register_types(void)
{
    static const TypeInfo info = {
        .name = TYPE_IOAPIC,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(IOAPICState),
        .class_init = ioapic_class_init,
        .instance_init = ioapic_instance_init,
    };
    type_register(&info);
}

type_init(ioapic_register_types)
