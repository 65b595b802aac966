/* Helpers shared by the files of qom/ only. */
#ifndef KITE_QOM_INTERNAL_H
#define KITE_QOM_INTERNAL_H

#include "kite/qom.h"

/* Error for a property that does not exist, in QEMU's words. */
void qom_error_prop_not_found(Object *obj, const char *name, GError **errp);
/* True when @name is a property or child name of @obj. */
bool object_name_in_use(Object *obj, const char *name);

#endif
