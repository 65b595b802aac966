/* The x86 machines' interrupt inputs (see ioapic.c). */
#ifndef HW_I386_IOAPIC_H
#define HW_I386_IOAPIC_H

#include "kite/qdev.h"

#define TYPE_IOAPIC "ioapic"
#define IOAPIC_NUM_PINS 24

typedef struct IOAPICState {
    DeviceState parent_obj;
    bool level[IOAPIC_NUM_PINS];
    qemu_irq_handler route;     /* where levels go (KVM), or NULL */
    void *route_opaque;
} IOAPICState;

#define IOAPIC(o) OBJECT_CHECK(IOAPICState, (o), TYPE_IOAPIC)

/* Forward every input change to @route (the accelerator's routing). */
void ioapic_set_route_handler(IOAPICState *s, qemu_irq_handler route,
                              void *opaque);

#endif
