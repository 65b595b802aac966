/*
 * Property access: table properties stored in the instance, typed
 * conversion from JSON (QMP) and from command-line strings, and the
 * qom-list view of an object.  Error texts follow QEMU 7.2's.
 */
#include "kite/qom.h"
#include "kite/option.h"
#include "qom-internal.h"

#include <limits.h>

void qom_error_prop_not_found(Object *obj, const char *name, GError **errp)
{
    kite_error_set(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
}

const char *property_type_name(const Property *prop)
{
    static GHashTable *link_names;
    char *name;

    if (prop->type_name) {
        return prop->type_name;
    }
    switch (prop->kind) {
    case PROP_KIND_BOOL:
        return "bool";
    case PROP_KIND_INT:
        return "int64";
    case PROP_KIND_UINT:
        return "uint64";
    case PROP_KIND_UINT32:
        return "uint32";
    case PROP_KIND_SIZE:
        return "size";
    case PROP_KIND_STRING:
        return "str";
    case PROP_KIND_LINK:
        /* Interned so that the caller gets a string that lives forever. */
        if (!link_names) {
            link_names = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               NULL, g_free);
        }
        name = g_hash_table_lookup(link_names, prop->link_type ?: TYPE_OBJECT);
        if (!name) {
            name = g_strdup_printf("link<%s>", prop->link_type ?: TYPE_OBJECT);
            g_hash_table_insert(link_names,
                                (gpointer)(prop->link_type ?: TYPE_OBJECT), name);
        }
        return name;
    case PROP_KIND_CUSTOM:
    default:
        return "any";
    }
}

const Property *object_property_find(Object *obj, const char *name)
{
    return object_class_property_find(obj->klass, name);
}

static void *prop_field(Object *obj, const Property *prop)
{
    return (char *)obj + prop->offset;
}

static json_t *prop_default_get(Object *obj, const Property *prop, GError **errp)
{
    void *field = prop_field(obj, prop);
    Object *target;
    char *path;
    json_t *ret;

    switch (prop->kind) {
    case PROP_KIND_BOOL:
        return json_boolean(*(bool *)field);
    case PROP_KIND_INT:
        return json_integer(*(int64_t *)field);
    case PROP_KIND_UINT:
    case PROP_KIND_SIZE:
        /* jansson integers are signed; values past INT64_MAX wrap. */
        return json_integer((json_int_t)*(uint64_t *)field);
    case PROP_KIND_UINT32:
        return json_integer(*(uint32_t *)field);
    case PROP_KIND_STRING:
        return json_string(*(char **)field ?: "");
    case PROP_KIND_LINK:
        target = *(Object **)field;
        path = target ? object_get_canonical_path(target) : NULL;
        ret = json_string(path ?: "");
        g_free(path);
        return ret;
    default:
        kite_error_set(errp, "Property '%s.%s' is not readable",
                       object_get_typename(obj), prop->name);
        return NULL;
    }
}

static bool prop_type_error(const Property *prop, const char *expected,
                            GError **errp)
{
    kite_error_set(errp, "Invalid parameter type for '%s', expected: %s",
                   prop->name, expected);
    return false;
}

/* Resolve a link target by path or by -object id (below /objects). */
static bool prop_resolve_link(Object *obj, const Property *prop,
                              const char *path, Object **out, GError **errp)
{
    const char *want = prop->link_type ?: TYPE_OBJECT;
    bool ambiguous = false;
    Object *target;

    *out = NULL;
    if (!*path) {
        return true;        /* "" clears the link */
    }
    /* An -object id names /objects/<id> before any partial path. */
    target = strchr(path, '/') ? NULL :
             object_resolve_path_component(object_get_objects_root(), path);
    if (!target) {
        target = object_resolve_path(path, &ambiguous);
    }
    if (ambiguous) {
        kite_error_set(errp, "Path '%s' does not uniquely identify an object",
                       path);
        return false;
    }
    if (!target) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found", path);
        return false;
    }
    if (!object_dynamic_cast(target, want)) {
        return prop_type_error(prop, want, errp);
    }
    *out = target;
    return true;
}

static bool prop_default_set(Object *obj, const Property *prop, json_t *value,
                             GError **errp)
{
    void *field = prop_field(obj, prop);
    json_int_t v;
    Object *target, *old;

    switch (prop->kind) {
    case PROP_KIND_BOOL:
        if (!json_is_boolean(value)) {
            return prop_type_error(prop, "boolean", errp);
        }
        *(bool *)field = json_is_true(value);
        return true;
    case PROP_KIND_INT:
        if (!json_is_integer(value)) {
            return prop_type_error(prop, "integer", errp);
        }
        v = json_integer_value(value);
        if (prop->min < prop->max && (v < prop->min || v > prop->max)) {
            kite_error_set(errp, "Property %s.%s doesn't take value %" PRId64
                           " (minimum: %" PRId64 ", maximum: %" PRId64 ")",
                           object_get_typename(obj), prop->name, (int64_t)v,
                           prop->min, prop->max);
            return false;
        }
        *(int64_t *)field = v;
        return true;
    case PROP_KIND_UINT:
    case PROP_KIND_SIZE:
    case PROP_KIND_UINT32:
        if (!json_is_integer(value)) {
            return prop_type_error(prop, "integer", errp);
        }
        v = json_integer_value(value);
        if (prop->kind == PROP_KIND_UINT32) {
            if (v < 0 || v > UINT32_MAX) {
                kite_error_set(errp, "Parameter '%s' expects uint32_t",
                               prop->name);
                return false;
            }
            *(uint32_t *)field = (uint32_t)v;
            return true;
        }
        if (v < 0) {
            kite_error_set(errp, prop->kind == PROP_KIND_SIZE ?
                           "Parameter '%s' expects a size value" :
                           "Parameter '%s' expects uint64", prop->name);
            return false;
        }
        *(uint64_t *)field = (uint64_t)v;
        return true;
    case PROP_KIND_STRING:
        if (!json_is_string(value)) {
            return prop_type_error(prop, "string", errp);
        }
        g_free(*(char **)field);
        *(char **)field = g_strdup(json_string_value(value));
        return true;
    case PROP_KIND_LINK:
        if (!json_is_string(value)) {
            return prop_type_error(prop, "string", errp);
        }
        if (!prop_resolve_link(obj, prop, json_string_value(value), &target,
                               errp)) {
            return false;
        }
        old = *(Object **)field;
        *(Object **)field = object_ref(target);
        object_unref(old);
        return true;
    default:
        kite_error_set(errp, "Property '%s.%s' is not writable",
                       object_get_typename(obj), prop->name);
        return false;
    }
}

bool object_property_set_json(Object *obj, const char *name, json_t *value,
                              GError **errp)
{
    const Property *prop = object_property_find(obj, name);

    if (!prop) {
        qom_error_prop_not_found(obj, name, errp);
        return false;
    }
    if (!value) {
        kite_error_set(errp, "Parameter '%s' is missing", name);
        return false;
    }
    if (!prop->set && prop->kind == PROP_KIND_CUSTOM) {
        kite_error_set(errp, "Property '%s.%s' is not writable",
                       object_get_typename(obj), name);
        return false;
    }
    if (obj->klass->check_property_set &&
        !obj->klass->check_property_set(obj, prop, errp)) {
        return false;
    }
    if (prop->set) {
        return prop->set(obj, prop, value, errp);
    }
    return prop_default_set(obj, prop, value, errp);
}

json_t *object_property_get_json(Object *obj, const char *name, GError **errp)
{
    const Property *prop = object_property_find(obj, name);

    if (!prop) {
        Object *child = g_hash_table_lookup(obj->children, name);
        if (child) {
            /* QEMU reads a child<> property as the child's path. */
            char *path = object_get_canonical_path(child);
            json_t *ret = json_string(path ?: "");
            g_free(path);
            return ret;
        }
        qom_error_prop_not_found(obj, name, errp);
        return NULL;
    }
    if (prop->get) {
        return prop->get(obj, prop, errp);
    }
    return prop_default_get(obj, prop, errp);
}

/* Set a value made here (never NULL), consuming it. */
static bool set_owned_json(Object *obj, const char *name, json_t *value,
                           GError **errp)
{
    bool ok = object_property_set_json(obj, name, value, errp);

    json_decref(value);
    return ok;
}

/*
 * A custom property gets the JSON type its type name promises, so that
 * its setter sees the same value from the command line as from QMP.
 */
static bool parse_custom(Object *obj, const Property *prop, const char *value,
                         GError **errp)
{
    static const char *const ints[] = {
        "int", "int8", "int16", "int32", "int64",
        "uint8", "uint16", "uint32", "uint64", NULL,
    };
    const char *type = prop->type_name ?: "";
    bool b;
    int64_t i;
    uint64_t u;

    if (!strcmp(type, "bool")) {
        if (!kite_parse_bool(value, &b)) {
            kite_error_set(errp, "Parameter '%s' expects 'on' or 'off'",
                           prop->name);
            return false;
        }
        return set_owned_json(obj, prop->name, json_boolean(b), errp);
    }
    if (!strcmp(type, "size")) {
        if (!kite_parse_size(value, '\0', &u) || u > INT64_MAX) {
            kite_error_set(errp, "Parameter '%s' expects a size value",
                           prop->name);
            return false;
        }
        return set_owned_json(obj, prop->name, json_integer((json_int_t)u),
                              errp);
    }
    if (g_strv_contains(ints, type)) {
        if (kite_parse_int64(value, &i)) {
            return set_owned_json(obj, prop->name, json_integer(i), errp);
        }
        if (kite_parse_uint64(value, &u) && u <= INT64_MAX) {
            return set_owned_json(obj, prop->name, json_integer((json_int_t)u),
                                  errp);
        }
        kite_error_set(errp, "Parameter '%s' expects integer", prop->name);
        return false;
    }
    return set_owned_json(obj, prop->name, json_string(value), errp);
}

bool object_property_parse(Object *obj, const char *name, const char *value,
                           GError **errp)
{
    const Property *prop = object_property_find(obj, name);
    bool b;
    int64_t i;
    uint64_t u;

    if (!prop) {
        qom_error_prop_not_found(obj, name, errp);
        return false;
    }
    switch (prop->kind) {
    case PROP_KIND_BOOL:
        if (!kite_parse_bool(value, &b)) {
            kite_error_set(errp, "Parameter '%s' expects 'on' or 'off'", name);
            return false;
        }
        return set_owned_json(obj, name, json_boolean(b), errp);
    case PROP_KIND_INT:
        if (!kite_parse_int64(value, &i)) {
            kite_error_set(errp, "Parameter '%s' expects integer", name);
            return false;
        }
        return set_owned_json(obj, name, json_integer(i), errp);
    case PROP_KIND_UINT:
    case PROP_KIND_UINT32:
        if (value[0] == '-') {
            kite_error_set(errp, prop->kind == PROP_KIND_UINT32 ?
                           "Parameter '%s' expects uint32_t" :
                           "Parameter '%s' expects uint64", name);
            return false;
        }
        if (!kite_parse_uint64(value, &u)) {
            kite_error_set(errp, "Parameter '%s' expects integer", name);
            return false;
        }
        if (prop->kind == PROP_KIND_UINT32 && u > UINT32_MAX) {
            kite_error_set(errp, "Parameter '%s' expects uint32_t", name);
            return false;
        }
        if (u > INT64_MAX) {
            kite_error_set(errp, "Parameter '%s' expects uint64", name);
            return false;
        }
        return set_owned_json(obj, name, json_integer((json_int_t)u), errp);
    case PROP_KIND_SIZE:
        if (!kite_parse_size(value, '\0', &u) || u > INT64_MAX) {
            kite_error_set(errp, "Parameter '%s' expects a size value", name);
            return false;
        }
        return set_owned_json(obj, name, json_integer((json_int_t)u), errp);
    case PROP_KIND_CUSTOM:
        return parse_custom(obj, prop, value, errp);
    case PROP_KIND_STRING:
    case PROP_KIND_LINK:
    default:
        return set_owned_json(obj, name, json_string(value), errp);
    }
}

bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp)
{
    return set_owned_json(obj, name, json_boolean(v), errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t v, GError **errp)
{
    return set_owned_json(obj, name, json_integer(v), errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t v,
                              GError **errp)
{
    if (v > INT64_MAX) {
        kite_error_set(errp, "Parameter '%s' expects uint64", name);
        return false;
    }
    return set_owned_json(obj, name, json_integer((json_int_t)v), errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v,
                             GError **errp)
{
    return set_owned_json(obj, name, json_string(v ?: ""), errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *v,
                              GError **errp)
{
    const Property *prop = object_property_find(obj, name);
    Object *old;

    if (!prop) {
        qom_error_prop_not_found(obj, name, errp);
        return false;
    }
    if (prop->kind != PROP_KIND_LINK || prop->set) {
        /* Custom setters take a path. */
        char *path = v ? object_get_canonical_path(v) : NULL;
        bool ok;

        if (v && !path) {
            kite_error_set(errp, "Object for property '%s' is not in the tree",
                           name);
            return false;
        }
        ok = set_owned_json(obj, name, json_string(path ?: ""), errp);
        g_free(path);
        return ok;
    }
    if (obj->klass->check_property_set &&
        !obj->klass->check_property_set(obj, prop, errp)) {
        return false;
    }
    /* Direct: the target need not be in the tree. */
    if (v && !object_dynamic_cast(v, prop->link_type ?: TYPE_OBJECT)) {
        return prop_type_error(prop, prop->link_type ?: TYPE_OBJECT, errp);
    }
    old = *(Object **)prop_field(obj, prop);
    *(Object **)prop_field(obj, prop) = object_ref(v);
    object_unref(old);
    return true;
}

bool object_property_get_bool(Object *obj, const char *name, GError **errp)
{
    json_t *v = object_property_get_json(obj, name, errp);
    bool ret = false;

    if (v && !json_is_boolean(v)) {
        kite_error_set(errp, "Invalid parameter type for '%s', expected: "
                       "boolean", name);
    } else if (v) {
        ret = json_is_true(v);
    }
    json_decref(v);
    return ret;
}

int64_t object_property_get_int(Object *obj, const char *name, GError **errp)
{
    json_t *v = object_property_get_json(obj, name, errp);
    int64_t ret = 0;

    if (v && !json_is_integer(v)) {
        kite_error_set(errp, "Invalid parameter type for '%s', expected: "
                       "integer", name);
    } else if (v) {
        ret = json_integer_value(v);
    }
    json_decref(v);
    return ret;
}

uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp)
{
    const Property *prop = object_property_find(obj, name);

    /* Read unsigned fields directly so values past INT64_MAX survive. */
    if (prop && !prop->get &&
        (prop->kind == PROP_KIND_UINT || prop->kind == PROP_KIND_SIZE)) {
        return *(uint64_t *)prop_field(obj, prop);
    }
    return (uint64_t)object_property_get_int(obj, name, errp);
}

char *object_property_get_str(Object *obj, const char *name, GError **errp)
{
    json_t *v = object_property_get_json(obj, name, errp);
    char *ret = NULL;

    if (v && !json_is_string(v)) {
        kite_error_set(errp, "Invalid parameter type for '%s', expected: "
                       "string", name);
    } else if (v) {
        ret = g_strdup(json_string_value(v));
    }
    json_decref(v);
    return ret;
}

Object *object_property_get_link(Object *obj, const char *name, GError **errp)
{
    const Property *prop = object_property_find(obj, name);
    char *path;
    Object *ret;

    if (prop && prop->kind == PROP_KIND_LINK && !prop->get) {
        return *(Object **)prop_field(obj, prop);
    }
    path = object_property_get_str(obj, name, errp);
    ret = path && *path ? object_resolve_path(path, NULL) : NULL;
    g_free(path);
    return ret;
}

static json_t *prop_info(const char *name, const char *type)
{
    return json_pack("{s:s, s:s}", "name", name, "type", type);
}

json_t *object_list_properties_json(Object *obj)
{
    json_t *list = json_array();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *chain = g_ptr_array_new();

    /* Base classes first, each in declaration order, as qom-list shows. */
    for (ObjectClass *k = obj->klass; k; k = k->parent_class) {
        g_ptr_array_insert(chain, 0, k);
    }
    for (guint i = 0; i < chain->len; i++) {
        ObjectClass *k = g_ptr_array_index(chain, i);
        if (!k->info->props) {
            continue;
        }
        for (const Property *p = k->info->props; p->name; p++) {
            const Property *eff;
            if (g_hash_table_contains(seen, p->name)) {
                continue;
            }
            eff = object_property_find(obj, p->name);
            g_hash_table_add(seen, (gpointer)p->name);
            json_array_append_new(list, prop_info(eff->name,
                                                  property_type_name(eff)));
        }
    }
    for (guint i = 0; i < obj->child_order->len; i++) {
        const char *name = g_ptr_array_index(obj->child_order, i);
        Object *child = g_hash_table_lookup(obj->children, name);
        char *type = g_strdup_printf("child<%s>", object_get_typename(child));
        json_array_append_new(list, prop_info(name, type));
        g_free(type);
    }
    g_ptr_array_free(chain, true);
    g_hash_table_destroy(seen);
    return list;
}
