/*
 * Named GPIO lists of a device: input lines it owns (allocated here) and
 * output lines that point at qemu_irq fields of the device, to be wired
 * to another device's inputs.
 */
#include "kite/qdev.h"

#include <stdio.h>
#include <stdlib.h>

static bool gpio_name_equal(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

NamedGPIOList *qdev_get_named_gpio_list(DeviceState *dev, const char *name)
{
    NamedGPIOList *l;

    for (l = dev->gpios; l; l = l->next) {
        if (gpio_name_equal(l->name, name)) {
            return l;
        }
    }
    l = g_new0(NamedGPIOList, 1);
    l->name = g_strdup(name);
    l->next = dev->gpios;
    dev->gpios = l;
    return l;
}

void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n)
{
    NamedGPIOList *l = qdev_get_named_gpio_list(dev, name);

    l->in = g_renew(qemu_irq, l->in, l->num_in + n);
    for (int i = 0; i < n; i++) {
        l->in[l->num_in + i] = qemu_allocate_irq(handler, dev, l->num_in + i);
    }
    l->num_in += n;
}

void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n)
{
    NamedGPIOList *l = qdev_get_named_gpio_list(dev, name);

    l->out = g_renew(qemu_irq *, l->out, l->num_out + n);
    for (int i = 0; i < n; i++) {
        l->out[l->num_out + i] = &pins[i];
    }
    l->num_out += n;
}

static void gpio_bad_line(DeviceState *dev, const char *dir, const char *name,
                          int n, int count)
{
    fprintf(stderr, "kite: device '%s' has no gpio %s line '%s'[%d] "
            "(it has %d)\n", object_get_typename(OBJECT(dev)), dir,
            name ?: "", n, count);
    abort();
}

qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n)
{
    NamedGPIOList *l = qdev_get_named_gpio_list(dev, name);

    if (n < 0 || n >= l->num_in) {
        gpio_bad_line(dev, "in", name, n, l->num_in);
    }
    return l->in[n];
}

void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin)
{
    NamedGPIOList *l = qdev_get_named_gpio_list(dev, name);

    if (n < 0 || n >= l->num_out) {
        gpio_bad_line(dev, "out", name, n, l->num_out);
    }
    *l->out[n] = pin;
}

/* Called when the device is finalized: the input lines are its own. */
void qdev_gpio_free_all(DeviceState *dev)
{
    while (dev->gpios) {
        NamedGPIOList *l = dev->gpios;
        dev->gpios = l->next;
        for (int i = 0; i < l->num_in; i++) {
            qemu_free_irq(l->in[i]);
        }
        g_free(l->in);
        g_free(l->out);
        g_free(l->name);
        g_free(l);
    }
}
