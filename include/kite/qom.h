/*
 * The small object model: types with parents, class and instance
 * structures, properties declared in one table per type, and a tree of
 * objects addressed by paths (/machine, /objects/<id>, ...).
 */
#ifndef KITE_QOM_H
#define KITE_QOM_H

#include "kite/common.h"
#include <jansson.h>

typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct Property Property;
typedef struct TypeInfo TypeInfo;

typedef enum {
    PROP_KIND_BOOL,   /* bool field; "on/off/yes/no/true/false" from strings */
    PROP_KIND_INT,    /* int64_t field */
    PROP_KIND_UINT,   /* uint64_t field */
    PROP_KIND_UINT32, /* uint32_t field */
    PROP_KIND_SIZE,   /* uint64_t field; accepts k/M/G/T suffixes */
    PROP_KIND_STRING, /* char * field, g_free'd on finalize */
    PROP_KIND_LINK,   /* Object * field, referenced by path or id */
    PROP_KIND_CUSTOM, /* get/set callbacks only */
} PropertyKind;

/*
 * A property.  Table properties (kind != CUSTOM) store their value in the
 * instance at @offset; custom ones use @get/@set.  Either kind may provide
 * @get/@set to override the default accessors (e.g. read-only computed
 * values).  A NULL @set on a CUSTOM property makes it read-only.
 */
struct Property {
    const char *name;
    PropertyKind kind;
    size_t offset;
    const char *type_name;   /* shown to clients; NULL = derived from kind */
    const char *description;
    bool has_default;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        const char *s;
    } defval;
    int64_t min, max;        /* for INT when min < max */
    const char *link_type;   /* for LINK: required type of the target */
    bool settable_after_realize;
    json_t *(*get)(Object *obj, const Property *prop, GError **errp);
    bool (*set)(Object *obj, const Property *prop, json_t *value, GError **errp);
};

#define DEFINE_PROP_BOOL(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_BOOL, .offset = offsetof(_s, _f), \
      .has_default = true, .defval.b = (_d) }
#define DEFINE_PROP_INT(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_INT, .offset = offsetof(_s, _f), \
      .has_default = true, .defval.i = (_d) }
#define DEFINE_PROP_UINT(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT, .offset = offsetof(_s, _f), \
      .has_default = true, .defval.u = (_d) }
#define DEFINE_PROP_UINT32(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT32, .offset = offsetof(_s, _f), \
      .has_default = true, .defval.u = (_d) }
#define DEFINE_PROP_SIZE(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_SIZE, .offset = offsetof(_s, _f), \
      .has_default = true, .defval.u = (_d) }
#define DEFINE_PROP_STRING(_n, _s, _f) \
    { .name = (_n), .kind = PROP_KIND_STRING, .offset = offsetof(_s, _f) }
#define DEFINE_PROP_LINK(_n, _s, _f, _t) \
    { .name = (_n), .kind = PROP_KIND_LINK, .offset = offsetof(_s, _f), \
      .link_type = (_t) }
#define DEFINE_PROP_END_OF_LIST() { .name = NULL }

struct TypeInfo {
    const char *name;
    const char *parent;
    size_t instance_size;
    size_t class_size;
    bool abstract;
    const char *description;
    void (*class_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    void (*instance_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    const Property *props;   /* terminated by DEFINE_PROP_END_OF_LIST() */
};

struct ObjectClass {
    const TypeInfo *info;
    ObjectClass *parent_class;
    GPtrArray *props;        /* const Property *, own then inherited */
    /* Set for types usable with -object / object-add: finishes creation
     * after properties are set.  May be NULL (nothing to do). */
    bool user_creatable;
    bool (*complete)(Object *obj, GError **errp);
    /* Called by object_unparent before the parent drops its reference,
     * and again at finalize before instance_finalize, so it must be
     * idempotent (devices unrealize here).  Inherited; may be NULL. */
    void (*unparent)(Object *obj);
    /* Called before any property is set; refuses with *errp set (devices
     * refuse most properties once realized).  Inherited; may be NULL. */
    bool (*check_property_set)(Object *obj, const Property *prop,
                               GError **errp);
};

struct Object {
    ObjectClass *klass;
    int ref;
    Object *parent;
    char *name;              /* name in parent, NULL when unparented */
    GHashTable *children;    /* name -> Object * (owned reference) */
    GPtrArray *child_order;  /* names, in insertion order */
};

#define OBJECT(o) ((Object *)(o))
#define TYPE_OBJECT "object"
#define TYPE_CONTAINER "container"

/* Register a type; call from a type_init() function. */
void type_register(const TypeInfo *info);
void type_register_static_array(const TypeInfo *infos, size_t n);

/* Run @fn at start-up so the file's types are registered. */
#define type_init(fn) \
    static void __attribute__((constructor)) fn##_ctor(void) { fn(); }

ObjectClass *object_class_by_name(const char *typename);
ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename);
const char *object_class_get_name(ObjectClass *klass);
ObjectClass *object_class_get_parent(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* Classes that are @implements or descend from it, sorted by name. */
GSList *object_class_get_list(const char *implements, bool include_abstract);
const Property *object_class_property_find(ObjectClass *klass, const char *name);
/* The client-visible type name of a property ("bool", "str", "link<x>"). */
const char *property_type_name(const Property *prop);

Object *object_new(const char *typename);
Object *object_ref(Object *obj);
void object_unref(Object *obj);
const char *object_get_typename(Object *obj);
Object *object_dynamic_cast(Object *obj, const char *typename);
/* Like object_dynamic_cast but aborts on a wrong type (a programming error). */
Object *object_dynamic_cast_assert(Object *obj, const char *typename);
#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name)))
#define OBJECT_GET_CLASS(ctype, obj, name) \
    ((ctype *)object_class_dynamic_cast(OBJECT(obj)->klass, (name)))

/* Properties of an instance (class table, inherited included). */
const Property *object_property_find(Object *obj, const char *name);
bool object_property_set_json(Object *obj, const char *name, json_t *value,
                              GError **errp);
/* New reference, or NULL with *errp set. */
json_t *object_property_get_json(Object *obj, const char *name, GError **errp);
/* Typed getters: false/0/NULL with *errp set on a missing property or a
 * value of another type.  object_property_get_str returns a new string;
 * object_property_get_link a borrowed pointer (NULL when unset). */
bool object_property_get_bool(Object *obj, const char *name, GError **errp);
int64_t object_property_get_int(Object *obj, const char *name, GError **errp);
uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp);
char *object_property_get_str(Object *obj, const char *name, GError **errp);
Object *object_property_get_link(Object *obj, const char *name, GError **errp);
/* Set from a command-line string, converted by the property's kind.
 * A CUSTOM property whose type_name is "bool", "size" or an integer type
 * ("int", "int64", "uint32", ...) receives a JSON boolean or integer;
 * any other receives the string as a JSON string. */
bool object_property_parse(Object *obj, const char *name, const char *value,
                           GError **errp);
bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t v, GError **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t v, GError **errp);
bool object_property_set_str(Object *obj, const char *name, const char *v, GError **errp);
bool object_property_set_link(Object *obj, const char *name, Object *v, GError **errp);

/* The tree.  The parent takes a reference to the child.  A name ending in
 * "[*]" takes the first free index ("device[0]", "device[1]", ...).
 * object_property_add_child aborts on a duplicate name (a programming
 * error); the try_ variant reports it in QEMU's words instead. */
void object_property_add_child(Object *parent, const char *name, Object *child);
bool object_property_try_add_child(Object *parent, const char *name,
                                   Object *child, GError **errp);
/* Remove @obj from its parent, dropping the parent's reference. */
void object_unparent(Object *obj);
Object *object_get_root(void);
/* /objects, where -object instances live. */
Object *object_get_objects_root(void);
/* Absolute path ("/machine/peripheral/x") or partial path (a unique
 * suffix match, as QEMU does).  Sets *ambiguous when a partial path
 * matches more than once.  Returns a borrowed pointer or NULL. */
Object *object_resolve_path(const char *path, bool *ambiguous);
/* Child named @name of @parent, or NULL. */
Object *object_resolve_path_component(Object *parent, const char *name);
char *object_get_canonical_path(Object *obj);
/* Return the container at @path below root, creating containers as needed. */
Object *container_get(const char *path);

/* Call @fn for each child in insertion order; stop when it returns nonzero. */
int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                         void *opaque);

/*
 * qom-list helper: a JSON array of {"name","type"} for @obj's properties
 * ("type" included, "child<T>" for children).
 */
json_t *object_list_properties_json(Object *obj);

/* QEMU's rule for -object and -device ids: a letter, then letters,
 * digits, '-', '.' or '_'. */
bool object_id_wellformed(const char *id);

/* -object TYPE,id=ID,...: create, set properties, complete, add below
 * /objects.  @props maps name -> string value (keys "qom-type" and "id"
 * are ignored).  Returns a borrowed pointer: /objects holds the reference,
 * object_unparent() deletes it. */
Object *user_creatable_add(const char *type, const char *id,
                           GHashTable *props, GError **errp);
/* object-add: the same with typed JSON values ({"size": 4096, ...});
 * keys "qom-type" and "id" in @props are ignored. */
Object *user_creatable_add_json(const char *type, const char *id,
                                json_t *props, GError **errp);

#endif
