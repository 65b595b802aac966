/*
 * The object tree: children held by their parent, canonical paths, and
 * path resolution (absolute, and QEMU's partial paths).
 */
#include "kite/qom.h"
#include "qom-internal.h"

#include <stdio.h>
#include <stdlib.h>

bool object_name_in_use(Object *obj, const char *name)
{
    return g_hash_table_contains(obj->children, name) ||
           object_class_property_find(obj->klass, name);
}

bool object_property_try_add_child(Object *parent, const char *name,
                                   Object *child, GError **errp)
{
    g_autofree char *free_name = NULL;

    g_assert(child && !child->parent);
    if (g_str_has_suffix(name, "[*]")) {
        size_t stem = strlen(name) - 3;
        for (unsigned i = 0;; i++) {
            g_free(free_name);
            free_name = g_strdup_printf("%.*s[%u]", (int)stem, name, i);
            if (!object_name_in_use(parent, free_name)) {
                break;
            }
        }
        name = free_name;
    }
    if (object_name_in_use(parent, name)) {
        kite_error_set(errp, "attempt to add duplicate property '%s' to "
                       "object (type '%s')", name,
                       object_get_typename(parent));
        return false;
    }
    child->name = g_strdup(name);
    child->parent = parent;
    object_ref(child);
    g_hash_table_insert(parent->children, child->name, child);
    g_ptr_array_add(parent->child_order, child->name);
    return true;
}

void object_property_add_child(Object *parent, const char *name, Object *child)
{
    GError *err = NULL;

    if (!object_property_try_add_child(parent, name, child, &err)) {
        fprintf(stderr, "kite: %s\n", err->message);
        abort();
    }
}

void object_unparent(Object *obj)
{
    Object *parent = obj ? obj->parent : NULL;

    if (!parent) {
        return;
    }
    if (obj->klass->unparent) {
        obj->klass->unparent(obj);
    }
    g_ptr_array_remove(parent->child_order, obj->name);
    g_hash_table_remove(parent->children, obj->name);
    g_free(obj->name);
    obj->name = NULL;
    obj->parent = NULL;
    object_unref(obj);
}

int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                         void *opaque)
{
    /* Copy the names: @fn may unparent the child it is given. */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    int ret = 0;

    for (guint i = 0; i < obj->child_order->len; i++) {
        g_ptr_array_add(names, g_strdup(g_ptr_array_index(obj->child_order, i)));
    }
    for (guint i = 0; i < names->len && !ret; i++) {
        Object *child = g_hash_table_lookup(obj->children,
                                            g_ptr_array_index(names, i));
        if (child) {
            ret = fn(child, opaque);
        }
    }
    g_ptr_array_free(names, true);
    return ret;
}

Object *object_resolve_path_component(Object *parent, const char *name)
{
    return g_hash_table_lookup(parent->children, name);
}

char *object_get_canonical_path(Object *obj)
{
    Object *root = object_get_root();
    GString *path = g_string_new(NULL);

    for (; obj != root; obj = obj->parent) {
        if (!obj->parent) {
            g_string_free(path, true);
            return NULL;    /* not in the tree */
        }
        g_string_prepend(path, obj->name);
        g_string_prepend_c(path, '/');
    }
    if (!path->len) {
        g_string_append_c(path, '/');
    }
    return g_string_free(path, false);
}

/* Follow @parts (empty ones skipped) down from @obj. */
static Object *resolve_relative(Object *obj, char **parts)
{
    for (char **p = parts; *p && obj; p++) {
        if (**p) {
            obj = object_resolve_path_component(obj, *p);
        }
    }
    return obj;
}

/*
 * A partial path matches wherever in the tree it resolves as a relative
 * path; it must do so in exactly one place.
 */
static Object *resolve_partial(Object *obj, char **parts, bool *ambiguous)
{
    Object *found = resolve_relative(obj, parts);

    for (guint i = 0; i < obj->child_order->len; i++) {
        Object *child = g_hash_table_lookup(obj->children,
                                            g_ptr_array_index(obj->child_order, i));
        Object *r = resolve_partial(child, parts, ambiguous);

        if (*ambiguous) {
            return NULL;
        }
        if (r && found && r != found) {
            *ambiguous = true;
            return NULL;
        }
        if (r) {
            found = r;
        }
    }
    return found;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    bool dummy = false;
    char **parts;
    Object *obj;
    bool any = false;

    if (!ambiguous) {
        ambiguous = &dummy;
    }
    *ambiguous = false;
    if (!path || !*path) {
        return NULL;
    }
    parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p; p++) {
        any |= **p != '\0';
    }
    if (path[0] == '/') {
        obj = resolve_relative(object_get_root(), parts);
    } else if (!any) {
        obj = NULL;
    } else {
        obj = resolve_partial(object_get_root(), parts, ambiguous);
    }
    g_strfreev(parts);
    return obj;
}
