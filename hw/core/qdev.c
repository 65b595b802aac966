/*
 * The device base type: realize/unrealize, the "realized" property,
 * placement in the tree, and system reset.
 */
#include "kite/qdev.h"
#include "qdev-internal.h"

bool qdev_realize(DeviceState *dev, GError **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (dev->realized) {
        return true;
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        return false;
    }
    dev->realized = true;
    return true;
}

static void qdev_unrealize(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (!dev->realized) {
        return;
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
}

DeviceState *qdev_new(const char *typename)
{
    return DEVICE(object_new(typename));
}

bool qdev_realize_and_unref(DeviceState *dev, GError **errp)
{
    Object *obj = OBJECT(dev);
    bool ok;

    if (!obj->parent) {
        /* As in QEMU, N counts up and is not reused after removal. */
        static unsigned unattached_count;
        Object *unattached = container_get("/machine/unattached");
        bool added;

        do {
            char *name = g_strdup_printf("device[%u]", unattached_count++);
            added = object_property_try_add_child(unattached, name, obj, NULL);
            g_free(name);
        } while (!added);
    }
    ok = qdev_realize(dev, errp);
    /* Either way the tree now holds the only reference (QEMU's contract):
     * a caller that fails removes the device with object_unparent(). */
    object_unref(obj);
    return ok;
}

static int qdev_reset_one(Object *obj, void *opaque)
{
    DeviceState *dev;

    object_child_foreach(obj, qdev_reset_one, NULL);
    dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized) {
        DeviceClass *dc = DEVICE_GET_CLASS(dev);
        if (dc->reset) {
            dc->reset(dev);
        }
    }
    return 0;
}

/*
 * Depth first below /machine, children before their parent (a device's
 * reset may rely on the parts it contains being in their reset state),
 * siblings in the order they were added.
 */
void qdev_reset_all(void)
{
    Object *machine = object_resolve_path_component(object_get_root(),
                                                    "machine");

    if (machine) {
        qdev_reset_one(machine, NULL);
    }
}

static json_t *device_get_realized(Object *obj, const Property *prop,
                                   GError **errp)
{
    return json_boolean(DEVICE(obj)->realized);
}

static bool device_set_realized(Object *obj, const Property *prop,
                                json_t *value, GError **errp)
{
    if (!json_is_boolean(value)) {
        kite_error_set(errp, "Invalid parameter type for 'realized', "
                       "expected: boolean");
        return false;
    }
    if (json_is_true(value)) {
        return qdev_realize(DEVICE(obj), errp);
    }
    qdev_unrealize(DEVICE(obj));
    return true;
}

static bool device_check_property_set(Object *obj, const Property *prop,
                                      GError **errp)
{
    DeviceState *dev = DEVICE(obj);

    if (!dev->realized || prop->settable_after_realize) {
        return true;
    }
    if (dev->id) {
        kite_error_set(errp, "Attempt to set property '%s' on device '%s' "
                       "(type '%s') after it was realized", prop->name,
                       dev->id, object_get_typename(obj));
    } else {
        kite_error_set(errp, "Attempt to set property '%s' on anonymous "
                       "device (type '%s') after it was realized", prop->name,
                       object_get_typename(obj));
    }
    return false;
}

static void device_unparent(Object *obj)
{
    qdev_unrealize(DEVICE(obj));
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    qdev_gpio_free_all(dev);
    g_free(dev->id);
    dev->id = NULL;
}

static void device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    /* As in QEMU, devices are pluggable with -device unless they say not. */
    dc->user_creatable = true;
    klass->unparent = device_unparent;
    klass->check_property_set = device_check_property_set;
}

static const Property device_props[] = {
    { .name = "realized", .kind = PROP_KIND_CUSTOM, .type_name = "bool",
      .get = device_get_realized, .set = device_set_realized,
      .settable_after_realize = true },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo device_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
    .abstract = true,
    .class_init = device_class_init,
    .instance_finalize = device_finalize,
    .props = device_props,
};

static void device_register_types(void)
{
    type_register(&device_info);
}
type_init(device_register_types)
