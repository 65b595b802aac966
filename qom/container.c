/*
 * Containers: plain objects that only hold children.  The root "/" and
 * the well-known directories (/objects, /machine/peripheral, ...) are
 * containers made on first use.
 */
#include "kite/qom.h"

static const TypeInfo container_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
};

static void container_register_types(void)
{
    type_register(&container_info);
}
type_init(container_register_types)

Object *object_get_root(void)
{
    static Object *root;

    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    return root;
}

Object *container_get(const char *path)
{
    Object *obj = object_get_root();
    char **parts = g_strsplit(path, "/", -1);

    for (char **p = parts; *p; p++) {
        Object *child;

        if (!**p) {
            continue;
        }
        child = object_resolve_path_component(obj, *p);
        if (!child) {
            child = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, *p, child);
            object_unref(child);
        }
        obj = child;
    }
    g_strfreev(parts);
    return obj;
}

Object *object_get_objects_root(void)
{
    return container_get("/objects");
}
