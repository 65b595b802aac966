/*
 * QMP commands on the object model: qom-list, qom-get, qom-set,
 * qom-list-types and device-list-properties.  Error texts and classes
 * are QEMU 7.2's (a missing path is DeviceNotFound).
 */
#include "kite/qmp.h"
#include "kite/qdev.h"

static Object *qmp_resolve(const char *path, bool ambiguous_is_generic,
                           GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);
    if (obj) {
        return obj;
    }
    if (ambiguous && ambiguous_is_generic) {
        kite_error_set(errp, "Path '%s' is ambiguous", path);
    } else {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found", path);
    }
    return NULL;
}

static const char *arg_str(json_t *args, const char *name)
{
    return json_string_value(json_object_get(args, name));
}

static json_t *qmp_qom_list(json_t *args, GError **errp)
{
    Object *obj = qmp_resolve(arg_str(args, "path"), true, errp);
    return obj ? object_list_properties_json(obj) : NULL;
}

static json_t *qmp_qom_get(json_t *args, GError **errp)
{
    Object *obj = qmp_resolve(arg_str(args, "path"), false, errp);
    return obj ? object_property_get_json(obj, arg_str(args, "property"), errp)
               : NULL;
}

static json_t *qmp_qom_set(json_t *args, GError **errp)
{
    Object *obj = qmp_resolve(arg_str(args, "path"), false, errp);
    if (!obj || !object_property_set_json(obj, arg_str(args, "property"),
                                          json_object_get(args, "value"),
                                          errp)) {
        return NULL;
    }
    return json_object();
}

static json_t *qmp_qom_list_types(json_t *args, GError **errp)
{
    const char *implements = arg_str(args, "implements");
    json_t *abstract_arg = json_object_get(args, "abstract");
    bool abstract = abstract_arg && json_is_true(abstract_arg);
    json_t *list = json_array();

    if (implements && !object_class_by_name(implements)) {
        return list;    /* QEMU: an unknown type implements nothing */
    }
    GSList *classes = object_class_get_list(implements, abstract);
    for (GSList *l = classes; l; l = l->next) {
        ObjectClass *klass = l->data;
        json_t *info = json_pack("{s:s}", "name", object_class_get_name(klass));
        if (object_class_is_abstract(klass)) {
            json_object_set_new(info, "abstract", json_true());
        }
        ObjectClass *parent = object_class_get_parent(klass);
        if (parent) {
            json_object_set_new(info, "parent",
                                json_string(object_class_get_name(parent)));
        }
        json_array_append_new(list, info);
    }
    g_slist_free(classes);
    return list;
}

static json_t *qmp_device_list_properties(json_t *args, GError **errp)
{
    return qdev_list_properties_json(arg_str(args, "typename"), errp);
}

static const QmpArg qom_list_args[] = {
    { "path", QMP_ARG_STR, false },
    { NULL },
};
static const QmpArg qom_get_args[] = {
    { "path", QMP_ARG_STR, false },
    { "property", QMP_ARG_STR, false },
    { NULL },
};
static const QmpArg qom_set_args[] = {
    { "path", QMP_ARG_STR, false },
    { "property", QMP_ARG_STR, false },
    { "value", QMP_ARG_ANY, false },
    { NULL },
};
static const QmpArg qom_list_types_args[] = {
    { "implements", QMP_ARG_STR, true },
    { "abstract", QMP_ARG_BOOL, true },
    { NULL },
};
static const QmpArg device_list_properties_args[] = {
    { "typename", QMP_ARG_STR, false },
    { NULL },
};

static const QmpCommandInfo qmp_qom_cmds[] = {
    { .name = "qom-list", .fn = qmp_qom_list, .args = qom_list_args },
    { .name = "qom-get", .fn = qmp_qom_get, .args = qom_get_args },
    { .name = "qom-set", .fn = qmp_qom_set, .args = qom_set_args },
    { .name = "qom-list-types", .fn = qmp_qom_list_types,
      .args = qom_list_types_args },
    { .name = "device-list-properties", .fn = qmp_device_list_properties,
      .args = device_list_properties_args },
};

static void __attribute__((constructor)) qmp_cmds_qom_register(void)
{
    qmp_register_commands(qmp_qom_cmds);
}
