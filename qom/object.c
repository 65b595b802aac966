/*
 * The type registry, class initialisation, and object life cycle.
 *
 * Types are registered from constructors (type_init) in any order, so a
 * class is built lazily the first time it is asked for: its parent class
 * first, then a copy of the parent's class structure (so that overridden
 * methods are inherited), then its own class_init.
 */
#include "kite/qom.h"
#include "qom-internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct TypeImpl {
    const TypeInfo *info;
    ObjectClass *klass;
    bool initialising;
} TypeImpl;

static GHashTable *type_table(void)
{
    static GHashTable *table;

    if (!table) {
        table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return table;
}

void type_register(const TypeInfo *info)
{
    TypeImpl *ti;

    g_assert(info && info->name);
    if (g_hash_table_contains(type_table(), info->name)) {
        fprintf(stderr, "kite: type '%s' registered twice\n", info->name);
        abort();
    }
    ti = g_new0(TypeImpl, 1);
    ti->info = info;
    g_hash_table_insert(type_table(), (gpointer)info->name, ti);
}

void type_register_static_array(const TypeInfo *infos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        type_register(&infos[i]);
    }
}

static ObjectClass *type_class_init(TypeImpl *ti);

static size_t type_class_size(TypeImpl *ti)
{
    if (ti->info->class_size) {
        return ti->info->class_size;
    }
    if (ti->info->parent) {
        TypeImpl *p = g_hash_table_lookup(type_table(), ti->info->parent);
        return p ? type_class_size(p) : sizeof(ObjectClass);
    }
    return sizeof(ObjectClass);
}

/* Own properties first, then inherited ones not redeclared by name. */
static GPtrArray *type_build_props(const TypeInfo *info, ObjectClass *parent)
{
    GPtrArray *props = g_ptr_array_new();

    if (info->props) {
        for (const Property *p = info->props; p->name; p++) {
            g_ptr_array_add(props, (gpointer)p);
        }
    }
    if (parent) {
        guint own = props->len;
        for (guint i = 0; i < parent->props->len; i++) {
            const Property *pp = g_ptr_array_index(parent->props, i);
            bool overridden = false;
            for (guint j = 0; j < own; j++) {
                const Property *op = g_ptr_array_index(props, j);
                if (strcmp(op->name, pp->name) == 0) {
                    overridden = true;
                    break;
                }
            }
            if (!overridden) {
                g_ptr_array_add(props, (gpointer)pp);
            }
        }
    }
    return props;
}

static ObjectClass *type_class_init(TypeImpl *ti)
{
    ObjectClass *parent = NULL;
    ObjectClass *klass;
    size_t size;

    if (ti->klass) {
        return ti->klass;
    }
    if (ti->initialising) {
        fprintf(stderr, "kite: type '%s' is its own ancestor\n", ti->info->name);
        abort();
    }
    ti->initialising = true;
    if (ti->info->parent) {
        TypeImpl *pti = g_hash_table_lookup(type_table(), ti->info->parent);
        if (!pti) {
            fprintf(stderr, "kite: type '%s' has unknown parent '%s'\n",
                    ti->info->name, ti->info->parent);
            abort();
        }
        parent = type_class_init(pti);
    }
    size = type_class_size(ti);
    klass = g_malloc0(size);
    if (parent) {
        size_t psize = type_class_size(g_hash_table_lookup(type_table(),
                                                           ti->info->parent));
        g_assert(psize <= size);
        memcpy(klass, parent, psize);
    }
    klass->info = ti->info;
    klass->parent_class = parent;
    klass->props = type_build_props(ti->info, parent);
    ti->klass = klass;
    if (ti->info->class_init) {
        ti->info->class_init(klass, ti->info->class_data);
    }
    ti->initialising = false;
    return klass;
}

ObjectClass *object_class_by_name(const char *typename)
{
    TypeImpl *ti;

    if (!typename) {
        return NULL;
    }
    ti = g_hash_table_lookup(type_table(), typename);
    return ti ? type_class_init(ti) : NULL;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename)
{
    for (ObjectClass *k = klass; k; k = k->parent_class) {
        if (strcmp(k->info->name, typename) == 0) {
            return klass;
        }
    }
    return NULL;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->info->name;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    return klass->parent_class;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->info->abstract;
}

static gint class_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(object_class_get_name((ObjectClass *)a),
                  object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list(const char *implements, bool include_abstract)
{
    GSList *list = NULL;
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, type_table());
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        ObjectClass *k = type_class_init(value);
        if (!include_abstract && k->info->abstract) {
            continue;
        }
        if (implements && !object_class_dynamic_cast(k, implements)) {
            continue;
        }
        list = g_slist_prepend(list, k);
    }
    return g_slist_sort(list, class_name_cmp);
}

const Property *object_class_property_find(ObjectClass *klass, const char *name)
{
    for (guint i = 0; i < klass->props->len; i++) {
        const Property *p = g_ptr_array_index(klass->props, i);
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

static size_t type_instance_size(const TypeInfo *info)
{
    if (info->instance_size) {
        return info->instance_size;
    }
    if (info->parent) {
        ObjectClass *p = object_class_by_name(info->parent);
        return type_instance_size(p->info);
    }
    return sizeof(Object);
}

static void object_apply_defaults(Object *obj)
{
    GPtrArray *props = obj->klass->props;

    for (guint i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        void *field = (char *)obj + p->offset;

        if (p->kind == PROP_KIND_STRING && p->has_default && p->defval.s) {
            *(char **)field = g_strdup(p->defval.s);
        }
        if (!p->has_default) {
            continue;
        }
        switch (p->kind) {
        case PROP_KIND_BOOL:
            *(bool *)field = p->defval.b;
            break;
        case PROP_KIND_INT:
            *(int64_t *)field = p->defval.i;
            break;
        case PROP_KIND_UINT:
        case PROP_KIND_SIZE:
            *(uint64_t *)field = p->defval.u;
            break;
        case PROP_KIND_UINT32:
            *(uint32_t *)field = (uint32_t)p->defval.u;
            break;
        default:
            break;
        }
    }
}

static void object_init_chain(Object *obj, ObjectClass *klass)
{
    if (klass->parent_class) {
        object_init_chain(obj, klass->parent_class);
    }
    if (klass->info->instance_init) {
        klass->info->instance_init(obj);
    }
}

Object *object_new(const char *typename)
{
    ObjectClass *klass = object_class_by_name(typename);
    Object *obj;

    if (!klass) {
        fprintf(stderr, "kite: object_new: unknown type '%s'\n", typename);
        abort();
    }
    if (klass->info->abstract) {
        fprintf(stderr, "kite: object_new: type '%s' is abstract\n", typename);
        abort();
    }
    obj = g_malloc0(type_instance_size(klass->info));
    obj->klass = klass;
    obj->ref = 1;
    obj->children = g_hash_table_new(g_str_hash, g_str_equal);
    obj->child_order = g_ptr_array_new();
    object_apply_defaults(obj);
    object_init_chain(obj, klass);
    return obj;
}

Object *object_ref(Object *obj)
{
    if (obj) {
        g_assert(obj->ref > 0);
        obj->ref++;
    }
    return obj;
}

/* Release what table properties own: strings and link references. */
static void object_release_props(Object *obj)
{
    GPtrArray *props = obj->klass->props;

    for (guint i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        void *field = (char *)obj + p->offset;

        if (p->kind == PROP_KIND_STRING) {
            g_free(*(char **)field);
            *(char **)field = NULL;
        } else if (p->kind == PROP_KIND_LINK) {
            Object *target = *(Object **)field;
            *(Object **)field = NULL;
            object_unref(target);
        }
    }
}

static void object_finalize(Object *obj)
{
    /* Children go first, newest first, as they may point at the parent. */
    while (obj->child_order->len) {
        const char *name = g_ptr_array_index(obj->child_order,
                                             obj->child_order->len - 1);
        object_unparent(g_hash_table_lookup(obj->children, name));
    }
    if (obj->klass->unparent) {
        obj->klass->unparent(obj);
    }
    for (ObjectClass *k = obj->klass; k; k = k->parent_class) {
        if (k->info->instance_finalize) {
            k->info->instance_finalize(obj);
        }
    }
    object_release_props(obj);
    g_hash_table_destroy(obj->children);
    g_ptr_array_free(obj->child_order, true);
    g_free(obj);
}

void object_unref(Object *obj)
{
    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (--obj->ref == 0) {
        g_assert(!obj->parent);
        object_finalize(obj);
    }
}

const char *object_get_typename(Object *obj)
{
    return obj->klass->info->name;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(obj->klass, typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename)
{
    if (obj && !object_class_dynamic_cast(obj->klass, typename)) {
        fprintf(stderr, "kite: object of type '%s' is not an instance of "
                "type '%s'\n", object_get_typename(obj), typename);
        abort();
    }
    return obj;
}

/* The base type: every object has a read-only "type" property. */
static json_t *object_get_type_prop(Object *obj, const Property *prop,
                                    GError **errp)
{
    return json_string(object_get_typename(obj));
}

static const Property object_props[] = {
    { .name = "type", .kind = PROP_KIND_CUSTOM, .type_name = "string",
      .get = object_get_type_prop, .settable_after_realize = true },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo object_info = {
    .name = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .class_size = sizeof(ObjectClass),
    .abstract = true,
    .props = object_props,
};

static void object_register_types(void)
{
    type_register(&object_info);
}
type_init(object_register_types)
