/*
 * The client's view of device properties: which ones a user may set,
 * and device-list-properties.
 */
#include "kite/qdev.h"
#include "qdev-internal.h"

static gint prop_name_cmp(gconstpointer a, gconstpointer b)
{
    const Property *pa = *(const Property *const *)a;
    const Property *pb = *(const Property *const *)b;

    return strcmp(pa->name, pb->name);
}

GPtrArray *qdev_user_properties(ObjectClass *klass, bool sorted)
{
    ObjectClass *base = object_class_by_name(TYPE_DEVICE);
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i < klass->props->len; i++) {
        const Property *p = g_ptr_array_index(klass->props, i);
        /* Properties of the base types ("type", "realized") are internal. */
        if (object_class_property_find(base, p->name) == p) {
            continue;
        }
        g_ptr_array_add(out, (gpointer)p);
    }
    if (sorted) {
        g_ptr_array_sort(out, prop_name_cmp);
    }
    return out;
}

DeviceClass *qdev_lookup_device_class(const char *name, const char *param,
                                      GError **errp)
{
    ObjectClass *klass = object_class_by_name(name);
    bool is_driver = strcmp(param, "driver") == 0;

    if (!klass || (is_driver && !object_class_dynamic_cast(klass, TYPE_DEVICE))) {
        if (is_driver) {
            kite_error_set(errp, "'%s' is not a valid device model name", name);
        } else {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND,
                        "Device '%s' not found", name);
        }
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_DEVICE) ||
        object_class_is_abstract(klass)) {
        kite_error_set(errp, "Parameter '%s' expects a non-abstract device type",
                       param);
        return NULL;
    }
    return DEVICE_CLASS(klass);
}

/* The default of a table property as JSON, or NULL when it has none. */
static json_t *prop_default_json(const Property *p)
{
    if (!p->has_default) {
        return NULL;
    }
    switch (p->kind) {
    case PROP_KIND_BOOL:
        return json_boolean(p->defval.b);
    case PROP_KIND_INT:
        return json_integer(p->defval.i);
    case PROP_KIND_UINT:
    case PROP_KIND_UINT32:
    case PROP_KIND_SIZE:
        return json_integer((json_int_t)p->defval.u);
    case PROP_KIND_STRING:
        return p->defval.s ? json_string(p->defval.s) : NULL;
    default:
        return NULL;
    }
}

json_t *qdev_list_properties_json(const char *typename, GError **errp)
{
    DeviceClass *dc = qdev_lookup_device_class(typename, "typename", errp);
    GPtrArray *props;
    json_t *list;

    if (!dc) {
        return NULL;
    }
    props = qdev_user_properties((ObjectClass *)dc, false);
    list = json_array();
    for (guint i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        json_t *info = json_pack("{s:s, s:s}", "name", p->name,
                                 "type", property_type_name(p));
        json_t *def = prop_default_json(p);

        if (p->description) {
            json_object_set_new(info, "description", json_string(p->description));
        }
        if (def) {
            json_object_set_new(info, "default-value", def);
        }
        json_array_append_new(list, info);
    }
    g_ptr_array_free(props, true);
    return list;
}

char *qdev_property_help_line(const Property *p)
{
    GString *s = g_string_new(NULL);
    const char *desc = p->description;
    json_t *def = prop_default_json(p);

    g_string_append_printf(s, "  %s=<%s>", p->name, property_type_name(p));
    if (!desc && p->kind == PROP_KIND_BOOL) {
        desc = "on/off";
    } else if (!desc && def) {
        desc = "";
    }
    if (desc) {
        while (s->len < 24) {
            g_string_append_c(s, ' ');
        }
        g_string_append_printf(s, " - %s", desc);
    }
    if (def) {
        char *text = json_dumps(def, JSON_ENCODE_ANY);
        g_string_append_printf(s, " (default: %s)", text);
        free(text);
        json_decref(def);
    }
    return g_string_free(s, false);
}
