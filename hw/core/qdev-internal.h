/* Helpers shared by the qdev files of hw/core/ only. */
#ifndef KITE_QDEV_INTERNAL_H
#define KITE_QDEV_INTERNAL_H

#include "kite/qdev.h"

void qdev_gpio_free_all(DeviceState *dev);
/* Properties a client may set on a device (no internal ones such as
 * "type" or "realized"), sorted by name when @sorted. */
GPtrArray *qdev_user_properties(ObjectClass *klass, bool sorted);
/* Find a device class for a client-supplied type name, with QEMU's
 * errors for unknown, non-device and abstract types (@param names the
 * parameter: "driver" or "typename"). */
DeviceClass *qdev_lookup_device_class(const char *name, const char *param,
                                      GError **errp);

/* One line of `-device DRIVER,help`, in QEMU's layout (new string). */
char *qdev_property_help_line(const Property *p);

#endif
