/*
 * Unit tests for the object model: types and inheritance, properties of
 * every kind from strings and JSON, links, the tree and its paths, and
 * -object creation.  Types used here are defined here.
 */
#include "kite/qom.h"

#include <stdio.h>
#include <stdlib.h>

#define TYPE_TEST_BASE "test-base"
#define TYPE_TEST_DERIVED "test-derived"
#define TYPE_TEST_ABSTRACT "test-abstract"
#define TYPE_TEST_OTHER "test-other"
#define TYPE_TEST_PLAIN "test-plain"

typedef struct TestBase {
    Object parent_obj;
    bool flag;
    int64_t num;
    uint64_t u;
    uint32_t u32;
    uint64_t size;
    char *name;
    Object *peer;
    bool fail_complete;
    int64_t num_seen_at_init;   /* proves defaults come before instance_init */
    int64_t *finalized;         /* counter bumped at finalize, if set */
} TestBase;

typedef struct TestDerived {
    TestBase parent_obj;
    char *extra;
    int64_t custom;
} TestDerived;

typedef struct TestBaseClass {
    ObjectClass parent_class;
    int marker;
} TestBaseClass;

static int64_t finalize_count;

#define TEST_BASE(o) OBJECT_CHECK(TestBase, (o), TYPE_TEST_BASE)

static void test_base_init(Object *obj)
{
    TestBase *t = TEST_BASE(obj);

    t->num_seen_at_init = t->num;
}

static void test_base_finalize(Object *obj)
{
    finalize_count++;
}

static bool test_base_complete(Object *obj, GError **errp)
{
    if (TEST_BASE(obj)->fail_complete) {
        kite_error_set(errp, "complete failed on request");
        return false;
    }
    return true;
}

static void test_base_class_init(ObjectClass *klass, const void *data)
{
    klass->user_creatable = true;
    klass->complete = test_base_complete;
    ((TestBaseClass *)klass)->marker = 1;
}

static void test_derived_class_init(ObjectClass *klass, const void *data)
{
    ((TestBaseClass *)klass)->marker = 2;
}

static json_t *custom_get(Object *obj, const Property *prop, GError **errp)
{
    return json_integer(((TestDerived *)obj)->custom);
}

static bool custom_set(Object *obj, const Property *prop, json_t *value,
                       GError **errp)
{
    if (json_is_integer(value)) {
        ((TestDerived *)obj)->custom = json_integer_value(value) * 10;
        return true;
    }
    kite_error_set(errp, "custom wants a number");
    return false;
}

static const Property test_base_props[] = {
    DEFINE_PROP_BOOL("flag", TestBase, flag, true),
    { .name = "num", .kind = PROP_KIND_INT, .offset = offsetof(TestBase, num),
      .has_default = true, .defval.i = 5, .min = -10, .max = 100,
      .description = "a bounded number" },
    DEFINE_PROP_UINT("u", TestBase, u, 7),
    DEFINE_PROP_UINT32("u32", TestBase, u32, 32),
    DEFINE_PROP_SIZE("size", TestBase, size, 4096),
    { .name = "name", .kind = PROP_KIND_STRING,
      .offset = offsetof(TestBase, name), .has_default = true,
      .defval.s = "base" },
    DEFINE_PROP_LINK("peer", TestBase, peer, TYPE_TEST_BASE),
    DEFINE_PROP_BOOL("fail-complete", TestBase, fail_complete, false),
    DEFINE_PROP_END_OF_LIST(),
};

static const Property test_derived_props[] = {
    /* Redeclared: same name, new default. */
    { .name = "num", .kind = PROP_KIND_INT, .offset = offsetof(TestBase, num),
      .has_default = true, .defval.i = 42, .min = -10, .max = 100 },
    DEFINE_PROP_STRING("extra", TestDerived, extra),
    { .name = "custom", .kind = PROP_KIND_CUSTOM, .type_name = "int",
      .get = custom_get, .set = custom_set },
    { .name = "ro", .kind = PROP_KIND_CUSTOM, .type_name = "int",
      .get = custom_get },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_BASE,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestBase),
        .class_size = sizeof(TestBaseClass),
        .class_init = test_base_class_init,
        .instance_init = test_base_init,
        .instance_finalize = test_base_finalize,
        .props = test_base_props,
    }, {
        .name = TYPE_TEST_DERIVED,
        .parent = TYPE_TEST_BASE,
        .instance_size = sizeof(TestDerived),
        .class_init = test_derived_class_init,
        .props = test_derived_props,
    }, {
        .name = TYPE_TEST_ABSTRACT,
        .parent = TYPE_TEST_BASE,
        .abstract = true,
    }, {
        .name = TYPE_TEST_OTHER,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    }, {
        /* Not user-creatable: class_init of test-base is not inherited
         * here since it descends from "object" directly. */
        .name = TYPE_TEST_PLAIN,
        .parent = TYPE_OBJECT,
    },
};

static void test_register_types(void)
{
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
}
type_init(test_register_types)

/* Helpers */

static void assert_error(GError **err, const char *msg)
{
    g_assert_nonnull(*err);
    g_assert_cmpstr((*err)->message, ==, msg);
    g_clear_error(err);
}

static json_t *get_json(Object *obj, const char *name)
{
    GError *err = NULL;
    json_t *v = object_property_get_json(obj, name, &err);

    g_assert_no_error(err);
    g_assert_nonnull(v);
    return v;
}

static int64_t get_int(Object *obj, const char *name)
{
    GError *err = NULL;
    int64_t v = object_property_get_int(obj, name, &err);

    g_assert_no_error(err);
    return v;
}

/* Tests */

static void test_type_inheritance(void)
{
    ObjectClass *base = object_class_by_name(TYPE_TEST_BASE);
    ObjectClass *derived = object_class_by_name(TYPE_TEST_DERIVED);
    GSList *list;
    const Property *num;

    g_assert_nonnull(base);
    g_assert_nonnull(derived);
    g_assert_null(object_class_by_name("no-such-type"));
    g_assert_true(object_class_get_parent(derived) == base);
    g_assert_cmpstr(object_class_get_name(derived), ==, TYPE_TEST_DERIVED);
    g_assert_true(object_class_dynamic_cast(derived, TYPE_TEST_BASE) == derived);
    g_assert_true(object_class_dynamic_cast(derived, TYPE_OBJECT) == derived);
    g_assert_null(object_class_dynamic_cast(base, TYPE_TEST_DERIVED));
    g_assert_true(object_class_is_abstract(object_class_by_name(TYPE_TEST_ABSTRACT)));
    g_assert_false(object_class_is_abstract(derived));

    /* The class structure is inherited, then class_init overrides. */
    g_assert_cmpint(((TestBaseClass *)base)->marker, ==, 1);
    g_assert_cmpint(((TestBaseClass *)derived)->marker, ==, 2);
    g_assert_true(derived->complete == test_base_complete);
    g_assert_true(derived->user_creatable);
    g_assert_false(object_class_by_name(TYPE_TEST_PLAIN)->user_creatable);

    /* Property tables: own then inherited, redeclared name wins. */
    num = object_class_property_find(derived, "num");
    g_assert_nonnull(num);
    g_assert_cmpint(num->defval.i, ==, 42);
    g_assert_cmpint(object_class_property_find(base, "num")->defval.i, ==, 5);
    g_assert_nonnull(object_class_property_find(derived, "flag"));
    g_assert_nonnull(object_class_property_find(derived, "type"));
    g_assert_null(object_class_property_find(base, "extra"));
    {
        int count = 0;
        for (guint i = 0; i < derived->props->len; i++) {
            const Property *p = g_ptr_array_index(derived->props, i);
            count += strcmp(p->name, "num") == 0;
        }
        g_assert_cmpint(count, ==, 1);
    }

    list = object_class_get_list(TYPE_TEST_BASE, false);
    g_assert_cmpint(g_slist_length(list), ==, 2);
    g_assert_cmpstr(object_class_get_name(list->data), ==, TYPE_TEST_BASE);
    g_assert_cmpstr(object_class_get_name(list->next->data), ==, TYPE_TEST_DERIVED);
    g_slist_free(list);
    list = object_class_get_list(TYPE_TEST_BASE, true);
    g_assert_cmpint(g_slist_length(list), ==, 3);
    g_assert_cmpstr(object_class_get_name(list->data), ==, TYPE_TEST_ABSTRACT);
    g_slist_free(list);
}

static void test_object_defaults(void)
{
    Object *obj = object_new(TYPE_TEST_DERIVED);
    TestBase *t = TEST_BASE(obj);
    Object *base = object_new(TYPE_TEST_BASE);

    g_assert_cmpint(obj->ref, ==, 1);
    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_TEST_DERIVED);
    g_assert_true(t->flag);
    g_assert_cmpint(t->num, ==, 42);
    g_assert_cmpint(t->num_seen_at_init, ==, 42);
    g_assert_cmpint(TEST_BASE(base)->num, ==, 5);
    g_assert_cmpuint(t->u, ==, 7);
    g_assert_cmpuint(t->u32, ==, 32);
    g_assert_cmpuint(t->size, ==, 4096);
    g_assert_cmpstr(t->name, ==, "base");
    g_assert_null(((TestDerived *)obj)->extra);
    g_assert_null(t->peer);

    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_BASE) == obj);
    g_assert_null(object_dynamic_cast(base, TYPE_TEST_DERIVED));
    g_assert_null(object_dynamic_cast(NULL, TYPE_TEST_BASE));

    object_unref(obj);
    object_unref(base);
}

static void test_dynamic_cast_assert_aborts(void)
{
    if (g_test_subprocess()) {
        Object *obj = object_new(TYPE_TEST_BASE);
        OBJECT_CHECK(TestDerived, obj, TYPE_TEST_DERIVED);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*'test-base' is not an instance of type "
                              "'test-derived'*");
}

static void test_prop_parse(void)
{
    Object *obj = object_new(TYPE_TEST_DERIVED);
    TestBase *t = TEST_BASE(obj);
    GError *err = NULL;
    static const struct {
        const char *s;
        bool v;
    } bools[] = {
        { "on", true }, { "off", false }, { "yes", true }, { "no", false },
        { "true", true }, { "false", false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
        g_assert_true(object_property_parse(obj, "flag", bools[i].s, &err));
        g_assert_no_error(err);
        g_assert_cmpint(t->flag, ==, bools[i].v);
    }
    g_assert_false(object_property_parse(obj, "flag", "maybe", &err));
    assert_error(&err, "Parameter 'flag' expects 'on' or 'off'");
    g_assert_false(t->flag);

    g_assert_true(object_property_parse(obj, "num", "-10", &err));
    g_assert_cmpint(t->num, ==, -10);
    g_assert_true(object_property_parse(obj, "num", "0x10", &err));
    g_assert_cmpint(t->num, ==, 16);
    g_assert_false(object_property_parse(obj, "num", "zz", &err));
    assert_error(&err, "Parameter 'num' expects integer");
    g_assert_false(object_property_parse(obj, "num", "101", &err));
    assert_error(&err, "Property test-derived.num doesn't take value 101 "
                 "(minimum: -10, maximum: 100)");
    g_assert_cmpint(t->num, ==, 16);

    g_assert_true(object_property_parse(obj, "u", "18446744073", &err));
    g_assert_cmpuint(t->u, ==, 18446744073ULL);
    g_assert_false(object_property_parse(obj, "u", "-1", &err));
    assert_error(&err, "Parameter 'u' expects uint64");
    g_assert_false(object_property_parse(obj, "u", "", &err));
    assert_error(&err, "Parameter 'u' expects integer");

    g_assert_true(object_property_parse(obj, "u32", "4294967295", &err));
    g_assert_cmpuint(t->u32, ==, 4294967295U);
    g_assert_false(object_property_parse(obj, "u32", "0x100000000", &err));
    assert_error(&err, "Parameter 'u32' expects uint32_t");
    g_assert_false(object_property_parse(obj, "u32", "-1", &err));
    assert_error(&err, "Parameter 'u32' expects uint32_t");
    g_assert_cmpuint(t->u32, ==, 4294967295U);

    g_assert_true(object_property_parse(obj, "size", "2M", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(t->size, ==, 2 * MiB);
    g_assert_true(object_property_parse(obj, "size", "4k", &err));
    g_assert_cmpuint(t->size, ==, 4 * KiB);
    g_assert_true(object_property_parse(obj, "size", "123", &err));
    g_assert_cmpuint(t->size, ==, 123);
    g_assert_false(object_property_parse(obj, "size", "1Q", &err));
    assert_error(&err, "Parameter 'size' expects a size value");
    g_assert_false(object_property_parse(obj, "size", "-1", &err));
    assert_error(&err, "Parameter 'size' expects a size value");
    g_assert_cmpuint(t->size, ==, 123);

    g_assert_true(object_property_parse(obj, "name", "hello, world", &err));
    g_assert_cmpstr(t->name, ==, "hello, world");
    g_assert_true(object_property_parse(obj, "extra", "x", &err));
    g_assert_cmpstr(((TestDerived *)obj)->extra, ==, "x");

    /* A custom "int" property is handed a JSON integer. */
    g_assert_true(object_property_parse(obj, "custom", "4", &err));
    g_assert_cmpint(((TestDerived *)obj)->custom, ==, 40);
    g_assert_false(object_property_parse(obj, "custom", "four", &err));
    assert_error(&err, "Parameter 'custom' expects integer");

    g_assert_false(object_property_parse(obj, "nope", "1", &err));
    assert_error(&err, "Property 'test-derived.nope' not found");
    g_assert_false(object_property_parse(obj, "type", "x", &err));
    assert_error(&err, "Property 'test-derived.type' is not writable");

    /* Strings are freed at finalize (LSan checks). */
    object_unref(obj);
}

static void test_prop_json(void)
{
    Object *obj = object_new(TYPE_TEST_DERIVED);
    TestBase *t = TEST_BASE(obj);
    GError *err = NULL;
    json_t *v;
    char *s;

    v = get_json(obj, "type");
    g_assert_cmpstr(json_string_value(v), ==, TYPE_TEST_DERIVED);
    json_decref(v);
    v = get_json(obj, "flag");
    g_assert_true(json_is_true(v));
    json_decref(v);
    v = get_json(obj, "extra");            /* unset string reads as "" */
    g_assert_cmpstr(json_string_value(v), ==, "");
    json_decref(v);
    v = get_json(obj, "peer");             /* unset link reads as "" */
    g_assert_cmpstr(json_string_value(v), ==, "");
    json_decref(v);
    g_assert_cmpint(get_int(obj, "u32"), ==, 32);

    v = json_integer(3);
    g_assert_false(object_property_set_json(obj, "flag", v, &err));
    assert_error(&err, "Invalid parameter type for 'flag', expected: boolean");
    g_assert_false(object_property_set_json(obj, "name", v, &err));
    assert_error(&err, "Invalid parameter type for 'name', expected: string");
    g_assert_true(object_property_set_json(obj, "custom", v, &err));
    g_assert_cmpint(get_int(obj, "custom"), ==, 30);
    g_assert_false(object_property_set_json(obj, "ro", v, &err));
    assert_error(&err, "Property 'test-derived.ro' is not writable");
    g_assert_false(object_property_set_json(obj, "missing", v, &err));
    assert_error(&err, "Property 'test-derived.missing' not found");
    json_decref(v);

    v = json_string("12");
    g_assert_false(object_property_set_json(obj, "num", v, &err));
    assert_error(&err, "Invalid parameter type for 'num', expected: integer");
    g_assert_false(object_property_set_json(obj, "size", v, &err));
    assert_error(&err, "Invalid parameter type for 'size', expected: integer");
    json_decref(v);

    v = json_integer(-1);
    g_assert_false(object_property_set_json(obj, "u32", v, &err));
    assert_error(&err, "Parameter 'u32' expects uint32_t");
    g_assert_false(object_property_set_json(obj, "u", v, &err));
    assert_error(&err, "Parameter 'u' expects uint64");
    g_assert_true(object_property_set_json(obj, "num", v, &err));
    g_assert_cmpint(t->num, ==, -1);
    json_decref(v);

    g_assert_false(object_property_get_json(obj, "missing", &err));
    assert_error(&err, "Property 'test-derived.missing' not found");

    /* Typed helpers. */
    g_assert_true(object_property_set_bool(obj, "flag", false, &err));
    g_assert_false(object_property_get_bool(obj, "flag", &err));
    g_assert_true(object_property_set_int(obj, "num", 99, &err));
    g_assert_cmpint(get_int(obj, "num"), ==, 99);
    g_assert_true(object_property_set_uint(obj, "size", 1 * GiB, &err));
    g_assert_cmpuint(object_property_get_uint(obj, "size", &err), ==, GiB);
    g_assert_true(object_property_set_str(obj, "name", "n2", &err));
    s = object_property_get_str(obj, "name", &err);
    g_assert_cmpstr(s, ==, "n2");
    g_free(s);
    g_assert_no_error(err);
    g_assert_false(object_property_get_bool(obj, "num", &err));
    assert_error(&err, "Invalid parameter type for 'num', expected: boolean");

    object_unref(obj);
}

static void test_prop_type_names(void)
{
    ObjectClass *k = object_class_by_name(TYPE_TEST_DERIVED);
    static const char *const expect[][2] = {
        { "flag", "bool" }, { "num", "int64" }, { "u", "uint64" },
        { "u32", "uint32" }, { "size", "size" }, { "name", "str" },
        { "peer", "link<test-base>" }, { "type", "string" }, { "custom", "int" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        const Property *p = object_class_property_find(k, expect[i][0]);
        g_assert_nonnull(p);
        g_assert_cmpstr(property_type_name(p), ==, expect[i][1]);
    }
}

static void test_prop_link(void)
{
    Object *dir = container_get("/test-link");
    Object *a = object_new(TYPE_TEST_BASE);
    Object *b = object_new(TYPE_TEST_DERIVED);
    Object *other = object_new(TYPE_TEST_OTHER);
    Object *objb;
    GError *err = NULL;
    json_t *v;
    int64_t before;

    object_property_add_child(dir, "a", a);
    object_property_add_child(dir, "other", other);
    object_unref(other);

    /* By absolute path, then read back as the canonical path. */
    g_assert_true(object_property_parse(b, "peer", "/test-link/a", &err));
    g_assert_no_error(err);
    g_assert_true(TEST_BASE(b)->peer == a);
    g_assert_cmpint(a->ref, ==, 3);      /* ours, the tree's, the link's */
    v = get_json(b, "peer");
    g_assert_cmpstr(json_string_value(v), ==, "/test-link/a");
    json_decref(v);
    g_assert_true(object_property_get_link(b, "peer", &err) == a);

    /* Wrong type, missing target: the old value stays. */
    g_assert_false(object_property_parse(b, "peer", "/test-link/other", &err));
    assert_error(&err, "Invalid parameter type for 'peer', expected: test-base");
    g_assert_false(object_property_parse(b, "peer", "/test-link/none", &err));
    g_assert_true(g_error_matches(err, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND));
    assert_error(&err, "Device '/test-link/none' not found");
    g_assert_true(TEST_BASE(b)->peer == a);

    /* A partial path must name one object. */
    {
        Object *twin1 = object_new(TYPE_TEST_BASE);
        Object *twin2 = object_new(TYPE_TEST_BASE);
        object_property_add_child(container_get("/test-link/t1"), "twin", twin1);
        object_property_add_child(container_get("/test-link/t2"), "twin", twin2);
        g_assert_false(object_property_parse(b, "peer", "twin", &err));
        assert_error(&err, "Path 'twin' does not uniquely identify an object");
        g_assert_true(object_property_parse(b, "peer", "t2/twin", &err));
        g_assert_true(TEST_BASE(b)->peer == twin2);
        object_unref(twin1);
        object_unref(twin2);
        g_assert_true(object_property_parse(b, "peer", "a", &err));
        g_assert_true(TEST_BASE(b)->peer == a);
    }

    /* "" clears the link and drops its reference. */
    g_assert_true(object_property_parse(b, "peer", "", &err));
    g_assert_null(TEST_BASE(b)->peer);
    g_assert_cmpint(a->ref, ==, 2);

    /* By -object id. */
    objb = user_creatable_add(TYPE_TEST_BASE, "linktarget", NULL, &err);
    g_assert_no_error(err);
    g_assert_true(object_property_parse(b, "peer", "linktarget", &err));
    g_assert_true(TEST_BASE(b)->peer == objb);

    /* A link keeps its target alive after it leaves the tree. */
    before = finalize_count;
    object_unparent(objb);
    g_assert_cmpint(finalize_count, ==, before);
    g_assert_true(object_property_set_link(b, "peer", a, &err));
    g_assert_cmpint(finalize_count, ==, before + 1);
    g_assert_false(object_property_set_link(b, "peer", other, &err));
    assert_error(&err, "Invalid parameter type for 'peer', expected: test-base");

    /* Finalize of the holder drops the link. */
    object_unref(b);
    g_assert_cmpint(a->ref, ==, 2);
    object_unref(a);
    object_unparent(dir);
}

static int collect_names(Object *child, void *opaque)
{
    g_string_append_printf(opaque, "%s,", child->name);
    return 0;
}

static int stop_at_b(Object *child, void *opaque)
{
    g_string_append_printf(opaque, "%s,", child->name);
    return strcmp(child->name, "b") == 0 ? 7 : 0;
}

static void test_tree_paths(void)
{
    Object *root = object_get_root();
    Object *dir = container_get("/test-paths/sub");
    Object *x = object_new(TYPE_TEST_BASE);
    Object *y = object_new(TYPE_TEST_BASE);
    Object *z = object_new(TYPE_TEST_BASE);
    bool ambiguous;
    char *path;

    g_assert_true(container_get("/test-paths/sub") == dir);
    g_assert_true(container_get("test-paths/sub/") == dir);
    g_assert_cmpstr(object_get_typename(dir), ==, TYPE_CONTAINER);

    object_property_add_child(dir, "x", x);
    object_property_add_child(container_get("/test-paths/one"), "dup", y);
    object_property_add_child(container_get("/test-paths/two"), "dup", z);

    path = object_get_canonical_path(x);
    g_assert_cmpstr(path, ==, "/test-paths/sub/x");
    g_free(path);
    path = object_get_canonical_path(root);
    g_assert_cmpstr(path, ==, "/");
    g_free(path);
    {
        Object *loose = object_new(TYPE_TEST_BASE);
        g_assert_null(object_get_canonical_path(loose));   /* not in the tree */
        object_unref(loose);
    }

    g_assert_true(object_resolve_path("/", NULL) == root);
    g_assert_true(object_resolve_path("/test-paths/sub/x", &ambiguous) == x);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("//test-paths//sub/x", NULL) == x);
    g_assert_null(object_resolve_path("/test-paths/sub/nope", NULL));
    g_assert_null(object_resolve_path("/sub/x", NULL));   /* absolute only */
    g_assert_null(object_resolve_path("", NULL));

    /* Partial paths: a unique suffix. */
    g_assert_true(object_resolve_path("x", &ambiguous) == x);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("sub/x", &ambiguous) == x);
    g_assert_true(object_resolve_path("one/dup", &ambiguous) == y);
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path("dup", &ambiguous));
    g_assert_true(ambiguous);
    g_assert_null(object_resolve_path("ub/x", &ambiguous));
    g_assert_false(ambiguous);

    g_assert_true(object_resolve_path_component(dir, "x") == x);
    g_assert_null(object_resolve_path_component(dir, "y"));

    object_unref(x);
    object_unref(y);
    object_unref(z);
    object_unparent(container_get("/test-paths"));
    g_assert_null(object_resolve_path("/test-paths", NULL));
}

static void test_tree_children(void)
{
    Object *parent = object_new(TYPE_TEST_BASE);
    const char *names[] = { "c", "a", "b", "d" };
    GString *seen = g_string_new(NULL);
    Object *b;
    GError *err = NULL;
    int64_t before = finalize_count;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        Object *child = object_new(TYPE_TEST_BASE);
        object_property_add_child(parent, names[i], child);
        g_assert_true(child->parent == parent);
        g_assert_cmpint(child->ref, ==, 2);
        object_unref(child);
    }
    object_child_foreach(parent, collect_names, seen);
    g_assert_cmpstr(seen->str, ==, "c,a,b,d,");
    g_string_truncate(seen, 0);
    g_assert_cmpint(object_child_foreach(parent, stop_at_b, seen), ==, 7);
    g_assert_cmpstr(seen->str, ==, "c,a,b,");

    /* "[*]" takes the first free index. */
    for (int i = 0; i < 3; i++) {
        Object *child = object_new(TYPE_TEST_BASE);
        object_property_add_child(parent, "dev[*]", child);
        object_unref(child);
    }
    g_assert_nonnull(object_resolve_path_component(parent, "dev[2]"));
    object_unparent(object_resolve_path_component(parent, "dev[1]"));
    {
        Object *child = object_new(TYPE_TEST_BASE);
        object_property_add_child(parent, "dev[*]", child);
        g_assert_cmpstr(child->name, ==, "dev[1]");
        object_unref(child);
    }

    /* Duplicates are refused; so are names of properties. */
    {
        Object *child = object_new(TYPE_TEST_BASE);
        g_assert_false(object_property_try_add_child(parent, "a", child, &err));
        assert_error(&err, "attempt to add duplicate property 'a' to object "
                     "(type 'test-base')");
        g_assert_false(object_property_try_add_child(parent, "flag", child, &err));
        assert_error(&err, "attempt to add duplicate property 'flag' to object "
                     "(type 'test-base')");
        g_assert_null(child->parent);
        object_unref(child);
    }

    /* Unparent drops the tree's reference: b is finalized. */
    b = object_resolve_path_component(parent, "b");
    object_ref(b);
    object_unparent(b);
    g_assert_null(b->parent);
    g_assert_null(b->name);
    g_assert_cmpint(b->ref, ==, 1);
    g_string_truncate(seen, 0);
    object_child_foreach(parent, collect_names, seen);
    g_assert_cmpstr(seen->str, ==, "c,a,d,dev[0],dev[2],dev[1],");   /* insertion order */
    object_unparent(b);     /* no parent: nothing happens */
    object_unref(b);

    /* Finalizing the parent finalizes its children: 1 + 4 + 4 objects
     * (one for the refused duplicate). */
    object_unref(parent);
    g_assert_cmpint(finalize_count - before, ==, 10);
    g_string_free(seen, true);
}

static void test_list_properties(void)
{
    Object *obj = object_new(TYPE_TEST_DERIVED);
    Object *child = object_new(TYPE_TEST_OTHER);
    json_t *list, *e;
    size_t i;
    GHashTable *types = g_hash_table_new(g_str_hash, g_str_equal);

    object_property_add_child(obj, "kid", child);
    object_unref(child);
    list = object_list_properties_json(obj);
    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *type = json_string_value(json_object_get(e, "type"));
        g_assert_nonnull(name);
        g_assert_nonnull(type);
        g_assert_false(g_hash_table_contains(types, name));   /* once each */
        g_hash_table_insert(types, (gpointer)name, (gpointer)type);
    }
    /* QEMU lists "type" first and children last. */
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0),
                                                      "name")), ==, "type");
    g_assert_cmpstr(json_string_value(json_object_get(
        json_array_get(list, json_array_size(list) - 1), "name")), ==, "kid");
    g_assert_cmpstr(g_hash_table_lookup(types, "type"), ==, "string");
    g_assert_cmpstr(g_hash_table_lookup(types, "num"), ==, "int64");
    g_assert_cmpstr(g_hash_table_lookup(types, "peer"), ==, "link<test-base>");
    g_assert_cmpstr(g_hash_table_lookup(types, "extra"), ==, "str");
    g_assert_cmpstr(g_hash_table_lookup(types, "kid"), ==, "child<test-other>");
    /* 8 base + 3 own (num redeclared) + type + child */
    g_assert_cmpint(json_array_size(list), ==, 13);
    g_hash_table_destroy(types);
    json_decref(list);

    /* A child reads as its path. */
    {
        Object *dir = container_get("/test-list");
        json_t *v;
        object_property_add_child(dir, "obj", obj);
        v = get_json(obj, "kid");
        g_assert_cmpstr(json_string_value(v), ==, "/test-list/obj/kid");
        json_decref(v);
        object_unparent(dir);
    }
    object_unref(obj);
}

static GHashTable *props_of(const char *first, ...)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal,
                                          g_free, g_free);
    va_list ap;

    va_start(ap, first);
    for (const char *k = first; k; k = va_arg(ap, const char *)) {
        g_hash_table_insert(h, g_strdup(k), g_strdup(va_arg(ap, const char *)));
    }
    va_end(ap);
    return h;
}

static void test_user_creatable(void)
{
    Object *objects = object_get_objects_root();
    GHashTable *props;
    GError *err = NULL;
    Object *obj;
    int64_t before;
    char *path;

    g_assert_null(user_creatable_add("nosuchtype", "a", NULL, &err));
    assert_error(&err, "Parameter 'qom-type' does not accept value 'nosuchtype'");
    g_assert_null(user_creatable_add(TYPE_TEST_PLAIN, "a", NULL, &err));
    assert_error(&err, "Parameter 'qom-type' does not accept value 'test-plain'");
    g_assert_null(user_creatable_add(TYPE_TEST_ABSTRACT, "a", NULL, &err));
    assert_error(&err, "Parameter 'qom-type' does not accept value 'test-abstract'");
    g_assert_null(user_creatable_add(TYPE_CONTAINER, "a", NULL, &err));
    assert_error(&err, "Parameter 'qom-type' does not accept value 'container'");
    g_assert_null(user_creatable_add(TYPE_TEST_BASE, NULL, NULL, &err));
    assert_error(&err, "Parameter 'id' is missing");
    g_assert_null(user_creatable_add(TYPE_TEST_BASE, "1abc", NULL, &err));
    assert_error(&err, "Parameter 'id' expects an identifier");

    before = finalize_count;
    props = props_of("num", "7", "size", "1M", "name", "n", NULL);
    obj = user_creatable_add(TYPE_TEST_DERIVED, "uc1", props, &err);
    g_assert_no_error(err);
    g_assert_nonnull(obj);
    g_hash_table_destroy(props);
    g_assert_cmpint(TEST_BASE(obj)->num, ==, 7);
    g_assert_cmpuint(TEST_BASE(obj)->size, ==, MiB);
    g_assert_true(object_resolve_path("/objects/uc1", NULL) == obj);
    path = object_get_canonical_path(obj);
    g_assert_cmpstr(path, ==, "/objects/uc1");
    g_free(path);
    g_assert_cmpint(obj->ref, ==, 1);     /* /objects holds the only one */

    g_assert_null(user_creatable_add(TYPE_TEST_BASE, "uc1", NULL, &err));
    assert_error(&err, "attempt to add duplicate property 'uc1' to object "
                 "(type 'container')");

    /* Bad properties and a failing complete leave nothing behind. */
    props = props_of("bogus", "1", NULL);
    g_assert_null(user_creatable_add(TYPE_TEST_BASE, "uc2", props, &err));
    assert_error(&err, "Invalid parameter 'bogus'");
    g_hash_table_destroy(props);
    props = props_of("flag", "maybe", NULL);
    g_assert_null(user_creatable_add(TYPE_TEST_BASE, "uc2", props, &err));
    assert_error(&err, "Parameter 'flag' expects 'on' or 'off'");
    g_hash_table_destroy(props);
    props = props_of("fail-complete", "on", NULL);
    g_assert_null(user_creatable_add(TYPE_TEST_BASE, "uc2", props, &err));
    assert_error(&err, "complete failed on request");
    g_hash_table_destroy(props);
    g_assert_null(object_resolve_path_component(objects, "uc2"));
    g_assert_cmpint(finalize_count - before, ==, 3);

    /* id and qom-type keys are ignored among the properties. */
    props = props_of("id", "uc3", "qom-type", TYPE_TEST_BASE, NULL);
    g_assert_nonnull(user_creatable_add(TYPE_TEST_BASE, "uc3", props, &err));
    g_hash_table_destroy(props);

    object_unparent(obj);
    object_unparent(object_resolve_path_component(objects, "uc3"));
    g_assert_cmpint(finalize_count - before, ==, 5);
}

static void test_user_creatable_json(void)
{
    GError *err = NULL;
    json_t *props;
    Object *obj;
    int64_t before = finalize_count;

    props = json_pack("{s:s, s:i, s:b, s:s}", "qom-type", TYPE_TEST_BASE,
                      "size", 8192, "flag", 0, "name", "j");
    obj = user_creatable_add_json(TYPE_TEST_BASE, "ucj", props, &err);
    g_assert_no_error(err);
    json_decref(props);
    g_assert_cmpuint(TEST_BASE(obj)->size, ==, 8192);
    g_assert_false(TEST_BASE(obj)->flag);
    g_assert_cmpstr(TEST_BASE(obj)->name, ==, "j");

    /* Typed: a string is not a size here, unlike on the command line. */
    props = json_pack("{s:s}", "size", "1M");
    g_assert_null(user_creatable_add_json(TYPE_TEST_BASE, "ucj2", props, &err));
    assert_error(&err, "Invalid parameter type for 'size', expected: integer");
    json_decref(props);
    props = json_pack("{s:i}", "foo", 1);
    g_assert_null(user_creatable_add_json(TYPE_TEST_BASE, "ucj2", props, &err));
    assert_error(&err, "Parameter 'foo' is unexpected");
    json_decref(props);
    g_assert_null(user_creatable_add_json(TYPE_TEST_BASE, "ucj", NULL, &err));
    assert_error(&err, "attempt to add duplicate property 'ucj' to object "
                 "(type 'container')");
    g_assert_null(object_resolve_path("/objects/ucj2", NULL));
    object_unparent(obj);
    g_assert_cmpint(finalize_count - before, ==, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qom/type/inheritance", test_type_inheritance);
    g_test_add_func("/qom/object/defaults", test_object_defaults);
    g_test_add_func("/qom/object/cast-assert", test_dynamic_cast_assert_aborts);
    g_test_add_func("/qom/prop/parse", test_prop_parse);
    g_test_add_func("/qom/prop/json", test_prop_json);
    g_test_add_func("/qom/prop/type-names", test_prop_type_names);
    g_test_add_func("/qom/prop/link", test_prop_link);
    g_test_add_func("/qom/tree/paths", test_tree_paths);
    g_test_add_func("/qom/tree/children", test_tree_children);
    g_test_add_func("/qom/tree/list-properties", test_list_properties);
    g_test_add_func("/qom/user-creatable/strings", test_user_creatable);
    g_test_add_func("/qom/user-creatable/json", test_user_creatable_json);
    return g_test_run();
}
