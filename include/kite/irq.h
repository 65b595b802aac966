/* Interrupt lines between devices: a handler called with a level. */
#ifndef KITE_IRQ_H
#define KITE_IRQ_H

#include "kite/common.h"

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);
/* A NULL irq is a line not connected: setting it does nothing. */
void qemu_set_irq(qemu_irq irq, int level);
static inline void qemu_irq_raise(qemu_irq irq) { qemu_set_irq(irq, 1); }
static inline void qemu_irq_lower(qemu_irq irq) { qemu_set_irq(irq, 0); }
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}
/* Replace the handler of @irq (used by qtest's irq_intercept_*). */
void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler, void *opaque);

#endif
