/*
 * -object / object-add: objects a user may create by type name, kept
 * below /objects/<id>.
 */
#include "kite/qom.h"
#include "qom-internal.h"

bool object_id_wellformed(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static bool is_reserved_key(const char *name)
{
    return !strcmp(name, "qom-type") || !strcmp(name, "id");
}

/* Command line: string values, set in name order so that errors are
 * reproducible. */
static bool set_string_props(Object *obj, GHashTable *props, GError **errp)
{
    GList *keys;
    bool ok = true;

    if (!props) {
        return true;
    }
    keys = g_list_sort(g_hash_table_get_keys(props), (GCompareFunc)strcmp);
    for (GList *l = keys; l && ok; l = l->next) {
        const char *name = l->data;
        if (is_reserved_key(name)) {
            continue;
        }
        if (!object_property_find(obj, name)) {
            kite_error_set(errp, "Invalid parameter '%s'", name);
            ok = false;
            break;
        }
        ok = object_property_parse(obj, name, g_hash_table_lookup(props, name),
                                   errp);
    }
    g_list_free(keys);
    return ok;
}

/* QMP: typed values, in the order the client sent them. */
static bool set_json_props(Object *obj, json_t *props, GError **errp)
{
    const char *name;
    json_t *value;

    if (!props) {
        return true;
    }
    if (!json_is_object(props)) {
        kite_error_set(errp, "Invalid parameter type for 'props', expected: "
                       "object");
        return false;
    }
    json_object_foreach(props, name, value) {
        if (is_reserved_key(name)) {
            continue;
        }
        if (!object_property_find(obj, name)) {
            kite_error_set(errp, "Parameter '%s' is unexpected", name);
            return false;
        }
        if (!object_property_set_json(obj, name, value, errp)) {
            return false;
        }
    }
    return true;
}

static Object *user_creatable_add_common(const char *type, const char *id,
                                         GHashTable *sprops, json_t *jprops,
                                         GError **errp)
{
    ObjectClass *klass = type ? object_class_by_name(type) : NULL;
    Object *objects, *obj;
    bool ok;

    if (!type) {
        kite_error_set(errp, "Parameter 'qom-type' is missing");
        return NULL;
    }
    if (!klass || klass->info->abstract || !klass->user_creatable) {
        kite_error_set(errp, "Parameter 'qom-type' does not accept value '%s'",
                       type);
        return NULL;
    }
    if (!id) {
        kite_error_set(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!object_id_wellformed(id)) {
        kite_error_set(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    objects = object_get_objects_root();
    if (object_name_in_use(objects, id)) {
        kite_error_set(errp, "attempt to add duplicate property '%s' to "
                       "object (type '%s')", id, object_get_typename(objects));
        return NULL;
    }
    obj = object_new(type);
    ok = jprops ? set_json_props(obj, jprops, errp)
                : set_string_props(obj, sprops, errp);
    if (!ok) {
        object_unref(obj);
        return NULL;
    }
    /* In the tree before complete(): it may need its canonical path. */
    object_property_add_child(objects, id, obj);
    object_unref(obj);
    if (klass->complete && !klass->complete(obj, errp)) {
        object_unparent(obj);
        return NULL;
    }
    return obj;
}

Object *user_creatable_add(const char *type, const char *id,
                           GHashTable *props, GError **errp)
{
    return user_creatable_add_common(type, id, props, NULL, errp);
}

Object *user_creatable_add_json(const char *type, const char *id,
                                json_t *props, GError **errp)
{
    return user_creatable_add_common(type, id, NULL, props, errp);
}
