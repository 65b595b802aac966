/*
 * Devices: objects that are realized once their properties are set, have
 * named GPIO lines, and take part in system reset.
 */
#ifndef KITE_QDEV_H
#define KITE_QDEV_H

#include "kite/qom.h"
#include "kite/irq.h"

#define TYPE_DEVICE "device"

typedef struct NamedGPIOList {
    char *name;          /* NULL for the unnamed list */
    int num_in;
    qemu_irq *in;
    int num_out;
    qemu_irq **out;      /* pointers into the device's own fields */
    struct NamedGPIOList *next;
} NamedGPIOList;

typedef struct DeviceState {
    Object parent_obj;
    char *id;            /* -device id=, NULL if none */
    bool realized;
    NamedGPIOList *gpios;
} DeviceState;

typedef struct DeviceClass {
    ObjectClass parent_class;
    const char *desc;
    const char *category;       /* "misc", "storage", ... for -device help */
    bool user_creatable;        /* may be created with -device */
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
} DeviceClass;

#define DEVICE(o) OBJECT_CHECK(DeviceState, (o), TYPE_DEVICE)
#define DEVICE_GET_CLASS(o) OBJECT_GET_CLASS(DeviceClass, (o), TYPE_DEVICE)
#define DEVICE_CLASS(k) \
    ((DeviceClass *)object_class_dynamic_cast((ObjectClass *)(k), TYPE_DEVICE))

DeviceState *qdev_new(const char *typename);
/* Realize; on failure the device stays unrealized and *errp is set. */
bool qdev_realize(DeviceState *dev, GError **errp);
/* Add below /machine/unattached/device[N] (N counting up) if it has no
 * parent, realize, and drop the caller's reference whatever the outcome,
 * as QEMU does.  On failure the unrealized device stays in the tree, which
 * holds its only reference: the caller removes it with object_unparent(). */
bool qdev_realize_and_unref(DeviceState *dev, GError **errp);
/* Reset every realized device (system reset). */
void qdev_reset_all(void);

void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n);
void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n);
static inline void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler h, int n)
{
    qdev_init_gpio_in_named(dev, h, NULL, n);
}
static inline void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n)
{
    qdev_init_gpio_out_named(dev, pins, NULL, n);
}
qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n);
static inline qemu_irq qdev_get_gpio_in(DeviceState *dev, int n)
{
    return qdev_get_gpio_in_named(dev, NULL, n);
}
void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin);
static inline void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin)
{
    qdev_connect_gpio_out_named(dev, NULL, n, pin);
}
NamedGPIOList *qdev_get_named_gpio_list(DeviceState *dev, const char *name);

/*
 * -device DRIVER,id=ID,prop=val: create, set properties, add below
 * /machine/peripheral/<id> (or peripheral-anon), realize.  @props maps
 * property name -> string.  Errors name the driver or property.
 */
DeviceState *qdev_device_add(const char *driver, const char *id,
                             GHashTable *props, GError **errp);
/* Print `-device help` or `-device DRIVER,help`. */
void qdev_print_device_list(void);
bool qdev_print_device_help(const char *driver, GError **errp);
/* device-list-properties: JSON array of {"name","type","description"?,
 * "default-value"?}. */
json_t *qdev_list_properties_json(const char *typename, GError **errp);

#endif
